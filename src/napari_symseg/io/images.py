"""Image files of napari layers: a result map written and read back without loss (issue 11).

The package's result *Image* layers -- PCA (an RGB composite on the
descriptor grid), confidence, polarisation, orientation and spacing maps --
are float32 arrays placed in the image's coordinates (scale, translate,
units, axis labels). `write_image` keeps all of it in a calibrated ImageJ
TIFF (`napari_symseg.io.tiff`):

- the values as they are (float32 exactly; NaN stays NaN). A dtype ImageJ
  cannot hold (float64, int32...) gives a plain TIFF, values still exact;
- (Y, X) and (T, Y, X) as ImageJ's ``YX`` / ``TYX``; an RGB(A) layer
  ``(Y, X, 3|4)`` as ``CYX`` channels (ImageJ has no float RGB), put back in
  napari's order when read;
- the pixel size, unit, origin and frame interval in ImageJ's tags (what
  Fiji shows), and in the JSON record (ImageJ's ``Info``) the exact
  calibration and the layer: its name, ``rgb``, colormap, contrast limits
  and its ``metadata`` (the run's record: parameters, version, source...).

The record's ``image`` entry is how `read_image` -- and the napari reader --
recognise the package's image files; any other TIFF gives ``record=None``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import FileFormatError
from .calibration import Calibration

#: The record's entry that marks an image file of this package.
IMAGE_KEY = "image"
#: The last word of the result Image layers' names (``"<image> confidence"``, ``"<image> PCA
#: components"``...), and ``pca`` for a PCA layer saved as ``img_pca.tif``.
IMAGE_WORDS = ("confidence", "components", "pca", "orientation", "spacing", "polarisation")
#: File names the napari reader claims for image files (napari.yaml's reader patterns): the
#: layer's name as napari's save dialog proposes it (``img confidence.tif``) or with ``_``
#: (``img_confidence.tif``, as ``*_labels.tif``). Lower case: npe2 lower-cases the patterns,
#: not the file's name, so a name ending in upper case (``img PCA.tif``) could not be
#: claimed: the PCA layer is therefore called ``<image> PCA components``.
IMAGE_PATTERNS = tuple(f"*[_ ]{word}{ext}" for word in IMAGE_WORDS for ext in (".tif", ".tiff"))
#: Layer properties kept beside the values (how the layer looked; not ``visible``: a
#: reopened file is shown, also a layer that was hidden, as the PCA and confidence start).
DISPLAY_KEYS = ("colormap", "contrast_limits", "gamma", "blending", "opacity")


def _jsonable(value):
    """numpy numbers and arrays as JSON numbers and lists; anything else as text."""
    return value.tolist() if hasattr(value, "tolist") else str(value)


def _layout(shape: tuple[int, ...], rgb: bool) -> str:
    """The napari axis order of an image layer's data: ``YX``, ``TYX`` or ``YXC`` (RGB)."""
    if rgb:
        if len(shape) != 3 or shape[-1] not in (3, 4):
            raise FileFormatError(f"an RGB(A) layer is (Y, X, 3|4); this one is {shape}")
        return "YXC"
    if len(shape) not in (2, 3):
        raise FileFormatError(
            f"the calibrated TIFF writer takes (Y, X), (T, Y, X) or RGB (Y, X, 3) images; "
            f"this layer is {len(shape)}-D {shape} (use napari's own TIFF writer)")
    return "TYX"[-len(shape):]


def image_record(calibration: Calibration, layout: str, shape: tuple[int, ...], *,
                 name: str | None = None, metadata: dict | None = None,
                 display: dict | None = None) -> dict:
    """The JSON record of an image file: the layer's name, metadata, look and calibration.

    Parameters
    ----------
    calibration : Calibration
        Of the layer (one entry per layer dimension: two for an RGB image).
    layout : str
        ``"YX"``, ``"TYX"`` or ``"YXC"`` (RGB, channels last as in napari).
    shape : tuple of int
        Of the layer's data (a TIFF reader drops axes of length 1: one
        frame, one row; `read_image` puts them back).
    name : str, optional
        The layer's name.
    metadata : dict, optional
        The layer's ``metadata`` (JSON-compatible; other values kept as text).
    display : dict, optional
        `DISPLAY_KEYS` of the layer.
    """
    from .. import __version__

    record = {"napari_symseg": __version__, "layer": name,
              "metadata": json.loads(json.dumps(metadata or {}, default=_jsonable))}
    record[IMAGE_KEY] = {
        "layout": layout, "rgb": layout == "YXC", "shape": [int(n) for n in shape],
        "calibration": calibration.to_dict(),
        "display": json.loads(json.dumps(
            {k: v for k, v in (display or {}).items() if k in DISPLAY_KEYS and v is not None},
            default=_jsonable)),
    }
    return record


