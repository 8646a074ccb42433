"""The dock's *Measure* button, its status line and the docked region table (issue 14).

The *Measure* button sits in the dock's row of buttons, next to *Run*,
*Export…* and *Plots* (in view on a 1366x768 screen, unlike the end of
*Advanced* where it was first); its status line comes below the dock's
status, shown only when there is something to say (a measurement, a
refusal, an outdated measurement). The button measures the chosen image's
patterns layer in a thread worker
(`napari_symseg.controller.measure.MeasureController`); the region table
opens in its own dock (a tab with the plots and Scribbles, `docks`).
A measurement belongs to its image and its run: the table shows the chosen
image's own measurement, or a note (not measured yet; or its run was
replaced, edited or scribbled since: then the old measurement and its
layers are removed); its layers are shown and hidden with the image's other result
layers (`controller.visibility`). Selecting a row shows only that region (and moves
the time slider to its frame); clicking a region on the canvas selects its
row.
"""

from __future__ import annotations

import threading

from magicgui.widgets import Label
from qtpy.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..controller.measure import COLUMN_HELP, TABLE_COLUMNS, MeasureController
from ..controller.measure_stale import NOT_MEASURED, OUTDATED
from ..errors import Cancelled, SymsegError
from .docks import TABLE_DOCK_NAME, add_tabbed, raise_tab
from .layout import keep_in_view, wrapping
from .runner import start_worker
from .stall import next_turn, over_turns

__all__ = ["TABLE_DOCK_NAME", "MeasureSection"]

#: After a measurement: where its maps are (under the patterns, above the image).
MAPS_NOTE = " (table: 'symseg regions' tab)"
#: The measure status line's tooltip: what was added, and where.
MAPS_HELP = ("regions and boundaries are shown; the orientation and spacing maps (and a "
             "series' tracks) are added hidden: tick their eye in the layer list. The "
             "table's a, b: each region's unit cell (hover its header)")


