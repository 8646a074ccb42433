"""At exit the background warm-up stops after the step it is in (tester newuser11: a closed
napari's process stayed 48-99 s while a worker waited for numba's lock the warm-up held)."""

import threading

from napari_symseg._qt import warmup


def test_a_stop_skips_the_remaining_steps_and_releases_their_waiters(monkeypatch):
    from napari_symseg.controller import warmup as controller_warmup
    from napari_symseg.core import warmup as core_warmup

    done = []
    monkeypatch.setattr(warmup, "warm_up_plots", lambda: done.append("plots"))
    monkeypatch.setattr(warmup, "warm_up_vispy_lines", lambda: done.append("lines"))
    monkeypatch.setattr(controller_warmup, "start_compiling", lambda: None)
    monkeypatch.setattr(controller_warmup, "warm_up_labels", lambda: done.append("labels"))
    monkeypatch.setattr(controller_warmup, "warm_up_shapes", lambda: done.append("shapes"))

    def core(stop=None):  # napari closes while the core's kernels compile
        done.append("core")
        warmup.STOP.set()
        assert stop is not None and stop()

    monkeypatch.setattr(core_warmup, "warm_up", core)
    for event in (warmup.NAPARI_WARM, warmup.SHAPES_WARM):
        event.clear()
    warmup.STOP.clear()
    try:
        warmup._warm_up()
    finally:
        warmup.STOP.clear()
    assert done == ["plots", "core"]  # labels and shapes skipped
    assert warmup.NAPARI_WARM.is_set() and warmup.SHAPES_WARM.is_set()  # nobody waits


def test_stop_warm_up_waits_for_the_step_going_on(monkeypatch):
    inside, release = threading.Event(), threading.Event()

    def step():
        inside.set()
        release.wait(5)

    thread = threading.Thread(target=step, daemon=True)
    monkeypatch.setattr(warmup, "_THREAD", [thread])
    thread.start()
    inside.wait(5)
    assert not warmup.stop_warm_up(0.05)  # still in its step after the wait
    release.set()
    assert warmup.stop_warm_up(5)
    warmup.STOP.clear()
