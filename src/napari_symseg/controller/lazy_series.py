"""The "all frames" run of a lazy video: labels on demand, a background run fills the rest.

When the series layer's data is not an array in memory (a dask array, a
zarr array, a memory map: a video opened lazily, `napari_symseg.io.lazy`),
`series_job` makes a `LazySeriesJob` instead of a `SeriesJob`:

1. the model is fitted on the reference frames (as `SeriesJob`);
2. the patterns layer appears at once, backed by `LazyLabels.as_dask`:
   the frame under the time slider is labelled first (by the worker); a
   frame the user scrubs to that is not labelled yet shows as 0 at once
   (napari neither labels it nor waits for the worker) and the worker
   labels it next; the layer is refreshed then if it is still shown;
3. the worker then reads every other frame in order (labelling those not
   labelled yet, writing them to a temporary zarr store), and the
   area-fraction plot fills in frame by frame.

Memory stays bounded: a cache of labelled frames (`lazy_labels.CACHE_BYTES`)
and the store on disk, never a (T, Y, X) array of labels. The run's end,
cancel and the layer's metadata are those of `SeriesJob`; a scribbles layer
of the series joins the fit as in `SeriesJob` (its frames are reference
frames too). With ``keep=True`` the store is the package's own labels store
next to the video (`napari_symseg.controller.kept_labels`), renamed into
place when every frame is labelled.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, ClassVar

import numpy as np

from ..core.frame_labels import labels_shape
from ..core.progress import SeriesProgress
from ..core.series import SeriesResult, _reference_share, _scaled, fit_series_steps
from ..core.validation import check_series
from . import METADATA_KEY
from .kept_labels import open_kept_store, video_file
from .layer_io import file_record, layer_calibration
from .lazy_labels import LazyLabels
from .scribble_strokes import series_scribbles_for
from .series import SeriesJob, series_metadata


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
    if is_lazy(source.data):
        return LazySeriesJob(session, source, params,
                             keep=bool(getattr(session, "keep_labels", False)))
    return SeriesJob(session, source, params)


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
    keep : bool
        Keep the labels next to the video (`kept_labels`; else, or when that
        is impossible, `store`).

    Attributes
    ----------
    lazy : LazyLabels or None
        The layer's frames, once the model is fitted.
    first_frame : int
        The frame under the slider at the start: labelled first.
    kept : ZarrLabelsWriter or None
        The store next to the video being written (``keep``).
    note : str or None
        Where the labels were kept, or why not (added to the final status).
    """

    def __init__(self, session, source, params, store=True, keep: bool = False) -> None:
        super().__init__(session, source, params)
        self.store = store
        self.lazy: LazyLabels | None = None
        self.first_frame = session.frame_index(source) or 0
        self.video = video_file(source) if keep else None
        self.keep, self.kept, self.note = keep, None, None
        self.strokes = series_scribbles_for(session.viewer, source, params.n_patterns)

    #: napari's dask cache would keep a frame's placeholder (`LazyLabels.shown`)
    layer_kwargs: ClassVar[dict] = {"cache": False}

    def _initial_data(self, shape: tuple[int, ...]):
        return None  # the LazyLabels' dask array, once the model is fitted

    def _segment(self) -> Generator[Any, None, Any]:
        """Fit, then make the lazy labels and read every frame (shown frame first)."""
        series = self.snapshot.data
        shape = check_series(series)
        fit = yield from self._relay(  # painted frames join the fit (issue 15)
            _scaled(fit_series_steps(series, self.params, self.strokes),
                    _reference_share(self.params, shape)))
        if fit is None:
            return None
        store = self._kept_store(fit.model, shape) if self.keep else self.store
        self.lazy = LazyLabels(fit.model, series, store=store)
        self.lazy.placeholders = True  # napari never waits for the worker (`_fill`)
        self.data = self.lazy.as_dask()
        start = _reference_share(self.params, shape, len(fit.model.operations))
        stats = yield from self._relay(self._fill(start))
        if stats is None:
            return None
        result = SeriesResult(self.data, fit, stats, self.params)
        if self.kept is not None:
            self._keep(result)
        return result

    def _kept_store(self, model, shape):
        """The store next to the video (its zarr array), or `store` and a note why not."""
        from .. import __version__
        from ..io.export import labels_calibration, params_record

        out_shape = labels_shape(model, shape)
        calibration = layer_calibration(self.snapshot)
        meta = {**params_record(self.params, calibration, __version__),
                "source": self.snapshot.name,
                **({"pattern_names": list(model.names)} if getattr(model, "names", ()) else {})}
        writer, self.note = open_kept_store(
            self.video, out_shape, meta,
            labels_calibration(calibration, shape, out_shape, self.params),
            LazyLabels.file_dtype_of(model))
        if writer is None:
            return self.store
        self.kept = writer
        return writer.array

    def _keep(self, result: SeriesResult) -> None:
        """Every frame is labelled: the run's record into the store, renamed into place."""
        import zarr

        writer = self.kept
        meta = series_metadata(self.snapshot.name, self.data.shape[0], self.params, result)
        writer.record.update({k: v for k, v in file_record(meta[METADATA_KEY]).items()
                              if k not in ("params", "napari_symseg", "calibration")})

        def move():
            writer.finish()  # record last, then the rename
            return zarr.open_array(str(writer.path), mode="r")

        try:
            self.lazy.use_store(move)
        except (OSError, ValueError) as err:
            self.kept = None
            self.lazy.use_store(None)  # frames that left the cache are labelled again
            self.note = f"labels not kept next to the video: {err}"

    def _fill(self, start: float) -> Generator[SeriesProgress, None, Any]:
        """Read (label) every frame, the first frame first; yields one step per frame.

        A frame napari showed as a placeholder (`LazyLabels.wanted`) goes
        before the others.
        """
        lazy = self.lazy
        total = lazy.shape[0]
        first = min(max(int(self.first_frame), 0), total - 1)
        order = iter([first, *(t for t in range(total) if t != first)])
        seen: set[int] = set()
        while len(seen) < total:
            t = lazy.wanted()
            if t is None or t in seen:
                t = next(u for u in order if u not in seen)
            seen.add(t)
            lazy.frame(t)
            done = len(seen)
            yield SeriesProgress("frames", done, total, start + (1 - start) * done / total, t,
                                 None, lazy.stats.area_fraction[t].copy())
        lazy.placeholders = False
        return lazy.stats

    def finish(self) -> str:
        """`SeriesJob.finish`; an unfinished kept store is removed; the note in the status."""
        if not self.complete and self.kept is not None:
            if self.lazy is not None:
                self.lazy.use_store(None)
            self.kept.discard()
            self.kept = None
        if self.complete and self.kept is not None and self.layer is not None:
            meta = self.layer.metadata.get(METADATA_KEY, {})
            self.layer.metadata = {METADATA_KEY: {**meta, "file": str(self.kept.path)}}
        status = super().finish()
        return status if self.note is None or not self.complete else f"{status}; {self.note}"
