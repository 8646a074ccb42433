"""A docked plot of pattern area fraction versus time for a segmented series.

matplotlib draws it through ``backend_qtagg``, which uses the Qt binding
napari already runs on (qtpy / the ``QT_API`` variable): no binding is
imported here by name. One line per pattern in the colour of the pattern
in the Labels layer, a vertical line at the time slider's frame; clicking
(or dragging) in the plot moves the time slider.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from qtpy.QtWidgets import QVBoxLayout, QWidget

from .widget import LABEL_OFFSET, axis_unit, frame_index, unit_symbol


@dataclass
class PlotState:
    """What the plot shows: enough to show it again after a cancelled run.

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
    unit = axis_unit(source, 0)
    if unit != "pixel":
        return times, f"time ({unit_symbol(unit)})"
    return times, "frame" if (scale, offset) == (1.0, 0.0) else "time"


class AreaFractionPlot(QWidget):
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
        The vertical line at the current frame.
    state : PlotState or None
        What is shown (None before the first series).
    """

    def __init__(self, viewer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewer = viewer
        self.figure = Figure(figsize=(6, 2.2), layout="constrained")
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setMinimumHeight(160)
        self.axes = self.figure.add_subplot()
        self.lines = []
        self.current = self.axes.axvline(np.nan, linestyle="--", linewidth=1.2, alpha=0.8)
        self.state = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)
        self.canvas.mpl_connect("button_press_event", self._on_mouse)
        self.canvas.mpl_connect("motion_notify_event", self._on_mouse)
        viewer.dims.events.current_step.connect(self._update_current)
        viewer.events.theme.connect(self._apply_theme)
        self._apply_theme()

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
        old = self.state.labels if self.state is not None else None
        if old is not None and old is not labels:
            old.events.colormap.disconnect(self._update_colours)
        if labels is not None and labels is not old:
            labels.events.colormap.connect(self._update_colours)
        self.state = PlotState(source, labels, np.array(area_fraction, dtype=float))
        times, xlabel = time_axis(source)
        for line in self.lines:
            line.remove()
        self.lines = [
            self.axes.plot(times, self.state.area_fraction[:, k], marker="o", markersize=4,
                           linewidth=2, label=f"pattern {k}")[0]
            for k in range(self.state.area_fraction.shape[1])
        ]
        pad = 0.02 * (times[-1] - times[0]) if len(times) > 1 else 0.5
        self.axes.set_xlim(times[0] - pad, times[-1] + pad)
        self.axes.set_ylim(0.0, 1.0)
        self.axes.set_xlabel(xlabel)
        self.axes.set_ylabel("area fraction")
        self.axes.set_title(f"{source.name}: pattern area fraction", fontsize="medium")
        self._legend()
        self._update_colours()
        self._update_current()

    def set_frame(self, frame: int, area_fraction: np.ndarray) -> None:
        """Fill in the area fractions (n_patterns,) of one frame."""
        self.state.area_fraction[frame] = area_fraction
        for line, column in zip(self.lines, self.state.area_fraction.T, strict=True):
            line.set_ydata(column)
        self.canvas.draw_idle()

    @property
    def area_fraction(self) -> np.ndarray | None:
        """The plotted area fractions, (T, n_patterns) (None before a series)."""
        return None if self.state is None else self.state.area_fraction

    # -- viewer and layer events
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
        frame = frame_index(source, self.viewer) if source.ndim == 3 else None
        x = np.nan if frame is None else time_axis(source)[0][frame]
        self.current.set_xdata([x, x])
        self.canvas.draw_idle()

    def _on_mouse(self, event) -> None:
        """A click or a drag with the left button moves the time slider there."""
        if (self.state is None or event.inaxes is not self.axes or event.button != 1
                or event.xdata is None):
            return
        source = self.state.source
        times = time_axis(source)[0]
        frame = int(np.argmin(np.abs(times - event.xdata)))
        axis = self.viewer.dims.ndim - source.ndim  # layers align on their last axes
        if axis >= 0 and frame != frame_index(source, self.viewer):
            self.viewer.dims.set_point(axis, float(times[frame]))

    def _legend(self) -> None:
        legend = self.axes.legend(loc="center left", bbox_to_anchor=(1.01, 0.5),
                                  fontsize="small", frameon=False)
        for text in legend.get_texts():
            text.set_color(self._text_colour)

    def _apply_theme(self, *_: Any) -> None:
        """Colours of napari's theme (dark or light)."""
        from napari.utils.theme import get_theme

        try:
            theme = get_theme(self.viewer.theme)
            background, text = theme.background.as_hex(), theme.text.as_hex()
        except (ValueError, AttributeError):  # an unknown theme: matplotlib's colours
            background, text = "white", "black"
        self._text_colour = text
        self.figure.set_facecolor(background)
        self.axes.set_facecolor(background)
        for spine in self.axes.spines.values():
            spine.set_color(text)
        self.axes.tick_params(colors=text, which="both")
        self.axes.xaxis.label.set_color(text)
        self.axes.yaxis.label.set_color(text)
        self.axes.title.set_color(text)
        self.axes.grid(True, color=text, alpha=0.15)
        self.current.set_color(text)
        if self.lines:
            self._legend()
        self.canvas.draw_idle()
