"""GUI-thread work split off or over turns (issue 11, stalls found on real data).

No timings: each test records *where* (which thread, which turn of the event
loop) the work happens, which a regression changes on any machine.
"""

import itertools
import threading

import numpy as np

from napari_symseg._qt import collector, runner, warmup
from napari_symseg._qt.stall import EventLoopWatch

from .helpers import TIMEOUT, run_and_wait, set_fields


def test_the_warm_up_makes_the_plots_ready_before_it_compiles(qtbot, monkeypatch):
    """The plots' imports first (the dock makes its plots once they are done, or after 5 s
    on the GUI thread: a 5 s gap on a first Suggest at load 7), then the core's cached
    kernels (a run's worker waits for numba's lock meanwhile), napari's uncacheable label
    kernels after them, the probe's Shapes last; each event set right after its part.
    Meanwhile the objects that existed before are left out of the cyclic collector's
    runs (`gc.freeze`: its full runs held the interpreter 0.6-1.5 s), and put back after."""
    import gc

    done = []

    def step(name):
        def call(**_):  # (the core's warm-up takes a stop)
            done.append((name, warmup.PLOTS_WARM.is_set(), warmup.NAPARI_WARM.is_set()))
            frozen.append(gc.get_freeze_count())
        return call

    frozen = []

    monkeypatch.setattr(warmup, "warm_up_plots", step("plots"))
    monkeypatch.setattr(warmup, "warm_up_vispy_lines", step("vispy lines"))
    monkeypatch.setattr("napari_symseg.controller.warmup.warm_up_labels", step("labels"))
    monkeypatch.setattr("napari_symseg.controller.warmup.warm_up_shapes", step("shapes"))
    monkeypatch.setattr("napari_symseg.core.warmup.warm_up", step("core"))
    monkeypatch.setattr(warmup, "_WARMED", [])  # as in a fresh process
    monkeypatch.setattr(collector, "THAW_QUIET_MS", 1000)
    monkeypatch.setattr(collector, "_HOLDERS", collector.weakref.WeakSet())
    # an earlier test's widget may have frozen objects whose thaw waits for quiet seconds
    # (the new warm-up's chain replaces its chain): start from none frozen
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    running = [True]  # a run is going on when the warm-up ends
    try:
        warmup.warm_up_once(busy=lambda: running[0]).join(60)
        qtbot.wait(3 * collector.THAW_POLL_MS)
        assert gc.get_freeze_count() > 1000  # not during the run (a full collection)
        collections = collector.COLLECTIONS[0]
        running[0] = False
        qtbot.wait(collector.THAW_QUIET_MS // 2)
        assert collector.COLLECTIONS[0] == collections  # nor right after it
        qtbot.waitUntil(lambda: collector.COLLECTIONS[0] > collections, timeout=5000)  # then
        assert gc.get_freeze_count() == 0  # taken back (no dock holds them frozen)
    finally:
        for event in (warmup.PLOTS_WARM, warmup.NAPARI_WARM, warmup.SHAPES_WARM):
            event.set()
        gc.unfreeze()
    assert len(frozen) == 5 and min(frozen) > 1000  # napari, Qt, numpy...: left out
    assert [name for name, *_ in done] == ["plots", "core", "labels", "vispy lines", "shapes"]
    assert done[1] == ("core", True, False)  # plots ready, napari's kernels not yet
    assert done[4] == ("shapes", True, True)


def empty_warm_up(monkeypatch) -> None:
    """A warm-up whose steps do nothing, as in a fresh process, thawing after 1 s of quiet;
    nothing frozen before it."""
    import gc

    for name in ("warm_up_plots", "warm_up_vispy_lines"):
        monkeypatch.setattr(warmup, name, lambda: None)
    for name in ("controller.warmup.warm_up_labels", "controller.warmup.warm_up_shapes",
                 "core.warmup.warm_up"):
        monkeypatch.setattr(f"napari_symseg.{name}", lambda **_: None)
    monkeypatch.setattr(warmup, "_WARMED", [])
    monkeypatch.setattr(collector, "THAW_QUIET_MS", 1000)
    monkeypatch.setattr(collector, "_HOLDERS", collector.weakref.WeakSet())
    gc.unfreeze()


def test_the_thaw_waits_for_any_dock_s_worker(qtbot, monkeypatch):
    """The thaw's full collection (0.6 s idle, 1.8 s at load 9) waits for every worker of
    the process, not only its own dock's: a closed dock's `busy` says False for ever, and
    its thaw landed in the next dock's 4096² run (the stall test failed, 598 ms idle)."""
    import gc

    empty_warm_up(monkeypatch)
    release = threading.Event()
    try:
        worker = runner.start_worker(release.wait, 60)  # another dock's run
        assert runner.any_running()
        collections = collector.COLLECTIONS[0]
        warmup.warm_up_once(busy=lambda: False).join(60)  # a closed dock: never busy
        qtbot.wait(3 * collector.THAW_QUIET_MS)
        assert collector.COLLECTIONS[0] == collections  # not while the worker runs
        release.set()
        qtbot.waitUntil(lambda: not runner.any_running(), timeout=5000)
        qtbot.waitUntil(lambda: collector.COLLECTIONS[0] > collections, timeout=5000)  # then
        assert worker is not None
    finally:
        release.set()
        for event in (warmup.PLOTS_WARM, warmup.NAPARI_WARM, warmup.SHAPES_WARM):
            event.set()
        gc.unfreeze()


def test_a_series_layer_shows_while_napari_label_kernels_compile(qtbot, viewer_widget,
                                                                 monkeypatch):
    """An all-frames run shows its layer at its first frame also while the warm-up still
    compiles napari's label kernels (it waited for them: 7-10 s into a fresh session's
    first run): its uint8 colormap's table is filled with napari's numpy mapping
    (`label_colormap`), so napari draws it without numba. Still no numba on the GUI
    thread (found in a 116-frame STM series: 3.5 s of numba there)."""
    import numba.core.dispatcher

    from napari_symseg._qt.widget import ALL_FRAMES
    from napari_symseg.controller.label_colormap import kernel_free

    viewer, widget = viewer_widget
    qtbot.waitUntil(lambda: warmup.napari_ready("shapes"), timeout=TIMEOUT)  # its warm-up
    monkeypatch.setattr(warmup, "_WARMED", [True])  # a warm-up is running ...
    warmup.NAPARI_WARM.clear()  # ... and has not compiled napari's kernels yet
    compiled = []  # numba compiling on the GUI thread
    original = numba.core.dispatcher.Dispatcher.compile

    def compile_(self, sig):
        if threading.current_thread() is threading.main_thread():
            compiled.append(self.py_func.__name__)
        return original(self, sig)

    monkeypatch.setattr(numba.core.dispatcher.Dispatcher, "compile", compile_)
    try:
        rng = np.random.default_rng(0)
        y, x = np.mgrid[0:64, 0:64]
        frames = np.stack([np.cos(x * (0.9 + 0.1 * t)) + np.cos(y) for t in range(4)])
        source = viewer.add_image(frames + 0.05 * rng.normal(size=frames.shape), name="v")
        widget.image.value = source
        widget.segment.value = ALL_FRAMES
        set_fields(widget, patch_x=4, patch_y=4, window_x=4, window_y=4, stride=4,
                   n_patterns=2, reference_frames="0")
        widget.run()
        qtbot.waitUntil(lambda: len(viewer.layers) == 2, timeout=TIMEOUT)  # not waiting
        layer = viewer.layers[-1]
        assert kernel_free(layer.colormap) and layer.data.dtype == np.uint8
        qtbot.wait(300)
        layer.refresh()  # the texture and thumbnail: from the table
    finally:
        warmup.NAPARI_WARM.set()
    qtbot.waitUntil(lambda: widget.worker is None, timeout=TIMEOUT)
    patterns = [layer for layer in viewer.layers if layer.name != "v"]
    assert len(patterns) == 1 and patterns[0].data.shape == frames.shape
    assert set(np.unique(patterns[0].data)) == {1, 2}  # every frame labelled, not zeros
    assert compiled == []


def test_a_run_s_layers_show_while_napari_label_kernels_compile(qtbot, viewer_widget,
                                                               monkeypatch):
    """A 2-D run's layers go in without waiting for the warm-up to compile napari's label
    kernels (they waited: a first run within seconds of opening the dock, 80 s in a test
    at load 11-13): the patterns' uint8 colormap has its table filled (`label_colormap`)."""
    from napari_symseg.controller.label_colormap import kernel_free

    viewer, widget = viewer_widget
    qtbot.waitUntil(lambda: warmup.napari_ready("shapes"), timeout=TIMEOUT)  # its warm-up
    monkeypatch.setattr(warmup, "_WARMED", [True])  # a warm-up is running ...
    warmup.NAPARI_WARM.clear()  # ... and has not compiled napari's kernels yet
    try:
        y, x = np.mgrid[0:96, 0:96]
        image = np.where(x < 48, np.cos(x) + np.cos(y), np.cos(0.7 * (x + y)))
        source = viewer.add_image(image.astype(np.float32), name="im")
        widget.image.value = source
        set_fields(widget, patch_x=4, patch_y=4, window_x=4, window_y=4, stride=4,
                   n_patterns=2)
        widget.run()
        qtbot.waitUntil(lambda: "im patterns" in viewer.layers, timeout=TIMEOUT)  # not waiting
        layer = viewer.layers["im patterns"]
        assert kernel_free(layer.colormap) and layer.data.dtype == np.uint8
        assert not warmup.NAPARI_WARM.is_set()
    finally:
        warmup.NAPARI_WARM.set()
    qtbot.waitUntil(lambda: widget.worker is None, timeout=TIMEOUT)
    assert set(np.unique(viewer.layers["im patterns"].data)) == {1, 2}


def test_measure_makes_its_layers_in_the_worker_and_adds_one_per_turn(qtbot, viewer_widget):
    """The measurement's napari layers are made off the GUI thread and added one per turn
    of the event loop (a 116-frame series' layers in one turn froze napari 2.4-3.5 s)."""
    from benchmarks.measure_scenarios import two_grains

    viewer, widget = viewer_widget
    g = two_grains((192, 192), orientations=(10.0, 40.0), tilt=0.0)
    source = viewer.add_image(g.image, name="g")
    widget.image.value = source
    set_fields(widget, patch_x=8, patch_y=8, window_x=10, window_y=10, stride=4)
    run_and_wait(qtbot, widget)
    section = widget.measure
    built_on, build = [], section.controller.build

    def recorded_build(computed):
        built_on.append(threading.current_thread() is threading.main_thread())
        return build(computed)

    section.controller.build = recorded_build
    turns = {}
    with EventLoopWatch() as watch:
        viewer.layers.events.inserted.connect(
            lambda event: turns.setdefault(event.value.name, len(watch.gaps)))
        assert section.start() is not None
        qtbot.waitUntil(lambda: section.controller.last is not None and section.button.enabled,
                        timeout=TIMEOUT)
    assert built_on == [False]
    order = ["g regions", "g orientation", "g spacing", "g boundaries"]
    assert sorted(turns, key=turns.get) == [name for name in order if name in turns]
    assert {"g regions", "g boundaries"} <= set(turns)
    ticks = sorted(turns.values())
    assert all(b > a for a, b in itertools.pairwise(ticks)), turns  # a tick between


def test_the_thaw_waits_while_the_mouse_moves(qtbot, monkeypatch):
    """The thaw's full collection (0.3 s idle) waits while the user moves the mouse: it
    comes once the pointer has rested for THAW_QUIET_MS."""
    import gc

    from qtpy.QtGui import QCursor

    empty_warm_up(monkeypatch)
    collections = collector.COLLECTIONS[0]
    try:
        warmup.warm_up_once(busy=lambda: False).join(60)
        for step in range(12):  # 3 s of a moving mouse: 3 x the quiet time
            QCursor.setPos(100 + 10 * step, 100 + 5 * step)
            qtbot.wait(250)
        assert QCursor.pos().x() == 210  # (the pointer did move)
        assert gc.get_freeze_count() > 1000  # not taken back while the mouse moved
        assert collector.COLLECTIONS[0] == collections
        qtbot.waitUntil(lambda: collector.COLLECTIONS[0] > collections, timeout=5000)  # at rest
    finally:
        for event in (warmup.PLOTS_WARM, warmup.NAPARI_WARM, warmup.SHAPES_WARM):
            event.set()
        gc.unfreeze()


def test_a_deleted_layer_frozen_with_the_heap_is_collected_once_napari_is_idle(
        qtbot, viewer_widget, monkeypatch):
    """After the idle collection the heap stays frozen (napari's full collection on each
    layer removal then walks only young objects: 365 -> 82 ms for a 2048² image); a layer
    deleted later is collected once napari is idle, and closing the dock unfreezes all."""
    import gc
    import weakref

    from napari_symseg._qt.docks import dock_of

    viewer, widget = viewer_widget
    monkeypatch.setattr(collector, "THAW_QUIET_MS", 1000)
    qtbot.waitUntil(lambda: not warmup.warming(), timeout=TIMEOUT)
    data = np.random.default_rng(0).random((256, 256)).astype(np.float32)
    layer = viewer.add_image(data, name="deleted")
    alive = weakref.ref(data)
    del data
    collector.thaw_now()  # one collection now, then what is alive frozen (the dock is open)
    assert gc.get_freeze_count() > 1000
    collections = collector.COLLECTIONS[0]
    viewer.layers.remove(layer)
    del layer
    qtbot.waitUntil(lambda: collector.COLLECTIONS[0] > collections, timeout=10_000)
    assert alive() is None  # its data collected
    assert gc.get_freeze_count() > 1000  # and the heap frozen again
    viewer.window.remove_dock_widget(dock_of(widget))  # the dock closed
    qtbot.waitUntil(lambda: gc.get_freeze_count() == 0, timeout=5000)


def test_a_dock_closed_during_the_warm_up_leaves_nothing_frozen(qtbot, monkeypatch):
    """The warm-up's objects are frozen when it ends (by its thaw chain, on the GUI thread):
    a dock closed before that stops the chain, and nothing is frozen after."""
    import gc

    class Dock:
        def collection_busy(self):
            return False

    empty_warm_up(monkeypatch)
    gate = threading.Event()
    monkeypatch.setattr(warmup, "warm_up_plots", lambda: gate.wait(10))
    dock = Dock()
    try:
        thread = warmup.warm_up_once(busy=dock.collection_busy, holder=dock)
        assert gc.get_freeze_count() > 1000  # frozen while it runs
        collector.release_frozen(dock)  # the dock closed
        assert gc.get_freeze_count() == 0
        gate.set()
        thread.join(10)
        qtbot.wait(2 * collector.THAW_POLL_MS + collector.THAW_QUIET_MS)
        assert gc.get_freeze_count() == 0
    finally:
        gate.set()
        for event in (warmup.PLOTS_WARM, warmup.NAPARI_WARM, warmup.SHAPES_WARM):
            event.set()
        gc.unfreeze()


def test_an_idle_collection_waits_while_the_time_slider_moves(qtbot, viewer_widget,
                                                              monkeypatch):
    """A keyboard scrub or napari's playback moves no mouse: the dock counts the time
    slider's moves as activity, and the idle collection (0.3 s) waits for them to stop (it
    landed in a scrub 5 s after a run: tester newuser14)."""
    viewer, _ = viewer_widget
    monkeypatch.setattr(collector, "THAW_QUIET_MS", 1000)
    qtbot.waitUntil(lambda: not warmup.warming(), timeout=TIMEOUT)
    viewer.add_image(np.zeros((20, 32, 32), np.float32), name="video")
    gone = viewer.add_image(np.zeros((8, 8), np.float32), name="gone")
    collector.thaw_now()  # frozen now (the dock holds the heap frozen)
    collections = collector.COLLECTIONS[0]
    viewer.layers.remove(gone)  # asks for an idle collection
    for step in range(12):  # 3 s of scrubbing: 3 x the quiet time
        viewer.dims.set_point(0, step % 20)
        qtbot.wait(250)
    assert collector.COLLECTIONS[0] == collections  # not while the slider moved
    qtbot.waitUntil(lambda: collector.COLLECTIONS[0] > collections, timeout=5000)  # at rest
