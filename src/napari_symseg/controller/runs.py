"""Runs as jobs, without Qt: a generator for a worker thread and handlers for the GUI thread.

A `Job` splits one run into what a thread worker iterates (`Job.steps`:
the core's progress generator, then everything derived from the result
that costs more than a few milliseconds -- layer data, features, contrast
limits -- then the number-of-patterns hint) and what the GUI thread does
with the messages (`Job.progress`, `Job.apply` one layer at a time,
`Job.returned`, `Job.finish`). `napari_symseg._qt.runner.Runner` connects
the two; tests may drive a job without Qt.

The worker yields progress objects, then one `Ready` with the layer specs
and the run's record; it returns the hint (or a `HintFailure`). A job is
cancelled by `Job.cancel` (the Cancel button, or its source layer being
deleted): the generator stops at its next step and nothing is added.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.pipeline import segment_steps
from ..core.progress import Stop
from ..errors import SymsegError
from .hints import HINT_K_MAX
from .layers import LayerSpec, apply_spec, image_specs
from .results import RunRecord
from .scribble_strokes import scribbles_for
from .sources import SourceSnapshot
from .text import calibrated, run_summary

if TYPE_CHECKING:
    from ..core.params import Params
    from .session import Session


#: How long the worker waits for the layers to be in before computing the hint (s).
_APPLY_WAIT_S = 30.0


#: Result slots only some runs have (the ``polarity`` family's layers, issue 18).
OPTIONAL_SLOTS = ("polarisation", "arrows")


@dataclass
class Ready:
    """Yielded by a worker when a run's layers are computed.

    Attributes
    ----------
    specs : list of LayerSpec
    record : RunRecord
    """

    specs: list[LayerSpec] = field(repr=False)
    record: RunRecord


@dataclass
class HintFailure:
    """Returned by a worker when the number-of-patterns hint could not be computed."""

    message: str


@dataclass
class Status:
    """What the progress bar and status line show for one progress message.

    Attributes
    ----------
    fraction : float
        Overall progress in [0, 1].
    text : str
        The status line.
    bar : str
        The text in the progress bar (Qt format, ``"%p%"`` = the percentage).
    """

    fraction: float
    text: str
    bar: str = "%p%"


class Job:
    """One run of the widget on one source layer (base class).

    Parameters
    ----------
    session : Session
        Holds the viewer and the result store.
    source : napari.layers.Image
        The layer to segment.
    params : Params
        Resolved parameters (seed, reference frames).

    Attributes
    ----------
    cancelled : bool
        Cancel was asked for (or the source was deleted).
    source_removed : bool
        The source layer left the viewer during the run.
    complete : bool
        Every layer of the result is in the viewer.
    record : RunRecord or None
        The run's record once computed.
    error : str or None
        What went wrong (set by `failed`).
    field_params : Params
        The parameters as the fields had them (seed None kept): remembered
        for the image after a full run.
    follow_slider : bool
        The reference frames field was empty.
    layers_ready : callable
        True when a layer may be made now (set by the runner; default always):
        a series run shows its layer at the first frame done after it is.
    ends_at_cancel : bool
        Once cancelled before its layers go in, the job may be finished
        (`Session.job_done`) at once, its worker's last step left to end
        in the background: the worker then touches neither the viewer nor
        anything `finish` took back (a 2-D run). A series run writes its
        frames' store until its worker ends: False.
    stop : Stop
        Set by `cancel`: the kernels of a worker driving `steps` through
        `core.progress.stoppable` stop inside the step in progress.
    """

    preview = False
    series = False
    ends_at_cancel = False

    def __init__(self, session: Session, source, params: Params) -> None:
        self.session = session
        self.source = source
        self.params = params
        self.snapshot = SourceSnapshot.of(source)
        self.cancelled = False
        self.stop = Stop()
        self.source_removed = False
        self.complete = False
        self.record: RunRecord | None = None
        self.error: str | None = None
        self.field_params = params
        self.follow_slider = False
        # set when the layers are in (or will never be): the hint waits for it, so that the
        # GUI thread adding layers does not compete with it for the interpreter
        self.applied = threading.Event()
        # a runner may hold the hint back longer (until the new layers are drawn: the
        # first draw of a run may render the scale bar's text); None: `applied` only
        self.hint_gate: threading.Event | None = None
        # a runner may say when napari layers can be made on the GUI thread without
        # waiting for numba (its label kernels compiled: `_qt.runner.napari_ready`)
        self.layers_ready: Callable[[], bool] = lambda: True

    # -- worker thread
    def steps(self) -> Generator[Any, None, Any]:
        """What the worker iterates (see the module); implemented by subclasses."""
        raise NotImplementedError

    def _relay(self, steps: Generator, each=None) -> Generator:
        """Re-yield `steps` (after ``each(step)``) until done or cancelled; return its value."""
        try:
            while not self.cancelled:
                try:
                    step = next(steps)
                except StopIteration as stop:
                    return stop.value
                if each is not None:
                    each(step)
                yield step
            return None
        finally:
            steps.close()

    def _hint(self, compute) -> Any:
        self.applied.wait(_APPLY_WAIT_S)
        gate = self.hint_gate
        if gate is not None and not self.cancelled:
            gate.wait(_APPLY_WAIT_S)
        if self.cancelled:
            return None
        try:
            return compute()
        except (SymsegError, ValueError, ArithmeticError) as err:
            return HintFailure(str(err))

    # -- GUI thread
    def cancel(self, source_removed: bool = False) -> None:
        """Stop at the next step; nothing of the run is added."""
        self.cancelled = True
        self.stop.set()
        self.source_removed = self.source_removed or source_removed
        self.applied.set()
        if self.hint_gate is not None:
            self.hint_gate.set()

    def progress(self, step) -> Status | None:
        """Handle one progress step; returns what the progress bar shows."""
        return Status(step.fraction, str(step))

    def apply(self, ready: Ready) -> Iterator[None]:
        """Put the run's layers into the viewer, one per step (each ``next`` adds one)."""
        layers = self.session.viewer.layers
        results = self.session.store.get(self.source)
        added = []
        if self.cancelled:  # cancelled after the worker's last step: no layer goes in
            self.applied.set()
            return
        for spec in ready.specs:
            if self.source not in layers:  # deleted meanwhile: nothing stays
                for layer in added:
                    if layer in layers:
                        layers.remove(layer)
                self.applied.set()
                return
            old = results.layers.get(spec.slot)
            layer = apply_spec(layers, self.source, spec, old)
            if layer is not old:
                added.append(layer)
            results.layers[spec.slot] = layer
            yield
        if self.source not in layers:  # deleted as the last layer went in: nothing stays
            for layer in added:
                if layer in layers:
                    layers.remove(layer)
            self.applied.set()
            return
        if not self.preview:  # a polarity run's layers go when a run of another family lands
            slots = {spec.slot for spec in ready.specs}
            for slot in OPTIONAL_SLOTS:
                old = results.layers.get(slot)
                if slot not in slots and old is not None:
                    del results.layers[slot]
                    if old in layers:
                        layers.remove(old)
        self._stored(ready.record)

    def _stored(self, record: RunRecord) -> None:
        """The layers are in: keep the record, remember the parameters, say so."""
        self.record = record
        results = self.session.store.get(self.source)
        results.store(record)
        if not self.preview:
            preview = results.layers.pop("preview", None)
            if preview is not None and preview in self.session.viewer.layers:
                self.session.viewer.layers.remove(preview)
            self.session.remember_run(self.source, self)
            if calibrated(self.source):
                self.session.viewer.canvas.overlays["scale_bar"].visible = True
        self.complete = True
        self.applied.set()
        self.session.changed(self.source)

    def returned(self, value: Any) -> None:
        """The worker's return value: the hint of the run (stored in the record and layer)."""
        if value is None or self.record is None or self.preview:
            return
        if isinstance(value, HintFailure):
            self.record.hint_error = value.message
        else:
            self.record.hint = value
            self.session.store_hint(self.source, self.record)
        self.session.changed(self.source)

    def failed(self, err: Exception) -> str:
        """The run raised `err`: the message for the notification."""
        self.error = str(err)
        return self.error

    def finish(self) -> str:
        """After the worker (and `apply`): take back an incomplete run; the final status."""
        if self.complete:
            record = self.record
            if not self.preview and record.hint is None and record.hint_error is None:
                record.hint_error = "not computed: the run was cancelled"
            return record.summary
        if self.source_removed:
            return f"cancelled: the image layer {self.source.name!r} was deleted"
        if self.error is not None:
            return f"failed: {self.error}"
        return "cancelled"


