"""Calibrated TIFF files, written and read: ImageJ hyperstacks that Fiji and tifffile open.

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

Reading: `tiff_calibration` gives the pixel size, units and frame interval
of ImageJ and OME TIFFs (from whatever software), `read_record` the JSON
text this package wrote.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .calibration import Calibration
from .metadata import finite_number, library_version, normalise_unit

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


def imagej_kwargs(calibration, ndim: int, axes: str | None = None) -> dict:
    """``resolution`` and ImageJ ``metadata`` for `tifffile.imwrite` (``imagej=True``).

    Parameters
    ----------
    calibration : Calibration or None
        Of the array written (one entry per axis); None writes pixels.
    ndim : int
        2 for (Y, X), 3 for (T, Y, X).
    axes : str, optional
        ImageJ axis codes of the array (``"CYX"`` for channels, ``"TCYX"``...);
        ``"TYX"[-ndim:]`` by default.

    Returns
    -------
    dict
        ``{"resolution": (x, y) pixels per unit or None, "metadata": {...}}``
        with ``axes`` and, where calibrated, ``unit``, ``finterval``,
        ``xorigin`` / ``yorigin``.
    """
    axes = axes or "TYX"[-ndim:]
    meta: dict = {"axes": axes}
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
    elif (str(units[-1]) == str(units[-2]) == "pixel"
          and (float(scale[-1]), float(scale[-2])) != (1.0, 1.0)
          and float(scale[-1]) > 0 and float(scale[-2]) > 0):
        # no length, but an aspect (2:1 pixels): ImageJ keeps it as pixel width/height
        resolution = (1.0 / float(scale[-1]), 1.0 / float(scale[-2]))
        meta["unit"] = "pixel"
    if axes[0] == "T" and ndim >= 3 and str(units[0]) != "pixel":
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
    axes: str | None = None,
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
    axes : str, optional
        ImageJ axis codes (`imagej_kwargs`), e.g. ``"CYX"`` for the channels
        of a colour image; ``"YX"`` / ``"TYX"`` by default.

    Notes
    -----
    Written by the output policy of `napari_symseg.io.output`: a temporary
    file beside `path`, renamed at the end.
    """
    import tifffile

    from .output import replacing

    frames = {} if isinstance(data, np.ndarray) else {"shape": shape, "dtype": dtype}
    if isinstance(data, np.ndarray):
        shape, dtype = data.shape, data.dtype
    dtype = np.dtype(dtype)
    kwargs = imagej_kwargs(calibration, len(shape), axes)
    if dtype.type in IMAGEJ_DTYPES:
        meta = {**kwargs["metadata"], **({"Info": info} if info is not None else {})}
        extra = {"imagej": True, "metadata": meta}
    else:  # not an ImageJ type: plain TIFF, JSON in the description
        extra = {"description": info, "metadata": None}
    with replacing(path) as tmp:
        tifffile.imwrite(
            tmp, data, photometric="minisblack", **frames,
            resolution=kwargs["resolution"], **extra,
        )


# ------------------------------------------------------------------ reading
def tiff_calibration(path: str | Path, ndim: int) -> Calibration:
    """Pixel size and units of an ImageJ or OME TIFF, read with tifffile.

    ImageJ: ``X/YResolution`` tags (pixels per unit) with the ``unit`` (and
    ``yunit``) of the ImageJ description, ``finterval`` (s) for a time axis,
    ``spacing`` for a z axis, ``xorigin`` / ``yorigin`` (pixels). OME:
    ``PhysicalSizeX/Y/Z`` with their units, ``TimeIncrement``. Any other
    TIFF (its resolution tags are usually a printer's dots per inch) is
    uncalibrated.

    Parameters
    ----------
    path : str or Path
        A ``.tif/.tiff`` file.
    ndim : int
        Dimensions of the array read from it (as `read_image` returns it).

    Returns
    -------
    Calibration
        One entry per axis; `Calibration.pixels` when nothing is known.
    """
    import tifffile

    from .tiff_read import quiet_tifffile

    try:
        with quiet_tifffile(), tifffile.TiffFile(path) as tif:
            axes = tif.series[0].axes
            if len(axes) != ndim or not axes.endswith("YX"):
                return Calibration.pixels(ndim)
            if tif.is_imagej:
                sizes, origin, source = _imagej_sizes(tif)
            elif tif.is_ome:
                sizes, origin, source = _ome_sizes(tif), {}, "OME TIFF"
            else:
                return Calibration.pixels(ndim)
    except Exception:  # unreadable metadata: the pixels are still usable
        return Calibration.pixels(ndim)
    scale, units, labels = [], [], []
    for code in axes:
        size, unit = sizes.get(code, (None, ""))
        name, factor, kind = normalise_unit(unit)
        value = finite_number(size, factor)
        if kind == "other" or not value or value <= 0:
            name, value = "pixel", 1.0
        elif kind == "pixel":  # ImageJ writes a "pixel" size only for an aspect (2:1 pixels)
            name = "pixel"
        scale.append(value)
        units.append(name)
        labels.append(code.lower())
    origins = tuple(-origin[code] * s if origin.get(code) else 0.0
                    for code, s in zip(axes, scale, strict=True))
    meta = {"format": source, "reader": library_version("tifffile")}
    return Calibration(tuple(scale), tuple(units), tuple(labels), origins, source, meta)


