"""napari-symseg: training-free segmentation of atomic-resolution images.

Local symmetry descriptors (Pearson scores of translations, rotations and
reflections of local patches), PCA and k-means, after Wang et al.,
Microscopy and Microanalysis 27 (2021).

Every error the package raises on purpose is a `SymsegError` (see
`napari_symseg.errors`): bad input or parameters, a file that cannot be read
or written.
"""

from . import _startup  # noqa: F401 - first: numba's cache folder (see _startup)
from ._meta import __version__
from .errors import (
    ClusteringError,
    ExportError,
    FileFormatError,
    ImageTooSmallError,
    InputError,
    ParamsError,
    ScribbleError,
    SymsegError,
)

#: The compute verbs and classes, imported from `core` on first use (PEP 562), so that
#: ``import napari_symseg`` and ``napari-symseg --help`` do not import numba, scipy and
#: scikit-learn.
_FROM_CORE = frozenset({
    "Model", "Params", "Progress", "Result", "SeriesProgress", "SeriesResult",
    "predict_steps", "segment", "segment_series", "segment_series_steps", "segment_steps",
})


def __getattr__(name: str):
    if name in _FROM_CORE:
        from . import core

        value = getattr(core, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _FROM_CORE)


__all__ = [
    "ClusteringError",
    "ExportError",
    "FileFormatError",
    "ImageTooSmallError",
    "InputError",
    "Model",
    "Params",
    "ParamsError",
    "Progress",
    "Result",
    "ScribbleError",
    "SeriesProgress",
    "SeriesResult",
    "SymsegError",
    "__version__",
    "predict_steps",
    "segment",
    "segment_series",
    "segment_series_steps",
    "segment_steps",
]
