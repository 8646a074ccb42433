"""Measure how long the Qt event loop stalls: a timer that records the gaps between its ticks.

While the GUI thread is free, a timer set to fire every 10 ms fires every
10-11 ms; when something blocks the thread (a computation, a slow redraw),
the next tick comes late, and the gap between two ticks is how long napari
was frozen. `EventLoopWatch` is the test and benchmark tool for "napari never
freezes more than 200 ms"; `NapariCalls` records when napari itself inserts a
layer or draws the canvas on the GUI thread, so a gap can be split into
napari's part and the rest (`NapariCalls.outside_ms`: ours, and whatever else).

Examples
--------
>>> with EventLoopWatch() as watch:          # doctest: +SKIP
...     run_something_while_processing_events()
>>> watch.max_gap_ms                          # doctest: +SKIP
23.4
"""

from __future__ import annotations

import threading
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


def over_turns(steps, alive=lambda: True, done=None, now: bool = True) -> None:
    """Apply layer changes over turns of the event loop: one step of the generator
    `steps` per turn (`next_turn` between them), so that the longest freeze is one
    napari insert or removal, not their sum.

    The run's layers (`napari_symseg._qt.runner`), Measure's layers and the
    removal of an outdated measurement's layers (`napari_symseg._qt.measure`)
    go in and out this way.

    Parameters
    ----------
    steps : generator
        Each ``next`` makes one change; its return value goes to `done`.
    alive : callable
        Checked before each step: False stops (the dock closed, a cancel).
    done : callable, optional
        Called with the generator's return value after its last step.
    now : bool
        Make the first step at once (else after a turn too).
    """

    def step() -> None:
        if not alive():
            return
        try:
            next(steps)
        except StopIteration as end:
            if done is not None:
                done(end.value)
            return
        next_turn(step)

    if now:
        step()
    else:
        next_turn(step)


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
        self.ends: list[float] = []
        self._last = None
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> EventLoopWatch:
        """Forget earlier gaps and start watching (ticks come while events are processed)."""
        self.gaps, self.ends = [], []
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
            self.ends.append(now)
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


class NapariCalls:
    """Records, on the GUI thread, when napari inserts a layer, slices or draws the canvas.

    A context manager that wraps ``LayerList.insert`` (the layer's visual, its
    controls and the layer list are made inside it), vispy's
    ``SceneCanvas._draw_scene`` (every draw; a layer's first draw and the
    scale bar's first text included), ``Layer.refresh`` (a layer given new
    data or colours slices and updates its visual), napari's layer
    slicer (``_LayerSlicer.submit``: the time slider moved) and the
    ``Layer.visible`` setter (napari updates its scene graph, and a layer
    shown again slices anew) and the clean-up after a layer's removal
    (``VispyCanvas._clean_and_update_scenegraph``: a full ``gc.collect``). Nested calls
    count once. (``_LayerSlicer`` is private napari; the tool is for tests and
    benchmarks only.)

    Attributes
    ----------
    spans : list of (float, float, str)
        ``(start, end, what)`` in `time.perf_counter` seconds.
    """

    def __init__(self) -> None:
        self.spans: list[tuple[float, float, str]] = []
        self._saved: list = []
        self._depth = 0

    def _wrap(self, owner, name: str, what: str) -> None:
        original = getattr(owner, name)
        calls = self

        def wrapped(*args, **kwargs):
            if threading.current_thread() is not threading.main_thread() or calls._depth:
                return original(*args, **kwargs)
            calls._depth += 1
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                calls._depth -= 1
                calls.spans.append((start, time.perf_counter(), what))

        self._saved.append((owner, name, original))
        setattr(owner, name, wrapped)

    def _wrap_setter(self, owner, name: str, what: str) -> None:
        """Record a property's setter (``Layer.visible``) as `_wrap` records a method."""
        prop = getattr(owner, name)
        holder = type("Setter", (), {"fset": prop.fset})
        self._wrap(holder, "fset", what)
        self._saved.append((owner, name, prop))
        setattr(owner, name, property(prop.fget, holder.fset, prop.fdel, prop.__doc__))

    def __enter__(self) -> NapariCalls:
        from napari._vispy.canvas import VispyCanvas
        from napari.components._layer_slicer import _LayerSlicer
        from napari.components.layerlist import LayerList
        from napari.layers.base.base import Layer
        from vispy.scene.canvas import SceneCanvas

        self._wrap(LayerList, "insert", "insert")
        self._wrap(SceneCanvas, "_draw_scene", "draw")
        self._wrap(Layer, "refresh", "refresh")  # new data, colours: slicing again
        self._wrap(_LayerSlicer, "submit", "slice")  # the time slider moved
        self._wrap_setter(Layer, "visible", "visible")  # scene graph update, refresh
        # a layer removed: napari's full gc.collect and scene graph update
        self._wrap(VispyCanvas, "_clean_and_update_scenegraph", "remove")
        return self

    def __exit__(self, *exc) -> None:
        for owner, name, original in reversed(self._saved):
            setattr(owner, name, original)
        self._saved = []

    def outside_ms(self, watch: EventLoopWatch) -> dict:
        """The longest stretch of a gap of `watch` outside napari's recorded calls.

        Parameters
        ----------
        watch : EventLoopWatch
            Stopped; its gaps overlap the time of `spans`.

        Returns
        -------
        dict
            ``outside_ms`` (the largest gap minus its time in napari's calls),
            ``of_gap_ms`` (that gap), ``napari_ms`` (napari's time in it), and
            ``max_napari_ms`` (napari's longest single call in any gap).
        """
        best = {"outside_ms": 0.0, "of_gap_ms": 0.0, "napari_ms": 0.0}
        longest = max((1000.0 * (b - a) for a, b, _ in self.spans), default=0.0)
        for gap, end in zip(watch.gaps, watch.ends, strict=True):
            start = end - gap / 1000.0
            inside = sum(max(0.0, min(b, end) - max(a, start)) for a, b, _ in self.spans)
            outside = gap - 1000.0 * inside
            if outside > best["outside_ms"]:
                best = {"outside_ms": outside, "of_gap_ms": gap, "napari_ms": 1000.0 * inside}
        return {**{k: round(v, 1) for k, v in best.items()},
                "max_napari_ms": round(longest, 1)}

    def by_gap(self, watch: EventLoopWatch) -> list[dict]:
        """napari's calls gap by gap: what one turn of the event loop held.

        Parameters
        ----------
        watch : EventLoopWatch
            As for `outside_ms`.

        Returns
        -------
        list of dict
            For each gap in which a call started: ``gap_ms``; ``calls`` and
            ``ms``, napari's number of calls and time by kind (``"remove"``,
            ``"visible"``, ``"draw"``...); ``outside_ms``, the rest of the gap.
        """
        found = []
        for gap, end in zip(watch.gaps, watch.ends, strict=True):
            start = end - gap / 1000.0
            calls: dict[str, int] = {}
            ms: dict[str, float] = {}
            for a, b, what in self.spans:
                if start <= a < end:
                    calls[what] = calls.get(what, 0) + 1
                    ms[what] = ms.get(what, 0.0) + 1000.0 * (min(b, end) - a)
            if calls:
                found.append({"gap_ms": round(gap, 1), "calls": calls,
                              "ms": {k: round(v, 1) for k, v in ms.items()},
                              "outside_ms": round(gap - sum(ms.values()), 1)})
        return found
