"""Series frames on disk: read and written one frame at a time.

`NpyFrames` reads (and writes) the frames of a (T, Y, X) ``.npy`` file with
plain file I/O, so memory stays that of one frame however long the series;
`SeriesLabelsWriter` streams a series' labels to a temporary file and makes
the final ``.npy`` or ``.tif`` at the end.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .labels import labels_record


class NpyFrames:
    """Frames of a (T, Y, X) ``.npy`` file, read and written with plain file I/O.

    Just enough of an array for a series run (``shape``, ``dtype``,
    ``frames[t]``, ``frames[t] = labels``) without memory-mapping the file,
    so the process's resident memory stays that of one frame however long
    the series (mapped pages of a `numpy.memmap` count as resident until the
    kernel reclaims them).

    Parameters
    ----------
    path : str or Path
        A C-ordered ``.npy`` file of 3 dimensions.
    writable : bool
        Open for ``frames[t] = ...`` too.
    """

    def __init__(self, path: str | Path, writable: bool = False) -> None:
        self.path = Path(path)
        mapped = np.load(self.path, mmap_mode="r")
        if mapped.ndim != 3 or not mapped.flags.c_contiguous:
            raise ValueError(f"{self.path.name} is not a C-ordered 3-D array")
        self.shape, self.dtype, self.offset = mapped.shape, mapped.dtype, mapped.offset
        del mapped
        self.ndim = 3
        self.frame_bytes = int(np.prod(self.shape[1:])) * self.dtype.itemsize
        self.file = self.path.open("r+b" if writable else "rb")

    def __len__(self) -> int:
        return self.shape[0]

    def _seek(self, t) -> None:
        if not isinstance(t, int | np.integer) or not 0 <= t < self.shape[0]:
            raise IndexError(f"frame index must be an integer in 0..{self.shape[0] - 1}")
        self.file.seek(self.offset + int(t) * self.frame_bytes)

    def __getitem__(self, t: int) -> np.ndarray:
        self._seek(t)
        data = np.frombuffer(self.file.read(self.frame_bytes), dtype=self.dtype)
        return data.reshape(self.shape[1:])

    def __setitem__(self, t: int, frame) -> None:
        self._seek(t)
        self.file.write(np.ascontiguousarray(frame, dtype=self.dtype).tobytes())

    def close(self) -> None:
        """Close the file."""
        self.file.close()


def series_frames(path: str | Path, array):
    """`array` as read by `read_image`, or an `NpyFrames` reader for a ``.npy`` series."""
    if Path(path).suffix.lower() == ".npy" and getattr(array, "ndim", 0) == 3:
        try:
            return NpyFrames(path)
        except ValueError:  # Fortran order: keep the memory map
            return array
    return array


class SeriesLabelsWriter:
    """Labels of a series written frame by frame (memory bounded by one frame).

    Frames go to a temporary ``.npy`` file beside `path` (in any order, with
    plain file I/O: `NpyFrames`); `finish` turns it into the final ``.npy``
    (a rename) or ``.tif`` (page by page) and `discard` removes it, so a
    failed or interrupted run leaves nothing behind.

    Parameters
    ----------
    path : str or Path
        The final ``.npy`` or ``.tif/.tiff`` file.
    shape : (int, int, int)
        (T, Y, X) of the labels.
    metadata : dict, optional
        JSON-compatible; stored in ImageJ's ``Info`` property of the TIFF.
    calibration : Calibration, optional
        Frame interval, pixel size and unit of the (T, Y, X) labels (TIFF only).
    dtype : dtype
        Of the labels file (`napari_symseg.io.labels.pattern_dtype` of the
        largest pattern).
    """

    def __init__(
        self, path: str | Path, shape: tuple[int, int, int], metadata=None, calibration=None,
        dtype=np.uint8,
    ) -> None:
        self.path = Path(path)
        self.calibration = calibration
        dtype = np.dtype(dtype)
        self.metadata = labels_record(metadata, calibration, dtype)
        self.tmp = self.path.with_name(f".{self.path.name}.partial.npy")
        with self.tmp.open("wb") as fh:
            header = {"descr": dtype.str, "fortran_order": False, "shape": tuple(shape)}
            np.lib.format.write_array_header_2_0(fh, header)
            fh.truncate(fh.tell() + int(np.prod(shape)) * dtype.itemsize)
        self.array = NpyFrames(self.tmp, writable=True)

    def finish(self) -> None:
        """Write the final file and remove the temporary one."""
        self.array.file.flush()
        if self.path.suffix.lower() == ".npy":
            self.array.close()
            self.tmp.replace(self.path)
            return
        from .tiff import write_tiff

        frames = (self.array[t] for t in range(len(self.array)))
        try:
            write_tiff(self.path, frames, self.calibration, json.dumps(self.metadata),
                       shape=self.array.shape, dtype=self.array.dtype)
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove the temporary file."""
        self.array.close()
        self.tmp.unlink(missing_ok=True)


