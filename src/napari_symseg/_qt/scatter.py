"""The Scribbles dock's feature-space plot: the first two PCA features, a lasso, a hover ring.

`FeatureScatter` draws the grid points of a scribbled run (`ScribbleSession.scatter`) in the
pattern colours; a lasso reports the grid points inside it, `mark` rings one point.
"""

from __future__ import annotations

import numpy as np
from qtpy.QtWidgets import QLabel, QVBoxLayout, QWidget

from .stall import next_turn
from .warmup import PLOTS_IMPORT


class FeatureScatter(QWidget):
    """First two PCA features of the grid points, a lasso and a hover marker.

    Parameters
    ----------
    on_lasso : callable
        ``on_lasso(index)`` with the flat grid indices inside a lasso.
    """

    def __init__(self, on_lasso) -> None:
        super().__init__()
        with PLOTS_IMPORT:  # not while the warm-up thread imports matplotlib (`PLOTS_IMPORT`)
            from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
            from matplotlib.figure import Figure
            from matplotlib.widgets import LassoSelector
        self.figure = Figure(figsize=(3, 3), dpi=90)
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.axes = self.figure.add_subplot(111)
        self.axes.set_xlabel("PCA 1")
        self.axes.set_ylabel("PCA 2")
        # no tick values: PCA units mean nothing to a user, and the ticks' text was most
        # of a redraw after every edit (0.2-0.5 s of the GUI thread under load)
        self.axes.tick_params(labelbottom=False, labelleft=False, length=0)
        self.figure.tight_layout()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)
        self.empty = QLabel("run with scribbles to see the feature space")
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        self.canvas.setVisible(False)  # no points yet: the text instead of empty axes
        self.setMinimumHeight(60)
        self.xy = np.zeros((0, 2))
        self.index = np.zeros(0, int)
        self.points = None
        self.marker = self.axes.plot([], [], "o", ms=12, mfc="none", mec="k", mew=2)[0]
        self._on_lasso = on_lasso
        self.lasso = LassoSelector(self.axes, self._lassoed)

    def show_points(self, xy: np.ndarray, colours: np.ndarray, index: np.ndarray) -> None:
        """Draw `xy` in `colours`; `index` the grid point of each.

        One marker line per colour (matplotlib's fast marker path: a scatter
        with a colour per point took 0.2 s of the GUI thread per redraw under
        load, after every edit).
        """
        self.xy, self.index = np.asarray(xy), np.asarray(index)
        for line in self.points or []:
            line.remove()
        self.empty.setVisible(False)
        self.canvas.setVisible(True)
        self.setMinimumHeight(220)
        colours = np.zeros((len(self.xy), 4)) if colours is None else \
            np.asarray(colours, dtype=float).reshape(len(self.xy), -1)
        unique, which = np.unique(colours, axis=0, return_inverse=True)
        which = np.ravel(which)
        self.points = [self.axes.plot(self.xy[which == i, 0], self.xy[which == i, 1], ".",
                                      ms=3, mew=0, color=tuple(colour))[0]
                       for i, colour in enumerate(unique)]
        self.axes.relim()
        self.axes.autoscale_view()
        next_turn(self._draw)  # not in the turn that changed the layers (an edit, a run)

    def _draw(self) -> None:
        try:
            self.canvas.draw_idle()
        except RuntimeError:  # closed meanwhile
            pass

    def mark(self, grid_index: int | None) -> bool:
        """Ring the point of grid point `grid_index` (None or not shown: no ring)."""
        hit = np.flatnonzero(self.index == grid_index) if grid_index is not None else []
        if len(hit):
            self.marker.set_data([self.xy[hit[0], 0]], [self.xy[hit[0], 1]])
        else:
            self.marker.set_data([], [])
        self.canvas.draw_idle()
        return bool(len(hit))

    def select(self, vertices) -> np.ndarray:
        """Grid indices of the shown points inside the polygon `vertices` (data coordinates)."""
        if len(self.xy) == 0:
            return np.zeros(0, int)
        from matplotlib.path import Path as MplPath  # loaded with the scatter's figure

        inside = MplPath(vertices).contains_points(self.xy)
        return self.index[inside]

    def _lassoed(self, vertices) -> None:
        self._on_lasso(self.select(vertices))
