"""Series frames on disk: read and written one frame at a time.

`NpyFrames` reads (and writes) the frames of a (T, Y, X) ``.npy`` file with
plain file I/O, so memory stays that of one frame however long the series;
`SeriesLabelsWriter` streams a series' labels to a temporary file and makes
the final ``.npy`` or ``.tif`` at the end.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from .labels import labels_record
from .output import Outputs


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


class StreamedLabelsWriter:
    """What every streamed labels writer shares: its outputs, `finish` and `discard`.

    A subclass writes frames into a temporary (``self.tmp``) and implements
    `_write_final` (what `finish` does before the outputs are renamed into
    place) and `_close`.

    Parameters
    ----------
    path : str or Path
        The final file or store.
    outputs : Outputs, optional
        The run's outputs (`path` among them): `finish` then leaves the
        commit to the caller, and `discard` removes this writer's temporary only.
    """

    tmp: Path

    def __init__(self, path: str | Path, outputs: Outputs | None = None) -> None:
        self.path = Path(path)
        self._own = outputs is None
        self.outputs = Outputs([self.path]) if outputs is None else outputs

    def _write_final(self) -> None:
        """Complete the temporary (write the record, the final file...)."""

    def _close(self) -> None:
        """Release what holds the temporary open."""

    def finish(self) -> None:
        """Complete the output, then rename it into place (unless the outputs are shared)."""
        self._close()
        try:
            self._write_final()
            if self._own:
                self.outputs.commit()
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        """Remove the temporaries (the target is left as it was)."""
        self._close()
        if self._own:
            self.outputs.discard()
        elif getattr(self, "tmp", None) is not None and self.tmp.is_dir():
            shutil.rmtree(self.tmp, ignore_errors=True)
        elif getattr(self, "tmp", None) is not None:
            self.tmp.unlink(missing_ok=True)


class SeriesLabelsWriter(StreamedLabelsWriter):
    """Labels of a series written frame by frame (memory bounded by one frame).

    Frames go, in any order and with plain file I/O (`NpyFrames`), to a
    unique temporary ``.npy`` file in the target's folder (the output policy
    of `napari_symseg.io.output`): for a ``.npy`` target that file is renamed
    at the end; for a ``.tif`` target `finish` writes the TIFF page by page
    (itself to a temporary file) and removes it. `discard` removes every
    temporary, so a failed, interrupted or terminated run leaves nothing
    behind and an earlier file of the same name untouched; two runs writing
    the same target never share a temporary.

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
    outputs : Outputs, optional
        The run's outputs (`path` among them): `finish` then only writes the
        temporary file and the caller commits every output together.
    """

    def __init__(
        self, path: str | Path, shape: tuple[int, int, int], metadata=None, calibration=None,
        dtype=np.uint8, outputs: Outputs | None = None,
    ) -> None:
        super().__init__(path, outputs)
        self.calibration = calibration
        dtype = np.dtype(dtype)
        self.metadata = labels_record(metadata, calibration, dtype)
        self._npy = self.path.suffix.lower() == ".npy"
        self.tmp = (self.outputs.temp(self.path) if self._npy
                    else self.outputs.scratch(self.path, ".npy"))
        try:
            with self.tmp.open("r+b") as fh:
                header = {"descr": dtype.str, "fortran_order": False, "shape": tuple(shape)}
                np.lib.format.write_array_header_2_0(fh, header)
                fh.truncate(fh.tell() + int(np.prod(shape)) * dtype.itemsize)
            self.array = NpyFrames(self.tmp, writable=True)
        except BaseException:
            self.discard()
            raise

    def _close(self) -> None:
        if hasattr(self, "array"):
            self.array.close()

    def _write_final(self) -> None:
        """A ``.tif`` target: the TIFF written page by page from the temporary ``.npy``."""
        if self._npy:
            return
        from .tiff import write_tiff

        frames = NpyFrames(self.tmp)
        try:
            pages = (frames[t] for t in range(len(frames)))
            write_tiff(self.outputs.temp(self.path), pages, self.calibration,
                       json.dumps(self.metadata), shape=frames.shape, dtype=frames.dtype)
        finally:
            frames.close()
