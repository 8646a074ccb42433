"""A results plot of one panel: a plot on the left, a summary text on the right.

In a tall panel (the plots dock under the main dock of a 1920x1080
window) the text goes above the plot, which then takes the panel's whole
width: side by side, a square map was a third of the dock's width and the
dock mostly empty (tester newuser13). `PanelPlot` switches between the two
arrangements when its shape crosses `TALL` (the axes are moved, not made
again).

`PanelPlot` keeps its axes between updates (making them costs tens of
milliseconds each on the GUI thread); the separability plot
(`napari_symseg._qt.shift_maps.SeparabilityPlot`) and the probe's map
(`napari_symseg._qt.probe_plot.ProbePlot`) are PanelPlots.
"""

from __future__ import annotations

import numpy as np

from .mpl import FONT_SIZE, ThemedPlot

#: A panel at least this high for its width puts the text above the plot.
TALL = 0.75
#: The text's share of a tall panel's height (the plot below takes the rest).
TEXT_SHARE = 0.17


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
        self.tall = False  # the text above the plot (`_arrange`)
        super().__init__(viewer, parent)

    def prepare(self, kind: str) -> None:
        """Make the axes of `kind` now (hidden behind the current message)."""
        if self._kind != kind:
            self._build(kind)
            self.message(self._message)

    def _grid(self, kind: str):
        """The plot's cell and the text's position (figure coordinates) in the present
        arrangement."""
        if self.tall:
            grid = self.figure.add_gridspec(2, 1, height_ratios=(TEXT_SHARE, 1 - TEXT_SHARE))
            return grid[1], (0.03, 0.97)
        ratios = (3.0, 4.0) if kind == "map" else (4.0, 3.0)
        grid = self.figure.add_gridspec(1, len(ratios), width_ratios=ratios)
        return grid[0], (grid[-1].get_position(self.figure).x0 + 0.02, 0.92)

    def _arrange(self) -> None:
        """Move the axes and the text to the present arrangement (`tall`)."""
        if self._axes is None:
            return
        cell, (x, y) = self._grid(self._kind)
        self._axes.set_subplotspec(cell)
        self._axes.set_anchor("C" if self.tall else "E")
        self.info.set_position((x, y))
        self.canvas.draw_idle()

    def resizeEvent(self, event) -> None:
        """Text beside or above the plot, as the panel's shape asks (`TALL`)."""
        super().resizeEvent(event)
        size = event.size()
        tall = size.width() > 0 and size.height() >= TALL * size.width()
        if tall != self.tall:
            self.tall = tall
            self._arrange()

    def _build(self, kind: str) -> None:
        self.figure.clear()
        cell, (x0, y0) = self._grid(kind)
        self._axes = self.figure.add_subplot(cell)
        self._axes.set_anchor("C" if self.tall else "E")  # a square map hugs its colour bar
        self._parts = [self._axes]
        self.colorbar = None
        if kind == "map":
            # the colour bar an inset of the map: exactly the map's height, right of it,
            # in any panel shape (in a grid cell of its own it took the panel's height in
            # a tall dock and hid the ends of the map's title and axis label, 1920x1080)
            cax = self._axes.inset_axes([1.05, 0.0, 0.06, 1.0])
            self.colorbar = self.figure.colorbar(self._axes.imshow(np.zeros((1, 1))), cax=cax)
            self._parts.append(cax)
        # wrapped at the figure's right edge: the probe's three lines were cut off there
        # in a 1366 px wide window (tester newuser9)
        self.info = self.figure.text(x0, y0, "", va="top", ha="left", wrap=True,
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
