"""The Scribbles dock: paint strokes, run with them, merge / split / undo, the feature space.

Holds a `controller.scribbles.ScribbleSession` and only builds fields and
wires signals. The scatter plot shows the first two PCA features of the
scribbled run (sub-sampled), coloured like the patterns layer; a lasso in
it paints the chosen grid points into the scribbles layer with the brush's
label ("lasso paints") or highlights them on the canvas (a Points layer);
moving the mouse over the image marks the grid point under it in the plot.
An edit of a (T, Y, X) series, and an image's merge and split (with the
layer's values and statistics), run in a worker (`ScribbleSession.edit_steps`):
progress in the status line, the edit buttons disabled meanwhile, *Cancel*
stops it with the previous labels left as they were. Every worker is started
by `runner.start_worker`: counted by the warm-up's thaw until it ends, its
handlers skipped once the dock is closed (a run ending after that adds no
layer; `ScribblesWidget.alive`). The edit buttons' actions are a mixin,
`scribbles_edit.ScribblesEditing`.
"""

from __future__ import annotations

import threading
from typing import Any

import napari
import numpy as np
from magicgui.widgets import ComboBox, Container, Label, LineEdit, PushButton, SpinBox
from qtpy.QtWidgets import QCheckBox, QVBoxLayout, QWidget

from ..controller.activity import activity_of
from ..controller.scribbles import ScribbleSession
from ..controller.sources import source_layers
from ..controller.text import count
from ..errors import SymsegError
from .buttons import follow_activity
from .docks import close_with_dock, tabify
from .layout import narrow_choices, scroll_area, wrapping
from .runner import start_worker
from .scatter import FeatureScatter
from .scribbles_edit import ScribblesEditing
from .units_warning import quiet_repeats


