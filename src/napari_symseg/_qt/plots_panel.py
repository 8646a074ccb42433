"""The widget's side of the plots dock: when to dock it and what it shows.

`PlotsPanel` owns the `ResultsDock` (area fraction versus time, separability,
the probe's map), docks it at the bottom of the window when there is
something to show, and shows the chosen image's results or nothing. When
the user closes the dock it stays closed until asked for again
(`PlotsPanel.show`, the widget's *Plots* button). Redraws happen only when
what is shown changes (matplotlib redraws cost tens of milliseconds).
"""

from __future__ import annotations

from typing import Any

#: Name of the dock holding the plots.
PLOTS_DOCK_NAME = "Symmetry segmentation: plots"


class PlotsPanel:
    """Docks and fills the `ResultsDock` for a `SymsegWidget`.

    Parameters
    ----------
    viewer : napari.viewer.Viewer

    Attributes
    ----------
    closed_by_user : bool
        The user closed the dock: it is not docked again by itself.
    """

    def __init__(self, viewer) -> None:
        self.viewer = viewer
        self._dock = None
        self._docked_once = False
        self.closed_by_user = False
        self._shown: dict[str, Any] = {}

    @property
    def dock(self):
        """The `ResultsDock` (created on first use, not necessarily docked)."""
        if self._dock is None:
            from .plots import ResultsDock

            self._dock = ResultsDock(self.viewer)
        return self._dock

    def is_docked(self) -> bool:
        """True while the dock is in the window."""
        if self._dock is None:
            return False
        return any(w is self._dock for w in self.viewer.window.dock_widgets.values())

    def show(self) -> Any:
        """Dock the plots (again, after the user closed them); returns the `ResultsDock`."""
        dock = self.dock
        if not self.is_docked():
            self.viewer.window.add_dock_widget(dock, name=PLOTS_DOCK_NAME, area="bottom")
            self._docked_once = True
        self.closed_by_user = False
        return dock

    def _offer(self):
        """The dock to draw in: docked now unless the user closed it (then None)."""
        if self._docked_once and not self.is_docked():
            self.closed_by_user = True
        if self.closed_by_user:
            return None
        return self.show()

    def _keys(self, source, series, series_layer, record, series_done) -> tuple:
        area = None if series is None else (id(source), id(series), id(series_layer),
                                            series_done)
        has_sep = record is not None and record.separability is not None
        return area, ((id(source), id(record)) if has_sep else None)

    def showing(self, source, series, series_layer, record, series_done=True) -> bool:
        """True when the dock already shows this content (see `show_results`)."""
        keys = self._keys(source, series, series_layer, record, series_done)
        return keys == (self._shown.get("area"), self._shown.get("sep"))

    def needs_docking(self, source, series, series_layer, record, series_done=True) -> bool:
        """True when `show_results` would dock the plots first (new content, not docked).

        The widget docks them in one turn of the event loop and draws in the next.
        """
        area, sep = self._keys(source, series, series_layer, record, series_done)
        if (area is None and sep is None) or (area, sep) == (
                self._shown.get("area"), self._shown.get("sep")):
            return False
        if self._docked_once and not self.is_docked():
            self.closed_by_user = True
        return not self.closed_by_user and not self.is_docked()

    def show_results(self, source, series, series_layer, record, series_done=True) -> None:
        """Show the area fraction of `series` and the separability of `record`.

        Parameters
        ----------
        source : napari.layers.Image or None
            The chosen image.
        series : ndarray or None
            Its area fraction per frame, (T, n_patterns) (a series run,
            running or finished).
        series_layer : napari.layers.Labels or None
            The series patterns layer (line colours).
        record : RunRecord or None
            The current run (its separability, selected operations).
        series_done : bool
            The series run is finished (its final statistics are drawn again).
        """
        area, sep = self._keys(source, series, series_layer, record, series_done)
        if area is None and sep is None:
            self.clear()
            return
        if self._shown.get("area") == area and self._shown.get("sep") == sep:
            return
        dock = self._offer()
        if dock is None:
            return
        if self._shown.get("area") != area:
            if area is None:
                dock.clear("area fraction")
            else:
                dock.show_area_fraction(source, series_layer, series)
        if self._shown.get("sep") != sep:
            if sep is None:
                dock.clear("separability")
            else:
                dock.show_separability(record.operations, record.separability,
                                       record.selected, source)
        self._shown.update(area=area, sep=sep)

    def set_frame(self, frame: int, fractions) -> None:
        """A frame of the shown running series was labelled."""
        if self._dock is not None and self._shown.get("area") is not None:
            self._dock.set_frame(frame, fractions)

    def show_probe(self, cmap, pixel, source=None) -> None:
        """Show the probe's local correlation map (docking the plots if needed)."""
        dock = self._offer() if not self.is_docked() else self._dock
        if dock is not None:
            dock.show_probe(cmap, pixel, source)

    def clear(self) -> None:
        """Show no result (the probe's tab is the probe's)."""
        if self._dock is not None and self._shown:
            self._dock.clear("area fraction")
            self._dock.clear("separability")
        self._shown = {}
