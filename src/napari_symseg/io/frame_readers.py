"""Frame readers: a (T, Y, X) series read one frame at a time, as an array or a dask array.

`FrameReader` is the base (``shape``, ``dtype``, ``reader[t]``), `NpyVideo`
reads a ``.npy`` file with ``os.pread``, `LockedFrames` wraps a reader
function that is not thread-safe (ncempy, h5py); `as_dask` makes one dask
chunk per frame. Opened by `napari_symseg.io.lazy.open_video`.
"""

from __future__ import annotations

import os
import threading
import weakref
from pathlib import Path

import numpy as np

from ..errors import FileFormatError


class FrameReader:
    """Base of the frame readers: ``shape``, ``dtype``, ``ndim`` and indexing by frame.

    Subclasses implement `frame`. Indexing takes an integer (one frame) or a
    tuple whose first item is an integer or a slice of frames (what
    `dask.array.from_array` asks for), reading only those frames.

    Parameters
    ----------
    shape : (int, int, int)
        (T, Y, X).
    dtype : dtype
        Of the frames.
    """

    ndim = 3

    def __init__(self, shape, dtype) -> None:
        self.shape = tuple(int(n) for n in shape)
        self.dtype = np.dtype(dtype)

    def __len__(self) -> int:
        return self.shape[0]

    def frame(self, t: int) -> np.ndarray:
        """Frame `t` (0 <= t < T) as a (Y, X) array."""
        raise NotImplementedError

    def __getitem__(self, key):
        if not isinstance(key, tuple):
            key = (key,)
        first, rest = key[0], key[1:]
        if isinstance(first, slice):
            frames = range(self.shape[0])[first]
            out = np.empty((len(frames), *self.shape[1:]), self.dtype)
            for i, t in enumerate(frames):
                out[i] = self.frame(t)
            return out[(slice(None), *rest)] if rest else out
        if not isinstance(first, int | np.integer):
            raise IndexError("frames are indexed by an integer or a slice")
        t = range(self.shape[0])[int(first)]  # negative indices, IndexError past the end
        return self.frame(t)[rest] if rest else self.frame(t)

    def __array__(self, dtype=None, copy=None):
        data = self[:]
        return data if dtype is None else data.astype(dtype)


class NpyVideo(FrameReader):
    """Frames of a C-ordered (T, Y, X) ``.npy`` file, read with ``os.pread`` (thread-safe).

    Parameters
    ----------
    path : str or Path
        The file.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        mapped = np.load(self.path, mmap_mode="r", allow_pickle=False)
        if mapped.ndim != 3 or not mapped.flags.c_contiguous:
            raise ValueError(f"{self.path.name} is not a C-ordered 3-D array")
        super().__init__(mapped.shape, mapped.dtype)
        self.offset = mapped.offset
        del mapped
        self.frame_bytes = int(np.prod(self.shape[1:])) * self.dtype.itemsize
        self._fd = os.open(self.path, os.O_RDONLY)

    def frame(self, t: int) -> np.ndarray:
        """Frame `t`, read from the file (a new array)."""
        data = os.pread(self._fd, self.frame_bytes, self.offset + int(t) * self.frame_bytes)
        if len(data) != self.frame_bytes:
            raise FileFormatError(f"{self.path.name} is truncated at frame {t}")
        return np.frombuffer(data, self.dtype).reshape(self.shape[1:])

    def close(self) -> None:
        """Close the file."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __del__(self) -> None:
        self.close()


class LockedFrames(FrameReader):
    """Frames read by ``read(t)`` under a lock (for readers that are not thread-safe).

    Parameters
    ----------
    shape, dtype
        Of the series.
    read : callable
        ``read(t)`` -> frame `t`.
    keep : object, optional
        Kept alive as long as the reader (an open file).
    """

    def __init__(self, shape, dtype, read, keep=None) -> None:
        super().__init__(shape, dtype)
        self._read, self._keep = read, keep
        self._lock = threading.Lock()

    def frame(self, t: int) -> np.ndarray:
        """Frame `t` (read under the lock)."""
        with self._lock:
            return np.asarray(self._read(int(t)))


#: The frame reader behind each dask array `as_dask` made of one (by the array's name).
_READERS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def reader_of(data):
    """The frame reader `as_dask` turned into `data` (a dask array), or None.

    Parameters
    ----------
    data : array_like
        E.g. a napari layer's data.
    """
    name = getattr(data, "name", None)
    return _READERS.get(name) if isinstance(name, str) else None


def as_dask(frames, name: str | None = None, owner=None):
    """`frames` as a dask array of one chunk per frame (nothing is read yet).

    Parameters
    ----------
    frames : array_like, (T, Y, X)
        A frame reader, memory map, zarr or dask array.
    name : str, optional
        The dask name (default: unique).
    owner : FrameReader, optional
        What `reader_of` gives for the array (default: `frames`, a frame reader).

    Returns
    -------
    dask.array.Array
    """
    import uuid

    import dask.array as da

    if isinstance(frames, da.Array):
        return frames.rechunk((1, *frames.shape[1:]))
    shape = tuple(int(n) for n in frames.shape)
    data = da.from_array(frames, chunks=(1, *shape[1:]), lock=False, fancy=False,
                         asarray=False, meta=np.empty((0,) * len(shape), frames.dtype),
                         name=name or f"symseg-video-{uuid.uuid4().hex}")
    if owner is not None or isinstance(frames, FrameReader):
        _READERS[data.name] = frames if owner is None else owner
    return data
