"""The dock widget: fields built from `Params`, signals wired to the controller.

`SymsegWidget` holds a Qt-free `Session` (`napari_symseg.controller`) that
owns runs, results and their binding to image layers; the widget builds
the parameter fields from the `Params` dataclass and the descriptor
registry, shows what the session says and runs its jobs in thread
workers (`JobRunner`). Layout, for a 1366x768 laptop: everything scrolls;
first the essentials (image, segment mode of a series, descriptor, its
sizes, number of patterns, stride, Suggest, Run/Cancel, Export, Plots,
progress, status, the number-of-patterns hint), then a collapsed
*Advanced* section with the expert fields, the parameter files, live
preview and the probe. The plots (area fraction versus time, separability,
the probe's map) live in a separate dock (`PlotsPanel`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from magicgui.widgets import CheckBox, ComboBox, Label, ProgressBar, PushButton
from qtpy.QtCore import QTimer
from qtpy.QtWidgets import QWidget

from ..controller import LABEL_OFFSET, METADATA_KEY
from ..controller.activity import activity_of
from ..controller.fields import is_advanced, visible_fields
from ..controller.hints import HINT_HELP
from ..controller.layer_io import prefer_own_labels_reader
from ..controller.session import PREVIEW_STRIDE
from ..controller.text import SIZE_KINDS, aspect_note, field_label, fields_note
from ..controller.visibility import ResultVisibility
from ..core.params import Params
from ..errors import SymsegError
from .actions import EXPORT_HELP, RESULT_HELP, FileActions
from .buttons import follow_activity
from .docks import dock_of
from .fields import build_fields, set_value, value_of
from .hints import HintPanel
from .layout import keep_if_room, scrolling_column, wrapping
from .measure import MeasureSection
from .plots_panel import PLOTS_DOCK_NAME, PlotsPanel
from .preview import LivePreview
from .results_view import ResultsView
from .runner import JobRunner, warm_up_once
from .suggest import start_suggestion

if TYPE_CHECKING:
    import napari.viewer

#: The "segment" choices of a (T, Y, X) layer.
CURRENT_FRAME, ALL_FRAMES = "current frame", "all frames"

__all__ = ["ALL_FRAMES", "CURRENT_FRAME", "EXPORT_HELP", "LABEL_OFFSET", "METADATA_KEY",
           "PLOTS_DOCK_NAME", "PREVIEW_STRIDE", "RESULT_HELP", "SymsegWidget"]


class SymsegWidget(QWidget):
    """Segment an image layer into crystal patterns with symmetry descriptors.

    Parameters
    ----------
    viewer : napari.viewer.Viewer
        The viewer whose image layers are offered and receive the results.

    Attributes
    ----------
    controller : Session
        The Qt-free state: chosen image, runs, results of every image.
    image : ComboBox
        The image layer to segment (result and probe layers are never offered).
    segment : ComboBox
        For a (T, Y, X) layer only: `CURRENT_FRAME` or `ALL_FRAMES`.
    fields : dict of str to Widget
        One widget per `Params` field, built from the dataclass.
    run_button, suggest_button, export_button, plots_button : PushButton
    probe, live, keep_labels : CheckBox
        The probe point; live preview (re-runs at stride >= `PREVIEW_STRIDE`);
        keep a lazy video's labels next to it (`controller.kept_labels`).
    progress : ProgressBar
    status : Label
        What happened last (run summary, errors in full, suggestions).
    hint_panel : HintPanel
        The number-of-patterns hint of the chosen image's run.
    plots : PlotsPanel
        The plots dock: when it is made, docked, what it shows.
    advanced : QCollapsible
        The collapsed section of expert fields, files, live preview, probe.
    worker : GeneratorWorker or None
        The running segmentation (None when idle).
    suggest_worker : FunctionWorker or None
        The running suggestion (None when idle).
    """

    def __init__(self, viewer: napari.viewer.Viewer) -> None:
        super().__init__()
        from ..controller.session import Session

        # napari hands plugins a proxy whose items are new proxies each time: results are
        # bound to layer objects (identity), so the controller works on the viewer itself
        viewer = getattr(viewer, "__wrapped__", viewer)
        self.viewer = viewer
        self.controller = Session(viewer)
        self.activity = activity_of(viewer)  # the one owner of the buttons' states
        self._visibility = ResultVisibility(self.controller.store)
        self.worker = None
        self.suggest_worker = None
        self._runner: JobRunner | None = None
        # the descriptor changed by hand since the last Suggest or run: Suggest then keeps
        # it (core.suggest.family_for); `_setting`: the fields are being set from code
        self.descriptor_by_hand = False
        self._setting = False
        self._open = True
        self._build()
        self.plots = PlotsPanel(viewer)
        self._view = ResultsView(self.controller, self.hint_panel, self.plots, self.alive)
        self._probe = self._make_probe()
        self._wire()
        self.measure = MeasureSection(self)  # the Measure section (_qt/measure.py)
        self._follow = follow_activity(self.activity, {
            "run": self.run_button, "suggest": self.suggest_button,
            "export": self.export_button, "edit": self.edit_button,
            "measure": self.measure_button})
        self._on_image_changed()
        warm_up_once(busy=lambda: self.worker is not None or self.suggest_worker is not None
                     or self.measure.worker is not None)  # the thaw's collection: not then
        self.plots.prepare_when_idle(self.alive)
        prefer_own_labels_reader()  # exported *_labels.tif reopen without a reader dialog

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        self.image = ComboBox(name="image", label="image", choices=self._image_choices)
        self.segment = ComboBox(
            name="segment", label="segment", choices=[CURRENT_FRAME, ALL_FRAMES],
            value=CURRENT_FRAME,
            tooltip="series (T, Y, X): the frame shown now, or every frame with one model "
            "fitted on the reference frame(s)")
        self.fields = build_fields()
        self.suggest_button = PushButton(
            text="Suggest sizes from the image", name="suggest",
            tooltip="fill patch, window, radius and stride from the lattice of the image "
            "(the current frame of a series); edit them afterwards as you like")
        self.run_button = PushButton(text="Run", name="run", tooltip=RESULT_HELP)
        self.export_button = PushButton(text="Export…", name="export", tooltip=EXPORT_HELP)
        self.edit_button = PushButton(text="Edit…", name="edit",
                                      tooltip="merge, split or name the patterns of the "
                                      "result (Scribbles dock); Export writes the edited one")
        self.plots_button = PushButton(text="Plots", name="plots",
                                       tooltip="show the plots dock (area fraction, "
                                       "separability, probe) again after closing it")
        self.measure_button = PushButton(  # wired by the Measure section (_qt/measure.py)
            text="Measure", name="measure",
            tooltip="measure the chosen image's patterns layer: regions (area, lattice, "
            "orientation, plane group), boundaries, local orientation and spacing maps and, "
            "for a series, tracks; the region table opens in its own dock")
        self.probe = CheckBox(
            value=False, name="probe", label="probe",
            tooltip="drag the point: patch, shift window and its local correlation map")
        self.live = CheckBox(
            value=False, name="live_preview", label="live preview",
            tooltip=f"re-run (stride >= {PREVIEW_STRIDE}) whenever a parameter changes; "
            "the result is the '<image> preview' layer, never exported")
        self.keep_labels = CheckBox(
            value=False, name="keep_labels", label="keep labels next to the video",
            tooltip="all frames of a video opened lazily: write its labels to "
            "<video>_labels.zarr beside the video file (whole at the end of the run; an "
            "existing store is never replaced: <video>_2_labels.zarr...), so that opening "
            "that store later shows them at once; off: a temporary store")
        self.progress = ProgressBar(value=0, min=0, max=100, name="progress")
        self.status = Label(value="", name="status", tooltip=RESULT_HELP)
        wrapping(self.status)  # long messages must not widen the dock
        self.hint_panel = HintPanel(self.viewer, self.fields["n_patterns"], name="hint",
                                    tooltip=HINT_HELP)
        self._files = FileActions(self)
        essentials = [n for n in self.fields if not is_advanced(n) and n != "reference_frames"]
        self.scroll, self.advanced, self._containers = scrolling_column(
            self,
            [self.image, self.segment, self.fields["reference_frames"],
             *(self.fields[n] for n in essentials), self.suggest_button],
            [self.run_button, self.export_button, self.edit_button, self.plots_button,
             self.measure_button],
            [self.progress, self.status, self.hint_panel],
            [*(w for n, w in self.fields.items() if is_advanced(n)), self._files.row,
             self.live, self.probe, self.keep_labels])
        self.progress.visible = False
        # the hint's answer (up to 4 lines and a button) and its chart, whole, when the
        # window has room for them (else they scroll, as the rest)
        keep_if_room(self.scroll, self.hint_panel.row.native)
        self.hint_panel.on_chart = lambda chart: keep_if_room(self.scroll, chart)

    def _make_probe(self):
        from .probe import Probe

        return Probe(self.viewer, lambda: self.controller.source, self.params,
                     lambda *a: self.plots.show_probe(*a))

    def _wire(self) -> None:
        fields = self.fields
        for widget in (fields["descriptor_name"], self.image, self.segment):
            widget.changed.connect(self._update_visible_fields)
        self.image.changed.connect(self._on_image_changed)
        self.segment.changed.connect(self._on_segment_changed)
        for name in SIZE_KINDS:
            fields[name].changed.connect(self._update_labels)
        fields["descriptor_name"].changed.connect(self._update_labels)
        fields["descriptor_name"].changed.connect(self._on_descriptor_changed)
        self._preview = LivePreview(self)
        for widget in (self.image, *fields.values()):
            widget.changed.connect(self._preview.schedule)
            widget.changed.connect(self._refresh_probe)
        self.probe.changed.connect(self._on_probe_changed)
        self.keep_labels.changed.connect(
            lambda value: setattr(self.controller, "keep_labels", bool(value)))
        self.run_button.changed.connect(self._on_run_clicked)
        self.suggest_button.changed.connect(lambda *_: self.suggest())
        self.export_button.changed.connect(lambda *_: self._files.ask_export())
        self.plots_button.changed.connect(lambda *_: self.show_plots())
        self.edit_button.changed.connect(lambda *_: self.edit_patterns())
        events = self.viewer.layers.events
        for event in (events.inserted, events.removed, events.reordered):
            event.connect(self._reset_image_choices)
        for layer in self.viewer.layers:
            layer.events.name.connect(self._reset_image_choices)
        events.inserted.connect(self._on_layer_inserted)
        self.destroyed.connect(lambda *_: self._close())
        # napari's close button deletes the dock but only takes this widget out of it (not
        # destroyed: the layer events hold it): the dock's end is the close
        QTimer.singleShot(0, self._watch_dock)

    def _watch_dock(self) -> None:
        try:
            dock = dock_of(self)
        except RuntimeError:  # deleted meanwhile
            return
        if dock is not None:
            dock.destroyed.connect(lambda *_: self._close())

    # ------------------------------------------------------------------ state
    def alive(self) -> bool:
        """False once the widget is closed (late worker signals are then ignored)."""
        return self._open

    def _close(self) -> None:
        if not self._open:
            return
        self._open = False
        self._preview.stop()
        if self._runner is not None:
            self._runner.cancel()
        if self.suggest_worker is not None:
            self.suggest_worker.quit()  # a generator: stops at its next step
        self.measure.close()
        self.activity.disconnect(self._follow)  # a closed dock's buttons: never touched
        if self.activity.kind in ("run", "suggest", "export", "measure"):
            self.activity.stop(self.activity.kind)  # this dock's: nothing of it goes on
        if self._probe is not None:
            self._probe.close()

    def _image_choices(self, *_: Any) -> list[tuple[str, Any]]:
        return [(layer.name, layer) for layer in self.controller.sources()]

    def _reset_image_choices(self, *_: Any) -> None:
        """New choice names after a rename; the chosen image stays chosen (magicgui
        re-adds a renamed choice: renaming the top image chose the next one)."""
        chosen = self.image.value
        with self.image.changed.blocked():
            self.image.reset_choices()
            if any(choice is chosen for choice in self.image.choices):
                self.image.value = chosen
        if self.image.value is not chosen:
            self.image.changed.emit(self.image.value)

    def _on_layer_inserted(self, event) -> None:
        event.value.events.name.connect(self._reset_image_choices)

    def series_mode(self) -> bool:
        """True when Run segments every frame of a (T, Y, X) layer."""
        return self.controller.is_series()

    def visible_fields(self) -> list[str]:
        """Names of the parameter fields shown for the current descriptor (and mode)."""
        return visible_fields(self.fields["descriptor_name"].value, self.series_mode())

    def _update_visible_fields(self, *_: Any) -> None:
        shown = set(self.visible_fields())
        for name, widget in self.fields.items():
            widget.visible = name in shown
        layer = self.image.value
        self.segment.visible = layer is not None and layer.ndim == 3

    def _update_labels(self, *_: Any) -> None:
        """Size fields: total size in px, and in nm for a calibrated image."""
        layer, descriptor = self.image.value, self.fields["descriptor_name"].value
        for name in SIZE_KINDS:
            widget = self.fields[name]
            widget.label = field_label(name, widget.value, layer, descriptor)

    def _on_image_changed(self, *_: Any) -> None:
        """Another image: its remembered parameters (or a note), its results or none."""
        previous = self.controller.source
        layer = self.image.value
        self.controller.source = layer
        self.controller.series_mode = self.segment.value == ALL_FRAMES
        self._update_visible_fields()
        self._update_labels()
        if getattr(self, "measure", None) is not None:
            self.measure.refresh()  # the chosen image's own measurement (or a note)
        if layer is None or layer is previous:
            self._view.show_now()
            return
        if previous is not None:  # the fields belong to their image too (issue 11)
            self._remember_fields(previous)
        self._visibility.follow(layer)  # its results shown, other images' hidden
        selection = self.viewer.layers.selection
        if selection.active is not None and not selection.active.visible and any(
                selection.active is hidden for hidden in self._visibility.hidden()):
            selection.active = layer  # the layer controls act on what is shown, not on
            # another image's hidden result (tester newuser6)
        results = self.controller.results(layer)
        remembered = None if results is None else results.remembered
        if remembered is not None:
            self.set_params(remembered.params)
            if remembered.follow_slider:
                self.fields["reference_frames"].value = ""
        elif previous is not None:  # never another image's descriptor and sizes
            self.set_params(Params())  # as a newly opened widget shows them
        note = fields_note(None if remembered is None else remembered.origin)
        note = " · ".join(p for p in (note, aspect_note(layer)) if p)
        self._view.show_now()
        record = self.controller.current()
        summary = "" if record is None or self.worker is not None else record.summary
        if self.worker is None:
            self.status.value = f"{layer.name}: " + " · ".join(p for p in (summary, note) if p)

    def _remember_fields(self, layer) -> None:
        """Keep the fields as they are for `layer`, the image chosen until now."""
        try:
            params = self.params()
        except SymsegError:
            return  # a field the user is still typing: nothing to keep
        follow = self.fields["reference_frames"].value.strip() == ""
        self.controller.remember_fields(layer, params, follow)

    def _on_descriptor_changed(self, *_: Any) -> None:
        if not self._setting:
            self.descriptor_by_hand = True

    def _on_segment_changed(self, *_: Any) -> None:
        self.controller.series_mode = self.segment.value == ALL_FRAMES
        self._update_visible_fields()
        self._view.show_now()

    # ------------------------------------------------------------------ parameters
    def params(self) -> Params:
        """The `Params` of the current field values (raises `ParamsError`).

        An empty ``reference_frames`` field becomes the frame shown now
        (frame 0 for a 2-D layer), so that the layer metadata records it.
        """
        values = {name: value_of(widget) for name, widget in self.fields.items()}
        if values["reference_frames"] is None:
            layer = self.image.value
            frame = None if layer is None else self.controller.frame_index(layer)
            values["reference_frames"] = (0 if frame is None else frame,)
        return Params(**values)

    def set_params(self, params: Params) -> None:
        """Show `params` in the fields (not a change by hand)."""
        self.set_fields(params.to_dict())
        self.descriptor_by_hand = False

    def set_fields(self, values: dict) -> None:
        """Set the fields named in `values` from code (not a change by hand)."""
        self._setting = True
        try:
            for name, value in values.items():
                set_value(self.fields[name], value)
        finally:
            self._setting = False

    def save_params(self, path) -> bool:
        """Write the current parameters as JSON (the CLI's ``--params`` format)."""
        return self._files.save_params(path)

    def load_params(self, path) -> bool:
        """Fill the fields from a JSON file written by `save_params`, Export or the CLI."""
        return self._files.load_params(path)

    def edit_patterns(self):
        """Merge / split / rename the chosen image's result in the Scribbles dock (issue 15).

        An image's, one frame's or an all-frames run (edited through the
        frame under the time slider; every frame is labelled again after
        each edit). The hint, plots, status line and region table follow
        the edits.

        Returns
        -------
        ScribblesWidget or None
            The dock, now editing the ``"<image> patterns"`` (or series)
            layer (None: no result to edit, or a lazily labelled series;
            the status says why).
        """
        from ..errors import ScribbleError

        if self.busy("edit"):
            return None
        record = self.controller.current()
        source = self.controller.source
        layer = None if record is None else self.controller.results().layer_of(record)
        series = getattr(getattr(layer, "data", None), "ndim", 2) == 3  # all frames
        if layer is None or (getattr(record, "result", None) is None and not series):
            self.status.value = "edit: run a segmentation of the image (or of its frames) first"
            return None
        frame = int(self.viewer.dims.current_step[0]) if series else None
        dock, widget = self.viewer.window.add_plugin_dock_widget("napari-symseg", "Scribbles")
        widget.image.value = source
        try:
            widget.edit(source, layer, record.result, record=record, frame=frame,
                        on_edit=self._edited)
        except ScribbleError as err:
            self.status.value = f"edit: {err}"
            widget.status.value = str(err)
            return None
        dock.show()
        dock.raise_()
        return widget

    def _edited(self, labels_changed: bool = True) -> None:
        """An edit of the chosen image's run: hint, plots, status line and table follow
        (a measurement too, unless only names changed: it shows pattern numbers)."""
        record = self.controller.current()
        if record is not None and record.summary:
            self.status.value = record.summary
        self._view.request()
        if labels_changed:  # measured the old ones
            self.measure.controller.outdate(self.controller.results())
        self.measure.refresh()

    def export(self, base) -> list | None:
        """Write the chosen image's last full run; return the paths (None on failure).

        See `Session.export`: ``BASE_labels.tif``, ``BASE_params.json``,
        ``BASE_stats.csv``, ``BASE_overlay.png``; never a preview.
        """
        return self._files.export(base)

    def start_export(self, base):
        """What *Export…* does: `export` written in a worker (`FileActions.start_export`)."""
        return self._files.start_export(base)

    @property
    def export_worker(self):
        """The export being written (`start_export`), None when idle."""
        return self._files.worker

    # ------------------------------------------------------------------ running
    def busy(self, action: str) -> bool:
        """True (and the status says so) while another activity goes on (a run, a
        suggestion, an export, a measurement, an edit, a scribbled run: the viewer's
        `Activity.refused`): `action` waits for it rather than failing on what it replaces."""
        return self.activity.refused(action, self._tell)

    def _tell(self, text: str) -> None:
        self.status.value = text

    def _on_run_clicked(self, *_: Any) -> None:
        if self.worker is not None:
            self.cancel()
        else:
            self.run()

    def run(self, preview: bool = False):
        """Start segmenting the chosen layer; return the worker (None on bad input).

        A `preview` run uses a stride of at least `PREVIEW_STRIDE`, segments
        the current frame only and shows ``"<image> preview"``.
        """
        if self.worker is not None:
            self.status.value = "a run is going on: wait for it or cancel it"
            return None
        if self.suggest_worker is not None and not preview:
            self.status.value = "sizes are being suggested: Run once they are filled in"
            return None
        if self.busy("preview" if preview else "run"):
            return None
        follow = self.fields["reference_frames"].value.strip() == ""
        try:
            job = self.controller.start_run(self.params(), preview, follow_slider=follow)
        except SymsegError as err:
            self.fail(str(err))
            return None
        self.activity.start("run")
        if not preview:
            self.descriptor_by_hand = False  # Suggest may choose the family again
        runner = JobRunner(job, self._on_status, self._on_error, self._on_done, self.alive)
        self._runner, self.worker = runner, runner.worker
        self.run_button.text = "Cancel"
        self.progress.value = 0
        self.progress.native.setFormat("%p%")
        self.progress.visible = True
        self.status.value = "preview: starting" if preview else "starting"
        self._view.show_now()  # "computing…": the last hint no longer applies
        runner.start()
        return runner.worker

    def cancel(self) -> None:
        """Stop the running segmentation at its next step; nothing of it is added."""
        if self._runner is not None:
            self.status.value = "cancelling"
            self._runner.cancel()

    def _on_status(self, status) -> None:
        # QProgressBar.setValue repaints at once, and a repaint in napari's window (an
        # OpenGL canvas) composes the whole window: one ordinary, coalesced paint instead
        bar = self.progress.native
        bar.setUpdatesEnabled(False)
        try:
            self.progress.value = round(100 * status.fraction)
            bar.setFormat(status.bar)
        finally:
            bar.setUpdatesEnabled(True)  # schedules the paint
        self.status.value = status.text

    def _on_error(self, message: str) -> None:
        from napari.utils.notifications import show_error

        show_error(f"Symmetry segmentation failed: {message}")

    def fail(self, message: str) -> None:
        """Bad input before a run: one notification, the message in the status line."""
        from napari.utils.notifications import show_error

        show_error(f"Symmetry segmentation: {message}")
        self.status.value = message

    def _on_done(self, status: str) -> None:
        """The run ended: idle (``worker`` None) once its results are shown."""
        job = getattr(self._runner, "job", None)
        preview = getattr(job, "preview", False)
        source = getattr(job, "source", None)

        def idle() -> None:
            self._runner = self.worker = None
            self.activity.stop("run")
            self.run_button.text = "Run"
            self.progress.visible = False
            chosen, text = self.controller.source, status
            if job is not None and job.complete and chosen is not None and source is not chosen:
                # another image was chosen during the run: its results stay hidden
                # until it is chosen again, and the status says whose run ended
                self._visibility.follow(chosen)
                text = f"{source.name}: {status} (shown when {source.name} is chosen)"
            self.status.value = text
            self._preview.run_ended()
            if not preview:  # a preview leaves the selection alone
                self._select_patterns()
            self.measure.refresh()  # a measurement of the replaced run is outdated

        self._view.request(then=idle)

    def _select_patterns(self) -> None:
        """Make the chosen image's patterns layer the active one (not the hidden
        confidence layer, the last one added)."""
        results = self.controller.results(self.controller.source)
        record = self.controller.current()
        layer = None if results is None else results.layer_of(record)
        active = self.viewer.layers.selection.active
        if layer is not None and layer in self.viewer.layers and (
                active is None or not active.visible or self.controller.store.owner(active)
                is results):
            self.viewer.layers.selection.active = layer

    # ------------------------------------------------------------------ suggest
    def suggest(self):
        """Fill the size fields from the chosen image; return the worker (None on bad input).

        See `napari_symseg._qt.suggest`: a thread worker on the current frame;
        only the fields it changes are set; the sizes are remembered for
        this image; a failure is one notification.
        """
        self.suggest_worker = start_suggestion(self)
        return self.suggest_worker

    # ------------------------------------------------------------------ probe and plots
    def _on_probe_changed(self, on: bool) -> None:
        if self._probe is not None:
            self._probe.enabled = bool(on)

    def _refresh_probe(self, *_: Any) -> None:
        if self.probe.value and self._probe is not None:
            self._probe.refresh()

    @property
    def results_dock(self):
        """The plots dock (`ResultsDock`): area fraction, separability, the probe's map."""
        return self.plots.dock

    def show_plots(self):
        """Dock the plots again (after the user closed them); returns the `ResultsDock`."""
        dock = self.plots.show()
        self._view.show_now()
        return dock
