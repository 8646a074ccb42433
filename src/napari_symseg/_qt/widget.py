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

from qtpy.QtWidgets import QWidget

from ..controller import LABEL_OFFSET, METADATA_KEY
from ..controller.activity import activity_of
from ..controller.fields import is_advanced, visible_fields
from ..controller.layer_io import prefer_own_labels_reader
from ..controller.session import PREVIEW_STRIDE
from ..controller.stacking import raise_if_covered
from ..controller.text import (
    NO_IMAGE,
    SIZE_KINDS,
    aspect_note,
    field_label,
    fields_note,
    widest_field_label,
)
from ..controller.visibility import ResultVisibility
from ..core.params import Params
from ..errors import SymsegError
from .actions import EXPORT_HELP, RESULT_HELP
from .buttons import follow_activity
from .collector import collect_when_idle, note_activity, release_frozen
from .compile_notice import CompileNotice
from .dock_size import reserve_width
from .fields import set_value, value_of
from .measure import MeasureSection
from .plots_panel import PLOTS_DOCK_NAME, PlotsPanel
from .results_view import ResultsView
from .runner import JobRunner
from .stall import next_turn
from .suggest import start_suggestion
from .units_warning import quiet_repeats
from .warmup import warm_up_once
from .widget_build import ALL_FRAMES, CURRENT_FRAME, WidgetBuilding
from .widget_edit import WidgetEditing
from .widget_run import WidgetRunning

if TYPE_CHECKING:
    import napari.viewer


__all__ = ["ALL_FRAMES", "CURRENT_FRAME", "EXPORT_HELP", "LABEL_OFFSET", "METADATA_KEY",
           "PLOTS_DOCK_NAME", "PREVIEW_STRIDE", "RESULT_HELP", "SymsegWidget"]


class SymsegWidget(WidgetBuilding, WidgetRunning, WidgetEditing, QWidget):
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
        self._visibility = ResultVisibility(self.controller.store, schedule=next_turn)
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
        self._reserved = False  # the width for lengths in nm (`showEvent`)
        self._on_image_changed()
        warm_up_once(busy=self.collection_busy, holder=self)  # the thaw's collection: not then
        self.compile_notice = CompileNotice(self)  # a cold numba cache: "Compiling…"
        self.plots.prepare_when_idle(self.alive)
        prefer_own_labels_reader()  # exported *_labels.tif reopen without a reader dialog
        quiet_repeats(viewer)  # napari's units warning: not again for each result layer

    def showEvent(self, event) -> None:
        """First shown (napari's style applied, which sets the fonts): the dock is made as
        wide at once as a calibrated image's lengths in nm and any descriptor's field names
        make it (`dock_size.reserve_width`)."""
        if not self._reserved:
            self._reserved = True
            reserve_width(self.scroll, {self.fields[name]: widest_field_label(name)
                                        for name in SIZE_KINDS if not is_advanced(name)})
        super().showEvent(event)

    def sizeHint(self):
        """Its column's height: never taller (`layout.scrolling_column`)."""
        hint, column = super().sizeHint(), self.scroll.widget().sizeHint().height()
        return hint.expandedTo(hint.__class__(hint.width(), column + 2 * self.scroll.frameWidth()))

    # ------------------------------------------------------------------ state
    def alive(self) -> bool:
        """False once the widget is closed (late worker signals are then ignored)."""
        return self._open

    def _close(self) -> None:
        if not self._open:
            return
        self._open = False
        self._preview.stop()
        self._visibility.close()  # a deleted image's layers: the store hides them at once
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
        self.viewer.layers.events.removed.disconnect(collect_when_idle)
        for event in self._activity_events():
            event.disconnect(note_activity)
        release_frozen(self)  # nothing of this dock keeps objects out of the collector

    def _activity_events(self) -> list:
        """The events that say the user (or a script) is doing something: the time slider
        playing, the view moving, layers added, removed, moved or selected, the widget's
        fields and choices changed. An idle collection (`_qt.collector`) waits for 5 s
        without them (a script makes no input events: the collection landed in a
        scripted session's steps, tester newuser14)."""
        camera = self.viewer.scene.camera.events
        layers = self.viewer.layers.events
        return [self.viewer.dims.events.current_step, camera.center, camera.zoom,
                layers.inserted, layers.removed, layers.reordered,
                self.viewer.layers.selection.events.active,
                *(widget.changed for widget in (self.image, self.segment, self.live,
                                               self.probe, *self.fields.values()))]

    def collection_busy(self) -> bool:
        """True while a run, a suggestion or a measurement goes on: an idle garbage
        collection (`_qt.collector`) waits."""
        return (self.worker is not None or self.suggest_worker is not None
                or self.measure.worker is not None)

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

    def results_settled(self) -> bool:
        """True once a switch of image, or a deletion, is shown (one layer per turn)."""
        return self._visibility.settled() and self._view.settled()

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
            if layer is None and self.worker is None:  # (the last image deleted: no
                self.status.value = NO_IMAGE  # summary of a run that is not shown)
            return
        if previous is not None:  # the fields belong to their image too (issue 11)
            self._remember_fields(previous)
        self._visibility.follow(layer)  # its results shown, other images' hidden
        raise_if_covered(self.viewer.layers, layer)  # the chosen image is seen
        self._visibility.follow_mode(layer, self.controller.series_mode)
        self._select_shown(layer)
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
        self._view.request()  # hint and plots in turns of their own (0.2 s under load)
        record = self.controller.current()
        summary = "" if record is None or self.worker is not None else record.summary
        if self.worker is None:
            self.status.value = f"{layer.name}: " + " · ".join(p for p in (summary, note) if p)

    def _on_results_changed(self, event) -> None:
        """A scribbled run, its edit, an *Apply* or the scribbled layer's deletion changed
        the chosen image's results: the status line says what the shown run is (it kept
        the plain run's summary until the image was chosen again: tester newuser9)."""
        source = self.controller.source
        if not self._open or event.layer is not source or self.worker is not None \
                or self.suggest_worker is not None:
            return
        record = self.controller.current()
        self.status.value = record.summary if record is not None and record.summary else \
            f"{source.name}: no run shown"

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

    def _select_shown(self, layer) -> None:
        """An active result layer hidden here (another image's, or the other segment mode's
        run) gives way to `layer`: the layer controls act on what is shown (testers
        newuser6, newuser13)."""
        active = self.viewer.layers.selection.active
        hidden = (*self._visibility.hidden(), *self._visibility.hidden_by_mode())
        if (layer is not None and active is not None and not self._visibility.shown(active)
                and any(active is h for h in hidden)):
            self.viewer.layers.selection.active = layer

    def _on_segment_changed(self, *_: Any) -> None:
        """*all frames* / *current frame*: that mode's run is shown, its summary said."""
        self.controller.series_mode = self.segment.value == ALL_FRAMES
        self._update_visible_fields()
        layer = self.image.value
        self._visibility.follow_mode(layer, self.controller.series_mode)
        self._select_shown(layer)
        self._view.request()
        record = self.controller.current()
        if layer is not None and record is not None and self.worker is None:
            self.status.value = f"{layer.name}: {record.summary}"

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
        """Dock the plots again (after the user closed or hid them); returns the
        `ResultsDock`."""
        dock = self.plots.show(unhide=True)
        self._view.show_now()
        return dock
