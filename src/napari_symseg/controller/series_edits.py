"""Edits of a result off the GUI thread: the steps, the states its layer shows, undo.

A 2-D result's edit (merge, split) is computed in a worker with what its
patterns layer will show (`ImageState`: the layer's values and features);
the GUI thread then writes the values into the adopted patterns layer's
existing array (`show_values`: in place and a refresh, about half the time
of napari's ``data`` setter; the Scribbles dock's own layer is set: its
data event outdates a measurement of it) and sets the features. Each
result of the edit history keeps its `ImageState` (its own array, never
the layer's), so undo writes the exact previous values back: nothing is
computed.

Merging two patterns of a (T, Y, X) result is a pure relabel: a lookup
table (`core.edit.merge_table`) over the layer's existing values, frame by
frame, no features. A split changes the model's centres, so every frame is
labelled again (`core.series.label_frames_steps`). Both are generators of
``(done, total)`` steps that a worker runs (`ScribbleSession.edit_steps`);
they check a cancel flag between frames, and the new labels only reach the
layer when the GUI thread commits the returned `SeriesState`, so a
cancelled edit leaves the previous labels as they were.

Undo gives back the exact previous array: each edit keeps the state before
it (the array the layer showed, its features and area fractions), so undo
is an assignment, no computation. Why copies, not the inverse table: a
merge cannot be inverted (two patterns became one), and labelling again
with the earlier model could differ from what was shown (the model
assigns near-ties by float arithmetic). The copies are uint8 when the
layer's values fit (one byte per pixel and frame); beyond `UNDO_BYTES` in
memory the oldest are written to a temporary ``.npy`` file by the worker
and memory-mapped back on undo (instant; the file is removed once popped).
"""

from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import dataclass, field

import numpy as np

from ..errors import Cancelled

#: Memory (bytes) the saved states of a series may hold before older ones go to disk.
UNDO_BYTES = 1 << 30
#: Memory (bytes) the confidence images kept by a 2-D edit history may hold.
CONFIDENCE_BYTES = 1 << 28


@dataclass
class ImageState:
    """What a 2-D patterns layer shows for one result of an edit history.

    Attributes
    ----------
    values : ndarray, (Y, X)
        The layer's values (pattern + offset); never the layer's own array.
    features : dict of str to ndarray
        The layer's features (`controller.layer_io.result_features`), without names.
    confidence : ndarray of float32, (Y, X), or None
        What the run's confidence layer shows with this result (None: not
        computed yet; `Result.confidence_image`).
    """

    values: np.ndarray = field(repr=False)
    features: dict = field(default_factory=dict, repr=False)
    confidence: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def of_layer(cls, layer) -> ImageState:
        """What `layer` shows now (its values copied; read on the GUI thread)."""
        features = {c: layer.features[c].to_numpy() for c in layer.features.columns
                    if c != "name"}
        return cls(np.array(layer.data), features)


def image_state(result, source, frame: int | None, offset: int, dtype,
                confidence: bool = False) -> ImageState:
    """What the patterns and confidence layers of `result` show (any thread).

    Parameters
    ----------
    result : Result
        A 2-D result (of an image, or of frame `frame` of a series).
    source : SourceSnapshot or napari.layers.Image
        The segmented layer (a snapshot taken on the GUI thread, in a worker).
    frame : int or None
        The frame of a (T, Y, X) source.
    offset : int
        Layer value of pattern 0.
    dtype : dtype
        Of the layer's values.
    confidence : bool
        Compute the confidence image too (the run has a confidence layer).

    Returns
    -------
    ImageState
    """
    from .layer_io import result_features

    values = (result.labels + offset).astype(dtype)
    return ImageState(values, result_features(source, result, frame, offset),
                      confidence_image(result) if confidence else None)


def confidence_image(result) -> np.ndarray:
    """What the confidence layer of `result` shows (float32, the image's shape)."""
    return result.confidence_image.astype(np.float32)


def show_confidence(layer, values: np.ndarray) -> None:
    """Show `values` in the confidence Image `layer`: written into its array when the
    shape and dtype are the same (then a refresh), else a copy is set."""
    data = layer.data
    if isinstance(data, np.ndarray) and data.shape == values.shape \
            and data.dtype == values.dtype and data.flags.writeable:
        np.copyto(data, values)
        layer.refresh()
    else:
        layer.data = np.array(values)


