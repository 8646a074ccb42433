"""The separability plot (paper Fig. 1f) and the probe's local correlation map (Fig. 3).

Translations (and the power spectrum's frequencies) are drawn on their
(row, col) grid with real shift values on the axes, in px and, for a
calibrated image, in its unit; rotations and reflections as one bar per
operation labelled by its angle. Hovering names the operation and its
value, e.g. ``"T(5,-10): S = 3.2"``.
"""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.patches import Rectangle

from .mpl import (
    FONT_SIZE,
    ThemedPlot,
    calibration_of,
    finite_or_max,
    shift_axes,
    shift_in_units,
)

#: Colour of the operations selected for a series (squares, bar outlines, ranks).
SELECTED_COLOUR = "red"
#: The heatmap's colours; cells of operations not used (NaN) stay blank.
BLANK_NAN = matplotlib.colormaps["viridis"].with_extremes(bad=(0.0, 0.0, 0.0, 0.0))


def shift_grid(values) -> tuple[np.ndarray, tuple[int, int], int, np.ndarray]:
    """The cell of every (row, col) vector on the smallest grid that holds them all.

    Parameters
    ----------
    values : array_like of int, (n, 2)
        Shift vectors (or frequency indices).

    Returns
    -------
    cells : ndarray of int, (n, 2)
        (row, col) cell of each vector.
    shape : (int, int)
        The grid's shape.
    step : int
        Spacing of the grid: the greatest common divisor of the vectors.
    low : ndarray of int, (2,)
        The vector of cell (0, 0): cell (i, j) is ``low + step * (i, j)``.
    """
    vec = np.asarray(values, dtype=np.int64).reshape(-1, 2)
    step = max(int(np.gcd.reduce(np.abs(vec).ravel())), 1) if vec.size else 1
    low = vec.min(axis=0) if vec.size else np.zeros(2, np.int64)
    cells = (vec - low) // step
    shape = tuple(int(v) for v in cells.max(axis=0) + 1) if vec.size else (0, 0)
    return cells, shape, step, low


def operation_names(operations) -> list[str]:
    """Names for axes and readouts: ``"T(5,-10)"``, ``"R 90°"``, ``"M 30°"``.

    Parameters
    ----------
    operations : Operations
        Any kind; rotations and reflections are named by their angle.
    """
    if operations.kind in ("rotation", "reflection"):
        letter = "R" if operations.kind == "rotation" else "M"
        return [f"{letter} {float(a):g}°" for a in np.asarray(operations.values)]
    return list(operations.labels)


def _format(value: float) -> str:
    return "∞" if np.isinf(value) else ("n/a" if np.isnan(value) else f"{value:.3g}")


class PanelPlot(ThemedPlot):
    """A plot on the left, a summary text on the right; the axes are kept between updates.

    Making axes costs tens of milliseconds each on the GUI thread, so they
    are made once per kind of plot (``"map"``: an image with a colour bar;
    ``"bars"``), possibly ahead of time (`prepare`, while napari is idle),
    and later results only change the data, limits and ticks.

    Attributes
    ----------
    colorbar : matplotlib.colorbar.Colorbar or None
    info : matplotlib.text.Text or None
        The summary.
    """

    def __init__(self, viewer, parent=None) -> None:
        self._kind = None
        self._parts = []
        self._note = self._axes = self.info = self.colorbar = None
        self._message = ""
        super().__init__(viewer, parent)

    def prepare(self, kind: str) -> None:
        """Make the axes of `kind` now (hidden behind the current message)."""
        if self._kind != kind:
            self._build(kind)
            self.message(self._message)

    def _build(self, kind: str) -> None:
        self.figure.clear()
        ratios = (3.0, 0.12, 4.0) if kind == "map" else (4.0, 3.0)
        grid = self.figure.add_gridspec(1, len(ratios), width_ratios=ratios)
        self._axes = self.figure.add_subplot(grid[0])
        self._axes.set_anchor("E")  # a square map hugs its colour bar
        self._parts = [self._axes]
        self.colorbar = None
        if kind == "map":
            cax = self.figure.add_subplot(grid[1])
            self.colorbar = self.figure.colorbar(self._axes.imshow(np.zeros((1, 1))), cax=cax)
            self._parts.append(cax)
        x0 = grid[-1].get_position(self.figure).x0 + 0.02
        # wrapped at the figure's right edge: the probe's three lines were cut off there
        # in a 1366 px wide window (tester newuser9)
        self.info = self.figure.text(x0, 0.92, "", va="top", ha="left", wrap=True,
                                     fontsize=FONT_SIZE - 1, linespacing=1.4)
        self._note = self.figure.text(0.5, 0.5, "", ha="center", va="center",
                                      fontsize=FONT_SIZE + 1, alpha=0.7)
        self._parts.append(self.info)
        self._kind = kind

    def _layout(self, kind: str) -> bool:
        """Show the axes of `kind` (made if needed): True when they were made now."""
        built = self._kind != kind
        if built:
            self._build(kind)
        for part in self._parts:
            part.set_visible(True)
        self._note.set_visible(False)
        self.axes = self._axes
        self._set_readout(None)
        return built

    def message(self, text: str) -> None:
        """Show only `text`; the axes stay, hidden."""
        self._message = text
        if self._kind is None:
            super().message(text)
            return
        self.axes = None
        self._set_readout(None)
        for part in self._parts:
            part.set_visible(False)
        self._note.set_text(text)
        self._note.set_visible(True)
        self.restyle()

    def restyle(self) -> None:
        """Theme colours, the colour bar too."""
        if self.colorbar is not None:
            self.colorbar.outline.set_edgecolor(self.text_colour)
        super().restyle()


