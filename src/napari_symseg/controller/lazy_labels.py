"""Labels of a long video computed when looked at: the patterns layer of a lazy series.

`LazyLabels` is a (T, Y, X) frame reader of layer values (pattern +
`LABEL_OFFSET`) that labels a frame with a fitted model the first time it
is read, keeps the last frames read in a small LRU cache (memory bounded
by ``cache_frames`` frames, not by the video) and, with a ``store``,
writes every labelled frame to a zarr store (one chunk per frame, the
pattern index as the package's labels stores hold it,
`napari_symseg.io.zarr_labels`), from which a frame that left the cache
is read back instead of labelled again.
`LazyLabels.as_dask` is what napari shows: moving the time slider reads
(labels, on first sight) the frame shown. A background run
(`napari_symseg.controller.lazy_series.LazySeriesJob`) reads every frame
in turn, which fills the store and the statistics. While it runs
(``placeholders``), napari never labels nor waits: a frame not labelled
yet shows as 0 at once (`shown`) and is asked of the worker (`wanted`),
which labels it next; the layer is refreshed when it has it (its layer
does not use napari's dask cache, which would keep the placeholder).

Thread-safe: the GUI thread (napari slicing the frame shown) and the
worker may ask for the same frame at once; it is labelled once and the
other waits for it. Every labelling is logged in ``timings`` (thread
name, frame, seconds), so that the time spent on the GUI thread can be
measured.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import uuid
import weakref
from collections import OrderedDict, deque
from pathlib import Path

import numpy as np

from ..core.frame_labels import label_task, labels_shape
from ..core.stats import PatternStats
from ..core.validation import check_series
from ..io.frame_readers import FrameReader, as_dask
from ..io.labels import no_pattern_value, pattern_dtype
from . import LABEL_OFFSET
from .layers import label_dtype

#: Default memory for the cache of labelled frames (bytes).
CACHE_BYTES = 128 * 2**20


class LazyLabels(FrameReader):
    """The layer values of a series' labels, each frame labelled on first read.

    Parameters
    ----------
    model : Model
        A fitted model (`napari_symseg.core.series.SeriesFit.model`).
    series : array_like, (T, Y, X)
        The frames (a dask array, zarr array, frame reader...): read one at
        a time.
    store : str, Path, bool, zarr.Array or None
        A zarr store for the labelled frames: a path (kept), True (a
        temporary store, removed with this object), a (T, Y, X) zarr array
        of `file_dtype` (e.g. `napari_symseg.io.zarr_labels.ZarrLabelsWriter`'s)
        or None (no store: a frame that left the cache is labelled again).
    cache_frames : int, optional
        How many labelled frames to keep in memory (default: as many as fit
        in `CACHE_BYTES`, at least 4).
    offset : int
        Added to the pattern index (0 stays "no pattern").

    Attributes
    ----------
    done : ndarray of bool, (T,)
        Frames labelled so far.
    stats : PatternStats
        Their statistics (NaN for the others).
    timings : deque of (str, int, float)
        The last labellings: thread name, frame, seconds.
    """

    def __init__(self, model, series, store=None, cache_frames: int | None = None,
                 offset: int = LABEL_OFFSET) -> None:
        shape = labels_shape(model, check_series(series))
        super().__init__(shape, label_dtype(model.n_patterns))
        self.model, self.series, self.offset = model, series, offset
        frame_bytes = int(np.prod(shape[1:])) * self.dtype.itemsize
        self.cache_frames = cache_frames or max(4, CACHE_BYTES // max(frame_bytes, 1))
        self.done = np.zeros(shape[0], bool)
        self.stats = PatternStats.empty(shape[0], model.n_patterns)
        self.timings: deque = deque(maxlen=10_000)
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        #: While True, `shown` gives 0 for a frame not labelled yet (a run labels it)
        self.placeholders = False
        #: How many times `shown` gave a placeholder
        self.placeholder_reads = 0
        self._wanted: list[int] = []
        self._busy: dict[int, threading.Event] = {}
        self._lock = threading.Lock()
        #: dtype of the store: the pattern index, its maximum for "no pattern"
        self.file_dtype = self.file_dtype_of(model)
        self.store_path, self.store = None, None
        self._store_lock = threading.Lock()  # reads and writes vs. `use_store`
        if store is not None and store is not False:
            self._open_store(store)

    def _open_store(self, store) -> None:
        import zarr

        if store is True:
            folder = Path(tempfile.mkdtemp(prefix="symseg-labels-"))
            store = folder / "labels.zarr"
            weakref.finalize(self, shutil.rmtree, folder, True)
        if isinstance(store, str | Path):
            self.store_path = Path(store)
            store = zarr.create_array(str(store), shape=self.shape, dtype=self.file_dtype,
                                      chunks=(1, *self.shape[1:]), overwrite=True,
                                      fill_value=no_pattern_value(self.file_dtype))
        self.use_store(store)

    @staticmethod
    def file_dtype_of(model) -> np.dtype:
        """The dtype of the store of `model`'s labels (`napari_symseg.io.labels.pattern_dtype`)."""
        return pattern_dtype(model.n_patterns - 1)

    def use_store(self, store) -> None:
        """Read and write labelled frames in `store` from now on (None: no store).

        Parameters
        ----------
        store : zarr.Array, callable or None
            (T, Y, X) of `file_dtype`, holding every frame labelled so far;
            or a function returning it, called while no frame is read or
            written (e.g. one that renames the store into place and opens
            it there).
        """
        with self._store_lock:
            if callable(store):
                store = store()
            if store is not None and (tuple(store.shape) != self.shape
                                      or np.dtype(store.dtype) != self.file_dtype):
                raise ValueError(f"a store of {tuple(store.shape)} {store.dtype} cannot hold "
                                 f"labels of {self.shape} {self.file_dtype}")
            self.store = store
            root = getattr(getattr(getattr(store, "store_path", None), "store", None),
                           "root", None)
            self.store_path = None if root is None else Path(str(root))

    def frame(self, t: int) -> np.ndarray:
        """Frame `t`'s layer values: from the cache, the store, or labelled now."""
        t = int(t)
        while True:
            with self._lock:
                if t in self._cache:
                    self._cache.move_to_end(t)
                    return self._cache[t]
                event = self._busy.get(t)
                if event is None:
                    self._busy[t] = threading.Event()
                    stored = bool(self.done[t]) and self.store is not None
                    break
            event.wait()  # another thread labels it
        try:
            values = self._stored(t) if stored else None
            if values is None:
                values = self._label(t)
            with self._lock:
                self._cache[t] = values
                while len(self._cache) > self.cache_frames:
                    self._cache.popitem(last=False)
        finally:
            with self._lock:
                self._busy.pop(t).set()
        return values

    def shown(self, t: int) -> np.ndarray:
        """Frame `t` as napari shows it: `frame`, or all 0 at once while it is not labelled.

        With ``placeholders`` on, a frame not labelled yet (or being
        labelled by another thread) is not labelled here nor waited for: it
        is returned as 0 (no pattern) and noted for `wanted`.
        """
        t = int(t)
        if self.placeholders:
            with self._lock:
                if t in self._cache:
                    self._cache.move_to_end(t)
                    return self._cache[t]
                if not self.done[t]:
                    self._wanted.append(t)
                    self.placeholder_reads += 1
                    return np.zeros(self.shape[1:], self.dtype)
        return self.frame(t)

    def wanted(self) -> int | None:
        """The last frame `shown` gave a placeholder for since the last call (None: none).

        The older ones are forgotten (the slider has left them).
        """
        with self._lock:
            t = self._wanted[-1] if self._wanted else None
            self._wanted.clear()
            return t

    def _stored(self, t: int) -> np.ndarray | None:
        """Frame `t`'s layer values read back from the store (None: no store any more)."""
        with self._store_lock:
            if self.store is None:
                return None
            patterns = np.asarray(self.store[t])
        values = np.zeros(patterns.shape, self.dtype)
        np.add(patterns, self.offset, out=values, casting="unsafe",
               where=patterns != no_pattern_value(self.file_dtype))
        return values

    def _label(self, t: int) -> np.ndarray:
        start = time.perf_counter()
        _, labels, row = label_task(self.model, self.series[t], t)
        values = np.asarray(labels, self.dtype) + self.dtype.type(self.offset)
        with self._store_lock:
            if self.store is not None:
                self.store[t] = np.asarray(labels, self.file_dtype)
        self.stats.set(t, row)
        self.done[t] = True
        self.timings.append((threading.current_thread().name, t, time.perf_counter() - start))
        return values

    def as_dask(self):
        """A dask array of one chunk per frame reading `frame` (what napari shows).

        Returns
        -------
        dask.array.Array
        """
        return as_dask(_Shown(self), name=f"symseg-lazy-labels-{uuid.uuid4().hex}", owner=self)

    def cached(self) -> list[int]:
        """The frames in the cache, least recently used first."""
        with self._lock:
            return list(self._cache)


class _Shown(FrameReader):
    """The frames of a `LazyLabels` as napari reads them (`LazyLabels.shown`)."""

    def __init__(self, lazy: LazyLabels) -> None:
        super().__init__(lazy.shape, lazy.dtype)
        self.lazy = lazy

    def frame(self, t: int) -> np.ndarray:
        """`LazyLabels.shown`."""
        return self.lazy.shown(t)