def write_image(path: str | Path, data, calibration: Calibration, *, rgb: bool = False,
                name: str | None = None, metadata: dict | None = None,
                display: dict | None = None) -> None:
    """Write an image layer's data as a calibrated TIFF that `read_image` reads back exactly.

    Parameters
    ----------
    path : str or Path
        The ``.tif/.tiff`` file.
    data : array-like
        (Y, X), (T, Y, X), or (Y, X, 3|4) with `rgb`.
    calibration : Calibration
        One entry per layer dimension (the last two for an RGB image).
    rgb : bool
        `data` is an RGB(A) image, channels last (napari's ``rgb=True``).
    name, metadata, display
        The layer's name, ``metadata`` and look (see `image_record`).

    Raises
    ------
    FileFormatError
        A shape the file cannot say (4-D, RGB that is not (Y, X, 3|4)), or a
        calibration with another number of axes.
    """
    from .tiff import write_tiff

    values = np.asarray(data)
    layout = _layout(values.shape, rgb)
    if len(calibration.scale) != len(layout.replace("C", "")):
        raise FileFormatError(f"the calibration has {len(calibration.scale)} axes; the image "
                              f"{values.shape} needs {len(layout.replace('C', ''))}")
    record = image_record(calibration, layout, values.shape, name=name, metadata=metadata,
                          display=display)
    file_cal, axes = calibration, None
    if rgb:  # ImageJ holds float colours as channels: (C, Y, X)
        values, axes = np.ascontiguousarray(np.moveaxis(values, -1, 0)), "CYX"
        c = calibration
        file_cal = Calibration((1.0, *c.scale), ("pixel", *c.units), ("c", *c.axis_labels),
                               (0.0, *c.origin))
    # a plain TIFF's description (a dtype ImageJ cannot hold) is read by tifffile as a
    # "shaped" series, which needs the stored shape
    record["shape"] = list(values.shape)
    write_tiff(path, values, file_cal, json.dumps(record), axes=axes)


def package_image_record(record) -> bool:
    """True when `record` (a TIFF's JSON) is that of an image file of this package.

    Parameters
    ----------
    record : dict or None
        As `napari_symseg.io.tiff.read_record` returns it.
    """
    entry = record.get(IMAGE_KEY) if isinstance(record, dict) else None
    return (isinstance(entry, dict) and "napari_symseg" in record
            and entry.get("layout") in ("YX", "TYX", "YXC")
            and isinstance(entry.get("calibration"), dict))


def read_image(path: str | Path) -> tuple[np.ndarray, dict | None, Calibration]:
    """Read an image TIFF: its values in napari's axis order, the record, the calibration.

    Parameters
    ----------
    path : str or Path
        A ``.tif/.tiff`` file.

    Returns
    -------
    values : ndarray
        As stored; an RGB file of this package channels last again.
    record : dict or None
        The package's record (`image_record`); None for any other TIFF.
    calibration : Calibration
        The record's calibration, else the file's ImageJ / OME one.

    Raises
    ------
    FileFormatError
        The file cannot be read as a TIFF.
    """
    from .tiff import read_values

    return image_of(*read_values(path), path)


def image_of(values: np.ndarray, record: dict | None,
             path: str | Path) -> tuple[np.ndarray, dict | None, Calibration]:
    """`read_image` of the values and record already read from `path` (`read_values`)."""
    from .tiff import tiff_calibration

    if not package_image_record(record):
        return values, None, tiff_calibration(path, values.ndim)
    entry = record[IMAGE_KEY]
    shape = tuple(entry.get("shape") or values.shape)
    rgb = entry["layout"] == "YXC"
    stored = (shape[-1], *shape[:-1]) if rgb else shape  # as the file holds it
    calibration = Calibration.from_dict(entry["calibration"])
    if values.size != int(np.prod(stored)) or len(calibration.scale) != len(shape) - rgb:
        raise FileFormatError(f"{Path(path).name}: its record does not fit its image "
                              f"{values.shape}")
    values = values.reshape(stored)  # the axes of length 1 a TIFF reader dropped
    return (np.moveaxis(values, 0, -1) if rgb else values), record, calibration
