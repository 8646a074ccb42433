"""A results plot of one panel: a plot on the left, a summary text on the right.

`PanelPlot` keeps its axes between updates (making them costs tens of
milliseconds each on the GUI thread); the separability plot
(`napari_symseg._qt.shift_maps.SeparabilityPlot`) and the probe's map
(`napari_symseg._qt.probe_plot.ProbePlot`) are PanelPlots.
"""

from __future__ import annotations

import numpy as np

from .mpl import FONT_SIZE, ThemedPlot


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
        ratios = (3.0, 4.0) if kind == "map" else (4.0, 3.0)
        grid = self.figure.add_gridspec(1, len(ratios), width_ratios=ratios)
        self._axes = self.figure.add_subplot(grid[0])
        self._axes.set_anchor("E")  # a square map hugs its colour bar
        self._parts = [self._axes]
        self.colorbar = None
        if kind == "map":
            # the colour bar an inset of the map: exactly the map's height, right of it,
            # in any panel shape (in a grid cell of its own it took the panel's height in
            # a tall dock and hid the ends of the map's title and axis label, 1920x1080)
            cax = self._axes.inset_axes([1.05, 0.0, 0.06, 1.0])
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