#: What an operation kind is called in the separability plot's title.
KIND_WORDS = {"translation": "shift", "rotation": "rotation", "reflection": "mirror",
              "frequency": "frequency"}


def separability_title(kind: str) -> str:
    """The separability plot's title, two short lines (it fits a 1366x768 window's dock).

    Parameters
    ----------
    kind : str
        ``Operations.kind`` (``"translation"``, ``"rotation"``...).

    Examples
    --------
    >>> separability_title("translation")
    'S: how well each shift\ntells the patterns apart'
    """
    return f"S: how well each {KIND_WORDS.get(kind, kind)}\ntells the patterns apart"


class SeparabilityPlot(PanelPlot):
    """Fisher separability of every operation of the last fit.

    Attributes
    ----------
    operations : Operations or None
    separability : ndarray or None
        As given (with NaN and +inf).
    selected : ndarray of int or None
        Indices of the operations kept for a series, best first.
    grid : ndarray or None
        The heatmap (translations, frequencies): separability on the shift
        grid, NaN where no operation was used, +inf drawn as the largest
        finite value.
    image : matplotlib.image.AxesImage or None
    bars : matplotlib.container.BarContainer or None
        One bar per rotation / reflection.
    marks : list of matplotlib.artist.Artist
        The red squares or outlines of the selected operations, and their ranks.
    """

    def __init__(self, viewer, parent=None) -> None:
        self.marks, self.bars = [], None
        super().__init__(viewer, parent)
        self.clear()

    def _drop_artists(self) -> None:
        """Remove the marks and bars of the last plot from the axes."""
        for artist in [*self.marks, *(self.bars or [])]:
            try:
                artist.remove()
            except (NotImplementedError, ValueError):  # its axes were cleared already
                pass
        self.marks, self.bars = [], None

    def clear(self) -> None:
        """Show nothing (an image without results)."""
        self._drop_artists()
        self.operations = self.separability = self.selected = self.grid = None
        self.image = None
        self._cells = None
        self.message("how well each shift, rotation or mirror tells the patterns apart: "
                     "after a run with 'separability analysis' on")

    def show(self, operations, separability, selected=None, source=None) -> None:
        """Draw the separability of `operations`.

        Parameters
        ----------
        operations : Operations
            The operations of the fit (all of them, also for a series).
        separability : ndarray, (n_operations,)
            Fisher separability of each; NaN (constant feature) and +inf
            (perfect separation) allowed.
        selected : array_like of int, optional
            Operations kept for a series, best first: marked with their rank.
        source : napari.layers.Image, optional
            The segmented image: shift axes in its unit when calibrated.
        """
        self._drop_artists()
        self.operations = operations
        self.separability = np.asarray(separability, dtype=float)
        self.selected = None if selected is None else np.asarray(selected, dtype=int)
        self.image = None
        shown, n_inf = finite_or_max(self.separability)
        if operations.kind in ("translation", "frequency"):
            self._heatmap(shown, source)
        else:
            self._bars(shown)
        self.set_title(separability_title(operations.kind))
        self.info.set_text(self._summary(n_inf))
        self.restyle()

    def _summary(self, n_inf: int) -> str:
        values, names = self.separability, operation_names(self.operations)
        finite = values[np.isfinite(values)]
        lines = [f"{len(values)} operations"
                 + (f", S from {finite.min():.3g} to {finite.max():.3g}" if finite.size else "")]
        if n_inf:
            lines.append(f"S = ∞ (perfect separation) for {n_inf}: drawn as the largest "
                         "finite S" + (", hatched" if self.bars is not None else ""))
        if self.grid is not None and np.isnan(self.grid).any():
            lines.append("blank cells: shifts not used")
        if self.selected is not None and len(self.selected):
            lines.append(f"red: the {len(self.selected)} selected for the series, best first:")
            ranked = [f"{rank} {names[i]} {_format(values[i])}"
                      for rank, i in enumerate(self.selected, 1)]
        else:
            lines.append("highest S:")
            order = np.argsort(-np.nan_to_num(values, nan=-np.inf), kind="stable")[:5]
            ranked = [f"{names[i]} {_format(values[i])}" for i in order]
        # three a row: the text sits right of the plot, in a dock ~450 px wide at 1366x768
        rows = [" · ".join(ranked[i:i + 3]) for i in range(0, min(len(ranked), 12), 3)]
        if len(ranked) > 12:
            rows[-1] += " …"
        return "\n".join(lines + rows)

    def _heatmap(self, shown: np.ndarray, source) -> None:
        self._calibration = calibration_of(source)
        cells, shape, step, low = shift_grid(self.operations.values)
        self.grid = np.full(shape, np.nan)
        self.grid[cells[:, 0], cells[:, 1]] = shown
        self._cells = (cells, shape, step, low)
        extent = (low[1] - step / 2, low[1] + (shape[1] - 0.5) * step,
                  low[0] + (shape[0] - 0.5) * step, low[0] - step / 2)
        self._layout("map")
        self.colorbar.set_label("S", fontsize=FONT_SIZE)  # the title says what S is
        self.image = self.axes.images[0]
        finite = self.grid[np.isfinite(self.grid)]
        # the colour bar follows the image once, not after each of cmap and clim (each
        # update of it: 30-40 ms on the GUI thread)
        with self.image.callbacks.blocked(signal="changed"):
            self.image.set(cmap=BLANK_NAN, interpolation="nearest", extent=extent)
            self.image.set_data(self.grid)
            self.image.set_clim(*(finite.min(), finite.max()) if finite.size else (0.0, 1.0))
        self.colorbar.update_normal(self.image)
        self.axes.set_xlim(extent[:2])
        self.axes.set_ylim(extent[2:])
        what = "shift" if self.operations.kind == "translation" else "frequency"
        shift_axes(self.axes, (low[1], low[1] + (shape[1] - 1) * step,
                               low[0], low[0] + (shape[0] - 1) * step),
                   source, what, "px" if what == "shift" else "index")
        for rank, index in enumerate([] if self.selected is None else self.selected, 1):
            r, c = low + step * cells[index]
            self.marks.append(self.axes.add_patch(Rectangle(
                (c - step / 2, r - step / 2), step, step, fill=False,
                edgecolor=SELECTED_COLOUR, linewidth=1.5)))
            self.marks.append(self.axes.text(c, r, str(rank), ha="center", va="center",
                                             color=SELECTED_COLOUR, fontsize=FONT_SIZE - 2,
                                             fontweight="bold"))

    def _bars(self, shown: np.ndarray) -> None:
        names = operation_names(self.operations)
        x = np.arange(len(names))
        self.grid = self.image = None
        self._layout("bars")
        self.bars = self.axes.bar(x, np.zeros(len(names)), color="#3b8ede", width=0.6)
        self.axes.set_xticks(x, names, fontsize=FONT_SIZE - 1,
                             rotation=0 if len(names) <= 12 else 90)
        self.axes.set_ylabel("S (separability)", fontsize=FONT_SIZE)
        self.axes.set_xlim(-0.6, len(names) - 0.4)
        for bar, height, value in zip(self.bars, np.nan_to_num(shown), self.separability,
                                      strict=True):
            bar.set_height(height)
            bar.set_hatch("//" if np.isinf(value) else None)
            bar.set_edgecolor("none")
            bar.set_linewidth(0.0)
        top = float(np.nanmax(shown)) if np.isfinite(shown).any() else 1.0
        self.axes.set_ylim(0, 1.2 * top if top > 0 else 1.0)
        for rank, index in enumerate([] if self.selected is None else self.selected, 1):
            bar = self.bars[index]
            bar.set_edgecolor(SELECTED_COLOUR)
            bar.set_linewidth(2.0)
            self.marks.append(self.axes.text(
                index, bar.get_height(), f"#{rank}", ha="center", va="bottom",
                color=SELECTED_COLOUR, fontsize=FONT_SIZE - 1))

    def index_at(self, x: float, y: float) -> int | None:
        """The operation drawn at data point (x, y), or None."""
        if self.operations is None:
            return None
        if self.grid is None:
            i = round(x)
            return i if 0 <= i < len(self.operations) and abs(x - i) <= 0.3 else None
        cells, shape, step, low = self._cells
        cell = np.round((np.array([y, x]) - low) / step).astype(int)
        if np.any(cell < 0) or np.any(cell >= shape):
            return None
        hit = np.flatnonzero((cells == cell).all(axis=1))
        return int(hit[0]) if hit.size else None

    def describe(self, x: float, y: float) -> str | None:
        """``"T(5,-10) = (0.1, −0.2) nm: S = 3.2"`` (nm when calibrated; rank if selected)."""
        index = self.index_at(x, y)
        if index is None:
            return None
        name = operation_names(self.operations)[index]
        if self.operations.kind == "translation":
            name += shift_in_units(self._calibration, *self.operations.values[index])
        text = f"{name}: S = {_format(self.separability[index])}"
        if self.selected is not None and index in self.selected:
            text += f" (selected, rank {int(np.flatnonzero(self.selected == index)[0]) + 1})"
        return text


