"""The results dock's area plot: pattern area fraction versus time.

`AreaFractionPlot` (the *area fraction* tab of `plots.ResultsDock`) draws
one line per pattern of a (T, Y, X) series in the colours of its pattern
layer, with a vertical line at the time slider's frame (Qt paints it over
the rendered figure); clicking or dragging moves the slider. `time_axis`
gives the frames' world times and the axis label. Split out of `plots`,
which re-exports these names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from qtpy.QtCore import QPointF, Qt
from qtpy.QtGui import QColor, QPen
from qtpy.QtWidgets import QWidget

from ..controller import LABEL_OFFSET
from ..io.calibration import unit_symbol
from .mpl import FONT_SIZE, ThemedPlot


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
            # true also during an all-frames run's reference fit, before its first frame
            # (it read "run 'all frames'" while one ran: tester newuser14)
            0.5, 0.5, "area fraction of each pattern per frame: drawn as an 'all frames' "
            "run labels the frames of a series", wrap=True,
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
