"""Compute core: pure numpy / numba / scikit-learn, no GUI imports."""

from ..errors import ClusteringError, ImageTooSmallError, InputError, ParamsError, SymsegError
from .descriptors.operations import Operations
from .grid import Grid
from .labelling import predict_steps
from .model import Model
from .params import Params
from .pipeline import segment, segment_steps
from .progress import Progress, SeriesProgress
from .result import Result
from .series import SeriesResult, segment_series, segment_series_steps

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
