"""Compute core: pure numpy / numba / scikit-learn, no GUI imports."""

from .descriptors.operations import Operations
from .grid import Grid, ImageTooSmallError
from .model import Model
from .params import Params, ParamsError
from .pipeline import Progress, Result, predict_steps, segment, segment_steps
from .series import SeriesProgress, SeriesResult, segment_series, segment_series_steps
from .validation import InputError

__all__ = [
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
    "predict_steps",
    "segment",
    "segment_series",
    "segment_series_steps",
    "segment_steps",
]
