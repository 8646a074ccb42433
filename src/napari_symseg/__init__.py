"""napari-symseg: training-free segmentation of atomic-resolution images.

Local symmetry descriptors (Pearson scores of translations, rotations and
reflections of local patches), PCA and k-means, after Wang et al.,
Microscopy and Microanalysis 27 (2021).
"""

try:
    from ._version import version as __version__
except ImportError:  # pragma: no cover - not installed from a build
    from importlib.metadata import PackageNotFoundError, version

    try:
        __version__ = version("napari-symseg")
    except PackageNotFoundError:
        __version__ = "0.0.0"

from .core import (
    InputError,
    Model,
    Params,
    ParamsError,
    Progress,
    Result,
    SeriesProgress,
    SeriesResult,
    predict_steps,
    segment,
    segment_series,
    segment_series_steps,
    segment_steps,
)

__all__ = [
    "InputError",
    "Model",
    "Params",
    "ParamsError",
    "Progress",
    "Result",
    "SeriesProgress",
    "SeriesResult",
    "__version__",
    "predict_steps",
    "segment",
    "segment_series",
    "segment_series_steps",
    "segment_steps",
]
