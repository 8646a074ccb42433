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

from napari_symseg._qt import compile_notice, warmup
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
    notice, status, bar = widget.compile_notice, widget.status, widget.progress
    status.value = "ready"  # what the dock says: kept above the notice
    notice.watch()  # (the dock's warm-up thread started before this test's)
    assert notice.active
    qtbot.waitUntil(lambda: "step 1 of 3" in status.value, timeout=TIMEOUT)
    assert "ready\nCompiling the fast kernels (first use only, about 2 min)… step 1 of 3: " \
        "local correlation map/direct" in status.value
    assert not bar.native.isHidden()
    assert 0 <= bar.value < round(100 * core_warmup.cold_fraction(KEYS, 1))
    assert bar.native.format() == "compiling the fast kernels: %p%"
    next_step(compiling)  # the first step is done: the bar moves by its measured share
    qtbot.waitUntil(lambda: "step 2 of 3: point symmetry, stride 1" in status.value,
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
        qtbot.waitUntil(lambda: status.value.startswith("starting\nCompiling the fast"),
                        timeout=TIMEOUT)
        assert not bar.native.isHidden()
        assert bar.native.format() == "compiling the fast kernels: %p%"
        assert bar.value >= round(100 * core_warmup.cold_fraction(KEYS, 1)) > 0
        widget.cancel()  # Cancel answers while the worker still waits
        qtbot.waitUntil(lambda: widget.worker is None, timeout=TIMEOUT)
        assert widget.run_button.text == "Run"
        qtbot.waitUntil(lambda: status.value.startswith("cancelled\nCompiling the fast"),
                        timeout=TIMEOUT)
        assert not bar.native.isHidden()  # idle again: the compile still shown
    finally:
        release.set()

    # a Suggest started meanwhile: its text first, the compile under it
    widget.activity.start("suggest")
    status.value = "suggesting sizes…"
    notice.tick()
    assert status.value.startswith("suggesting sizes…\nCompiling the fast kernels")
    assert not bar.native.isHidden()
    widget.activity.stop("suggest")
    status.value = "sizes suggested"  # (the suggestion's own handler)
    qtbot.waitUntil(lambda: status.value.startswith("sizes suggested\nCompiling"),
                    timeout=TIMEOUT)

    next_step(compiling)
    next_step(compiling)  # the process ends: the notice is taken back, the bar hidden
    qtbot.waitUntil(lambda: not notice.active, timeout=TIMEOUT)
    assert status.value == "sizes suggested"
    assert bar.native.isHidden() and bar.native.format() == "%p%"
    assert compiling.wait(30) == 0 and errors == []


def test_the_notice_leaves_a_run_s_own_progress_alone(qtbot, viewer_widget, compiling):
    _, widget = viewer_widget
    notice, status, bar = widget.compile_notice, widget.status, widget.progress
    qtbot.waitUntil(lambda: warmup.compiling(), timeout=TIMEOUT)
    widget.activity.start("run")
    try:
        bar.native.show()
        bar.value = 40  # the run's own progress has moved
        bar.native.setFormat("%p%")
        status.value = "descriptors 3/8 (40 %)"
        notice.tick()
        assert status.value == "descriptors 3/8 (40 %)" and bar.value == 40
    finally:
        widget.activity.stop("run")
    notice.tick()  # idle: shown again
    assert status.value.startswith("descriptors 3/8 (40 %)\nCompiling the fast kernels")
    assert bar.native.format() == "compiling the fast kernels: %p%"
    warmup.PROGRESS.compiling = False
    notice.tick()
    assert status.value == "descriptors 3/8 (40 %)" and bar.native.isHidden()
    # the notice's text was all the status line had: it then says the kernels are ready
    warmup.PROGRESS.compiling = True
    status.value = ""
    notice.tick()
    assert status.value.startswith("Compiling the fast kernels")
    warmup.PROGRESS.compiling = False
    notice.tick()
    assert status.value == compile_notice.READY
