"""What the widget shows of the chosen image's results: its hint and its plots.

`ResultsView` listens to the controller (``changed``, ``frame``) and shows
the chosen image's current run: the number-of-patterns hint (`HintPanel`)
and the plots dock (`PlotsPanel`: a series' area fraction, separability).
Changes are shown a turn of the event loop later, and the hint, docking
the plots and drawing them each take their own turn (`next_turn`): a run's end never
blocks the loop for the time of all of them together. `show_now` does it
all at once; the widget `request`s on a switch of image too (its hint, then its plots:
0.2 s under load, benchmarks/switch_stall.py).
"""

from __future__ import annotations

from collections.abc import Callable

from .stall import next_turn


class ResultsView:
    """Shows the chosen image's hint and plots for a `SymsegWidget`.

    Parameters
    ----------
    session : Session
        The controller.
    hint_panel : HintPanel
    plots : PlotsPanel
    alive : callable
        False once the widget is gone.
    """

    def __init__(self, session, hint_panel, plots, alive: Callable[[], bool]) -> None:
        self.session, self.hint_panel, self.plots = session, hint_panel, plots
        self._alive = alive
        self._due = False
        self._then: list[Callable[[], None]] = []
        session.events.changed.connect(self._on_changed)
        session.events.frame.connect(self._on_frame)

    def request(self, then: Callable[[], None] | None = None) -> None:
        """Show the results soon (once for all changes of one turn); then call `then`."""
        if then is not None:
            self._then.append(then)
        if not self._due:
            self._due = True
            next_turn(self._show_hint)

    def settled(self) -> bool:
        """True when nothing is left to show (no `request` pending)."""
        return not self._due

    def show_now(self) -> None:
        """Show the chosen image's hint and plots now."""
        self._update_hint()
        self.plots.show_results(*self.plot_args())

    def _on_changed(self, event) -> None:
        if event.layer is self.session.source:
            self.request()

    def _on_frame(self, event) -> None:
        if event.layer is not self.session.source:
            return
        if self.plots.showing(*self.plot_args()):
            self.plots.set_frame(event.frame, event.fractions)
        else:  # the series' first frame: its plot (with every frame so far) a turn later
            self.request()

    def _show_hint(self) -> None:
        if self._alive():
            self._update_hint()
            next_turn(self._show_plots)

    def _show_plots(self) -> None:
        if not self._alive():
            return
        args = self.plot_args()
        if self.plots.needs_docking(*args):  # dock now, draw next turn
            self.plots.show()
            next_turn(self._show_plots)
            return
        self._due = False
        self.plots.show_results(*args)
        then, self._then = self._then, []
        if then:  # a run may have ended since the hint was shown: show its final state
            self._update_hint()
        for call in then:
            call()

    def _update_hint(self) -> None:
        session = self.session
        job = session.running_for(session.source) if session.source is not None else None
        results = session.results()
        preview = results is not None and results.layers.get("preview") is not None
        self.hint_panel.show_record(session.current(),
                                    running=job is not None and not job.preview,
                                    preview_shown=preview)

    def plot_args(self) -> tuple:
        """What the plots show for the chosen image: a series (running or done), its run.

        Returns
        -------
        tuple
            ``(source, series area fraction or None, series layer or None, record,
            series done)``, the arguments of `PlotsPanel.show_results`.
        """
        session = self.session
        source, record = session.source, session.current()
        job = session.running_for(source) if source is not None else None
        results = session.results()
        if job is not None and job.series and job.layer is not None:
            return source, job.area_fraction, job.layer, record, False
        if results is not None and results.series is not None:
            series = results.series
            return source, series.area_fraction, results.layers.get("series"), record, True
        return source, None, None, record, True
