"""Building the dock widget: its fields, buttons and sections, the probe, and the
wiring of their signals (`WidgetBuilding`, a part of `_qt.widget.SymsegWidget`).
"""

from __future__ import annotations

from magicgui.widgets import CheckBox, ComboBox, Label, ProgressBar, PushButton

from ..controller.fields import is_advanced
from ..controller.hints import HINT_HELP
from ..controller.session import PREVIEW_STRIDE
from ..controller.text import SIZE_KINDS
from .actions import EXPORT_HELP, RESULT_HELP, FileActions
from .collector import collect_when_idle, note_activity
from .docks import close_with_dock
from .fields import build_fields
from .hints import HintPanel
from .layout import keep_if_room, scrolling_column, wrapping
from .preview import LivePreview

#: The "segment" choices of a (T, Y, X) layer.
CURRENT_FRAME, ALL_FRAMES = "current frame", "all frames"


class WidgetBuilding:
    """The building part of `_qt.widget.SymsegWidget` (a mixin of a `QWidget`).

    Makes the widgets `SymsegWidget` lists as its attributes and connects
    them to its handlers; see `SymsegWidget`.
    """

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
            tooltip="drag the probe (or click where it should go): patch, shift window and "
            "the local correlation map there")
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
        # a cold numba cache: what compiles and how far (`_qt.compile_notice`); else hidden
        self.compile_note = Label(value="", name="compile_note")
        wrapping(self.compile_note)
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
            [self.progress, self.status, self.compile_note, self.hint_panel],
            [*(w for n, w in self.fields.items() if is_advanced(n)), self._files.row,
             self.live, self.probe, self.keep_labels])
        self.progress.visible = False
        self.compile_note.visible = False
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
        # a layer deleted: its data collected once napari is idle (frozen objects are not
        # collected by napari's own collection)
        events.removed.connect(collect_when_idle)
        for event in self._activity_events():
            event.connect(note_activity)
        for event in (events.inserted, events.removed, events.reordered):
            event.connect(self._reset_image_choices)
        for layer in self.viewer.layers:
            layer.events.name.connect(self._reset_image_choices)
        events.inserted.connect(self._on_layer_inserted)
        self.controller.store.events.changed.connect(self._on_results_changed)
        # the widget's end or its dock's (napari's close button: the widget lives on)
        close_with_dock(self, self._close)
