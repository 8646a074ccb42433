"""The separability plot (paper Fig. 1f): how well each operation tells the patterns apart.

Translations (and the power spectrum's frequencies) are drawn on their
(row, col) grid with real shift values on the axes, in px and, for a
calibrated image, in its unit; rotations and reflections as one bar per
operation labelled by its angle. Hovering names the operation and its
value, e.g. ``"T(5,-10): S = 3.2"``. The probe's local correlation map
(Fig. 3) is `napari_symseg._qt.probe_plot.ProbePlot`; both are a
`napari_symseg._qt.panel_plot.PanelPlot`.
"""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.patches import Rectangle

from .mpl import (
    FONT_SIZE,
    calibration_of,
    finite_or_max,
    shift_axes,
    shift_in_units,
)
from .panel_plot import PanelPlot

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