class MeasureSection:
    """The *Measure* part of a `SymsegWidget`: its button (the widget's
    ``measure_button``), a status line below the widget's status, the region table.

    Parameters
    ----------
    widget : SymsegWidget
        The dock widget (its viewer, session, button and scroll column).

    Attributes
    ----------
    controller : MeasureController
    button : PushButton
    status : Label
        Hidden while empty.
    table : QTableWidget
        One row per region (the docked table).
    note : QLabel
        Above the table: what it shows (or why it is empty).
    """

    def __init__(self, widget) -> None:
        self.widget, self.viewer = widget, widget.viewer
        self.controller = MeasureController(self.viewer)
        alive = widget.alive  # a scribbled run outdated a measurement: remove it next turn
        self.controller.on_stale = lambda: next_turn(lambda: alive() and self.refresh())
        self.controller.remove_layers = self._remove_per_turn
        self.button = widget.measure_button  # in the dock's row of buttons
        self.status = Label(value="", name="measure_status", tooltip=MAPS_HELP)
        wrapping(self.status)
        self.status.visible = False
        self.button.changed.connect(lambda *_: self.start())
        column = widget.status.native.parentWidget().layout()  # the dock's scrolling column
        column.insertWidget(column.indexOf(widget.status.native) + 1, self.status.native)
        # kept in view below the dock's status line, above the hint's answer
        keep_in_view(widget.scroll, self.status.native, after=widget.status.native)
        self.table = QTableWidget(0, len(TABLE_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(TABLE_COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.itemSelectionChanged.connect(self._on_row_selected)
        self.note = QLabel(NOT_MEASURED)
        self.note.setWordWrap(True)
        self.panel = QWidget()
        panel = QVBoxLayout(self.panel)
        panel.setContentsMargins(2, 2, 2, 2)
        panel.addWidget(self.note)
        panel.addWidget(self.table)
        self.table.setMinimumHeight(60)
        self._dock = None
        self.worker = None
        self._showing = False
        self._cancel = threading.Event()

    def measured_run(self):
        """The run *Measure* takes and its patterns layer: ``(record, layer)`` (Nones).

        The chosen image's last full run made, as *Export* takes it
        (`ResultSet.current`: a scribbled run too); a series measured in
        "current frame" mode takes the newest run of every frame instead of
        one frame's (its layer holds one frame).
        """
        controller = self.widget.controller
        source = controller.source
        results = None if source is None else controller.store.find(source)
        if results is None:
            return None, None
        record = results.current(controller.is_series())
        layer = results.layer_of(record)
        if layer is None or layer.ndim != source.ndim:
            whole = results.current(True)
            if results.layer_of(whole) is not None and results.layer_of(whole).ndim == \
                    source.ndim:
                record, layer = whole, results.layer_of(whole)
        if layer is None or not any(layer is shown for shown in self.viewer.layers):
            return None, None
        return record, layer

    def patterns_layer(self):
        """The patterns layer *Measure* takes (`measured_run`), or None."""
        return self.measured_run()[1]

    def start(self):
        """Measure in a thread worker; the layers and the table come when it returns."""
        if self.widget.busy("measure"):
            return None
        source = self.widget.controller.source
        run, patterns = self.measured_run()
        if patterns is None:
            self._say("run a segmentation of the chosen image first")
            return None
        if patterns.ndim != source.ndim:
            self._say("measure the whole series ('all frames') or a 2-D image; "
                      "this patterns layer holds one frame")
            return None
        self.widget.activity.start("measure")  # the buttons follow it (`_done`)
        self._say("measuring…")
        results = self.widget.controller.store.get(source)
        slot = run.slot
        self._cancel = threading.Event()
        result = run.result  # its polarisation (a scribbled run's own Result too)
        controller, cancel = self.controller, self._cancel

        def work():  # the measurement and its napari layers (made, not added) off the GUI
            return controller.build(controller.compute(source, patterns, result, cancel))

        self._showing = True  # until the last layer is in (`_show`)
        # after the dock closed its widgets are gone: the handlers touch none (`alive`)
        self.worker = start_worker(
            work, alive=self.widget.alive, cleanup=self._forget,
            returned=lambda computed: self._show(computed, results, slot, run),
            errored=self._failed, finished=self._finished)  # `_failed` shows the errors
        return self.worker

    def _forget(self) -> None:
        """The worker is done (also after the dock closed: touches no widget)."""
        self.worker = None

    def _finished(self) -> None:
        if not self._showing:
            self._done()

    def _done(self) -> None:
        """The measurement ended (shown, failed or cancelled): the buttons work again."""
        self.widget.activity.stop("measure")

    def _remove_per_turn(self, layers) -> None:
        """An outdated measurement's layers: hidden at once, removed one per turn of the
        event loop (`over_turns`: napari removes one in 0.3-0.6 s here; four in one turn
        froze it 1.1-1.8 s at the end of a re-run)."""
        viewer = self.viewer
        layers = [layer for layer in layers if any(layer is shown for shown in viewer.layers)]
        for layer in layers:
            layer.visible = False

        def removing():
            for layer in layers:
                if any(layer is shown for shown in viewer.layers):
                    viewer.layers.remove(layer)
                yield

        over_turns(removing())

    def close(self) -> None:
        """The dock is closing: a series measurement stops before its next frame (a
        worker still running when napari's Qt objects are gone aborts the process)."""
        self._cancel.set()
        self.controller.close()

    def _failed(self, err) -> None:
        self._showing = False
        self._done()
        if isinstance(err, Cancelled):
            return
        self._say(str(err) if isinstance(err, SymsegError) else
                  f"measurement failed: {type(err).__name__}: {err}")

    def _show(self, computed, results, slot, run) -> None:
        """Add the measurement's layers one per turn of the event loop (`over_turns`: a
        116-frame series' five layers in one turn froze napari 2.4-3.5 s), then the rest."""
        over_turns(self.controller.show_steps(computed), alive=self.widget.alive,
                   done=lambda measured: self._shown(measured, results, slot, run))

    def _shown(self, measured, results, slot, run) -> None:
        self.controller.attach(results, measured, slot, run)
        measured.layers["regions"].mouse_drag_callbacks.append(self._on_click)
        # napari selects the last layer added (tracks, for a series: its tall controls
        # pushed the window past 768 px); a click on a region needs the regions layer active
        self.viewer.layers.selection.active = measured.layers["regions"]
        # the table a turn later: napari making the active layer's controls and Qt the
        # table's dock and rows were one 460-750 ms gap (2048², load 12)
        next_turn(lambda: self.widget.alive() and self._table_shown())

    def _table_shown(self) -> None:
        self._showing = False
        self._done()  # refresh says what was measured
        if self._dock is None or self.panel.parent() is None:
            self._dock = add_tabbed(self.viewer, self.panel, TABLE_DOCK_NAME)
        self._dock.show()
        raise_tab(self._dock)  # not over the Scribbles dock the user is in
        self.refresh()

    def refresh(self) -> None:
        """Show the chosen image's measurement, or say why there is none (see the module)."""
        source = self.widget.controller.source
        results = None if source is None else self.widget.controller.store.find(source)
        text = self.controller.follow(results)
        rows = self.controller.rows()
        self.table.clearSelection()
        columns = self.controller.columns()
        self.table.setColumnCount(len(columns))
        self.table.setHorizontalHeaderLabels(list(columns))
        for j, column in enumerate(columns):
            self.table.horizontalHeaderItem(j).setToolTip(COLUMN_HELP.get(column, ""))
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                self.table.setItem(i, j, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        name = "" if source is None else f"{source.name}: "
        self.note.setText(name + text)
        if self.worker is None or self.widget.activity.kind != "measure":  # not while measuring
            # silent until there is something to say; then never blank (an undo after the
            # edit that removed a measurement: "not measured yet", not an empty line)
            said = text == OUTDATED or bool(self.status.value)
            self._say(text + MAPS_NOTE if self.controller.last is not None
                      else text if said else "")

    def _say(self, text: str) -> None:
        """Show `text` on the status line (hidden when empty)."""
        self.status.value = text
        self.status.visible = bool(text)

    def _on_row_selected(self) -> None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        if rows and self.controller.last is not None:
            self.controller.highlight(min(rows))

    def _on_click(self, layer, event) -> None:
        region = self.controller.region_at(event.position)
        frame = int(self.viewer.dims.current_step[0]) if layer.ndim == 3 else 0
        row = self.controller.row_of(region, frame) if region else None
        if row is not None:
            self.table.selectRow(row)