class ImageJob(Job):
    """A run on a 2-D image or on one frame of a series (a live preview too).

    Parameters
    ----------
    session : Session
    source : napari.layers.Image
    params : Params
        Resolved (the stride of a preview already raised).
    image : ndarray, 2-D
        The image or frame to segment.
    frame : int or None
        The frame of a series.
    preview : bool
        A live preview (``"<image> preview"``, never exported, no hint).
    """

    ends_at_cancel = True  # a cancelled worker computes, yields nothing more and returns None

    def __init__(self, session: Session, source, params: Params, image: np.ndarray,
                 frame: int | None, preview: bool = False) -> None:
        super().__init__(session, source, params)
        self.image = image
        self.frame = frame
        self.preview = preview

    def steps(self) -> Generator[Any, None, Any]:
        """Segment, then build the layers (`image_specs`), then compute the hint."""
        start = time.perf_counter()
        strokes = scribbles_for(self.session.viewer, self.source, self.frame)
        result = yield from self._relay(segment_steps(self.image, self.params, scribbles=strokes))
        if result is None or self.cancelled:  # (cancelled during the last step: no layers)
            return None
        specs = image_specs(self.snapshot, result, self.frame, self.preview)
        fractions = np.asarray(specs[0].kwargs["features"]["area_fraction"], dtype=float)
        seconds = time.perf_counter() - start
        record = RunRecord(
            self.params, "preview" if self.preview else "patterns", self.frame, seconds,
            fractions, result.operations, result.separability, None,
            result.pca_images, np.asarray(result.explained_variance_ratio),
            summary=run_summary(seconds, self.params.n_patterns, fractions, frame=self.frame,
                                preview_stride=self.params.stride if self.preview else None,
                                scribbled=strokes is not None),
            result=None if self.preview else dataclasses.replace(result, descriptors=None),
        )
        yield Ready(specs, record)
        if self.preview or self.cancelled:
            return None
        return self._hint(lambda: result.pattern_count_hint(HINT_K_MAX))
