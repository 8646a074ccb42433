"""The dock's *Measure* section and the docked region table (issue 14).

A collapsed *Measure* section at the end of the dock's *Advanced* section
(placed there so that the dock's width never follows it): one button measures
the chosen image's patterns layer in a thread worker
(`napari_symseg.controller.measure.MeasureController`); the region table
opens in its own dock. Selecting a row shows only that region (and moves
the time slider to its frame); clicking a region on the canvas selects its
row.
"""

from __future__ import annotations

from magicgui.widgets import Label, PushButton
from qtpy.QtWidgets import (
    QAbstractItemView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from superqt import QCollapsible

from ..controller.measure import TABLE_COLUMNS, MeasureController
from ..errors import SymsegError
from .layout import wrapping

#: Name of the region table's dock.
TABLE_DOCK_NAME = "symseg regions"


class MeasureSection:
    """The *Measure* section of a `SymsegWidget` (added to its column).

    Parameters
    ----------
    widget : SymsegWidget
        The dock widget (its viewer, session and scroll column).

    Attributes
    ----------
    controller : MeasureController
    button : PushButton
    status : Label
    table : QTableWidget
        One row per region (the docked table).
    """

    def __init__(self, widget) -> None:
        self.widget, self.viewer = widget, widget.viewer
        self.controller = MeasureController(self.viewer)
        self.button = PushButton(text="Measure regions", name="measure",
                                 tooltip="regions (area, lattice, orientation, plane group), "
                                 "boundaries, local orientation map and, for a series, "
                                 "tracks of the chosen image's patterns layer")
        self.status = Label(value="", name="measure_status")
        wrapping(self.status)
        self.button.changed.connect(lambda *_: self.start())
        section = QCollapsible("Measure")
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.button.native)
        layout.addWidget(self.status.native)
        section.addWidget(body)
        widget.advanced.addWidget(section)  # in Advanced, after the probe
        self.section = section
        self.table = QTableWidget(0, len(TABLE_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(TABLE_COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.itemSelectionChanged.connect(self._on_row_selected)
        self._dock = None
        self.worker = None

    def patterns_layer(self):
        """The chosen image's patterns layer (a series: every frame's), or None."""
        source = self.widget.controller.source
        if source is None:
            return None
        layers = self.widget.controller.store.get(source).layers
        for slot in ("series", "patterns"):
            layer = layers.get(slot)
            if layer is not None and layer in self.viewer.layers:
                return layer
        return None

    def start(self):
        """Measure in a thread worker; the layers and the table come when it returns."""
        from napari.qt.threading import create_worker

        source, patterns = self.widget.controller.source, self.patterns_layer()
        if patterns is None:
            self.status.value = "run a segmentation of the chosen image first"
            return None
        if patterns.ndim != source.ndim:
            self.status.value = ("measure the whole series ('all frames') or a 2-D image; "
                                 "this patterns layer holds one frame")
            return None
        self.button.enabled = False
        self.status.value = "measuring…"
        self.worker = create_worker(self.controller.compute, source, patterns)
        self.worker.returned.connect(self._show)
        self.worker.errored.connect(self._failed)
        self.worker.finished.connect(lambda: setattr(self.button, "enabled", True))
        self.worker.start()
        return self.worker

    def _failed(self, err) -> None:
        self.status.value = str(err) if isinstance(err, SymsegError) else \
            f"measurement failed: {type(err).__name__}: {err}"

    def _show(self, computed) -> None:
        measured = self.controller.show(computed)
        rows = self.controller.rows()
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            for j, text in enumerate(row):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        layer = measured.layers["regions"]
        layer.mouse_drag_callbacks.append(self._on_click)
        self.status.value = (f"{len(measured.regions)} regions, {len(measured.boundaries)} "
                             "boundaries")
        if self._dock is None or self.table.parent() is None:
            self._dock = self.viewer.window.add_dock_widget(
                self.table, name=TABLE_DOCK_NAME, area="right")
        self._dock.show()

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
