"""Image series and in-situ videos: fit once, label every frame the same way.

After the paper's "Speedup for image series": a model is fitted on one or
more reference frames with the full set of symmetry operations; Fisher's
separability ranks the operations; the model is refitted on the reference
with the ``n_selected_operations`` best ones, and every frame is labelled
with that one model, so a pattern keeps its label in every frame (labels
are sorted by pattern size on the reference).

Frames are processed one at a time: memory is bounded by one frame's
descriptors, whatever the number of frames. The series may be a numpy
array, a memory map, a dask array or a zarr array (anything with
``shape``, ``dtype`` and ``series[t]``). When a dask.distributed `Client`
is active, frames are labelled on the cluster (one task per frame, the
model sent to each worker once; `cluster`). One frame is labelled by
`frame_labels`; the fit on the reference frames is `series_fit` (re-exported
here).
"""

from __future__ import annotations

import uuid
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .cluster import active_client, label_on_cluster
from .consistency import consistency_note
from .descriptors.registry import get_family
from .frame_labels import label_frame, label_task, label_task_steps, labels_shape
from .model import Model
from .params import Params
from .progress import SeriesProgress, relay, run
from .series_fit import (  # noqa: F401  (this module's API, as before)
    SeriesFit,
    auto_reference_frames,
    fit_series_steps,
    reference_frames,
    select_operations,
)
from .stats import PatternStats
from .threads import image_workers, map_in_threads
from .validation import as_frame, check_series

#: share of a frame's run time spent outside the descriptors (validation,
#: projection, upsampling, statistics), in units of one operation's descriptor
_FRAME_OVERHEAD_OPS = 4


@dataclass(frozen=True)
class SeriesResult:
    """Everything a series segmentation produced.

    Attributes
    ----------
    labels : array, uint8, (T, Y, X)
        Pattern labels of every frame (the `out` array when one was given);
        (T, n_rows, n_cols) on the descriptor grid without upsampling.
    fit : SeriesFit
    stats : PatternStats
        Area fraction, connected regions and mean intensity per frame and
        pattern.
    params : Params
    """

    labels: np.ndarray
    fit: SeriesFit
    stats: PatternStats
    params: Params

    @property
    def model(self) -> Model:
        """The model that labelled every frame."""
        return self.fit.model

    @property
    def unlike(self) -> np.ndarray:
        """Per frame, the share of its points unlike the reference frames (`core.consistency`)."""
        n = len(self.stats.done)
        return self.stats.unlike if self.stats.unlike is not None else np.full(n, np.nan)

    def consistency_note(self) -> str | None:
        """A note naming the frames unlike the reference frames, or None when all fit.

        Returns
        -------
        str or None
        """
        return consistency_note(self.unlike)

    def measure(self, series, maps: bool = True):
        """Regions tracked over the frames, boundaries and their velocity, local maps.

        The series counterpart of `Result.regions` / `Result.boundaries`
        (docs/measure.md): ``segment_series(s, p).measure(s).regions``.

        Parameters
        ----------
        series : array_like, (T, Y, X)
            The series that was segmented (its frames are read again).
        maps : bool
            Also compute the local orientation and spacing maps.

        Returns
        -------
        SeriesMeasurement
            ``regions`` and ``boundaries`` tables, ``tracks``, the maps.
        """
        from .tracking import measure_series_result

        return measure_series_result(series, self, maps)