class ProbePlot(PanelPlot):
    """The probe pixel's local correlation map on shift axes (paper Fig. 3).

    Attributes
    ----------
    cmap : ndarray or None
        The map, (2 window_x + 1, 2 window_y + 1); the centre is the zero shift.
    pixel : (int, int) or None
        The image pixel (row, col) it belongs to.
    image : matplotlib.image.AxesImage or None
    """

    def __init__(self, viewer, parent=None) -> None:
        super().__init__(viewer, parent)
        self.clear()

    def clear(self) -> None:
        """Show nothing (probe off)."""
        self.cmap = self.pixel = self.image = self._key = None
        self.message("local correlation map: tick 'probe' and drag its point over the image")

    def show(self, cmap: np.ndarray, pixel, source=None) -> None:
        """Draw the local correlation map `cmap` of image pixel `pixel` = (row, col).

        Only the values and texts change when the shape and calibration are
        those of the last map (the probe being dragged).

        Parameters
        ----------
        cmap : ndarray, (2 window_x + 1, 2 window_y + 1)
            Pearson correlation of the patch with itself shifted.
        pixel : (int, int)
            The image pixel (row, col) of the map.
        source : napari.layers.Image, optional
            The probed image: shift axes in its unit when calibrated.
        """
        self.cmap = np.asarray(cmap, dtype=float)
        self.pixel = (int(pixel[0]), int(pixel[1]))
        hx, hy = (np.asarray(self.cmap.shape) - 1) // 2
        calibration = self._calibration = calibration_of(source)
        key = (self.cmap.shape, calibration)
        if self._layout("map") or key != self._key:
            self._key = key
            self.colorbar.set_label("ρ", fontsize=FONT_SIZE)  # the panel says what ρ is
            self.image = self.axes.images[0]
            with self.image.callbacks.blocked(signal="changed"):  # one colour bar update
                self.image.set(cmap="RdBu_r", clim=(-1.0, 1.0), interpolation="nearest",
                               extent=(-hy - 0.5, hy + 0.5, hx + 0.5, -hx - 0.5))
            self.colorbar.update_normal(self.image)
            self.axes.set_xlim(-hy - 0.5, hy + 0.5)
            self.axes.set_ylim(hx + 0.5, -hx - 0.5)
            shift_axes(self.axes, (-hy, hy, -hx, hx), source)
            self.restyle()
        self.image.set_data(self.cmap)
        self._describe_pixel(calibration)
        self.canvas.draw_idle()

    def _describe_pixel(self, calibration) -> None:
        row, col = self.pixel
        self.set_title(f"local correlation map at ({row}, {col})")
        where = f"pixel row {row}, column {col}"
        rows, cols = calibration
        if rows is not None and cols is not None:
            where += f" (y {row * rows[0]:.3g} {rows[1]}, x {col * cols[0]:.3g} {cols[1]})"
        self.info.set_text(
            f"{where}\nρ: Pearson correlation of the patch with itself shifted;\n"
            "1 at zero shift; red spots repeat the patch (the lattice)")

    def describe(self, x: float, y: float) -> str | None:
        """``"T(m,n) = (…) nm: ρ = 0.53"`` for the shift under data point (x, y)."""
        if self.cmap is None:
            return None
        hx, hy = (np.asarray(self.cmap.shape) - 1) // 2
        m, n = round(y), round(x)
        if abs(m) > hx or abs(n) > hy:
            return None
        where = shift_in_units(self._calibration, m, n)
        return f"T({m},{n}){where}: ρ = {self.cmap[m + hx, n + hy]:.3g}"