def show_values(layer, values: np.ndarray) -> None:
    """Show `values` in the Labels `layer`: written into its array when they fit, else set.

    In place (same shape, a writeable array whose dtype holds every value)
    then ``layer.refresh()``: napari's ``data`` setter costs about twice
    as much on the GUI thread (`benchmarks/labels_update.py`). Otherwise
    the layer gets a copy of `values` (never `values` itself: an edit
    history keeps it for undo).

    Parameters
    ----------
    layer : napari.layers.Labels
        A 2-D patterns layer.
    values : ndarray of int
        Its new values.
    """
    data = layer.data
    if isinstance(data, np.ndarray) and data.shape == values.shape and data.flags.writeable \
            and data.dtype.kind in "iu" and _fits(values, data.dtype):
        np.copyto(data, values, casting="unsafe")
        layer.refresh()
    else:
        layer.data = np.array(values)


def _fits(values: np.ndarray, dtype: np.dtype) -> bool:
    if np.can_cast(values.dtype, dtype, "safe"):
        return True
    info = np.iinfo(dtype)
    return values.size == 0 or (info.min <= int(values.min()) and int(values.max()) <= info.max)


@dataclass
class PendingEdit:
    """An edit computed in a worker, not yet shown: `ScribbleSession.commit` shows it.

    Attributes
    ----------
    result : Result
        The edited result (of the edited frame, for a series).
    state : SeriesState or None
        A series: what its layer shows after the edit.
    image : ImageState or None
        A 2-D result's merge or split: what its layer shows after the edit
        (None: a rename, the values stay).
    """

    result: object
    state: SeriesState | None = None
    image: ImageState | None = None


@dataclass
class SeriesState:
    """What an all-frames layer shows after an edit (or before the first).

    Attributes
    ----------
    data : ndarray, (T, Y, X)
        The layer's values (pattern + offset).
    features : dict of str to ndarray
        The layer's features (`series_table_steps`).
    fractions : ndarray, (T, n_patterns)
        Area fraction of every pattern in every frame.
    path : str or None
        Where `data` was written when it left memory (`spill`).
    """

    data: np.ndarray
    features: dict = field(default_factory=dict)
    fractions: np.ndarray | None = None
    path: str | None = None

    @property
    def nbytes(self) -> int:
        """Bytes held in memory."""
        return 0 if self.path is not None else int(self.data.nbytes)

    def spill(self) -> None:
        """Write `data` to a temporary file and keep a read-only memory map of it."""
        if self.path is not None:
            return
        handle, path = tempfile.mkstemp(prefix="symseg-undo-", suffix=".npy")
        os.close(handle)
        np.save(path, self.data)
        self.data = np.load(path, mmap_mode="c")
        self.path = path

    def drop(self) -> None:
        """Remove the temporary file (if any): the state is no longer needed."""
        if self.path is not None:
            try:
                os.remove(self.path)
            except OSError:
                pass
            self.path = None


def spill_old(states: list[SeriesState], budget: int = UNDO_BYTES) -> None:
    """Write the oldest saved states to disk until those in memory fit in `budget`.

    The last state (the one shown) always stays in memory.

    Parameters
    ----------
    states : list of SeriesState
        Oldest first.
    budget : int
        Bytes.
    """
    for state in states[:-1]:
        if sum(s.nbytes for s in states[:-1]) <= budget:
            return
        state.spill()


def drop_old_confidence(states: list[ImageState | None], budget: int | None = None) -> None:
    """Forget the confidence images of the oldest 2-D states beyond `budget` bytes.

    A forgotten image (None) is computed again from its result if an undo
    shows that state (`Result.confidence_image`); the newest states keep
    theirs, so the usual undo computes nothing. Without a budget each step
    of a 4096² image kept 64 MB.

    Parameters
    ----------
    states : list of ImageState or None
        Oldest first.
    budget : int, optional
        Bytes (default `CONFIDENCE_BYTES`).
    """
    budget = CONFIDENCE_BYTES if budget is None else budget
    kept = 0
    for state in reversed(states):
        if state is None or state.confidence is None:
            continue
        kept += state.confidence.nbytes
        if kept > budget:
            state.confidence = None