# ----------------------------------------------------------------------- labelling
def label_frames_steps(
    model: Model, series, out=None, frames=None, start: float = 0.0,
    workers: int | None = None, within: bool = False,
) -> Generator[SeriesProgress, None, tuple[np.ndarray, PatternStats]]:
    """Label frames of `series` with `model`, one at a time; yields after each frame.

    Parameters
    ----------
    model : Model
        A fitted model (e.g. ``SeriesFit.model``).
    series : array_like, (T, Y, X)
        The frames.
    out : array, optional
        Where the labels go, shape ``labels_shape(model, series.shape)``
        (e.g. a ``numpy.memmap`` or a zarr array, so a long series never has
        to fit in memory); default a new uint8 numpy array.
    frames : sequence of int, optional
        Frames to label (default all).
    start : float
        Overall progress when this starts (the rest is shared by the frames).
    workers : int, optional
        Frames labelled side by side, one per thread (`core.threads`);
        default numba's thread count; 1: one frame at a time, its kernels on
        all threads. The labels are the same either way.
    within : bool
        Also yield, in-process, a step of stage ``"labelling"`` after every
        chunk of a frame's rows (no frame, no labels), so that a run stopped
        there stops within the frame (the GUI's Cancel). Frames are then
        labelled one at a time (`workers` is ignored): a prompt Cancel is
        worth more to the widget than the second thread.

    Returns
    -------
    (labels, PatternStats)
        (the generator's return value)
    """
    shape = check_series(series)
    want = labels_shape(model, shape)
    if out is None:
        out = np.zeros(want, dtype=np.uint8)
    elif tuple(out.shape) != want:
        raise InputError(f"out has shape {tuple(out.shape)}; the labels need {want}")
    frames = range(shape[0]) if frames is None else [int(t) for t in frames]
    stats = PatternStats.empty(shape[0], model.n_patterns)
    total = len(frames)

    def progress(done, t, labels):
        stats_row = stats.area_fraction[t]
        frac = start + (1 - start) * done / max(total, 1)
        return SeriesProgress("frames", done, total, frac, t, labels, stats_row.copy())

    def keep(done, t, labels, row):  # a frame's labels and statistics stored: its step
        out[t] = labels
        stats.set(t, row)
        return progress(done, t, labels)

    def part(done, p):  # within a frame: a step of its rows
        frac = start + (1 - start) * (done + min(p.fraction, 1.0)) / max(total, 1)
        return SeriesProgress("labelling", done, total, frac)

    client = active_client()
    if client is None:
        if within:
            for done, t in enumerate(frames, 1):
                _, labels, row = yield from relay(label_task_steps(model, series[t], t),
                                                  lambda p, d=done - 1: part(d, p))
                yield keep(done, t, labels, row)
            return out, stats
        workers = image_workers() if workers is None else max(1, int(workers))
        if workers > 1 and total > 1:  # frames read here, labelled in the threads
            tasks = map_in_threads(label_task, ((model, series[t], t) for t in frames),
                                   min(workers, total))
        else:  # what a cluster worker does, frame by frame
            tasks = (label_task(model, series[t], t) for t in frames)
        try:
            for done, (t, labels, row) in enumerate(tasks, 1):
                yield keep(done, t, labels, row)
        finally:
            tasks.close()  # stopped early: no frame is left running
        return out, stats

    yield from label_on_cluster(client, model, series, frames, keep)
    return out, stats


def _label_block(block: np.ndarray, model: Model, block_info=None) -> np.ndarray:
    t = block_info[0]["chunk-location"][0] if block_info else 0
    labels, _ = label_frame(model, as_frame(block[0], t))
    return labels[None]


def lazy_labels(model: Model, series):
    """Labels of `series` as a lazy dask array, one frame computed per access.

    napari can show it directly: moving the time slider labels the frame
    shown. Under an active dask.distributed `Client`, ``.compute()`` runs
    on the cluster.

    Parameters
    ----------
    model : Model
        A fitted model.
    series : array_like or dask array, (T, Y, X)
        The frames (not read until a frame's labels are computed).

    Returns
    -------
    dask.array.Array, uint8
    """
    import dask
    import dask.array as da

    shape = check_series(series)
    arr = series if isinstance(series, da.Array) else da.from_array(
        series, chunks=(1, *shape[1:]), name=f"symseg-frames-{uuid.uuid4().hex}"
    )
    arr = arr.rechunk((1, *shape[1:]))
    want = labels_shape(model, shape)
    model_key = dask.delayed(model, name=f"symseg-model-{uuid.uuid4().hex}", traverse=False)
    return arr.map_blocks(
        _label_block, model_key, dtype=np.uint8, chunks=((1,) * shape[0], (want[1],), (want[2],))
    )


