"""The results dock: area fraction versus time, separability, the probe's map.

`ResultsDock` is one widget with three tabs, meant for a bottom dock of
about 220 px: *area fraction* (a series: one line per pattern in the
colours of the pattern layer, a vertical line at the time slider's frame;
clicking or dragging moves the slider), *separability* (paper Fig. 1f) and
*probe* (the local correlation map of the probe pixel, Fig. 3). The dock
holds no run state: the widget tells it what to show for the chosen image
and calls `ResultsDock.clear` for an image without results. The area plot
is `area_plot.AreaFractionPlot` (re-exported here with `time_axis`).
"""

from __future__ import annotations

import numpy as np
from qtpy.QtCore import QSize, Qt, QTimer
from qtpy.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from .area_plot import (  # noqa: F401  (PlotState, time_axis: this module's API)
    AreaFractionPlot,
    PlotState,
    time_axis,
)
from .canvas import renderer
from .mpl import MIN_HEIGHT
from .probe_plot import ProbePlot
from .shift_maps import SeparabilityPlot

#: The tabs of the dock, in order.
TABS = ("area fraction", "separability", "probe")
#: Height (px) the dock asks for.
PREFERRED_HEIGHT = 220
#: The readout right of the tabs when the mouse is not over a value.
HOVER_HELP = "hover over a plot for its values"

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
