"""The event-loop stall detector, and napari's stalls measured through the widget."""

import time

import pytest

from napari_symseg._qt.stall import EventLoopWatch


def test_watch_sees_a_blocked_gui_thread(qtbot):
    with EventLoopWatch() as watch:
        qtbot.wait(50)
        time.sleep(0.3)  # the GUI thread is busy: no tick for 300 ms
        qtbot.wait(50)
    assert watch.max_gap_ms >= 250
    assert not watch.running
    print(f"\nblocked 300 ms: max gap {watch.max_gap_ms:.0f} ms")


def test_watch_reports_short_gaps_when_idle(qtbot):
    watch = EventLoopWatch().start()
    qtbot.wait(500)
    watch.stop()
    assert watch.max_gap_ms < 100
    assert len(watch.gaps) >= 20  # ticks about every 10 ms
    summary = watch.summary()
    assert summary["ticks"] == len(watch.gaps) and summary["max_ms"] == pytest.approx(
        watch.max_gap_ms, abs=0.05)
    print(f"\nidle: {summary}")


def test_stop_counts_the_time_since_the_last_tick(qtbot):
    watch = EventLoopWatch().start()
    qtbot.wait(30)
    time.sleep(0.2)  # blocked, then stopped before the loop runs again
    watch.stop()
    assert watch.gaps[-1] >= 190