class ScribblesWidget(ScribblesEditing, Container):
    """The Scribbles dock.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer whose images are segmented.
    """

    def __init__(self, viewer: napari.viewer.Viewer) -> None:
        super().__init__(labels=False)
        viewer = getattr(viewer, "__wrapped__", viewer)
        self.viewer = viewer
        self.session = ScribbleSession(viewer)
        quiet_repeats(viewer)  # napari's units warning: not again for each layer we add
        self._open = True  # False once the dock is closed (`alive`)
        self.worker = None
        self.apply_worker = None
        self.image = ComboBox(label="image", choices=self._images, name="image")
        self.add_button = PushButton(text="Add scribbles layer", name="add")
        self.run_button = PushButton(text="Run with scribbles", name="run")
        self.names = LineEdit(name="names", label="names",
                              tooltip="pattern names, comma-separated (0, 1, ...)")
        self.names_button = PushButton(text="Set names", name="set_names")
        self.pattern_a = SpinBox(name="a", label="pattern", min=0, max=255)
        self.pattern_b = SpinBox(name="b", label="with", min=0, max=255, value=1)
        self.merge_button = PushButton(text="Merge", name="merge")
        self.split_button = PushButton(text="Split pattern", name="split")
        self.undo_button = PushButton(text="Undo", name="undo")
        self.cancel_button = PushButton(text="Cancel", name="cancel", enabled=False,
                                        tooltip="stop the series edit; the labels stay "
                                        "as they were")
        self.edit_worker = None
        self._cancelled = threading.Event()
        self.target = ComboBox(label="apply to", choices=self._targets, name="target")
        self.apply_button = PushButton(text="Apply", name="apply",
                                       tooltip="label another image or series with the "
                                       "scribbled (and edited) model: same pattern numbers")
        self.status = Label(value="paint a few strokes on each pattern (brush label 1 = "
                            "pattern 0, label 2 = pattern 1, …)", name="status",
                            tooltip=ROUTE_HELP)
        wrapping(self.status)  # a long status (a run's route, names) must not widen the dock
        self.paint_lasso = QCheckBox("lasso paints the brush's label (else highlights)")
        self.scatter = FeatureScatter(self.lasso)
        rows = [self.image, Container(widgets=[self.add_button, self.run_button],
                                      layout="horizontal", labels=False),
                Container(widgets=[self.names, self.names_button], layout="horizontal"),
                Container(widgets=[self.pattern_a, self.pattern_b], layout="horizontal"),
                Container(widgets=[self.merge_button, self.split_button, self.undo_button,
                                   self.cancel_button], layout="horizontal", labels=False),
                Container(widgets=[self.target, self.apply_button], layout="horizontal"),
                self.status]
        # one scrolling column (the dock may be short: a tab under the main dock, `docks`)
        self.body = Container(widgets=rows, labels=False)
        self.body.margins = (0, 0, 0, 0)
        column = QWidget()
        inner = QVBoxLayout(column)
        inner.setContentsMargins(0, 0, 0, 0)
        for part in (self.body.native, self.paint_lasso, self.scatter):
            inner.addWidget(part)
        inner.addStretch(1)
        narrow_choices(column)
        self.scroll = scroll_area(column)
        self.native.layout().addWidget(self.scroll)
        self.margins = (0, 0, 0, 0)
        # closed: the widget's end or its dock's (napari's close button: the widget lives on);
        # docked: a tab with our other docks
        close_with_dock(self.native, self._close, docked=tabify)
        self.add_button.changed.connect(self.add_layer)
        self.run_button.changed.connect(self.run)
        self.names_button.changed.connect(self.set_names)
        self.merge_button.changed.connect(self.merge)
        self.split_button.changed.connect(self.split)
        self.undo_button.changed.connect(self.undo)
        self.cancel_button.changed.connect(self.cancel_edit)
        self.apply_button.changed.connect(self.apply)
        for combo in (self.image, self.target):
            viewer.layers.events.inserted.connect(combo.reset_choices)
            viewer.layers.events.removed.connect(combo.reset_choices)
        viewer.mouse_move_callbacks.append(self._on_mouse_move)
        self.activity = activity_of(viewer)  # the viewer's one activity: Run's state
        # Run and the edit buttons: greyed while anything goes on (a run, a suggestion, …);
        # Cancel only during this dock's series edit; Undo when there is something to undo
        self._follow = follow_activity(self.activity, {
            "scribbles": self.run_button, "merge": self.merge_button,
            "split": self.split_button, "names": self.names_button,
            "apply": self.apply_button, "add": self.add_button,
            "undo": (self.undo_button, lambda: self.session.history is not None
                     and self.session.history.can_undo),
            "cancel_edit": self.cancel_button})

    def alive(self) -> bool:
        """False once the dock is closed: its workers' late signals are then ignored."""
        return self._open

    def _close(self) -> None:
        """The dock is gone: stop listening; its workers end without touching it."""
        if not self._open:
            return
        self._open = False
        self._cancelled.set()  # a series edit stops before its next frame
        for worker in (self.worker, self.apply_worker, self.edit_worker):
            if worker is not None:
                worker.quit()  # a generator: stops at its next step
        events = self.viewer.layers.events
        for combo in (self.image, self.target):
            for event in (events.inserted, events.removed):
                event.disconnect(combo.reset_choices)
        if self._on_mouse_move in self.viewer.mouse_move_callbacks:
            self.viewer.mouse_move_callbacks.remove(self._on_mouse_move)
        self.activity.disconnect(self._follow)  # a closed dock's buttons: never touched
        if self.activity.kind in ("scribbles", "edit") and (
                self.worker is not None or self.edit_worker is not None):
            self.activity.stop(self.activity.kind)  # this dock's: nothing of it goes on

    def _tell(self, text: str) -> None:
        self.status.value = text

    def _images(self, *_: Any) -> list:  # images and (T, Y, X) series
        return self._targets()

    def _targets(self, *_: Any) -> list:  # images, not the plugin's own outputs
        return [(layer.name, layer) for layer in source_layers(self.viewer.layers)
                if layer.ndim in (2, 3) and not layer.rgb]

    # ------------------------------------------------------------------ actions
    def _guard(self, action, *args):
        try:
            return action(*args)
        except SymsegError as err:
            self.status.value = str(err)
            return None

    def add_layer(self, *_: Any):
        """Add the scribbles layer of the chosen image (napari's brush, label 1)."""
        if self.image.value is None:
            self.status.value = "open a 2-D image or a (T, Y, X) series first"
            return None
        layer = self._guard(self.session.add_layer, self.image.value)
        if layer is not None:
            self.viewer.layers.selection.active = layer
            self.status.value = (f"paint strokes on '{layer.name}': label 1 = pattern 0, "
                                 "2 = pattern 1, …; then Run with scribbles")
        return layer

    def run(self, *_: Any):
        """Segment the chosen image with its scribbles in a worker thread."""
        source = self.image.value
        if source is None:
            self.status.value = "open a 2-D image or a (T, Y, X) series first"
            return None
        if self.activity.refused("run with scribbles", self._tell):
            return None
        params = self.session.params_for(source)
        steps = self._guard(lambda: self.session.run_steps(source, params))
        if steps is None:
            return None
        self.status.value = "running…"
        self.activity.start("scribbles")
        # (tests and callers wait on `worker` being None: a short run may end before
        # anyone could connect to its finished signal; `cleanup` also once the dock is gone)
        self.worker = start_worker(
            lambda: (yield from steps), alive=self.alive,
            cleanup=lambda: setattr(self, "worker", None),
            returned=lambda result: self._show(source, result), errored=self._failed,
            finished=lambda: self.activity.stop("scribbles"))
        return self.worker

    def _failed(self, err: Exception) -> None:
        self.status.value = str(err) if isinstance(err, SymsegError) else \
            f"failed: {type(err).__name__}: {err}"

    def _show(self, source, result) -> None:
        if not any(source is layer for layer in self.viewer.layers):
            self.status.value = f"{source.name} was deleted during the run: nothing added"
            return
        self.session.show(source, result)
        self._refresh(f"run with scribbles ({route(self.session.result)})")

    def edit(self, source, layer, result, record=None, frame=None, on_edit=None) -> None:
        """Merge / split / rename / undo act on `layer` (the main dock's patterns layer).

        Parameters
        ----------
        source : napari.layers.Image
            The segmented image or series.
        layer : napari.layers.Labels
            Its ``"<image> patterns"`` (or all-frames) layer.
        result : Result or None
            The run it shows (None: an all-frames run, from ``record.model``).
        record, frame, on_edit
            As `ScribbleSession.adopt`.

        Raises
        ------
        ScribbleError
            A lazily labelled series (`ScribbleSession.adopt`).
        """
        self.session.adopt(source, layer, result, record, frame, on_edit)
        self._refresh(f"editing {layer.name}")
        self.scroll.ensureWidgetVisible(self.status.native)  # the edit rows in view

    def apply(self, *_: Any):
        """Label the 'apply to' image or series with the current model (worker thread)."""
        target = self.target.value
        steps = None if target is None else self._guard(self.session.apply_steps, target)
        if steps is None:
            return None
        self.status.value = f"applying to {target.name}…"
        self.apply_worker = start_worker(
            lambda: (yield from steps), alive=self.alive,
            cleanup=lambda: setattr(self, "apply_worker", None),
            returned=lambda labels: self._applied(target, labels), errored=self._failed)
        return self.apply_worker

    def _applied(self, target, labels) -> None:
        if not any(target is layer for layer in self.viewer.layers):
            self.status.value = f"{target.name} was deleted meanwhile: nothing added"
            return
        self.session.show_applied(target, labels)
        self.status.value = f"applied to {target.name}"

    def _refresh(self, what: str) -> None:
        names = self.session.names()
        self.names.value = ", ".join(names)
        self.status.value = f"{what}: {count(len(names), 'pattern')} ({', '.join(names)})"
        self._follow()  # Undo: something to undo now
        xy, labels, index = self.session.scatter()
        layer = self.session.shown_layer()
        colours = None
        if len(labels):
            table = np.array([layer.get_color(v + 1) for v in range(int(labels.max()) + 1)])
            colours = table[labels]
        self.scatter.show_points(xy, colours, index)

    # ------------------------------------------------------------------ linking
    def lasso(self, index) -> None:
        """Grid points chosen in the plot: paint them (brush label) or highlight them."""
        if self.session.result is None or len(index) == 0:
            return
        if self.paint_lasso.isChecked():
            layer = self.session.add_layer(self.session.source)
            n = self.session.paint_points(index, int(layer.selected_label))
            self.status.value = f"painted {len(index)} grid points ({n} px) as label " \
                f"{layer.selected_label}"
            return
        coords = self.session.grid_points(index)
        name = f"{self.session.source.name} lasso"
        if name in self.viewer.layers:
            self.viewer.layers[name].data = coords
        else:
            self.viewer.add_points(coords, name=name, size=6, face_color="yellow")
        self.status.value = f"{len(index)} grid points highlighted"

    def _on_mouse_move(self, viewer, event) -> None:
        if self.session.result is None:
            return
        self.scatter.mark(self.session.point_at(viewer.cursor.position))


def route(result) -> str:
    """How a scribbled run assigned the patterns, for the status line.

    Parameters
    ----------
    result : Result or None
        The run (`ScribbleSession.result`).

    Returns
    -------
    str
        ``"patterns learnt from your strokes, then refined on the whole image"``.
        Technically (`ROUTE_HELP`, the status line's tooltip): the strokes'
        fit refined by the semi-supervised EM (`core.scribbles`), on the PCA
        components the strokes kept.
    """
    del result  # the same route for every scribbled run; the detail is in ROUTE_HELP
    return "patterns learnt from your strokes, then refined on the whole image"


#: The technical detail of `route`, for the scribbles status line's tooltip.
ROUTE_HELP = ("run with scribbles: a Gaussian model per pattern fitted on the stroked grid "
              "points, then refined by semi-supervised EM (the strokes stay fixed) on the PCA "
              "components the strokes kept; see docs/scribbles.md")
