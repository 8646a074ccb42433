"""Compute core: pure numpy / numba / scikit-learn, no GUI imports.

The names below are imported from their modules on first use (PEP 562):
``import napari_symseg.core.params`` (the command line's parser) does not
import numba, scipy or scikit-learn.
"""

from ..errors import ClusteringError, ImageTooSmallError, InputError, ParamsError, SymsegError

#: public name -> the module (relative to this package) that defines it
_LAZY = {
    "Operations": ".descriptors.operations",
    "Grid": ".grid",
    "predict_steps": ".labelling",
    "Model": ".model",
    "Params": ".params",
    "segment": ".pipeline",
    "segment_steps": ".pipeline",
    "Progress": ".progress",
    "SeriesProgress": ".progress",
    "Result": ".result",
    "SeriesResult": ".series",
    "segment_series": ".series",
    "segment_series_steps": ".series",
}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "ClusteringError",
    "Grid",
    "ImageTooSmallError",
    "InputError",
    "Model",
    "Operations",
    "Params",
    "ParamsError",
    "Progress",
    "Result",
    "SeriesProgress",
    "SeriesResult",
    "SymsegError",
    "predict_steps",
    "segment",
    "segment_series",
    "segment_series_steps",
    "segment_steps",
]
