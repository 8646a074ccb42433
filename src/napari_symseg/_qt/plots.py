"""The results dock: area fraction versus time, separability, the probe's map.

`ResultsDock` is one widget with three tabs, meant for a bottom dock of
about 220 px: *area fraction* (a series: one line per pattern in the
colours of the pattern layer, a vertical line at the time slider's frame;
clicking or dragging moves the slider), *separability* (paper Fig. 1f) and
*probe* (the local correlation map of the probe pixel, Fig. 3). The dock
holds no run state: the widget tells it what to show for the chosen image
and calls `ResultsDock.clear` for an image without results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from qtpy.QtCore import QPointF, QSize, Qt, QTimer
from qtpy.QtGui import QColor, QPen
from qtpy.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from ..controller import LABEL_OFFSET
from ..io.calibration import unit_symbol
from .canvas import renderer
from .mpl import FONT_SIZE, MIN_HEIGHT, ThemedPlot
from .probe_plot import ProbePlot
from .shift_maps import SeparabilityPlot

#: The tabs of the dock, in order.
TABS = ("area fraction", "separability", "probe")
#: Height (px) the dock asks for.
PREFERRED_HEIGHT = 220
#: The readout right of the tabs when the mouse is not over a value.
HOVER_HELP = "hover over a plot for its values"


@dataclass
class PlotState:
    """What the area plot shows: enough to show it again after a cancelled run.

    Attributes
    ----------
    source : napari.layers.Image
        The segmented (T, Y, X) layer: time axis and current frame.
    labels : napari.layers.Labels or None
        The pattern layer whose colours the lines take.
    area_fraction : ndarray, (T, n_patterns)
        NaN for frames not labelled (yet).
    """

    source: Any
    labels: Any
    area_fraction: np.ndarray


def time_axis(source) -> tuple[np.ndarray, str]:
    """World time of every frame of a (T, Y, X) layer, and the axis label.

    Parameters
    ----------
    source : napari.layers.Image
        A (T, Y, X) layer; axis 0 (scale, translate, unit) is time.

    Returns
    -------
    times : ndarray, (T,)
        ``translate[0] + scale[0] * frame``.
    label : str
        ``"time (s)"`` when axis 0 has a unit, ``"frame"`` when it is not
        calibrated (unit scale, no unit, no offset), else ``"time"``.
    """
    n_frames = source.data.shape[0]
    scale, offset = float(source.scale[0]), float(source.translate[0])
    times = offset + scale * np.arange(n_frames)
    units = getattr(source, "units", None)
    unit = "pixel" if units is None else str(units[0])
    if unit != "pixel":
        return times, f"time ({unit_symbol(unit)})"
    return times, "frame" if (scale, offset) == (1.0, 0.0) else "time"


def _frame_shown(source, viewer) -> int:
    t = source.world_to_data(viewer.dims.point)[0]
    return int(np.clip(round(t), 0, source.data.shape[0] - 1))


class AreaFractionPlot(ThemedPlot):
    """Pattern area fraction versus time, following the viewer's time slider.

    Parameters
    ----------
    viewer : napari.viewer.Viewer
        Its time slider is drawn as a vertical line and moved by clicks.
    parent : QWidget, optional

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    canvas : FigureCanvasQTAgg
    axes : matplotlib.axes.Axes
    lines : list of matplotlib.lines.Line2D
        One per pattern, in pattern order.
    current : matplotlib.lines.Line2D
        The vertical line at the current frame (its x data; Qt paints it over
        the rendered figure, so that it follows the slider at once).
    state : PlotState or None
        What is shown (None before the first series and after `clear`).
    """

    def __init__(self, viewer, parent: QWidget | None = None) -> None:
        super().__init__(viewer, parent)
        self.axes = self.figure.add_subplot()
        self.lines = []
        self.current = self.axes.axvline(np.nan, linestyle="--", linewidth=1.2, alpha=0.8,
                                         visible=False)
        self.canvas.overlays.append(self._paint_current)
        self.state = None
        self._note = self.figure.text(
            0.5, 0.5, "area fraction of each pattern per frame: run 'all frames' on a series",
            ha="center", va="center", fontsize=FONT_SIZE + 1, alpha=0.7)
        self.axes.set_visible(False)
        self.canvas.mpl_connect("button_press_event", self._on_mouse)
        self.canvas.mpl_connect("motion_notify_event", self._on_mouse)
        viewer.dims.events.current_step.connect(self._update_current)
        self.restyle()

    # -- content
    def show_series(self, source, labels, area_fraction: np.ndarray) -> None:
        """Show the area fractions (T, n_patterns) of the series `source`.

        Parameters
        ----------
        source : napari.layers.Image
            The segmented (T, Y, X) layer.
        labels : napari.layers.Labels or None
            The pattern layer: line colours follow its label colours.
        area_fraction : ndarray, (T, n_patterns)
            NaN where a frame is not labelled yet (no point drawn).
        """
        self._follow_colours(labels)
        self.state = PlotState(source, labels, np.array(area_fraction, dtype=float))
        times, xlabel = time_axis(source)
        for line in self.lines:
            line.remove()
        self.lines = [
            self.axes.plot(times, self.state.area_fraction[:, k], marker="o", markersize=3,
                           linewidth=1.5, label=f"pattern {k}")[0]
            for k in range(self.state.area_fraction.shape[1])
        ]
        pad = 0.02 * (times[-1] - times[0]) if len(times) > 1 else 0.5
        self.axes.set_xlim(times[0] - pad, times[-1] + pad)
        self.axes.set_ylim(0.0, 1.0)
        self.axes.set_xlabel(xlabel, fontsize=FONT_SIZE)
        self.axes.set_ylabel("area fraction", fontsize=FONT_SIZE)
        self.set_title(f"{source.name}: pattern area fraction (click to go to a frame)")
        self.axes.set_visible(True)
        self._note.set_visible(False)
        self._update_colours()
        self._update_current()

    def set_frame(self, frame: int, area_fraction: np.ndarray) -> None:
        """Fill in the area fractions (n_patterns,) of one frame."""
        self.state.area_fraction[frame] = area_fraction
        for line, column in zip(self.lines, self.state.area_fraction.T, strict=True):
            line.set_ydata(column)
        self.canvas.draw_idle()

    def clear(self) -> None:
        """Show nothing (an image without a series result)."""
        self._follow_colours(None)
        self.state = None
        for line in self.lines:
            line.remove()
        self.lines = []
        self.axes.set_visible(False)
        self._note.set_visible(True)
        self.canvas.draw_idle()

    @property
    def area_fraction(self) -> np.ndarray | None:
        """The plotted area fractions, (T, n_patterns) (None before a series)."""
        return None if self.state is None else self.state.area_fraction

    def describe(self, x: float, y: float) -> str | None:
        """``"frame 3 (t = 16 s): pattern 0 42 %, pattern 1 58 %"`` at time `x`."""
        if self.state is None:
            return None
        times, label = time_axis(self.state.source)
        frame = int(np.argmin(np.abs(times - x)))
        values = self.state.area_fraction[frame]
        if not np.isfinite(values).any():
            return f"frame {frame}: not labelled yet"
        parts = ", ".join(f"pattern {k} {100 * v:.0f} %" for k, v in enumerate(values))
        when = "" if label == "frame" else f" ({label.split(' ')[0]} {times[frame]:g})"
        return f"frame {frame}{when}: {parts}"

    # -- viewer and layer events
    def _follow_colours(self, labels) -> None:
        old = self.state.labels if self.state is not None else None
        if old is not None and old is not labels:
            old.events.colormap.disconnect(self._update_colours)
        if labels is not None and labels is not old:
            labels.events.colormap.connect(self._update_colours)

    def _update_colours(self, *_: Any) -> None:
        labels = self.state.labels if self.state is not None else None
        for k, line in enumerate(self.lines):
            if labels is not None:
                line.set_color(tuple(labels.get_color(k + LABEL_OFFSET)[:3]))
        if self.lines:
            self._legend()
        self.canvas.draw_idle()

    def _update_current(self, *_: Any) -> None:
        if self.state is None:
            return
        source = self.state.source
        x = time_axis(source)[0][_frame_shown(source, self.viewer)] if source.ndim == 3 \
            else np.nan
        self.current.set_xdata([x, x])
        self.canvas.update()  # a repaint of the line, no redraw of the figure

    def _paint_current(self, painter) -> None:
        """The current-frame line, by Qt over the rendered figure."""
        x = self.current.get_xdata()[0]
        if self.state is None or not np.isfinite(x):
            return
        ratio = self.canvas.device_pixel_ratio
        height = self.figure.bbox.height
        box = self.axes.bbox
        px = self.axes.transData.transform((x, 0.0))[0] / ratio
        pen = QPen(QColor(self.text_colour))
        pen.setStyle(Qt.PenStyle.DashLine)
        pen.setWidthF(1.2)
        painter.setPen(pen)
        painter.drawLine(QPointF(px, (height - box.y1) / ratio),
                         QPointF(px, (height - box.y0) / ratio))

    def _on_mouse(self, event) -> None:
        """A click or a drag with the left button moves the time slider there."""
        if (self.state is None or event.inaxes is not self.axes or event.button != 1
                or event.xdata is None):
            return
        source = self.state.source
        times = time_axis(source)[0]
        frame = int(np.argmin(np.abs(times - event.xdata)))
        axis = self.viewer.dims.ndim - source.ndim  # layers align on their last axes
        if axis >= 0 and frame != _frame_shown(source, self.viewer):
            self.viewer.dims.set_point(axis, float(times[frame]))

    def _legend(self) -> None:
        legend = self.axes.legend(loc="center left", bbox_to_anchor=(1.01, 0.5),
                                  fontsize=FONT_SIZE - 1, frameon=False)
        for text in legend.get_texts():
            text.set_color(self.text_colour)

    def restyle(self) -> None:
        """Theme colours, the grid, the slider line and the legend."""
        self.axes.grid(True, color=self.text_colour, alpha=0.15)
        self.current.set_color(self.text_colour)
        if self.lines:
            self._legend()
        super().restyle()


#: The plots of the dock's tabs, in the order of `TABS`.
PLOT_KINDS = (AreaFractionPlot, SeparabilityPlot, ProbePlot)


class ResultsDock(QWidget):
    """The plots of the chosen image's results, in tabs.

    Each ``show_*`` call brings its tab to the front when that tab showed
    nothing before (new content appears in view; a new separability plot
    leaves a series' area plot in front), or when the tab in front is empty;
    updates of a tab that already shows something leave the current tab
    alone (dragging the probe does not take the area plot away). An empty
    tab is never left in front while another shows something.

    Parameters
    ----------
    viewer : napari.viewer.Viewer
        Its theme, time slider and layers.
    parent : QWidget, optional
    plots : tuple, optional
        ``(AreaFractionPlot, SeparabilityPlot, ProbePlot)`` made beforehand
        (`PlotsPanel.prepare` makes one per turn of the event loop); made
        here by default.

    Attributes
    ----------
    tabs : QTabWidget
        One tab per name in `TABS`.
    readout : QLabel
        Right of the tabs: the value under the mouse in the plot shown.
    area_plot : AreaFractionPlot
    separability_plot : SeparabilityPlot
    probe_plot : ProbePlot
    """

    def __init__(self, viewer, parent: QWidget | None = None, plots: tuple | None = None) -> None:
        super().__init__(parent)
        self.viewer = viewer
        if plots is None:
            plots = tuple(kind(viewer) for kind in PLOT_KINDS)
        self.area_plot, self.separability_plot, self.probe_plot = plots
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.readout = QLabel(HOVER_HELP)
        self.readout.setContentsMargins(0, 0, 8, 0)
        self.tabs.setCornerWidget(self.readout, Qt.Corner.TopRightCorner)
        for name, plot in zip(TABS, self._plots(), strict=True):
            self.tabs.addTab(plot, name)
            plot.on_readout = self._show_readout
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.setMinimumHeight(MIN_HEIGHT + 30)
        renderer()  # start the renderer process now: the first plot is then quick
        # make the maps' axes in idle turns of the event loop, one plot per turn
        for plot in (self.separability_plot, self.probe_plot):
            QTimer.singleShot(0, lambda plot=plot: plot.prepare("map"))

    def sizeHint(self) -> QSize:
        """About 220 px high: a bottom dock that leaves the canvas most of 768 px."""
        return QSize(800, PREFERRED_HEIGHT)

    def _plots(self) -> tuple:
        return self.area_plot, self.separability_plot, self.probe_plot

    def _show_readout(self, text: str | None) -> None:
        self.readout.setText(text or HOVER_HELP)

    def show_area_fraction(self, source, labels_layer, area_fraction: np.ndarray) -> None:
        """Plot the area fraction of every pattern versus time for series `source`.

        Parameters
        ----------
        source : napari.layers.Image
            The segmented (T, Y, X) layer (time axis, current frame).
        labels_layer : napari.layers.Labels or None
            The patterns layer: pattern i is drawn in the colour of label i + 1.
        area_fraction : ndarray, (T, n_patterns)
            NaN where a frame is not labelled yet.
        """
        empty = self.area_plot.state is None
        self.area_plot.show_series(source, labels_layer, area_fraction)
        self._bring("area fraction", empty)

    def set_frame(self, frame: int, fractions: np.ndarray) -> None:
        """Fill in the area fractions (n_patterns,) of one frame of the shown series."""
        self.area_plot.set_frame(frame, fractions)

    def show_separability(self, operations, separability, selected=None, source=None) -> None:
        """Show the Fisher separability of every operation (see `SeparabilityPlot.show`)."""
        empty = self.separability_plot.operations is None
        self.separability_plot.show(operations, separability, selected, source)
        self._bring("separability", empty and not self._front_filled("area fraction"))

    def show_probe(self, cmap: np.ndarray, pixel, source=None) -> None:
        """Show the probe pixel's local correlation map (see `ProbePlot.show`)."""
        empty = self.probe_plot.cmap is None
        self.probe_plot.show(cmap, pixel, source)
        self._bring("probe", empty)

    def clear(self, tab: str | None = None) -> None:
        """Show nothing in every tab (an image without results), or in `tab` only.

        When the tab in front is then empty, the first tab that shows
        something comes to the front (e.g. back on an image without a
        series: its separability rather than an empty area plot).
        """
        for name, plot in zip(TABS, self._plots(), strict=True):
            if tab is None or tab == name:
                plot.clear()
        shown = [name for name, full in zip(TABS, self._filled(), strict=True) if full]
        if shown and not self._front_filled():
            self.select(shown[0])

    def _front_filled(self, tab: str | None = None) -> bool:
        """The tab in front shows something (and is `tab`, if given)."""
        filled = dict(zip(TABS, self._filled(), strict=True))[self.current_tab]
        return filled and (tab is None or self.current_tab == tab)

    def _bring(self, tab: str, new: bool) -> None:
        """`tab` to the front when its content is new, or when the front tab is empty."""
        if new or not self._front_filled():
            self.select(tab)

    def _filled(self) -> tuple[bool, bool, bool]:
        return (self.area_plot.state is not None, self.separability_plot.operations is not None,
                self.probe_plot.cmap is not None)

    def select(self, tab_name: str) -> None:
        """Bring the tab called `tab_name` (one of `TABS`) to the front."""
        self.tabs.setCurrentIndex(TABS.index(tab_name))

    @property
    def current_tab(self) -> str:
        """The name of the tab in front."""
        return TABS[self.tabs.currentIndex()]