def _imagej_sizes(tif) -> tuple[dict, dict, str]:
    """``{axis code: (size, unit)}``, ``{code: origin in pixels}`` of an ImageJ TIFF."""
    meta = tif.imagej_metadata or {}
    tags = tif.pages[0].tags
    unit = str(meta.get("unit", "")).replace("\\u00B5", "µ")
    sizes = {}
    for code, tag, axis_unit in (("X", "XResolution", unit),
                                 ("Y", "YResolution", meta.get("yunit", unit))):
        if tag in tags:
            num, den = tags[tag].value
            sizes[code] = (den / num if num else None, str(axis_unit).replace("\\u00B5", "µ"))
    if "finterval" in meta:
        sizes["T"] = (meta["finterval"], str(meta.get("tunit", "s")))
    if "spacing" in meta:
        sizes["Z"] = (meta["spacing"], str(meta.get("zunit", unit)))
    origin = {c: float(meta[k]) for c, k in (("X", "xorigin"), ("Y", "yorigin")) if k in meta}
    return sizes, origin, "ImageJ TIFF"


def _ome_sizes(tif) -> dict:
    """``{axis code: (size, unit)}`` of the first image of an OME TIFF."""
    import tifffile

    image = tifffile.xml2dict(tif.ome_metadata)["OME"]["Image"]
    pixels = (image[0] if isinstance(image, list) else image)["Pixels"]
    sizes = {}
    for code in "XYZ":
        if f"PhysicalSize{code}" in pixels:
            sizes[code] = (pixels[f"PhysicalSize{code}"],
                           pixels.get(f"PhysicalSize{code}Unit", "µm"))
    if "TimeIncrement" in pixels:
        sizes["T"] = (pixels["TimeIncrement"], pixels.get("TimeIncrementUnit", "s"))
    return sizes


def read_record(path: str | Path) -> dict | None:
    """The JSON record this package wrote into a TIFF, or None.

    Looked for in ImageJ's ``Info`` property (ImageJ hyperstacks) and in the
    first page's description (plain TIFFs, see `write_tiff`).

    Parameters
    ----------
    path : str or Path
        A ``.tif/.tiff`` file.

    Returns
    -------
    dict or None
        None when the file holds no JSON object there (any other TIFF) or
        cannot be read as a TIFF.
    """
    import tifffile

    from .tiff_read import quiet_tifffile

    try:
        with quiet_tifffile(), tifffile.TiffFile(path) as tif:
            return _record_in(tif)
    except Exception:  # not a TIFF: no record
        return None


def _record_in(tif) -> dict | None:
    """`read_record` of an open ``tifffile.TiffFile`` (None when its description cannot
    be read)."""
    import json

    try:
        texts = [(tif.imagej_metadata or {}).get("Info"), tif.pages[0].description]
    except Exception:  # unreadable metadata: no record
        return None
    for text in texts:
        if isinstance(text, str) and text.lstrip().startswith("{"):
            try:
                record = json.loads(text)
            except ValueError:
                continue
            if isinstance(record, dict):
                return record
    return None


def read_values(path: str | Path) -> tuple[np.ndarray, dict | None]:
    """A TIFF's values (tifffile's array) and the JSON record in it (`read_record`).

    Parameters
    ----------
    path : str or Path
        A ``.tif/.tiff`` file.

    Raises
    ------
    FileFormatError
        The file cannot be read as a TIFF (``NAME is not a readable TIFF:
        ...``, no tifffile log lines; `napari_symseg.io.tiff_read`).
    """
    import tifffile

    from .tiff_read import has_image, reading_tiff

    with reading_tiff(path), tifffile.TiffFile(path) as tif:  # opened once for both
        values = has_image(tif.asarray())
        record = _record_in(tif)
    return values, record
