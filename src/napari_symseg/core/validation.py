"""Input checks of images and series: one clear message per bad input, nothing modified."""

from __future__ import annotations

import numpy as np

from ..errors import InputError

#: Largest pixel magnitude accepted: squares and box sums of a 4096² image stay finite.
MAX_ABS_VALUE = 1e100


def as_image(image, allow_series: bool = False, allow_constant: bool = False) -> np.ndarray:
    """Validate `image` and return a float64 copy (the input is never modified).

    Integer, unsigned, boolean-free real and big-endian dtypes are converted.

    Parameters
    ----------
    image : array_like
        A 2-D image (rows, cols); with `allow_series`, also (T, rows, cols).
    allow_series : bool
        Accept 3-D (T, Y, X) arrays.
    allow_constant : bool
        Accept constant images (e.g. a blank frame inside a series, which
        is labelled rather than rejected).

    Returns
    -------
    ndarray, float64, native byte order, C-contiguous

    Raises
    ------
    InputError
        For RGB/RGBA, 1-D or 4-D+ arrays, 3-D series when not allowed,
        complex, boolean or non-numeric data, empty arrays, NaN/inf pixels,
        values beyond `MAX_ABS_VALUE` and constant images.
    """
    arr = np.asarray(image)
    if arr.dtype.kind not in "iuf":
        kind = {"b": "boolean", "c": "complex", "U": "text", "S": "bytes", "O": "object"}
        raise InputError(
            f"image must hold real numbers; got {kind.get(arr.dtype.kind, str(arr.dtype))} "
            f"data (dtype {arr.dtype})"
        )
    if arr.ndim == 3 and arr.shape[-1] in (3, 4) and min(arr.shape[:2]) > 4:
        raise InputError(
            f"image looks like RGB/RGBA colour data, shape {arr.shape}; convert it to a "
            "single grey-scale channel first (e.g. take the detector channel or the mean)"
        )
    if arr.ndim == 3 and not allow_series:
        raise InputError(
            f"got a 3-D array of shape {arr.shape}; this takes one 2-D image: use "
            "segment_series() (or the CLI, which does this itself) for a (T, Y, X) series, "
            "or pass one frame, e.g. image[0]"
        )
    if arr.ndim not in ((2, 3) if allow_series else (2,)):
        want = "2-D (Y, X) or 3-D (T, Y, X)" if allow_series else "2-D (Y, X)"
        raise InputError(f"image must be {want}; got {arr.ndim}-D array of shape {arr.shape}")
    if arr.size == 0:
        raise InputError(f"image is empty, shape {arr.shape}")
    out = np.array(arr, dtype=np.float64, order="C", copy=True)
    # one minimum and one maximum per frame serve every check below (no |image| copy, no
    # mask): min and max propagate NaN, and an infinite pixel is the minimum or maximum
    frames = out.reshape((-1, *out.shape[-2:]))
    lo, hi = frames.min(axis=(1, 2)), frames.max(axis=(1, 2))
    if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
        raise InputError(
            f"image contains {out.size - np.count_nonzero(np.isfinite(out))} NaN or infinite "
            "pixel(s); replace them (e.g. with the median) or crop them away"
        )
    largest = float(max(hi.max(), -lo.min()))  # = np.abs(out).max()
    if largest > MAX_ABS_VALUE:
        raise InputError(
            f"image values reach {largest:.3g}, too large to compute squares and sums with; "
            f"rescale the image (e.g. divide it by its maximum) so that values stay below "
            f"{MAX_ABS_VALUE:g}"
        )
    for t in [] if allow_constant else np.flatnonzero(hi == lo)[:1]:
        where = f"frame {t} is" if out.ndim == 3 else "image is"
        raise InputError(
            f"{where} constant (every pixel = {frames[t].flat[0]:g}): there is no pattern "
            "to segment"
        )
    return out


def check_series(series) -> tuple[int, int, int]:
    """Check that `series` is a (T, Y, X) array of real numbers; returns its shape.

    Nothing is read or copied (a memory map or a dask array stays lazy).

    Parameters
    ----------
    series : array_like
        numpy array, memory map, dask or zarr array (anything with ``shape``
        and ``dtype``), or a nested list.

    Returns
    -------
    (int, int, int)
        The shape (T, Y, X).

    Raises
    ------
    InputError
        For non-real data, arrays that are not 3-D, RGB/RGBA data, empty
        series and lists of frames of different shapes.
    """
    if not (hasattr(series, "shape") and hasattr(series, "dtype")):
        try:
            series = np.asarray(series)  # a nested list: small enough to convert
        except ValueError:  # numpy refuses ragged nesting
            raise InputError(
                "the frames of a series must all have the same shape (a (T, Y, X) array); "
                "got a list of frames of different shapes"
            ) from None
    shape = tuple(int(n) for n in series.shape)
    dtype = np.dtype(series.dtype)
    if dtype.kind not in "iuf":
        raise InputError(f"series must hold real numbers; got dtype {dtype}")
    if len(shape) != 3:
        raise InputError(
            f"an image series must be 3-D (T, Y, X); got {len(shape)}-D array of shape {shape}"
        )
    if shape[-1] in (3, 4) and min(shape[:2]) > 4:
        raise InputError(
            f"series looks like RGB/RGBA colour data, shape {shape}; convert it to a single "
            "grey-scale channel first"
        )
    if 0 in shape:
        raise InputError(f"series is empty, shape {shape}")
    return shape


def as_frame(frame, t: int, allow_constant: bool = True) -> np.ndarray:
    """`as_image` for frame `t` of a series: its errors name the frame.

    A constant frame (e.g. a blanked beam) is labelled like any other
    unless `allow_constant` is False (reference frames must show a pattern).

    Parameters
    ----------
    frame : array_like, 2-D
        The frame's pixels.
    t : int
        Its index in the series.
    allow_constant : bool
        Accept a constant frame.

    Returns
    -------
    ndarray, float64
    """
    try:
        return as_image(np.asarray(frame), allow_constant=allow_constant)
    except InputError as err:
        raise InputError(f"frame {t}: {err}") from None


def frame_image(series, t: int, allow_constant: bool = True) -> np.ndarray:
    """Frame `t` of `series`, validated, as a float64 array (errors name the frame).

    Parameters
    ----------
    series : array_like, (T, Y, X)
        The series (only frame `t` is read).
    t : int
        The frame.
    allow_constant : bool
        Accept a constant frame (see `as_frame`).

    Returns
    -------
    ndarray, float64
    """
    return as_frame(series[t], t, allow_constant)
