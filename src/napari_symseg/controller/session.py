"""The plugin's controller, without Qt: the chosen image, its runs and its results.

`Session` is what the dock widget holds (napari-animation's model/widget
split): the widget builds fields and wires signals; the session decides
what a run is (`start_run` returns a `Job` whose generator a Qt thread
worker iterates), keeps every image's results (`ResultStore`), suggests
sizes (`start_suggest`), exports (`export`) and tells the widget when the
results of an image change (``events.changed``) or a frame of a series
is labelled (``events.frame``). Deleting the image of a running job
cancels it; renaming it renames its result layers.
"""

from __future__ import annotations

import numpy as np
from napari.utils.events import EmitterGroup

from ..core.params import Params
from ..core.validation import check_series
from ..errors import ExportError, InputError, ScribbleError
from . import METADATA_KEY
from .hints import hint_metadata, repeat_unit, suggestion_steps
from .lazy_series import series_job
from .results import Remembered, RunRecord, store_of
from .runs import ImageJob, Job
from .scribbles import ScribbleSession
from .sources import check_layer, frame_index, frame_of, source_layers
from .text import suggestion_text

#: Live preview: at least this stride.
PREVIEW_STRIDE = 6


class SuggestJob:
    """Suggest sizes for one image: a generator for the worker, handlers for the GUI.

    Parameters
    ----------
    session : Session
    source : napari.layers.Image
    params : Params
        The current parameters (everything but the sizes is kept).
    image : ndarray
        The image or current frame.
    follow_slider : bool
        The reference frames field is empty (kept so when remembered).
    pick_family : bool
        The descriptor may change (`napari_symseg.core.suggest.family_for`):
        the user did not change it by hand since the last Suggest or run.

    Attributes
    ----------
    changed : dict
        The fields the suggestion changed, and their new values.
    """

    def __init__(self, session: Session, source, params: Params, image,
                 follow_slider: bool = True, pick_family: bool = False) -> None:
        self.session, self.source, self.params = session, source, params
        self.pick_family = pick_family
        self.image = image
        self.follow_slider = follow_slider
        self.changed: dict = {}
        self.sized: Params | None = None  # the suggested parameters

    def steps(self):
        """`suggestion_steps`: yields the suggested `Params`; returns the lattice and the
        image's repeat unit (`repeat_unit`, for the text)."""
        steps = suggestion_steps(self.image, self.params, self.pick_family)
        sized = next(steps)  # the sizes (the GUI fills the fields meanwhile)
        yield sized
        found = None
        try:
            next(steps)
        except StopIteration as end:  # suggestion_steps yields once, then returns
            found = end.value
        return found, repeat_unit(self.image, sized)

    def suggested(self, params: Params) -> str:
        """The sizes are known: remember them for the image; the status text."""
        old, new = self.params.to_dict(), params.to_dict()
        self.changed = {name: value for name, value in new.items() if value != old[name]}
        self.sized = params
        if self.source in self.session.viewer.layers:
            self.session.store.get(self.source).remembered = Remembered(
                params, "suggest", self.follow_slider)
        return suggestion_text(self.source, None, self.changed, params=params)

    def lattice(self, found) -> str | None:
        """The status text naming the lattice found (None: keep the text).

        Parameters
        ----------
        found : tuple
            What `steps` returned: the lattice estimate (or None) and the repeat unit.
        """
        estimate, repeat = found if isinstance(found, tuple) else (found, None)
        if estimate is None:
            return None
        return suggestion_text(self.source, estimate, self.changed, repeat, self.sized)


