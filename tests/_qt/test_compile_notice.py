"""A cold numba cache: the dock says that the fast kernels compile, and how far (issue 11).

A tester's first Suggest on a cold cache took 138-148 s (load 23) with nothing but
"suggesting sizes…" and a progress bar at 0. The warm-up (`_qt.warmup._warm_up`) runs
here with a stand-in compiling process that prints the real program's step lines
(`controller.warmup.progress_line`) one at a time, when the test says so.
"""

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from napari_symseg._qt import warmup
from napari_symseg.controller import warmup as controller_warmup
from napari_symseg.core import warmup as core_warmup
from napari_symseg.core.progress import Progress
from napari_symseg.core.samples import two_phase

from .helpers import TIMEOUT, set_fields

KEYS = ["local_correlation_map/direct", "point symmetry, stride 1",
        controller_warmup.SHAPES_STEP]
#: Prints each step's line, then waits for a line on stdin before the next step.
PROGRAM = textwrap.dedent("""
    import sys
    from napari_symseg.controller.warmup import progress_line
    keys = sys.argv[1:]
    for done in range(len(keys) + 1):
        print(progress_line(done, keys), flush=True)
        if done < len(keys):
            sys.stdin.readline()
""")


@pytest.fixture
def compiling(monkeypatch):
    """The warm-up with a stand-in compiling process; yields it (its stdin: next step)."""
    monkeypatch.setattr(warmup, "warm_up_plots", lambda: None)
    monkeypatch.setattr(warmup, "warm_up_vispy_lines", lambda: None)
    monkeypatch.setattr(controller_warmup, "warm_up_labels", lambda: None)
    monkeypatch.setattr(controller_warmup, "warm_up_shapes", lambda: None)
    monkeypatch.setattr(core_warmup, "warm_up", lambda stop=None: {})
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2] / "src"))
    process = subprocess.Popen([sys.executable, "-c", PROGRAM, *KEYS], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, env=env)
    monkeypatch.setattr(controller_warmup, "start_compiling", lambda: process)
    thread = threading.Thread(target=warmup._warm_up, daemon=True)
    monkeypatch.setattr(warmup, "_THREAD", [thread])
    warmup.STOP.clear()
    thread.start()
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        thread.join(30)
        process.wait(30)
        warmup.PROGRESS.compiling = False


def next_step(process) -> None:
    process.stdin.write("\n")
    process.stdin.flush()


def test_the_dock_shows_the_compile_step_by_step_and_cancel_still_works(
        qtbot, viewer_widget, compiling, monkeypatch, errors):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((128, 128)), name="img")
    notice, note, status, bar = (widget.compile_notice, widget.compile_note, widget.status,
                                 widget.progress)
    status.value = "ready"  # the status line stays what the dock says
    notice.watch()  # (the dock's warm-up thread started before this test's)
    assert notice.active
    qtbot.waitUntil(lambda: "step 1 of 3" in note.value, timeout=TIMEOUT)
    assert note.value == ("Compiling the fast kernels (first use only, about 2 min)… "
                          "step 1 of 3: local correlation map/direct")
    assert not note.native.isHidden() and status.value == "ready"
    assert not bar.native.isHidden()
    assert bar.native.format() == "compiling the fast kernels: %p%"
    assert 0 <= bar.value < round(100 * core_warmup.cold_fraction(KEYS, 1))
    next_step(compiling)  # the first step is done: the bar moves by its measured share
    qtbot.waitUntil(lambda: "step 2 of 3: point symmetry, stride 1" in note.value,
                    timeout=TIMEOUT)
    assert round(100 * core_warmup.cold_fraction(KEYS, 1)) <= bar.value \
        < round(100 * core_warmup.cold_fraction(KEYS, 2))

    # a Run that waits (for numba's lock, or compiles itself): the bar shows the compile
    inside, release = threading.Event(), threading.Event()

    def held(image, params, **kwargs):
        inside.set()
        release.wait(60)
        yield Progress("descriptors", 1, 2)

    monkeypatch.setattr("napari_symseg.controller.runs.segment_steps", held)
    set_fields(widget, stride=4)
    try:
        assert widget.run() is not None
        qtbot.waitUntil(inside.is_set, timeout=TIMEOUT)
        qtbot.waitUntil(lambda: bar.native.format() == "compiling the fast kernels: %p%",
                        timeout=TIMEOUT)
        assert bar.value >= round(100 * core_warmup.cold_fraction(KEYS, 1)) > 0
        assert status.value == "starting" and "step 2 of 3" in note.value
        widget.cancel()  # Cancel answers while the worker still waits
        qtbot.waitUntil(lambda: widget.worker is None, timeout=TIMEOUT)
        assert widget.run_button.text == "Run"
        qtbot.waitUntil(lambda: status.value == "cancelled", timeout=TIMEOUT)
        notice.tick()
        assert not bar.native.isHidden() and not note.native.isHidden()  # still compiling
    finally:
        release.set()

    next_step(compiling)
    next_step(compiling)  # the process ends: the line and the bar are hidden
    qtbot.waitUntil(lambda: not notice.active, timeout=TIMEOUT)
    assert note.native.isHidden() and note.value == ""
    assert bar.native.isHidden() and bar.native.format() == "%p%"
    assert status.value == "cancelled"
    assert compiling.wait(30) == 0 and errors == []


def test_the_notice_leaves_a_run_s_own_progress_alone(qtbot, viewer_widget, compiling):
    _, widget = viewer_widget
    notice, bar = widget.compile_notice, widget.progress
    qtbot.waitUntil(lambda: warmup.compiling(), timeout=TIMEOUT)
    notice.tick()
    assert bar.native.format() == "compiling the fast kernels: %p%"
    widget.activity.start("suggest")  # a Suggest waiting for its kernels: the compile shown
    notice.tick()
    assert bar.native.format() == "compiling the fast kernels: %p%"
    widget.activity.stop("suggest")
    widget.activity.start("run")
    try:
        bar.value = 40  # the run's own progress has moved
        bar.native.setFormat("%p%")
        notice.tick()
        assert bar.value == 40 and bar.native.format() == "%p%"
        assert not widget.compile_note.native.isHidden()  # the line still says it
    finally:
        widget.activity.stop("run")
    bar.visible = False  # (the run's end)
    notice.tick()  # idle: the bar shows the compile again
    assert bar.native.format() == "compiling the fast kernels: %p%"
    assert not bar.native.isHidden()
    warmup.PROGRESS.compiling = False
    notice.tick()
    assert bar.native.isHidden() and widget.compile_note.native.isHidden()
