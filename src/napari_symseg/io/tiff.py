"""Calibrated TIFF files: ImageJ hyperstacks that Fiji and tifffile open with their pixel size.

Labels (uint8/uint16) and maps (float32) are written in ImageJ's hyperstack
format with tifffile: the pixel size in the X/YResolution tags, its unit,
the frame interval (seconds) and the origin in the ImageJ description, and a
JSON text (parameters, version, calibration) in ImageJ's ``Info`` property
(the IJMetadata tag: Fiji shows it under Image > Show Info; tifffile reads it
as ``TiffFile(path).imagej_metadata["Info"]``).

Lengths are written in ``nm`` (or ``micron`` from 1 µm up), whatever unit the
calibration uses (Å, pm...): ImageJ understands both without ambiguity. A
dtype ImageJ cannot hold (e.g. int32) gives a plain TIFF with the same
resolution tags and the JSON text as its description.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

#: dtypes of ImageJ hyperstacks (8-bit, 16-bit, 32-bit float)
IMAGEJ_DTYPES = (np.uint8, np.uint16, np.float32)


def _convert(value: float, unit: str, target: str) -> float | None:
    """`value` `unit` in `target` units; None when pint cannot convert them."""
    try:
        import pint

        return float(pint.Quantity(value, unit).to(target).magnitude)
    except Exception:  # not a length / time, or a unit pint does not know
        return None


def imagej_length(scale: float, unit: str) -> tuple[float, str] | None:
    """Pixel size in a unit ImageJ reads unambiguously: ``nm`` or ``micron``.

    Parameters
    ----------
    scale : float
        Pixel size in `unit`.
    unit : str
        Any length unit pint knows (``"nm"``, ``"angstrom"``, ``"µm"``...).

    Returns
    -------
    (float, str) or None
        The pixel size and ImageJ's unit text; None for ``"pixel"`` or a unit
        that is not a length.
    """
    if unit == "pixel":
        return None
    nm = _convert(scale, unit, "nm")
    if nm is None:
        return None
    return (nm / 1000.0, "micron") if nm >= 1000.0 else (nm, "nm")


def imagej_kwargs(calibration, ndim: int) -> dict:
    """``resolution`` and ImageJ ``metadata`` for `tifffile.imwrite` (``imagej=True``).

    Parameters
    ----------
    calibration : Calibration or None
        Of the array written (one entry per axis); None writes pixels.
    ndim : int
        2 for (Y, X), 3 for (T, Y, X).

    Returns
    -------
    dict
        ``{"resolution": (x, y) pixels per unit or None, "metadata": {...}}``
        with ``axes`` and, where calibrated, ``unit``, ``finterval``,
        ``xorigin`` / ``yorigin``.
    """
    meta: dict = {"axes": "TYX"[-ndim:]}
    if calibration is None:
        return {"resolution": None, "metadata": meta}
    scale, units, origin = calibration.scale, calibration.units, calibration.origin
    x = imagej_length(scale[-1], str(units[-1]))
    y = imagej_length(scale[-2], str(units[-2]))
    resolution = None
    if x is not None and y is not None and y[1] != x[1]:  # e.g. 900 nm by 1.2 micron
        y = (_convert(y[0], y[1], x[1]), x[1])
    if x is not None and y is not None:
        resolution = (1.0 / x[0], 1.0 / y[0])
        meta["unit"] = x[1]
        for name, axis in (("xorigin", -1), ("yorigin", -2)):
            if origin[axis]:  # ImageJ: pixel coordinate of the origin
                meta[name] = -float(origin[axis]) / float(scale[axis])
    if ndim == 3 and str(units[0]) != "pixel":
        seconds = _convert(scale[0], str(units[0]), "s")
        if seconds is not None and seconds > 0:
            meta["finterval"] = seconds
    return {"resolution": resolution, "metadata": meta}


def write_tiff(
    path: str | Path,
    data: np.ndarray | Iterable[np.ndarray],
    calibration=None,
    info: str | None = None,
    shape: tuple[int, ...] | None = None,
    dtype=None,
) -> None:
    """Write a (Y, X) image or (T, Y, X) series as a calibrated ImageJ TIFF.

    Parameters
    ----------
    path : str or Path
        The ``.tif`` file.
    data : ndarray or iterable of ndarray
        The array, or its frames one after the other (then `shape` and
        `dtype` are needed; memory stays that of one frame).
    calibration : Calibration, optional
        Pixel size / frame interval / origin per axis of `data`.
    info : str, optional
        Text for ImageJ's ``Info`` property (JSON of parameters and version).
    shape : tuple of int, optional
        Shape of `data` when it is an iterable of frames.
    dtype : dtype, optional
        dtype of `data` when it is an iterable of frames.
    """
    import tifffile

    frames = {} if isinstance(data, np.ndarray) else {"shape": shape, "dtype": dtype}
    if isinstance(data, np.ndarray):
        shape, dtype = data.shape, data.dtype
    dtype = np.dtype(dtype)
    kwargs = imagej_kwargs(calibration, len(shape))
    if dtype.type in IMAGEJ_DTYPES:
        meta = {**kwargs["metadata"], **({"Info": info} if info is not None else {})}
        extra = {"imagej": True, "metadata": meta}
    else:  # not an ImageJ type: plain TIFF, JSON in the description
        extra = {"description": info, "metadata": None}
    tifffile.imwrite(
        path, data, photometric="minisblack", **frames,
        resolution=kwargs["resolution"], **extra,
    )
