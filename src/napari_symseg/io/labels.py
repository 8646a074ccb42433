"""Labels files: the one label convention, writing and reading.

The convention
--------------
Every labels file the package writes -- the command line's output, the
widget's *Export results…* and napari's *File > Save* through this plugin's
writer -- holds the **pattern index** of every pixel: ``0 .. k-1``, pattern
0 the smallest (as `Result.labels`). The same result saved any of these ways
gives the same pixels in the same dtype.

A pixel **without a pattern** (erased by hand in napari, or a frame of a
series that is not labelled yet; 0 in the napari layer) holds the largest
value of the file's unsigned dtype: 255 in ``uint8``, 65535 in ``uint16``.
The dtype is the smallest of uint8, uint16, uint32 whose largest value no
pattern reaches (`pattern_dtype`: uint8 up to 255 patterns), so that value is
always free. Not -1: ImageJ hyperstacks, the TIFF flavour whose pixel size
Fiji and tifffile read, hold uint8, uint16 or float32 only; a signed dtype
would lose the calibration in Fiji. The value is written in the file's
record, so no reader has to guess it.

napari's ``<image> patterns`` Labels layer shows **pattern + 1**
(`LABEL_OFFSET`; napari draws 0 as transparent). `layer_to_file` turns a
layer's values into the file's (minus the layer's ``label_offset``, 0 to
the no-pattern value), `file_to_layer` back; the round trip is exact.

The record
----------
A labels TIFF carries a JSON record (ImageJ's ``Info`` property, or the
description of a plain TIFF; see `napari_symseg.io.tiff`): the run's
``params``, the package version under ``napari_symseg``, the image's
``calibration``, ``source`` and ``frame`` where known, and ``labels``::

    {"label_offset": 1, "no_pattern": 255, "calibration": {...}}

the offset napari adds to show the file, the no-pattern value and the
labels' own calibration (scale, units, axis labels, origin: exact, also
where ImageJ's tags cannot say it, e.g. a time axis in ms). The ``labels``
entry is how the napari reader recognises the package's files.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import FileFormatError
from .calibration import Calibration

#: napari's pattern layer shows pattern ``k`` as label ``k + LABEL_OFFSET``.
LABEL_OFFSET = 1
#: Suffixes of labels files.
LABEL_SUFFIXES = (".npy", ".tif", ".tiff")
#: The names napari's *File > Save* dialog proposes for a run's Labels layer
#: (``<image> patterns``, ``<image> patterns (frame t)``), claimed by the reader like
#: ``*_labels.tif`` (as napari.yaml; saved so, a file reopened as napari's uncalibrated
#: Image with values one lower: tester newuser13).
SAVE_NAME_PATTERNS = tuple(f"*[_ ]patterns{frame}{ext}" for frame in ("", " (frame *)")
                           for ext in (".tif", ".tiff"))
_UNSIGNED = (np.uint8, np.uint16, np.uint32, np.uint64)


def pattern_dtype(highest: int) -> np.dtype:
    """The smallest unsigned dtype whose largest value is above `highest`.

    That largest value stays free for pixels without a pattern.

    Parameters
    ----------
    highest : int
        The largest pattern index (or label value) to hold.

    Examples
    --------
    >>> pattern_dtype(3), pattern_dtype(254), pattern_dtype(255)
    (dtype('uint8'), dtype('uint8'), dtype('uint16'))
    """
    for dtype in _UNSIGNED:
        if highest < np.iinfo(dtype).max:
            return np.dtype(dtype)
    raise FileFormatError(f"label value {highest} is too large for a labels file")


def no_pattern_value(dtype) -> int:
    """The value of pixels without a pattern in a labels file of `dtype` (its maximum).

    Parameters
    ----------
    dtype : dtype
        An unsigned integer dtype.
    """
    return int(np.iinfo(np.dtype(dtype)).max)


def _integers(labels, what: str = "labels") -> np.ndarray:
    data = np.asarray(labels)
    if data.dtype.kind not in "iub":
        raise FileFormatError(f"{what} must be integers; got dtype {data.dtype}")
    return data


def as_file_labels(labels, no_pattern: int | None = None) -> np.ndarray:
    """Pattern indices in the file's dtype (`pattern_dtype`).

    Parameters
    ----------
    labels : array of int
        Patterns ``0 .. k-1``; with `no_pattern`, already in a file's form
        (unsigned, `no_pattern` its maximum, e.g. from `layer_to_file`).
    no_pattern : int, optional
        The value of pixels without a pattern in `labels`.

    Returns
    -------
    ndarray of uint8, uint16 or uint32
        `labels` itself when it already has the right dtype.

    Raises
    ------
    FileFormatError
        Not integers, negative values, or a `no_pattern` that is not the
        maximum of the labels' unsigned dtype.
    """
    data = _integers(labels)
    if no_pattern is not None:
        if data.dtype.kind != "u" or no_pattern_value(data.dtype) != no_pattern:
            raise FileFormatError(
                f"pixels without a pattern must hold the largest value of an unsigned dtype; "
                f"got {no_pattern} in {data.dtype}"
            )
        return data
    if data.size and int(data.min()) < 0:
        raise FileFormatError("pattern labels must be >= 0")
    return data.astype(pattern_dtype(int(data.max(initial=0))), copy=False)


def layer_to_file(data, offset: int) -> tuple[np.ndarray, int | None]:
    """A napari Labels layer's values as a labels file holds them.

    Parameters
    ----------
    data : array of int
        The layer's data: pattern + `offset`, 0 where there is no pattern.
    offset : int
        The layer's ``label_offset`` (1 for the package's pattern layers, 0
        for any other Labels layer, whose values are kept as they are).

    Returns
    -------
    values : ndarray of uint8, uint16 or uint32
        ``data - offset``; the no-pattern value where ``data < offset``.
    no_pattern : int or None
        That value (the dtype's maximum); None when `offset` is 0.

    Raises
    ------
    FileFormatError
        Not integers, or negative values in a layer without offset.
    """
    data = _integers(data, "a Labels layer's values")
    highest = int(data.max(initial=0)) - offset
    if offset == 0:
        return as_file_labels(data), None
    dtype = pattern_dtype(max(highest, 0))
    no_pattern = no_pattern_value(dtype)
    values = np.full(data.shape, no_pattern, dtype)
    np.subtract(data, offset, out=values, where=data >= offset, casting="unsafe")
    return values, no_pattern


def file_to_layer(values, offset: int, no_pattern: int | None) -> np.ndarray:
    """Inverse of `layer_to_file`: a labels file's values as napari's layer shows them.

    Parameters
    ----------
    values : array of int
        As read from the file.
    offset : int
        The ``label_offset`` of the file's record.
    no_pattern : int or None
        The file's no-pattern value (these pixels become 0).

    Returns
    -------
    ndarray
        ``values + offset``, 0 where there is no pattern; the file's dtype
        when it holds them (it does for the package's files).
    """
    data = _integers(values)
    missing = data == no_pattern if no_pattern is not None else np.zeros(data.shape, bool)
    highest = int(data.max(initial=0, where=~missing)) + offset
    dtype = data.dtype if highest <= np.iinfo(data.dtype).max else pattern_dtype(highest)
    out = np.zeros(data.shape, dtype)
    np.add(data, offset, out=out, where=~missing, casting="unsafe")
    return out


def labels_record(metadata: dict | None, calibration: Calibration | None, dtype,
                  offset: int = LABEL_OFFSET) -> dict:
    """The JSON record of a labels file: `metadata` plus its ``labels`` entry.

    Parameters
    ----------
    metadata : dict, optional
        JSON-compatible record of the run (``params``, ``napari_symseg``...).
    calibration : Calibration, optional
        Of the labels as written.
    dtype : dtype
        Of the labels as written.
    offset : int
        What napari adds to show the file (`LABEL_OFFSET` for patterns).
    """
    from .. import __version__

    record = {"napari_symseg": __version__, **(metadata or {})}
    record["labels"] = {
        "label_offset": int(offset),
        "no_pattern": no_pattern_value(dtype),
        "calibration": None if calibration is None else calibration.to_dict(),
    }
    return record


def write_labels(path: str | Path, labels, metadata: dict | None = None, calibration=None,
                 *, no_pattern: int | None = None, offset: int = LABEL_OFFSET) -> None:
    """Write pattern labels as ``.npy`` or as a calibrated ImageJ ``.tif``.

    Parameters
    ----------
    path : str or Path
        ``.npy`` (the array only) or ``.tif/.tiff``.
    labels : array of int, (Y, X) or (T, Y, X)
        Patterns ``0 .. k-1`` (see `as_file_labels`), stored as uint8 (or
        uint16 / uint32 when needed).
    metadata : dict, optional
        JSON-compatible (parameters, version); the TIFF's record
        (`labels_record`).
    calibration : Calibration, optional
        Pixel size, unit and frame interval of `labels`, written so that
        Fiji/ImageJ and tifffile read them (TIFF only).
    no_pattern : int, optional
        `labels` are already in a file's form with this no-pattern value.
    offset : int
        The ``label_offset`` napari adds to show the file.

    Notes
    -----
    Written by the output policy of `napari_symseg.io.output` (a temporary
    file renamed at the end: the file appears whole or not at all).
    """
    path = Path(path)
    values = as_file_labels(labels, no_pattern)
    if path.suffix.lower() == ".npy":
        from .output import replacing

        with replacing(path) as tmp:
            np.save(tmp, values)
        return
    write_labels_frames(path, values, values.shape, values.dtype, metadata, calibration,
                        offset=offset)


def write_labels_frames(path: str | Path, frames, shape, dtype, metadata: dict | None = None,
                        calibration=None, *, offset: int = LABEL_OFFSET) -> None:
    """Write a labels TIFF from its frames, one page after the other (memory: one frame).

    Parameters
    ----------
    path : str or Path
        The ``.tif/.tiff`` file.
    frames : ndarray or iterable of ndarray
        Pattern indices in a file's form (`dtype`, its maximum where there
        is no pattern), e.g. a generator reading one frame at a time.
    shape : tuple of int
        (T, Y, X) (or (Y, X)) of the labels.
    dtype : dtype
        Of the labels file (`pattern_dtype`).
    metadata : dict, optional
        JSON-compatible record of the run (see `write_labels`).
    calibration : Calibration, optional
        Of the labels.
    offset : int
        The ``label_offset`` napari adds to show the file.
    """
    from .tiff import write_tiff

    record = labels_record(metadata, calibration, dtype, offset)
    write_tiff(path, frames, calibration, json.dumps(record, default=_jsonable),
               shape=tuple(shape), dtype=np.dtype(dtype))


def _jsonable(value):
    """numpy numbers and arrays as JSON numbers and lists; anything else as text."""
    return value.tolist() if hasattr(value, "tolist") else str(value)


def package_record(record) -> bool:
    """True when `record` (a TIFF's JSON) is that of a labels file of this package.

    Parameters
    ----------
    record : dict or None
        As `napari_symseg.io.tiff.read_record` returns it.
    """
    labels = record.get("labels") if isinstance(record, dict) else None
    if not isinstance(labels, dict) or "napari_symseg" not in record:
        return False
    offset, no_pattern = labels.get("label_offset"), labels.get("no_pattern")
    return (isinstance(offset, int) and not isinstance(offset, bool) and offset >= 0
            and (no_pattern is None or isinstance(no_pattern, int)))


def read_labels(path: str | Path) -> tuple[np.ndarray, dict | None, Calibration]:
    """Read a labels TIFF: its values, the package's record and the calibration.

    Parameters
    ----------
    path : str or Path
        A ``.tif/.tiff`` file.

    Returns
    -------
    values : ndarray
        As stored (patterns ``0 .. k-1`` and the no-pattern value for the
        package's files).
    record : dict or None
        The package's JSON record (`labels_record`); None for other TIFFs.
    calibration : Calibration
        The record's labels calibration, else the file's ImageJ / OME one.

    Raises
    ------
    FileFormatError
        The file cannot be read as a TIFF.
    """
    from .tiff import read_values

    return labels_of(*read_values(path), path)


def labels_of(values: np.ndarray, record: dict | None,
              path: str | Path) -> tuple[np.ndarray, dict | None, Calibration]:
    """`read_labels` of the values and record already read from `path` (`read_values`)."""
    from .tiff import tiff_calibration

    if not package_record(record):
        return values, None, tiff_calibration(path, values.ndim)
    stored = record["labels"].get("calibration")
    try:
        calibration = Calibration.from_dict(stored)
        if len(calibration.scale) != values.ndim:
            raise ValueError
    except (TypeError, ValueError, KeyError, AttributeError):
        calibration = tiff_calibration(path, values.ndim)
    return values, record, calibration
