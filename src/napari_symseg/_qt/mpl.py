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
from matplotlib.ticker import FixedFormatter, FixedLocator, MaxNLocator
from qtpy.QtWidgets import QVBoxLayout, QWidget

from ..io.calibration import unit_symbol
from .canvas import AsyncCanvas

#: Font size (points) of labels and titles; tick labels are one point smaller.
FONT_SIZE = 8
#: Smallest height (px) of a plot canvas: with its tab bar the dock still lets napari's
#: window be 768 px high (a higher minimum made it grow to 805 px).
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


def pixel_size_text(source) -> str | None:
    """``"1 px = 0.02 nm"`` (``"1 px = 0.02 × 0.05 nm (rows × columns)"``) or None.

    Parameters
    ----------
    source : napari.layers.Image or None
        None, or a layer in pixels, gives None.
    """
    rows, cols = calibration_of(source)
    if rows is None or cols is None or "px" in (rows[1], cols[1]):
        return None
    if rows == cols:
        return f"1 px = {rows[0]:.3g} {rows[1]}"
    if rows[1] == cols[1]:
        return f"1 px = {rows[0]:.3g} × {cols[0]:.3g} {rows[1]} (rows × columns)"
    return f"1 px = {rows[0]:.3g} {rows[1]} × {cols[0]:.3g} {cols[1]} (rows × columns)"


def shift_axes(axes, limits, source, what: str = "shift", unit: str = "px") -> None:
    """Label `axes` as a (row, col) shift map: whole-pixel ticks, the pixel size said once.

    The map's x axis is the column shift, its y axis the row shift (rows
    grow downward, as in the image). For a calibrated `source` the x label
    also gives the pixel size (``"column shift (px), 1 px = 0.02 nm"``): in
    a dock 220 px high, ticks in two units or secondary axes do not fit.

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

    Notes
    -----
    The ticks are given as a locator and a formatter, not ``set_ticks``: the
    latter makes the tick artists at once (about 80-150 ms on napari's GUI
    thread for a heatmap, measured); this way they are made when the figure
    is drawn, in the renderer process (`AsyncCanvas`).
    """
    # the rows: 3 ticks (the map is about 60-100 px high in the tab group at 1366x768,
    # where 5 row ticks overlapped); the columns: up to 5 (the map is wide there)
    for axis, (low, high), bins in ((axes.xaxis, limits[:2], 4), (axes.yaxis, limits[2:], 2)):
        ticks = MaxNLocator(nbins=bins, integer=True).tick_values(low, high)
        ticks = ticks[(ticks >= low) & (ticks <= high)]
        axis.set_major_locator(FixedLocator(ticks))
        axis.set_major_formatter(FixedFormatter(
            [f"{t:g}".replace("-", "\N{MINUS SIGN}") for t in ticks]))
    size = pixel_size_text(source) if what == "shift" else None
    axes.set_xlabel(f"column {what} ({unit})" + (f", {size}" if size else ""),
                    fontsize=FONT_SIZE)
    axes.set_ylabel(f"row {what} ({unit})", fontsize=FONT_SIZE)


def calibration_of(source) -> tuple:
    """``(axis_calibration(source, -2), axis_calibration(source, -1))``: rows, columns.

    Parameters
    ----------
    source : napari.layers.Image or None
        The image (None: not calibrated).
    """
    return axis_calibration(source, -2), axis_calibration(source, -1)


def shift_in_units(calibration: tuple, row: float, col: float) -> str:
    """``" = (0.1, −0.2) nm"`` for a calibration in one unit, else ``""``.

    Parameters
    ----------
    calibration : tuple
        `calibration_of` the image.
    row, col : float
        A shift in px.
    """
    rows, cols = calibration
    if rows is None or cols is None or rows[1] != cols[1] or rows[1] == "px":
        return ""
    text = f" = ({row * rows[0]:.3g}, {col * cols[0]:.3g}) {rows[1]}"
    return text.replace("-", "\N{MINUS SIGN}")


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
