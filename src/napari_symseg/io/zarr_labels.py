"""Labels of a series as a zarr store: one chunk per frame, the record in its attributes.

A labels store (``-o labels.zarr``) is a zarr (format 3) array at the root
of a folder, (T, Y, X), chunked one frame per chunk, holding the pattern
index of every pixel (the convention of `napari_symseg.io.labels`: 0..k-1,
the dtype's largest value where there is no pattern). Its attribute
``napari_symseg`` is the same JSON record as a labels TIFF's
(`labels_record`: ``params``, version, ``calibration`` of the image and
``labels`` with the label offset, no-pattern value and the labels' own
calibration).

Whole or nothing: the store is written into a hidden temporary folder
beside the target (`Outputs.temp_folder`) and renamed at the end; the
record is written last, so a store without it (a run killed before the
rename) is refused by `read_zarr_labels` as incomplete.

`open_zarr` opens any zarr array (or the first (T, Y, X) or 2-D array of a
group) lazily, with a calibration from the package's record or a
``calibration`` attribute (`Calibration.to_dict`), else in pixels.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import FileFormatError
from .calibration import Calibration
from .frames import StreamedLabelsWriter
from .labels import _jsonable, labels_record
from .output import Outputs

#: The attribute holding the package's record.
RECORD_KEY = "napari_symseg"


def _open_array(path: Path):
    import zarr

    try:
        node = zarr.open(str(path), mode="r")
    except Exception as err:  # any zarr failure is a bad store for the user
        raise FileFormatError(f"cannot read {path.name}: {err}") from None
    if isinstance(node, zarr.Group):
        arrays = dict(node.arrays())
        names = [n for n in ("labels", "0", "data") if n in arrays] + sorted(arrays)
        names = [n for n in names if arrays[n].ndim in (2, 3)]
        if not names:
            raise FileFormatError(f"{path.name} holds no 2-D image or (T, Y, X) series")
        return arrays[names[0]]
    return node


def _calibration(attrs, ndim: int) -> tuple[dict | None, Calibration]:
    record = attrs.get(RECORD_KEY)
    record = record if isinstance(record, dict) else None
    cal = None
    if record is not None and isinstance(record.get("labels"), dict):
        cal = record["labels"].get("calibration")
    cal = cal or attrs.get("calibration")
    if isinstance(cal, dict) and len(cal.get("scale", ())) == ndim:
        return record, Calibration.from_dict(cal)
    return record, Calibration.pixels(ndim)


def open_zarr(path: str | Path):
    """A zarr array, not read, and its calibration.

    Parameters
    ----------
    path : str or Path
        A zarr store (folder).

    Returns
    -------
    (zarr.Array, Calibration)
    """
    array = _open_array(Path(path))
    return array, _calibration(dict(array.attrs), array.ndim)[1]


def read_zarr_labels(path: str | Path):
    """A labels store written by this package: its values (lazy), record and calibration.

    Parameters
    ----------
    path : str or Path
        A ``*.zarr`` folder.

    Returns
    -------
    values : zarr.Array
        As stored (patterns 0..k-1, the no-pattern value); read on demand.
    record : dict or None
        The package's record; None for other zarr stores.
    calibration : Calibration
        Of the labels.
    """
    array = _open_array(Path(path))
    record, calibration = _calibration(dict(array.attrs), array.ndim)
    return array, record, calibration


def to_layer_values(values, offset: int, no_pattern: int | None):
    """`napari_symseg.io.labels.file_to_layer` of a dask array, frame by frame (lazy).

    Parameters
    ----------
    values : dask.array.Array
        A labels file's values.
    offset : int
        The record's ``label_offset``.
    no_pattern : int or None
        The record's no-pattern value (0 in the layer).
    """
    dtype = values.dtype
    if no_pattern is None or no_pattern + offset > np.iinfo(dtype).max:
        dtype = np.dtype(np.uint32)

    def block(values):
        out = values.astype(dtype) + dtype.type(offset)
        if no_pattern is not None:
            out[values == no_pattern] = 0
        return out

    return values.map_blocks(block, dtype=dtype)


class ZarrLabelsWriter(StreamedLabelsWriter):
    """Labels of a series written frame by frame to a zarr store (one chunk per frame).

    Same interface as `napari_symseg.io.frames.SeriesLabelsWriter`: frames
    go to ``writer.array[t]``, `finish` writes the record and renames the
    store into place (with the run's other outputs when `outputs` is
    given), `discard` removes it.

    Parameters
    ----------
    path : str or Path
        The final ``*.zarr`` folder.
    shape : (int, int, int)
        (T, Y, X) of the labels.
    metadata : dict, optional
        JSON-compatible record of the run (``params``...).
    calibration : Calibration, optional
        Of the labels.
    dtype : dtype
        Of the labels (`napari_symseg.io.labels.pattern_dtype`).
    outputs : Outputs, optional
        The run's outputs (`path` among them); `finish` then leaves the
        commit to the caller.
    """

    def __init__(self, path: str | Path, shape, metadata=None, calibration=None,
                 dtype=np.uint8, outputs: Outputs | None = None) -> None:
        import zarr

        super().__init__(path, outputs)
        dtype = np.dtype(dtype)
        self.record = labels_record(metadata, calibration, dtype)
        self.tmp = self.outputs.temp_folder(self.path)
        try:
            self.array = zarr.create_array(
                str(self.tmp), shape=tuple(int(n) for n in shape), dtype=dtype,
                chunks=(1, *(int(n) for n in shape[1:])), overwrite=True,
                fill_value=self.record["labels"]["no_pattern"])
        except BaseException:
            self.discard()
            raise

    def _write_final(self) -> None:
        """The record, written last (a store without it is an unfinished run)."""
        self.array.attrs[RECORD_KEY] = json.loads(json.dumps(self.record, default=_jsonable))