class Session:
    """The chosen image, its runs and the results of every image of a viewer.

    Parameters
    ----------
    viewer : napari.components.ViewerModel
        Its layers (sources and results), time slider and scale bar.

    Attributes
    ----------
    viewer : napari.components.ViewerModel
    store : ResultStore
        The result set of every source layer (the viewer's, `store_of`).
    source : napari.layers.Image or None
        The chosen image (set by the widget's chooser).
    series_mode : bool
        "all frames" is chosen for a (T, Y, X) source.
    job : Job or None
        The running job.
    keep_labels : bool
        An all-frames run on a lazy video keeps its labels next to the video
        (`napari_symseg.controller.kept_labels`).
    events : EmitterGroup
        ``changed(layer)``: the results of image `layer` changed (a run ended,
        its hint came, a series layer appeared...); ``frame(layer, frame,
        fractions)``: a frame of a running series was labelled.
    """

    def __init__(self, viewer) -> None:
        self.viewer = viewer
        self.store = store_of(viewer)  # shared with the Scribbles dock (its runs' slot)
        self.store.events.changed.connect(self._on_store_changed)
        self.source = None
        self.series_mode = False
        self.keep_labels = False
        self.job: Job | None = None
        self.events = EmitterGroup(source=self, changed=None, frame=None)
        viewer.layers.events.removed.connect(self._on_removed)

    # -- sources and results
    def sources(self) -> list:
        """The layers that may be segmented (`source_layers`)."""
        return source_layers(self.viewer.layers)

    def frame_index(self, layer) -> int | None:
        """The frame of a (T, Y, X) `layer` under the time slider (None for 2-D)."""
        return frame_index(layer, self.viewer)

    def is_series(self) -> bool:
        """True when Run segments every frame of the chosen (T, Y, X) layer."""
        return self.source is not None and self.source.ndim == 3 and self.series_mode

    def results(self, layer=None):
        """The `ResultSet` of `layer` (default: the chosen image), None without results."""
        layer = self.source if layer is None else layer
        return None if layer is None else self.store.find(layer)

    def current(self, layer=None) -> RunRecord | None:
        """The full run of `layer` (default: the chosen image) for the segment mode."""
        results = self.results(layer)
        return None if results is None else results.current(self.is_series())

    def running_for(self, layer) -> Job | None:
        """The running job of `layer` (None if none)."""
        job = self.job
        return job if job is not None and job.source is layer and not job.complete else None

    def changed(self, source) -> None:
        """Tell the widget that the results of `source` changed."""
        self.events.changed(layer=source)

    def _on_store_changed(self, event) -> None:
        """A scribbled run (or its edit) changed the results of an image."""
        self.changed(event.layer)

    def remember_run(self, source, job: Job) -> None:
        """Remember the parameters of a full run of `source` (shown when it is chosen again)."""
        self.store.get(source).remembered = Remembered(job.field_params, "run",
                                                       job.follow_slider)

    def remember_fields(self, source, params: Params, follow_slider: bool = True) -> None:
        """Remember the fields as left for `source` (another image is being chosen).

        Kept only when they differ from what is remembered already (a run's or
        Suggest's parameters keep their origin), and only for an image still
        in the viewer.
        """
        if source not in self.viewer.layers:
            return
        results = self.store.get(source)
        known = results.remembered
        if known is None or known.params != params or known.follow_slider != follow_slider:
            results.remembered = Remembered(params, "fields", follow_slider)

    def store_hint(self, source, record: RunRecord) -> None:
        """Put the hint of `record` into its patterns layer's metadata."""
        results = self.store.find(source)
        layer = None if results is None else results.layer_of(record)
        if layer is not None and METADATA_KEY in layer.metadata:
            ours = {**layer.metadata[METADATA_KEY], "pattern_count_hint": hint_metadata(
                record.hint)}
            layer.metadata = {**layer.metadata, METADATA_KEY: ours}

    # -- runs
    def start_run(self, params: Params, preview: bool = False, *,
                  follow_slider: bool = False) -> Job:
        """A job segmenting the chosen image (not started: a worker iterates `Job.steps`).

        Parameters
        ----------
        params : Params
            From the fields (reference frames resolved; a seed of None draws one).
        preview : bool
            A live preview: the current frame only, a stride of at least
            `PREVIEW_STRIDE`, shown as ``"<image> preview"``.
        follow_slider : bool
            The reference frames field is empty (remembered so).

        Raises
        ------
        SymsegError
            No image chosen, an image that cannot be segmented, bad parameters.
        """
        layer = self.source
        if layer is None or layer not in self.viewer.layers:
            raise InputError("choose an image layer first")
        field_params = params
        series = self.is_series() and not preview
        if series:
            check_layer(layer)
            check_series(layer.data)
        else:
            image = frame_of(layer, self.viewer)
        self._check_scribbles(layer, params.n_patterns, None if series else
                              self.frame_index(layer))
        if preview:
            params = params.replace(stride=max(params.stride, PREVIEW_STRIDE))
        if params.random_state is None:  # draw the seed here so that metadata records it
            params = params.replace(random_state=int(np.random.SeedSequence().entropy % 2**31))
        if series:
            job = series_job(self, layer, params)  # lazy data: LazySeriesJob
        else:
            job = ImageJob(self, layer, params, image, self.frame_index(layer), preview)
        job.field_params, job.follow_slider = field_params, follow_slider
        self.job = job
        self.changed(layer)
        return job

    def _check_scribbles(self, layer, n_patterns: int, frame: int | None) -> None:
        """Refuse a run whose image's strokes paint more patterns than `n_patterns`.

        A run of this dock follows the image's scribbles layer; after a scribbled
        run of 3 patterns, a Run with the fields' 2 failed in its worker with
        "scribbles use class 3 but n_patterns is 2" (tester newuser9). Said
        before anything starts, with both ways out.
        """
        strokes = ScribbleSession(self.viewer).scribbles_layer(layer)
        if strokes is None or strokes.data.shape != layer.data.shape:
            return
        data = strokes.data if frame is None or strokes.ndim != 3 else strokes.data[frame]
        top = int(np.max(data)) if data.size else 0
        if top > n_patterns:
            raise ScribbleError(
                f"the strokes in {strokes.name!r} paint {top} patterns but n patterns is "
                f"{n_patterns}: set n patterns to {top} to run with them, or delete "
                f"(or clear) {strokes.name!r} to run without them")

    def job_done(self, job: Job) -> str:
        """The worker of `job` finished (and its layers are in): the final status."""
        status = job.finish()
        if job.source_removed and self.source is not None and self.source is not job.source:
            # where the widget is now (a cancellation alone read as the chosen image's)
            status += f" · {self.source.name} chosen"
        if self.job is job:
            self.job = None
        self.changed(job.source)
        return status

    def start_suggest(self, params: Params, *, follow_slider: bool = True,
                      pick_family: bool = False) -> SuggestJob:
        """A job suggesting sizes for the chosen image (its current frame); with
        `pick_family` also the descriptor family (`core.suggest.family_for`).

        Raises
        ------
        SymsegError
            No image chosen, or one that cannot be segmented.
        """
        layer = self.source
        if layer is None or layer not in self.viewer.layers:
            raise InputError("choose an image layer first")
        return SuggestJob(self, layer, params, frame_of(layer, self.viewer), follow_slider,
                          pick_family)

    def _on_removed(self, event) -> None:
        job = self.job
        if job is not None and event.value is job.source:
            job.cancel(source_removed=True)

    # -- export
    def export(self, base) -> list:
        """Write the chosen image's last full run (never a preview); return the paths.

        ``BASE_labels.tif``, ``BASE_params.json``, ``BASE_stats.csv`` and
        ``BASE_overlay.png`` (see `napari_symseg.io.export.export_result`),
        from its patterns layer (with any edit made in napari); a series'
        overlay shows the frame under the time slider.

        Raises
        ------
        SymsegError
            No result yet (or its patterns layer was deleted), a file that
            cannot be written.
        """
        return self.prepare_export(base)()

    def prepare_export(self, base):
        """`export` in two steps: read the layers now, write when the result is called.

        The widget calls the returned ``write()`` in a worker thread (big
        images take seconds to write); it touches no layer.

        Returns
        -------
        callable
            ``write() -> list of Path``.

        Raises
        ------
        SymsegError
            No result yet (or its patterns layer was deleted).
        """
        from .layer_io import prepare_layer_export

        source = self.source
        results = self.results()
        record = self.current()
        patterns = None if record is None else results.layer_of(record)
        if source is None or patterns is None:
            raise ExportError("run a segmentation of the chosen image first")
        frame = self.frame_index(source) if patterns.ndim == 3 else None
        return prepare_layer_export(base, source, patterns, frame, METADATA_KEY)

    def close(self) -> None:
        """Cancel the running job and stop following the viewer."""
        if self.job is not None:
            self.job.cancel()
        self.viewer.layers.events.removed.disconnect(self._on_removed)
        # the store is the viewer's (`store_of`): its results stay for the next dock
        self.store.events.changed.disconnect(self._on_store_changed)
