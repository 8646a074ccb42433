"""matplotlib figures for the results dock: theme colours, compact fonts, hover readout.

Every plot of the dock is a `ThemedPlot`: one figure in napari's theme
colours (dark or light, following theme changes), fonts small enough for a
bottom dock of about 220 px, a readout of the value under the mouse (a
callback: the dock shows it in its tab bar, and the tooltip), drawn by an
`AsyncCanvas` off the GUI thread.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from qtpy.QtWidgets import QVBoxLayout, QWidget

from ..io.calibration import unit_symbol
from .canvas import AsyncCanvas

#: Font size (points) of labels and titles; tick labels are one point smaller.
FONT_SIZE = 8
#: Smallest height (px) of a plot canvas: the dock fits 1366x768 windows.
MIN_HEIGHT = 130


def theme_colours(viewer) -> tuple[str, str]:
    """Background and text colour of the viewer's napari theme, as hex strings.

    Parameters
    ----------
    viewer : napari.viewer.Viewer
        Its ``theme`` (``"dark"``, ``"light"`` or a registered one).

    Returns
    -------
    background, text : str
        matplotlib's white and black for a theme napari does not know.
    """
    from napari.utils.theme import get_theme

    try:
        theme = get_theme(viewer.theme)
        return theme.background.as_hex(), theme.text.as_hex()
    except (ValueError, AttributeError):
        return "white", "black"


def axis_calibration(source, axis: int) -> tuple[float, str] | None:
    """Pixel size and unit symbol of one image axis of a calibrated layer.

    Parameters
    ----------
    source : napari.layers.Layer or None
        The image (its ``scale`` and ``units``).
    axis : int
        Layer axis, negative from the last (-2 rows, -1 columns).

    Returns
    -------
    (float, str) or None
        ``(0.02, "nm")``; None without a layer or for a layer in pixels
        (unit scale, no unit).
    """
    if source is None:
        return None
    scale = float(source.scale[axis])
    units = getattr(source, "units", None)
    unit = "pixel" if units is None else str(units[axis])
    if unit == "pixel" and scale == 1.0:
        return None
    return scale, ("px" if unit == "pixel" else unit_symbol(unit))


def shift_axes(axes, limits, source, what: str = "shift", unit: str = "px") -> None:
    """Label `axes` as a (row, col) shift map, in px and in the source's unit if calibrated.

    The map's x axis is the column shift, its y axis the row shift (rows
    grow downward, as in the image). Ticks are whole pixels; for a
    calibrated `source` each tick also gives the shift in its unit, e.g.
    ``"-10 (-0.2)"`` (on two lines for columns) and the axis label says
    ``"column shift, px (nm)"``. (Fixed tick labels rather than secondary
    axes: they cost nothing to lay out.)

    Parameters
    ----------
    axes : matplotlib.axes.Axes
        The map's axes (data coordinates: shifts in px).
    limits : tuple of float
        ``(col_low, col_high, row_low, row_high)``: the shifts shown.
    source : napari.layers.Image or None
        The image whose pixel size converts px.
    what : str
        The quantity (``"shift"``, ``"frequency"``).
    unit : str
        The unit of the data coordinates.
    """
    for axis, (low, high), name, bins in ((-1, limits[:2], "column", 4),
                                          (-2, limits[2:], "row", 4)):
        calibration = axis_calibration(source, axis) if what == "shift" else None
        if calibration is not None and calibration[1] == "px":
            calibration = None
        ticks = MaxNLocator(nbins=bins, integer=True).tick_values(low, high)
        ticks = ticks[(ticks >= low) & (ticks <= high)]
        labels = [f"{t:g}" for t in ticks]
        label = f"{name} {what} ({unit})"
        if calibration is not None:  # columns: nm under px (narrow); rows: nm beside px
            size, symbol = calibration
            gap = "\n" if axis == -1 else " "
            labels = [f"{t:g}{gap}({t * size:.2g})" for t in ticks]
            label = f"{name} {what}, {unit} ({symbol})"
        labels = [text.replace("-", "\N{MINUS SIGN}") for text in labels]
        setter = axes.set_xticks if axis == -1 else axes.set_yticks
        setter(ticks, labels)
        (axes.set_xlabel if axis == -1 else axes.set_ylabel)(label, fontsize=FONT_SIZE)


def _all_axes(figure) -> list:
    out = []
    for axes in figure.axes:
        out += [axes, *getattr(axes, "child_axes", [])]
    return out


class ThemedPlot(QWidget):
    """A matplotlib figure in napari's theme colours with a hover readout.

    Subclasses draw into ``self.axes`` and give `describe` (the text for a
    point of the axes).

    Parameters
    ----------
    viewer : napari.viewer.Viewer
        Its theme colours the figure.
    parent : QWidget, optional

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    canvas : AsyncCanvas
    axes : matplotlib.axes.Axes or None
        The main axes (None while only a message is shown).
    title : str
        The axes title.
    readout : str or None
        What the mouse points at now (None when not over a value).
    on_readout : callable or None
        ``on_readout(text or None)`` when `readout` changes.
    """

    def __init__(self, viewer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewer = viewer
        self.figure = Figure(figsize=(6, 2.0), layout="constrained")
        self.canvas = AsyncCanvas(self.figure)
        self.canvas.setMinimumHeight(MIN_HEIGHT)
        self.axes = None
        self.title = ""
        self.readout = None
        self.on_readout = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)
        self.background, self.text_colour = theme_colours(viewer)
        self.canvas.mpl_connect("motion_notify_event", self._on_motion)
        self.canvas.mpl_connect("axes_leave_event", lambda _: self._set_readout(None))
        viewer.events.theme.connect(self._apply_theme)

    # -- content
    def message(self, text: str) -> None:
        """Show only `text` (what to do to see a plot here)."""
        self.figure.clear()
        self.axes = None
        self._set_readout(None)
        self.figure.text(0.5, 0.5, text, ha="center", va="center", wrap=True,
                         fontsize=FONT_SIZE + 1, color=self.text_colour, alpha=0.7)
        self.restyle()

    def describe(self, x: float, y: float) -> str | None:
        """The text for data point (x, y) of ``self.axes`` (None: nothing there)."""
        return None

    def set_title(self, title: str) -> None:
        """Set the axes title."""
        self.title = title
        if self.axes is not None:
            self.axes.set_title(title, fontsize=FONT_SIZE, color=self.text_colour)

    # -- mouse
    def _on_motion(self, event) -> None:
        text = None
        if self.axes is not None and event.x is not None \
                and self.axes.contains_point((event.x, event.y)):
            x, y = self.axes.transData.inverted().transform((event.x, event.y))
            text = self.describe(float(x), float(y))
        self._set_readout(text)

    def _set_readout(self, text: str | None) -> None:
        """No redraw: the readout is shown by Qt (tooltip, `on_readout`)."""
        if text == self.readout:
            return
        self.readout = text
        self.canvas.setToolTip(text or "")
        if self.on_readout is not None:
            self.on_readout(text)

    # -- colours
    def restyle(self) -> None:
        """Colour every axes, colour bar and text of the figure for the theme; redraw."""
        text, background = self.text_colour, self.background
        self.figure.set_facecolor(background)
        for axes in _all_axes(self.figure):
            axes.set_facecolor(background)
            for spine in axes.spines.values():
                spine.set_color(text)
            axes.tick_params(colors=text, which="both", labelsize=FONT_SIZE - 1)
            for label in (axes.xaxis.label, axes.yaxis.label, axes.title):
                label.set_color(text)
        for artist in self.figure.texts:
            artist.set_color(text)
        self.canvas.draw_idle()

    def _apply_theme(self, *_: Any) -> None:
        self.background, self.text_colour = theme_colours(self.viewer)
        self.restyle()


def finite_or_max(values: np.ndarray) -> tuple[np.ndarray, int]:
    """`values` with +inf replaced by the largest finite value; and how many were.

    Parameters
    ----------
    values : array_like of float
        May hold NaN (kept) and +inf (perfect separation).

    Returns
    -------
    shown : ndarray of float
    n_infinite : int
    """
    values = np.asarray(values, dtype=float)
    infinite = np.isinf(values)
    finite = values[np.isfinite(values)]
    top = float(finite.max()) if finite.size else 0.0
    return np.where(infinite, top, values), int(infinite.sum())
