"""Measure how long the Qt event loop stalls: a timer that records the gaps between its ticks.

While the GUI thread is free, a timer set to fire every 10 ms fires every
10-11 ms; when something blocks the thread (a computation, a slow redraw),
the next tick comes late, and the gap between two ticks is how long napari
was frozen. `EventLoopWatch` is the test and benchmark tool for "napari never
freezes more than 200 ms".

Examples
--------
>>> with EventLoopWatch() as watch:          # doctest: +SKIP
...     run_something_while_processing_events()
>>> watch.max_gap_ms                          # doctest: +SKIP
23.4
"""

from __future__ import annotations

import time

from qtpy.QtCore import QObject, Qt, QTimer

#: Tick interval of the watch (ms).
TICK_MS = 10
#: Pause (ms) between two steps of a chain of GUI-thread steps (`next_turn`).
TURN_MS = 30


def next_turn(callback) -> None:
    """Call `callback` on the GUI thread after a pause of `TURN_MS`.

    For chains of slow GUI-thread steps (adding a run's layers one by one,
    then its hint and plots): a ``QTimer.singleShot(0, ...)`` chain runs its
    steps back to back, before timers and input get in (measured: one
    2.8 s gap over three layer additions); with a short pause between them
    the loop handles the user's input, paints and timers after each step,
    and the longest freeze is that of the slowest step alone.
    """
    QTimer.singleShot(TURN_MS, callback)


class EventLoopWatch(QObject):
    """Records the gaps between the ticks of a fast timer on the GUI thread.

    Parameters
    ----------
    interval_ms : int
        How often the timer should fire.
    parent : QObject, optional

    Attributes
    ----------
    gaps : list of float
        Milliseconds between consecutive ticks (and from the last tick to
        `stop`), since `start`.
    interval_ms : int
    """

    def __init__(self, interval_ms: int = TICK_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self.gaps: list[float] = []
        self._last = None
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> EventLoopWatch:
        """Forget earlier gaps and start watching (ticks come while events are processed)."""
        self.gaps = []
        self._last = time.perf_counter()
        self._timer.start()
        return self

    def stop(self) -> EventLoopWatch:
        """Stop watching; the time since the last tick counts as a gap too."""
        if self._timer.isActive():
            self._timer.stop()
            self._record()
        return self

    def _tick(self) -> None:
        self._record()

    def _record(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.gaps.append(1000.0 * (now - self._last))
        self._last = now

    @property
    def running(self) -> bool:
        """True between `start` and `stop`."""
        return self._timer.isActive()

    @property
    def max_gap_ms(self) -> float:
        """The longest gap (ms); 0 before any."""
        return max(self.gaps, default=0.0)

    def summary(self) -> dict:
        """``{"max_ms", "p99_ms", "ticks"}`` of the gaps so far (for reports)."""
        ordered = sorted(self.gaps)
        p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else 0.0
        return {"max_ms": round(self.max_gap_ms, 1), "p99_ms": round(p99, 1),
                "ticks": len(ordered)}

    def __enter__(self) -> EventLoopWatch:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
