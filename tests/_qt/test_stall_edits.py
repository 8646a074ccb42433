"""A 2-D result's merge / split / undo without freezing napari (issue 11).

`test_a_2d_edit_computes_off_the_gui_thread_and_writes_in_place` records
*where* the work happens (which thread; which array), which a regression
changes on any machine; `test_no_stall_while_a_2d_result_is_edited` measures
the longest gaps against napari's own (`test_stall.check_stall`).
"""

import threading
import time

import numpy as np

from napari_symseg.core.samples import two_phase

from .helpers import run_and_wait, set_fields
from .test_stall import LARGE, RUN_TIMEOUT, check_stall, napari_replaces, shown_widget, tiled

__all__ = ["shown_widget"]  # the fixture, shared with test_stall

SMALL = {"patch_x": 8, "patch_y": 8, "window_x": 10, "window_y": 10, "stride": 4}


def edit_and_wait(qtbot, dock, action) -> None:
    """Start an edit and wait for its worker (if any)."""
    action()
    qtbot.waitUntil(lambda: dock.edit_worker is None, timeout=RUN_TIMEOUT)


def test_a_2d_edit_computes_off_the_gui_thread_and_writes_in_place(make_napari_viewer, qtbot,
                                                                  monkeypatch):
    """Edit… on a 2-D run: the merge and the split (and their layer values and statistics)
    run in a worker; the GUI thread writes the values into the layer's own array; undo
    computes nothing and gives back the exact values."""
    from napari_symseg.controller import scribbles, series_edits

    where = []

    def recorded(name, function):
        def call(*args, **kwargs):
            where.append((name, threading.current_thread() is threading.main_thread()))
            return function(*args, **kwargs)
        return call

    for kind in ("merge", "split"):
        monkeypatch.setitem(scribbles.EDITS, kind, recorded(kind, scribbles.EDITS[kind]))
    monkeypatch.setattr(series_edits, "image_state",
                        recorded("layer values", series_edits.image_state))
    viewer = make_napari_viewer()
    image = viewer.add_image(two_phase((96, 160), boundary=64), name="img")
    _, main = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    main.image.value = image
    set_fields(main, n_patterns=3, **SMALL)
    run_and_wait(qtbot, main)
    patterns = viewer.layers["img patterns"]
    array, before = patterns.data, np.array(patterns.data)
    dock = main.edit_patterns()
    dock.pattern_a.value, dock.pattern_b.value = 0, 2
    edit_and_wait(qtbot, dock, dock.merge)
    assert where == [("merge", False), ("layer values", False)]
    merged = np.where(before == 3, 1, before)  # layer values: pattern + 1
    assert patterns.data is array
    np.testing.assert_array_equal(patterns.data, merged)
    assert list(patterns.features["index"]) == [1, 2]
    where.clear()
    dock.pattern_a.value = 0
    edit_and_wait(qtbot, dock, dock.split)
    assert where == [("split", False), ("layer values", False)]
    assert patterns.data is array and set(np.unique(patterns.data)) == {1, 2, 3}
    where.clear()
    dock.undo()
    np.testing.assert_array_equal(patterns.data, merged)
    dock.undo()
    np.testing.assert_array_equal(patterns.data, before)
    assert where == [] and patterns.data is array  # nothing computed, written back
    assert list(patterns.features["index"]) == [1, 2, 3]


def test_no_stall_while_a_2d_result_is_edited(qtbot, shown_widget):
    """Edit… on a 2048² run: merge, undo, split, undo; the longest gap against napari
    alone giving a Labels layer of that size new data and features."""
    from napari_symseg._qt.stall import EventLoopWatch, NapariCalls
    from napari_symseg.controller.layers import layer_name
    from napari_symseg.core.warmup import warm_up

    viewer, widget = shown_widget
    warm_up()
    size = 2048
    layer = viewer.add_image(tiled(size), name="big")
    widget.image.value = layer
    set_fields(widget, **{**LARGE, "n_patterns": 3})
    assert widget.run() is not None
    qtbot.waitUntil(lambda: widget.worker is None, timeout=RUN_TIMEOUT)
    qtbot.wait(500)
    patterns = viewer.layers[layer_name(layer.name, "patterns")]
    array = patterns.data
    dock = widget.edit_patterns()
    assert dock is not None
    qtbot.wait(1000)  # the Scribbles dock is napari's to add; measured apart
    floor = {"set labels data": napari_replaces(qtbot, viewer, (size, size))}
    steps, seconds = {}, {}
    with NapariCalls() as calls, EventLoopWatch() as watch:
        for name, action in (("merge", dock.merge), ("undo", dock.undo),
                             ("split", dock.split), ("undo again", dock.undo)):
            dock.pattern_a.value, dock.pattern_b.value = 0, 1
            start = time.perf_counter()
            with EventLoopWatch() as step:
                edit_and_wait(qtbot, dock, action)
                seconds[f"{name}_s"] = round(time.perf_counter() - start, 2)
                qtbot.wait(500)  # the layer's redraw, the plots, the scatter plot
            steps[f"{name}_max_ms"] = step.summary()["max_ms"]
    assert patterns.data is array
    floor["set labels data (after)"] = napari_replaces(qtbot, viewer, (size, size))
    check_stall(f"2-D edit: merge, undo, split, undo ({size}²)", watch.max_gap_ms, floor,
                {"p99_ms": watch.summary()["p99_ms"], **steps, **seconds},
                calls.outside_ms(watch))
