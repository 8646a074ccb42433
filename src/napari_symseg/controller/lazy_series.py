"""The "all frames" run of a lazy video: labels on demand, a background run fills the rest.

When the series layer's data is not an array in memory (a dask array, a
zarr array, a memory map: a video opened lazily, `napari_symseg.io.lazy`),
`series_job` makes a `LazySeriesJob` instead of a `SeriesJob`:

1. the model is fitted on the reference frames (as `SeriesJob`);
2. the patterns layer appears at once, backed by `LazyLabels.as_dask`:
   the frame under the time slider is labelled first (by the worker), and
   any frame the user scrubs to is labelled when napari reads it (on the
   GUI thread, one frame, tens of ms for 1024²) and cached;
3. the worker then reads every other frame in order (labelling those not
   labelled yet, writing them to a temporary zarr store), and the
   area-fraction plot fills in frame by frame.

Memory stays bounded: a cache of labelled frames (`lazy_labels.CACHE_BYTES`)
and the store on disk, never a (T, Y, X) array of labels. The run's end,
cancel and the layer's metadata are those of `SeriesJob`.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np

from ..core.progress import SeriesProgress
from ..core.series import SeriesResult, _reference_share, _scaled, fit_series_steps
from ..core.validation import check_series
from .lazy_labels import LazyLabels
from .series import SeriesJob


def is_lazy(data) -> bool:
    """True for layer data that is not an array in memory (dask, zarr, a memory map)."""
    return not isinstance(data, np.ndarray) or isinstance(data, np.memmap)


def series_job(session, source, params) -> SeriesJob:
    """The "all frames" job of `source`: `LazySeriesJob` for lazy data, else `SeriesJob`.

    Parameters
    ----------
    session : Session
        The widget's session (viewer, results).
    source : napari.layers.Image
        A (T, Y, X) layer.
    params : Params
        Resolved parameters.
    """
    cls = LazySeriesJob if is_lazy(source.data) else SeriesJob
    return cls(session, source, params)


class LazySeriesJob(SeriesJob):
    """An "all frames" run whose patterns layer labels frames when they are looked at.

    Parameters
    ----------
    session : Session
    source : napari.layers.Image
        The (T, Y, X) layer (lazy data).
    params : Params
        Resolved parameters.
    store : bool, str or Path
        Where labelled frames go (`LazyLabels`): True, a temporary zarr store.

    Attributes
    ----------
    lazy : LazyLabels or None
        The layer's frames, once the model is fitted.
    first_frame : int
        The frame under the slider at the start: labelled first.
    """

    def __init__(self, session, source, params, store=True) -> None:
        super().__init__(session, source, params)
        self.store = store
        self.lazy: LazyLabels | None = None
        self.first_frame = session.frame_index(source) or 0

    def _initial_data(self, shape: tuple[int, ...]):
        return None  # the LazyLabels' dask array, once the model is fitted

    def _segment(self) -> Generator[Any, None, Any]:
        """Fit, then make the lazy labels and read every frame (shown frame first)."""
        series = self.snapshot.data
        shape = check_series(series)
        fit = yield from self._relay(
            _scaled(fit_series_steps(series, self.params), _reference_share(self.params, shape)))
        if fit is None:
            return None
        self.lazy = LazyLabels(fit.model, series, store=self.store)
        self.data = self.lazy.as_dask()
        start = _reference_share(self.params, shape, len(fit.model.operations))
        stats = yield from self._relay(self._fill(start))
        return None if stats is None else SeriesResult(self.data, fit, stats, self.params)

    def _fill(self, start: float) -> Generator[SeriesProgress, None, Any]:
        """Read (label) every frame, the first frame first; yields one step per frame."""
        lazy = self.lazy
        total = lazy.shape[0]
        first = min(max(int(self.first_frame), 0), total - 1)
        order = [first, *(t for t in range(total) if t != first)]
        for done, t in enumerate(order, 1):
            lazy.frame(t)
            yield SeriesProgress("frames", done, total, start + (1 - start) * done / total, t,
                                 None, lazy.stats.area_fraction[t].copy())
        return lazy.stats
