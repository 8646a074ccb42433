"""Series mode, without Qt: one model labels every frame of a (T, Y, X) layer.

A `SeriesJob` runs `segment_series_steps` (fit on the reference frame(s),
then label frame by frame). What the user sees:

- ``"<image> patterns"``: one (T, Y, X) Labels layer on the source's scale,
  translate, units and axis labels, directly above the source. It appears
  with the first labelled frame and fills in as frames finish (the worker
  writes each frame's labels + 1 into the layer's array; the layer is
  refreshed only when the finished frame is the one shown, other frames
  are read when the time slider gets there). It is a different layer from
  the result of a "current frame" run (``"<image> patterns (frame t)"``):
  neither run overwrites the other.
- The area fraction of every pattern versus time, updated frame by frame
  (`Session.events.frame`), and the separability of every operation with
  the selected ones marked, when the run ends (the widget's plots dock).

A cancelled or failed run leaves the viewer as it found it: a layer it
added is removed, a previous series layer it was overwriting gets its
data, metadata and placement back.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..core.chunks import grid_for
from ..core.series import reference_frames, segment_series_steps
from ..core.validation import check_series
from ..io.colours import label_colour_dict
from ..io.statistics import features_table
from . import LABEL_OFFSET, METADATA_KEY
from .hints import series_hint
from .label_colormap import kernel_free, label_colormap
from .layer_io import layer_calibration
from .layers import LayerSpec, apply_spec, label_dtype, run_metadata, series_placement
from .results import RunRecord
from .runs import Job, Ready, Status
from .scribble_strokes import series_scribbles_for
from .text import run_summary

if TYPE_CHECKING:
    from ..core.params import Params
    from ..core.series import SeriesResult
    from .session import Session

#: What a run sets on a previous run's layer (and a cancelled run puts back).
_RESTORED = ("data", "metadata", "features", "colormap", "scale", "translate", "units",
             "axis_labels")


def series_metadata(source_name: str, n_frames: int, params: Params,
                    result: SeriesResult | None = None) -> dict:
    """Metadata of the series patterns layer (see `run_metadata`).

    Besides what a single-image run records it holds the number of frames,
    the reference frames, whether the run is complete and, at the end, the
    selected operations (best separability first), the separability of
    every operation and the area fraction table.

    Parameters
    ----------
    source_name : str
        The segmented layer's name.
    n_frames : int
        Number of frames of the series.
    params : Params
        The parameters of the run (reference frames resolved).
    result : SeriesResult, optional
        None while the run goes on (``"complete": False``).

    Returns
    -------
    dict
        ``{METADATA_KEY: {...}}``, JSON-compatible.
    """
    extra = {"n_frames": int(n_frames),
             "reference_frames": list(reference_frames(params, n_frames)),
             "complete": result is not None, "series": True}
    version = None
    if result is not None:
        fit = result.fit
        version = fit.model.version
        chosen = fit.full_model.operations.subset(fit.selected)
        extra.update(
            selected_operations={"indices": [int(i) for i in fit.selected],
                                 "labels": chosen.labels, **chosen.to_dict()},
            separability=[float(v) for v in fit.separability],
            operations=fit.full_model.operations.to_dict(),
            area_fraction=result.stats.area_fraction.tolist(),
        )
    return run_metadata(source_name, params, version=version, frame=None, role="patterns",
                        **extra)


def _shared_frame_buffer(shape: tuple[int, ...]) -> np.ndarray:
    """A writable (T, Y, X) uint8 array whose frames all share one (Y, X) buffer.

    `segment_series_steps` writes every frame's labels into its `out`; the
    job copies them (+ LABEL_OFFSET) into the layer's array from the
    yielded progress instead, so a full `out` would only be a second copy
    of all labels. Stride 0 on the time axis keeps one frame of memory.
    """
    frame = np.zeros(shape[1:], dtype=np.uint8)
    return np.lib.stride_tricks.as_strided(
        frame, shape=shape, strides=(0, *frame.strides), writeable=True
    )


class SeriesJob(Job):
    """An "all frames" run of a (T, Y, X) layer.

    Parameters
    ----------
    session : Session
    source : napari.layers.Image
        The (T, Y, X) layer.
    params : Params
        Resolved parameters (reference frames, seed).

    Attributes
    ----------
    data : ndarray, (T, Y, X)
        The Labels layer's data: pattern + `LABEL_OFFSET`, 0 where a frame is
        not labelled yet.
    area_fraction : ndarray, (T, n_patterns)
        NaN for frames not labelled yet.
    layer : napari.layers.Labels or None
        The series layer, from the first labelled frame on.
    """

    series = True

    def __init__(self, session: Session, source, params: Params) -> None:
        super().__init__(session, source, params)
        shape = check_series(source.data)
        self.grid = grid_for(shape[1:], params)
        frame_shape = shape[1:] if params.upsampling else self.grid.shape
        self.data = self._initial_data((shape[0], *frame_shape))
        self.area_fraction = np.full((shape[0], params.n_patterns), np.nan)
        self.layer = None
        self.scribbled = False
        self._undo: list[Callable[[], None]] = []
        self._reveal = False  # the layer was added hidden: shown next (`show_added`)

    #: More keyword arguments of the patterns layer (napari's ``Labels``)
    layer_kwargs: ClassVar[dict] = {}

    def _initial_data(self, shape: tuple[int, ...]):
        """The layer's data before the run: every frame 0 (not labelled)."""
        return np.zeros(shape, dtype=label_dtype(self.params.n_patterns))

    # -- worker thread
    def steps(self) -> Generator[Any, None, Any]:
        """Segment every frame (writing each into `data`), build the final record, hint."""
        start = time.perf_counter()
        result = yield from self._segment()
        if result is None:
            return None
        features = features_table(result.stats, layer_calibration(self.snapshot),
                                  self.snapshot.data.shape, LABEL_OFFSET)
        meta = series_metadata(self.snapshot.name, self.data.shape[0], self.params, result)
        fit = result.fit
        seconds = time.perf_counter() - start
        fractions = result.stats.area_fraction
        record = RunRecord(
            self.params, "series", None, seconds, fractions, fit.full_model.operations,
            fit.separability, np.asarray(fit.selected),
            summary=run_summary(seconds, self.params.n_patterns, np.nanmean(fractions, 0),
                                n_frames=self.data.shape[0], scribbled=self.scribbled),
            model=fit.model,  # what Edit… changes (issue 15)
        )
        yield Ready([LayerSpec("series", "labels", self.data,
                               {"metadata": meta, "features": features})], record)
        if self.cancelled:
            return None
        return self._hint(lambda: series_hint(self.snapshot.data, fit, self.params.random_state))

    def _segment(self) -> Generator[Any, None, Any]:
        """Fit and label every frame; returns the `SeriesResult` (None when cancelled)."""
        out = _shared_frame_buffer(self.data.shape)
        strokes = series_scribbles_for(self.session.viewer, self.source, self.params.n_patterns)
        self.scribbled = strokes is not None
        extra = () if strokes is None else (strokes,)  # painted frames join the fit (issue 15)
        return (yield from self._relay(
            segment_series_steps(self.snapshot.data, self.params, out, *extra, within=True),
            self._write_frame))

    def _write_frame(self, progress) -> None:
        if progress.stage == "frames":
            frame = self.data[progress.frame]
            np.add(progress.labels, LABEL_OFFSET, out=frame, casting="unsafe")

    # -- GUI thread
    def progress(self, step) -> Status:
        """Show the progress; a finished frame: into the layer (shown frame) and the plot."""
        if step.stage == "reference":
            # the bar shows the overall percentage: drop the sub-step's own
            detail = re.sub(r"\s*\(\d+ %\)$", "", step.detail)
            return Status(step.fraction, f"reference fit: {detail}", "reference fit %p%")
        if step.stage == "labelling":  # within a frame: a step so that Cancel stops there
            text = f"labelling frame {step.done + 1}/{step.total}"
            return Status(step.fraction, text, text)
        text = bar = f"frame {step.done}/{step.total}"  # the bar: no note (it cut both ends)
        t = step.frame
        self.area_fraction[t] = step.area_fraction
        if self.layer is None:
            # else at a later frame (napari's kernels compiling): not with a colormap napari
            # draws without them (`label_colormap`: uint8 labels, its table filled)
            if kernel_free(self._colormap()) or self.layers_ready():
                self._show_layer()
            else:  # say why there is nothing to scrub yet
                text += " · the patterns layer appears once napari is ready to draw it"
        elif self.session.viewer.dims.ndisplay == 3 or t == self.session.frame_index(self.layer):
            self.layer.refresh()  # other frames are read when the slider gets there
        self.session.events.frame(layer=self.source, frame=t, fractions=step.area_fraction)
        return Status(step.fraction, text, bar)

    def _colormap(self):
        """The series layer's colormap (made once; `label_colormap`)."""
        if getattr(self, "_label_colormap", None) is None:
            self._label_colormap = label_colormap(
                label_colour_dict(self.params.n_patterns, LABEL_OFFSET), self.data.dtype)
        return self._label_colormap

    def _show_layer(self) -> None:
        """Add the series layer, or take over the previous run's (undone on cancel)."""
        if self.source not in self.session.viewer.layers:
            return
        layers = self.session.viewer.layers
        results = self.session.store.get(self.source)
        old = results.layers.get("series")
        spec = LayerSpec("series", "labels", self.data, {
            **self.layer_kwargs,
            "metadata": series_metadata(self.source.name, self.data.shape[0], self.params),
            "colormap": self._colormap(),
            **series_placement(self.source, self.grid, not self.params.upsampling),
        })
        if old is None or old not in layers:
            # added hidden, shown on the next turn (`show_added`): napari's insert (the
            # layer's controls, its visual) and its first slice and draw in two turns of
            # the event loop, not one (a 305 ms gap while scrubbing a 116-frame STM run)
            spec.kwargs["visible"] = False
        if old is not None and old in layers:
            saved = {key: getattr(old, key) for key in _RESTORED}
            saved["metadata"] = dict(old.metadata)  # napari may update the dict in place

            def restore(old=old, saved=saved):
                for key, value in saved.items():
                    setattr(old, key, value)
                results.layers["series"] = old

            self._undo.append(restore)
        layer = apply_spec(layers, self.source, spec, old)
        results.layers["series"] = layer
        self._reveal = not layer.visible
        if layer is not old:
            if old is not None:  # replaced (another type or shape): put the old one back
                index = layers.index(layer)
                self._undo.append(lambda: layers.insert(min(index, len(layers)), old))
            self._undo.append(lambda: layer in layers and layers.remove(layer))
        self.layer = layer
        self.session.changed(self.source)

    @property
    def reveal_pending(self) -> bool:
        """The layer was added hidden (`_show_layer`): `show_added` is due, on a later turn
        of the event loop (the GUI's runner schedules it)."""
        return self._reveal

    def show_added(self) -> bool:
        """Show the layer added hidden (`_show_layer`); True when it was shown now."""
        if not self._reveal:
            return False
        self._reveal = False
        if self.layer is None or self.layer not in self.session.viewer.layers:
            return False
        self.layer.visible = True
        return True

    def apply(self, ready: Ready) -> Iterator[None]:
        """The run completed: final metadata, features, plot from the statistics."""
        layers = self.session.viewer.layers
        if self.source not in layers:
            self.applied.set()
            return
        if self.layer is None or self.layer not in layers:  # removed by the user meanwhile
            self._show_layer()
            yield
        spec = ready.specs[0]
        meta = spec.kwargs["metadata"][METADATA_KEY]
        self.layer.metadata = {METADATA_KEY: {**meta, "source": self.source.name}}
        self.layer.features = spec.kwargs["features"]
        if not self.show_added():  # (showing it refreshes it)
            self.layer.refresh()
        self.area_fraction[...] = ready.record.area_fraction
        ready.record.area_fraction = self.area_fraction
        self._undo.clear()
        self._stored(ready.record)

    def finish(self) -> str:
        """Take back what an incomplete run put into the viewer; the final status."""
        if not self.complete:
            for undo in reversed(self._undo):
                undo()
            self.session.changed(self.source)
        self._undo.clear()
        return super().finish()

    def live_record(self) -> RunRecord:
        """A record of the run so far (for the area plot while it runs)."""
        return RunRecord(self.params, "series", area_fraction=self.area_fraction)