# ------------------------------------------------------------------ whole series
def segment_series_steps(
    series, params: Params | None = None, out=None, scribbles: dict | None = None,
    within: bool = False,
) -> Generator[SeriesProgress, None, SeriesResult]:
    """Fit on the reference frame(s), then label every frame; yields `SeriesProgress`.

    Iterate it (e.g. in a GUI thread worker) and stop iterating to cancel;
    frames already labelled stay in `out`. See `segment_series`.

    Parameters
    ----------
    series : array_like, (T, Y, X)
        The frames (read one at a time, never modified).
    params : Params, optional
        Parameters (see `segment_series`).
    out : array, optional
        Destination of the labels (see `label_frames_steps`).
    scribbles : dict of int to ndarray, optional
        Strokes per frame (see `fit_series_steps`).
    within : bool
        Steps within each frame too (see `label_frames_steps`).

    Returns
    -------
    SeriesResult
        (the generator's return value)
    """
    params = Params() if params is None else params
    shape = check_series(series)
    fit = yield from _scaled(fit_series_steps(series, params, scribbles),
                             _reference_share(params, shape))
    share = _reference_share(params, shape, len(fit.model.operations))
    labels, stats = yield from label_frames_steps(fit.model, series, out, start=share,
                                                  within=within)
    return SeriesResult(labels, fit, stats, params)


def _reference_share(params: Params, shape, n_selected: int | None = None) -> float:
    """Expected share of the run time spent on the reference fit."""
    n_all = len(get_family(params.descriptor_name).operations(params))
    n_sel = n_all if n_selected is None else n_selected
    if n_selected is None and params.n_selected_operations:
        n_sel = min(n_all, params.n_selected_operations)
    reference = len(reference_frames(params, shape[0])) * (n_all + n_sel)
    frames = shape[0] * (n_sel + _FRAME_OVERHEAD_OPS)
    return reference / (reference + frames)


def _scaled(steps, width: float):
    return relay(steps, lambda p: SeriesProgress(
        "reference", p.done, p.total, width * p.fraction, detail=p.detail))


def segment_series(series, params: Params | None = None, out=None, scribbles=None,
                   scribbles_frame: int | None = None, **changes) -> SeriesResult:
    """Segment an image series (T, Y, X) with one model fitted on reference frame(s).

    Parameters
    ----------
    series : array_like, (T, Y, X)
        numpy array, memory map, dask or zarr array; read one frame at a time
        and never modified.
    params : Params, optional
        ``reference_frames`` (default ``"auto"``: 5 frames spread over the
        series) and ``n_selected_operations`` (default 20) steer the series fit.
    out : array, optional
        Destination of the labels (see `label_frames_steps`).
    scribbles : array_like, 2-D int, optional
        Strokes painted on frame `scribbles_frame` (0 = unlabelled, i =
        pattern i - 1; or a dict ``{frame: strokes}``): that frame becomes a
        reference frame and pattern i - 1 of every frame is scribbled class
        i (`core.scribbles.series_scribbles`).
    scribbles_frame : int, optional
        The frame `scribbles` were painted on.
    **changes
        Parameter overrides, e.g. ``n_selected_operations=10``.

    Returns
    -------
    SeriesResult

    Examples
    --------
    >>> from napari_symseg.core.series import segment_series
    >>> from napari_symseg.core.samples import moving_boundary_series
    >>> series = moving_boundary_series(n_frames=3, shape=(96, 128), start=40, step=16)
    >>> result = segment_series(series, patch_x=6, patch_y=6, window_x=9, window_y=9,
    ...                         stride=4, n_selected_operations=10)
    >>> result.labels.shape, len(result.model.operations)
    ((3, 96, 128), 10)
    >>> # the boundary moves right (40, 56, 72) past column 70: hexagonal (1) -> square (0)
    >>> [int(result.labels[t, 48, 70]) for t in range(3)]
    [1, 1, 0]
    """
    params = Params() if params is None else params
    if changes:
        params = params.replace(**changes)
    if scribbles is not None:
        from .scribbles import series_scribbles

        scribbles = series_scribbles(scribbles, check_series(series), params.n_patterns,
                                     scribbles_frame)
    return run(segment_series_steps(series, params, out, scribbles))


__all__ = [
    "SeriesFit",
    "SeriesResult",
    "fit_series_steps",
    "label_frames_steps",
    "lazy_labels",
    "segment_series",
    "segment_series_steps",
    "select_operations",
]