def layer_dtype(n_values: int, current) -> np.dtype:
    """uint8 when `n_values` values fit, else `current` (the layer's dtype)."""
    return np.dtype(np.uint8) if n_values <= 255 else np.dtype(current)


def merged_frames(data: np.ndarray, table: np.ndarray, offset: int,
                  cancelled: threading.Event | None = None):
    """The layer values after a merge, frame by frame: yields ``(done, total)``.

    Parameters
    ----------
    data : ndarray, (T, Y, X)
        The layer's values (pattern + `offset`; values below `offset` stay).
    table : ndarray of int
        `core.edit.merge_table` (patterns).
    offset : int
        Layer value of pattern 0.
    cancelled : threading.Event, optional
        Set: stop (`errors.Cancelled`) before the next frame.

    Returns
    -------
    ndarray
        (the generator's return value) a new array, the same dtype.
    """
    values = np.arange(max(int(data.max(initial=0)) + 1, offset + len(table)))
    shifted = values.copy()
    shifted[offset:offset + len(table)] = np.asarray(table) + offset
    lut = shifted.astype(data.dtype)
    out = np.empty_like(data)
    for t in range(len(data)):
        if cancelled is not None and cancelled.is_set():
            raise Cancelled("edit cancelled")
        out[t] = lut[data[t]]
        yield t + 1, len(data)
    return out


def relabelled_frames(model, series, offset: int, dtype,
                      cancelled: threading.Event | None = None):
    """Every frame labelled again with `model` (a split): yields ``(done, total)``.

    Parameters
    ----------
    model : Model
        The edited model.
    series : array_like, (T, Y, X)
        The frames.
    offset : int
        Layer value of pattern 0.
    dtype : dtype
        Of the returned layer values.
    cancelled : threading.Event, optional
        Set: stop (`errors.Cancelled`) after the current frame.

    Returns
    -------
    ndarray
        (the generator's return value) pattern + `offset`.
    """
    from ..core.frame_labels import labels_shape
    from ..core.series import label_frames_steps

    out = np.empty(labels_shape(model, np.shape(series)), dtype)
    steps = label_frames_steps(model, series, out=out)  # labelled straight into `out`
    while True:
        if cancelled is not None and cancelled.is_set():
            steps.close()
            raise Cancelled("edit cancelled")
        step = next(steps, None)
        if step is None:
            break
        yield step.done, step.total
    for frame in out:  # in place, frame by frame: no second (T, Y, X) array
        np.add(frame, offset, out=frame, casting="unsafe")
    return out


def series_table_steps(data: np.ndarray, series, params, offset: int, calibration,
                       cancelled: threading.Event | None = None):
    """Features and per-frame area fractions of an edited series: yields ``(done, total)``.

    Parameters
    ----------
    data : ndarray, (T, Y, X)
        The layer's values (pattern + `offset`).
    series : array_like, (T, Y, X)
        The frames.
    params : Params
        Of the edited result.
    offset : int
        Layer value of pattern 0.
    calibration : Calibration or None
        Of the series (`controller.layer_io.layer_calibration`, read on the GUI thread).
    cancelled : threading.Event, optional
        Set: stop (`errors.Cancelled`) before the next frame.

    Returns
    -------
    (dict, ndarray)
        (the generator's return value) the features (`io.statistics.features_table`)
        and the (T, n_patterns) area fractions.
    """
    from ..core.stats import PatternStats
    from ..io.statistics import features_table, frame_pattern_statistics

    stats = PatternStats.empty(len(data), params.n_patterns)
    for t in range(len(data)):
        if cancelled is not None and cancelled.is_set():
            raise Cancelled("edit cancelled")
        labels = data[t].astype(np.int32) - offset
        stats.set(t, frame_pattern_statistics(labels, np.asarray(series[t]), params))
        yield t + 1, len(data)
    table = features_table(stats, calibration, tuple(np.shape(series)), offset)
    return table, stats.area_fraction
