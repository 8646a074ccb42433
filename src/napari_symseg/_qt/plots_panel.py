"""The widget's side of the plots dock: when to dock it and what it shows.

`PlotsPanel` owns the `ResultsDock` (area fraction versus time, separability,
the probe's map), docks it in the right area (a tab with our other docks, `docks`) when there is
something to show, and shows the chosen image's results or nothing. When
the user closes the dock it stays closed until asked for again
(`PlotsPanel.show`, the widget's *Plots* button). Redraws happen only when
what is shown changes (matplotlib redraws cost tens of milliseconds).

Two costs are kept out of a run's end: the dock is made while the widget
is idle after it opens (`PlotsPanel.prepare`: its figures and axes take
0.3-2 s of the GUI thread), and docking it does not make napari save its
settings file (napari records a dock's area and saves the whole settings
at once, 0.3-1.5 s; the area is saved with napari's next save instead).
"""

from __future__ import annotations

import weakref
from contextlib import contextmanager
from typing import Any

from .docks import PLOTS_DOCK_NAME, add_tabbed, dock_of

__all__ = ["PLOTS_DOCK_NAME", "PlotsPanel", "settings_not_saved"]


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
        self._probe_of = None  # (a weak reference to) the image of the probe map shown
        self._made: list = []  # plots made ahead by `prepare`

    @property
    def dock(self):
        """The `ResultsDock` (created on first use, not necessarily docked)."""
        if self._dock is None:
            from .warmup import PLOTS_IMPORT

            with PLOTS_IMPORT:
                from .plots import ResultsDock

            self._dock = ResultsDock(self.viewer, plots=self._plots())
        return self._dock

    def _plots(self) -> tuple | None:
        from .warmup import PLOTS_IMPORT

        with PLOTS_IMPORT:
            from .plots import PLOT_KINDS

        if not self._made:
            return None
        made, self._made = self._made, []
        return (*made, *(kind(self.viewer) for kind in PLOT_KINDS[len(made):]))

    def is_docked(self) -> bool:
        """True while the dock is in the window."""
        if self._dock is None:
            return False
        return any(w is self._dock for w in self.viewer.window.dock_widgets.values())

    def prepare(self) -> bool:
        """Make the next part of the `ResultsDock` (not docked); False once it is made.

        One plot per call, then the dock: call it in idle turns of the event
        loop until it returns False (each part takes 0.1-0.7 s).
        """
        from .warmup import PLOTS_IMPORT

        with PLOTS_IMPORT:
            from .plots import PLOT_KINDS

        if self._dock is not None:
            return False
        if len(self._made) < len(PLOT_KINDS):
            self._made.append(PLOT_KINDS[len(self._made)](self.viewer))
        else:
            _ = self.dock
        return True

    @property
    def ready(self) -> bool:
        """True once the `ResultsDock` is made (docked or not)."""
        return self._dock is not None

    def prepare_when_idle(self, alive, tries: int = 50) -> None:
        """`prepare` the dock part by part in idle turns, once the warm-up has its imports.

        Parameters
        ----------
        alive : callable
            False once the widget is gone (then nothing more is made).
        tries : int
            Checks, 100 ms apart, for the warm-up thread's plots imports
            (`napari_symseg._qt.runner.PLOTS_WARM`) before making it anyway.
        """
        from qtpy.QtCore import QTimer

        from .warmup import PLOTS_WARM

        if not alive():
            return
        if PLOTS_WARM.is_set() or tries <= 0:
            if self.prepare():  # one part per turn
                QTimer.singleShot(0, lambda: self.prepare_when_idle(alive, 0))
        else:
            QTimer.singleShot(100, lambda: self.prepare_when_idle(alive, tries - 1))

    def show(self, unhide: bool = False) -> Any:
        """Dock the plots (again, after the user closed them); returns the `ResultsDock`.

        With `unhide` (the *Plots* button) a dock the user hid with its title
        bar's eye button is shown again, its tab raised; a run alone leaves it
        hidden, as it leaves a closed one closed.
        """
        dock = self.dock
        if not self.is_docked():
            with settings_not_saved():
                add_tabbed(self.viewer, dock, PLOTS_DOCK_NAME)  # with Scribbles, regions
            self._docked_once = True
        elif unhide and (holder := dock_of(dock)) is not None:
            holder.show()  # (nothing when shown already)
            holder.raise_()
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
        if self._probe_of is not None and self._probe_of() is not source:
            # another image's probe map (the probe unticked, or its image deleted): not
            # shown beside this image's plots, as if it were this image's (tester newuser14)
            self._dock.clear("probe")
            self._probe_of = None
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
            self._probe_of = None if source is None else weakref.ref(source)

    def clear(self) -> None:
        """Show no result (the probe's tab is the probe's)."""
        if self._dock is not None and self._shown:
            self._dock.clear("area fraction")
            self._dock.clear("separability")
        self._shown = {}


@contextmanager
def settings_not_saved():
    """napari's settings are not written to disk inside this block (changes are kept).

    napari writes its whole settings file whenever one setting changes, e.g.
    the area of a dock when it is docked: 0.3-1.5 s of the GUI thread. The
    settings changed inside the block are written by napari's next save (at
    the latest when its window closes). Without napari's ``_save_on_change``
    switch (another napari version) the block changes nothing. napari
    (0.9) has no public way to hold its saving; this private switch stays, with
    that fallback.
    """
    from napari.settings import get_settings

    settings = get_settings()
    saving = getattr(settings, "_save_on_change", None)
    if saving is None:
        yield
        return
    settings._save_on_change = False
    try:
        yield
    finally:
        settings._save_on_change = saving
