"""Cancel answers at once for a 2-D run; the worker's step in progress is dropped and its
kernels stop (issue 11)."""

import threading
import time

import numpy as np
import pytest
from qtpy.QtCore import QThreadPool

from napari_symseg.core.pipeline import segment_steps
from napari_symseg.core.progress import Progress, raise_if_stopped, stop_flag
from napari_symseg.core.samples import two_phase

from .helpers import TIMEOUT, run_and_wait, set_fields

SMALL = {"patch_x": 8, "patch_y": 8, "window_x": 10, "window_y": 10, "stride": 4}


def held_steps(inside: threading.Event, release: threading.Event, after: list):
    """`segment_steps` whose second step is held until `release` (a long k-means, say);
    every step taken after it is recorded in `after`."""

    def steps(image, params, **kwargs):
        yield Progress("descriptors", 0, 1)
        inside.set()
        release.wait(60)
        result = yield from segment_steps(image, params, **kwargs)
        after.append("finished")
        return result

    return steps


def test_cancel_during_a_long_step_answers_before_the_step_ends(
        qtbot, viewer_widget, errors, monkeypatch):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((256, 256)), name="img")
    set_fields(widget, **SMALL)
    inside, release, after = threading.Event(), threading.Event(), []
    monkeypatch.setattr("napari_symseg.controller.runs.segment_steps",
                        held_steps(inside, release, after))
    pool = QThreadPool.globalInstance()
    threads = pool.maxThreadCount()
    try:
        worker = widget.run()
        assert worker is not None
        qtbot.waitUntil(inside.is_set, timeout=TIMEOUT)
        widget.cancel()
        # idle while the worker is still inside its step: Run again, nothing added
        qtbot.waitUntil(lambda: widget.worker is None, timeout=TIMEOUT)
        assert not release.is_set() and worker.is_running
        assert widget.run_button.text == "Run" and widget.status.value == "cancelled"
        assert [layer.name for layer in viewer.layers] == ["img"]
        # the held worker keeps its pool thread: one more is lent, so that a new run starts
        # at once (two cancelled runs kept a third "starting" for 25 s)
        assert pool.maxThreadCount() == threads + 1
    finally:
        release.set()
    qtbot.waitUntil(lambda: not worker.is_running, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: pool.maxThreadCount() == threads, timeout=TIMEOUT)  # given back
    qtbot.wait(100)
    # the step ended in the background: the run stopped there (no further step, no layer,
    # no message); the status still says cancelled
    assert after == []
    assert [layer.name for layer in viewer.layers] == ["img"]
    assert widget.status.value == "cancelled" and errors == []
    # and a new run works as before
    monkeypatch.undo()
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    labels = viewer.layers["img patterns"].data
    assert labels.shape == (256, 256) and len(np.unique(labels)) == 2


def kernel_steps(inside: threading.Event, after: list):
    """`segment_steps` whose second step is a 'kernel' that runs until its stop flag is set
    (`core.progress.stop_flag`, as the descriptor kernels read it) and then raises `Stopped`
    as their callers do; gives up after 60 s."""

    def steps(image, params, **kwargs):
        yield Progress("descriptors", 0, 1)
        flag = stop_flag()
        inside.set()
        end = time.monotonic() + 60
        while not flag[0] and time.monotonic() < end:
            time.sleep(0.005)
        raise_if_stopped(flag)
        after.append("kernel ran to its end")
        return (yield from segment_steps(image, params, **kwargs))

    return steps


@pytest.mark.parametrize("how", ["cancel", "delete the image"])
def test_cancel_stops_the_kernel_of_the_step_in_progress(qtbot, viewer_widget, errors,
                                                         monkeypatch, how):
    viewer, widget = viewer_widget
    image = viewer.add_image(two_phase((256, 256)), name="img")
    widget.image.value = image
    set_fields(widget, **SMALL)
    inside, after = threading.Event(), []
    monkeypatch.setattr("napari_symseg.controller.runs.segment_steps",
                        kernel_steps(inside, after))
    worker = widget.run()
    assert worker is not None
    qtbot.waitUntil(inside.is_set, timeout=TIMEOUT)
    if how == "cancel":
        widget.cancel()
    else:
        viewer.layers.remove(image)
    # the worker ends within the kernel (the old code left it running for its 60 s)
    qtbot.waitUntil(lambda: not worker.is_running, timeout=5000)
    qtbot.wait(100)
    assert after == [] and errors == []
    assert widget.worker is None and widget.run_button.text == "Run"
    assert [layer.name for layer in viewer.layers] == (["img"] if how == "cancel" else [])
