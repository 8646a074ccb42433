"""The event-loop stall detector, and napari's stalls measured through the widget."""

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from napari_symseg._qt.stall import EventLoopWatch, NapariCalls


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


def test_next_turn_lets_the_loop_run_between_slow_steps(qtbot):
    """Three 200 ms steps chained by `next_turn`: ticks between them, no 400-600 ms gap
    (a ``singleShot(0)`` chain ran two of them back to back: a 400 ms gap)."""
    from napari_symseg._qt.stall import next_turn

    done = []

    def step():
        time.sleep(0.2)
        done.append(1)
        if len(done) < 3:
            next_turn(step)

    with EventLoopWatch() as watch:
        next_turn(step)
        qtbot.waitUntil(lambda: len(done) == 3, timeout=5000)
    assert 190 <= watch.max_gap_ms < 380, watch.gaps


# ----------------------------------------------------------------------------------
# napari's stalls, measured through the widget's public API (issue 11: "the Qt event
# loop never stalls more than 200 ms during a run, while results are added (2048² and
# 4096² images), when the probe is switched on, or while scrubbing during a series
# run; JIT warm-up in a background thread when the widget opens").
#
# Under Xvfb napari draws with Mesa's software OpenGL, and adding one layer costs napari
# itself 0.2-1 s of GUI thread (its vispy visual, its layer controls, its first draw;
# benchmarks/stall_profile.py): the 200 ms goal cannot hold for napari alone there. Each
# check therefore measures napari alone doing the comparable thing in the same viewer
# (or process), right before and after the plugin's action (the floor, under the same
# load), and asserts: longest gap <= max(LIMIT_MS, FACTOR * floor + MARGIN_MS). A plugin
# that added its three layers in one turn, or computed on the GUI thread, fails.
# Run with -s to see the numbers; they are also merged into STALLS_JSON.
# ----------------------------------------------------------------------------------
#: The stall goal (ms): always allowed.
LIMIT_MS = 200
#: Allowed stall relative to napari's own floor: FACTOR * floor + MARGIN_MS.
FACTOR = 1.5
MARGIN_MS = 100
#: Allowed stretch of a gap outside napari's own inserts, slicing and draws: OURS_FACTOR * floor.
OURS_FACTOR = 1.0
#: Where the measured gaps are written (merged with earlier runs, one key per test).
STALLS_JSON = Path(tempfile.gettempdir()) / "symseg_stalls.json"
#: Sizes every large-image run uses: few translations, a coarse grid (the run is short,
#: the result layers are full size).
LARGE = {"patch_x": 8, "patch_y": 8, "window_x": 10, "window_y": 10, "max_num_points": 25,
         "stride": 8, "n_patterns": 2}
RUN_TIMEOUT = 240_000
CALIBRATED = {"scale": (0.02, 0.02), "units": ("nm", "nm")}


def record(name: str, values: dict) -> None:
    """Print the measurement and merge it into `STALLS_JSON` under `name`."""
    label = os.environ.get("SYMSEG_STALL_LABEL", "measured")
    print(f"\n[stall] {name}: " + ", ".join(f"{k} {v}" for k, v in values.items()))
    try:
        data = json.loads(STALLS_JSON.read_text())
    except (OSError, ValueError):
        data = {}
    data.setdefault(label, {})[name] = values
    STALLS_JSON.write_text(json.dumps(data, indent=1))


def bound_ms(floor_ms: float) -> float:
    """The longest gap allowed when napari alone stalls `floor_ms` doing the like."""
    return max(LIMIT_MS, FACTOR * floor_ms + MARGIN_MS)


def check_stall(name: str, measured: float, floor: dict, values: dict,
                ours: dict | None = None) -> None:
    """Record the numbers; assert `measured` <= `bound_ms` of the worst of `floor`.

    Parameters
    ----------
    name : str
        The scenario (key in `STALLS_JSON`).
    measured : float
        The longest gap with the plugin (ms).
    floor : dict
        napari alone doing the comparable operations: name -> longest gap (ms).
    values : dict
        Everything else measured.
    ours : dict, optional
        `NapariCalls.outside_ms` of the watch (recorded, and bounded by `ours_bound_ms`).
    """
    worst = max(floor.values())
    if ours is not None:
        values = {**values, "outside napari's inserts, slicing and draws": ours,
                  "ours_bound_ms": round(ours_bound_ms(worst), 1)}
    values = {**values, "max_ms": round(measured, 1),
              "napari alone": {k: round(v, 1) for k, v in floor.items()},
              "bound_ms": round(bound_ms(worst), 1)}
    record(name, values)
    assert measured <= bound_ms(worst), (
        f"{name}: stalled {measured:.0f} ms; napari alone doing the like {worst:.0f} ms "
        f"(allowed {bound_ms(worst):.0f} ms): {values}")
    if ours is not None:
        assert ours["outside_ms"] <= ours_bound_ms(worst), (
            f"{name}: {ours['outside_ms']:.0f} ms of one gap outside napari's layer inserts, "
            f"slicing and draws (allowed {ours_bound_ms(worst):.0f} ms): {values}")


def ours_bound_ms(floor_ms: float) -> float:
    """The longest stretch allowed outside napari's inserts, slicing and draws (`NapariCalls`)."""
    return max(LIMIT_MS, OURS_FACTOR * floor_ms)


def tiled(size: int) -> np.ndarray:
    """The two-phase sample (512²) tiled to size x size."""
    from napari_symseg._sample_data import make_two_phase_sample

    tile = make_two_phase_sample()[0][0]
    return np.tile(tile, (size // tile.shape[0], size // tile.shape[1]))


def watched(qtbot, action, settle_ms: int = 500) -> float:
    """The longest gap (ms) while `action()` runs and the loop settles for `settle_ms`."""
    with EventLoopWatch() as watch:
        action()
        qtbot.wait(settle_ms)
    return watch.max_gap_ms


def napari_adds(qtbot, viewer, shape, **kwargs) -> float:
    """napari alone adding (and then removing) a shown uint8 Labels layer of `shape`:
    the longest gap of adding it and drawing it."""
    added = []
    gap = watched(qtbot, lambda: added.append(viewer.add_labels(np.zeros(shape, np.uint8),
                                                                **kwargs)))
    viewer.layers.remove(added[0])
    qtbot.wait(200)
    return gap


def napari_moves(qtbot, viewer) -> float:
    """napari alone: a point of a Points layer dragged 60 moves at 60 per second."""
    points = viewer.add_points([[1000.0, 1000.0]], size=30)
    qtbot.wait(300)

    def move():
        for step in range(60):
            points.data = np.array([[600.0 + 10 * step, 500.0 + 12 * step]])
            qtbot.wait(16)

    gap = watched(qtbot, move, settle_ms=1000)
    points.visible = False
    return gap


def napari_vectors(n: int = 60, centre: float = 1000.0):
    """A Vectors layer of `n` line segments around `centre` (the probe's kind of layer)."""
    from napari.layers import Vectors

    angle = 2 * np.pi * np.arange(n) / n
    points = centre + 100 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return Vectors(np.stack([points, np.roll(points, -1, axis=0) - points], axis=1),
                   edge_width=5, vector_style="line", **CALIBRATED)


def napari_probe_like(qtbot, viewer) -> dict:
    """napari alone adding a Vectors layer of line segments (what the probe adds), then
    moving it 30 times (the layer stays, hidden)."""
    added = []
    values = {"add vectors": watched(qtbot, lambda: added.append(
        viewer.add_layer(napari_vectors())))}

    def move():
        for step in range(30):
            added[0].translate = (6.0 + 0.1 * step, 5.0 + 0.12 * step)
            qtbot.wait(16)

    values["move vectors"] = watched(qtbot, move)
    added[0].visible = False  # hidden, not removed: drawing after removing a layer
    qtbot.wait(200)  # crashed Mesa's llvmpipe (glDrawArrays) once
    return values


@pytest.fixture
def shown_widget(make_napari_viewer, qtbot):
    """A shown viewer (drawing costs as for a user) with the docked widget, warmed up.

    The widget's warm-up thread has finished (the floors are measured without it), and
    its objects left out of the collector meanwhile are taken back now (`thaw_now`): the
    one full collection it costs, once per process when nothing runs for 5 s (0.6 s idle,
    1.8 s at load 9), landed in whichever scenario had such a pause (a 4096² run, a series
    edit's undo) and is no part of any.
    """
    from napari_symseg._qt.runner import napari_ready, thaw_now

    viewer = make_napari_viewer(show=True)
    viewer.window._qt_window.resize(1366, 768)
    _, widget = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    qtbot.waitUntil(lambda: napari_ready("shapes"), timeout=RUN_TIMEOUT)
    qtbot.waitUntil(lambda: not any(t.name == "napari-symseg warm-up"
                                    for t in threading.enumerate()), timeout=RUN_TIMEOUT)
    thaw_now()
    return viewer, widget


def set_fields(widget, **values):
    for name, value in values.items():
        widget.fields[name].value = value


def run_watched(qtbot, widget) -> EventLoopWatch:
    """Start a run, wait for it and for what it adds afterwards; the watch of it all."""
    with NapariCalls() as calls, EventLoopWatch() as watch:
        assert widget.run() is not None
        qtbot.waitUntil(lambda: widget.worker is None, timeout=RUN_TIMEOUT)
        qtbot.wait(500)  # layers added after the worker, the hint, the first redraws
    watch.ours = calls.outside_ms(watch)
    return watch


@pytest.mark.parametrize("size", [2048, pytest.param(4096, marks=pytest.mark.slow)])
def test_no_stall_while_a_large_image_runs_and_its_results_are_added(qtbot, shown_widget,
                                                                     size):
    from napari_symseg.core.warmup import warm_up

    viewer, widget = shown_widget
    warm_up()  # compiled already: this measures the run and the result layers only
    layer = viewer.add_image(tiled(size), name=f"big{size}", **CALIBRATED)
    qtbot.wait(300)
    # the scale bar's first text (napari renders its glyphs then) is napari's own
    # one-off cost: shown here, as a run on a calibrated image would, and measured apart
    scale_bar = watched(qtbot, lambda: setattr(viewer.scale_bar, "visible", True))
    floor = {"add labels (before)": napari_adds(qtbot, viewer, (size, size), **CALIBRATED)}
    widget.image.value = layer
    set_fields(widget, **LARGE)
    qtbot.wait(300)
    start = time.perf_counter()
    watch = run_watched(qtbot, widget)
    assert f"big{size} patterns" in viewer.layers
    seconds = time.perf_counter() - start
    floor["add labels (after)"] = napari_adds(qtbot, viewer, (size, size), **CALIBRATED)
    check_stall(f"run {size}x{size} + result layers", watch.max_gap_ms, floor,
                {"p99_ms": watch.summary()["p99_ms"], "run_s": round(seconds, 1),
                 "napari scale bar on (first text)": round(scale_bar, 1)}, watch.ours)


def probe_layer(viewer, name: str):
    layer = f"{name} probe"
    return viewer.layers[layer] if layer in viewer.layers else None


def test_no_stall_when_the_probe_is_ticked_and_dragged(qtbot, shown_widget):
    from benchmarks.napari_window import canvas_drag

    viewer, widget = shown_widget
    layer = viewer.add_image(tiled(2048), name="img", **CALIBRATED)
    qtbot.wait(300)
    floor = napari_probe_like(qtbot, viewer)
    widget.image.value = layer
    set_fields(widget, **LARGE)
    qtbot.wait(300)
    with NapariCalls() as calls, EventLoopWatch() as tick:
        widget.probe.value = True
        qtbot.waitUntil(lambda: probe_layer(viewer, "img") is not None, timeout=RUN_TIMEOUT)
        qtbot.wait(1000)
    ours = {"tick": calls.outside_ms(tick)}
    probe = probe_layer(viewer, "img")
    # a drag that takes hold of the probe (at the image's centre, pixel (1024, 1024))
    path = [(20.48 - 0.2 * step, 20.48 - 0.24 * step) for step in range(60)]  # world, nm
    with NapariCalls() as calls, EventLoopWatch() as drag:  # a mouse drag, 60 moves a second
        canvas_drag(viewer, path, lambda: qtbot.wait(16))
        qtbot.wait(1000)
    ours["drag"] = calls.outside_ms(drag)
    from napari_symseg.controller import METADATA_KEY

    pixel = probe.metadata[METADATA_KEY]["pixel"]
    per_screen_px = 1 / (viewer.scene.camera.zoom * 0.02)  # data px (the mouse's grain)
    assert np.abs(np.asarray(pixel) - np.asarray(path[-1]) / 0.02).max() <= per_screen_px, (
        pixel, per_screen_px)  # the probe followed the mouse
    # (no second floor after it: drawing a new layer after the probe's was removed
    # crashed Mesa's llvmpipe in glDrawArrays, napari alone as well)
    # the drag against napari alone moving a point the same 60 times, recorded
    napari_drag = napari_moves(qtbot, viewer)
    check_stall("probe on + drag (2048²)", max(tick.max_gap_ms, drag.max_gap_ms), floor,
                {"tick_max_ms": tick.summary()["max_ms"],
                 "drag_max_ms": drag.summary()["max_ms"],
                 "drag_p99_ms": drag.summary()["p99_ms"],
                 "napari alone: 60 moves of a point (after)": round(napari_drag, 1)},
                max(ours.values(), key=lambda v: v["outside_ms"]))


def napari_scrubs(qtbot, viewer, n_frames: int) -> float:
    """napari alone: the time slider dragged to and fro over every frame."""
    def scrub():
        for t in [*range(1, n_frames), *range(n_frames - 2, -1, -1)]:
            viewer.dims.set_current_step(0, t)
            qtbot.wait(30)

    return watched(qtbot, scrub)


def test_no_stall_while_scrubbing_during_a_series_run(qtbot, shown_widget):
    from napari_symseg._sample_data import make_insitu_series_sample
    from napari_symseg.core.warmup import warm_up

    viewer, widget = shown_widget
    warm_up()
    data, kwargs, _ = make_insitu_series_sample()[0]
    layer = viewer.add_image(data, **kwargs)
    viewer.scale_bar.visible = True  # napari's first text, as in the run test
    qtbot.wait(500)
    n_frames = data.shape[0]
    floor = {"scrub": napari_scrubs(qtbot, viewer, n_frames),
             "add labels": napari_adds(qtbot, viewer, data.shape, scale=layer.scale,
                                       units=layer.units)}
    widget.image.value = layer
    widget.segment.value = "all frames"
    set_fields(widget, patch_x=8, patch_y=8, window_x=10, window_y=10, max_num_points=49,
               stride=2, n_selected_operations=10)
    qtbot.wait(300)
    steps = 0
    with NapariCalls() as calls, EventLoopWatch() as watch:
        assert widget.run() is not None
        while widget.worker is not None:  # the user drags the time slider to and fro
            t = steps % (2 * n_frames - 2)
            viewer.dims.set_current_step(0, t if t < n_frames else 2 * n_frames - 2 - t)
            qtbot.wait(30)
            steps += 1
        qtbot.wait(500)
    assert steps >= 10, "the run was too short to scrub during it"
    floor["scrub (after)"] = napari_scrubs(qtbot, viewer, n_frames)
    check_stall("scrubbing during a series run (8 x 256²)", watch.max_gap_ms, floor,
                {"p99_ms": watch.summary()["p99_ms"], "slider_moves": steps},
                calls.outside_ms(watch))


def napari_replaces(qtbot, viewer, shape, **kwargs) -> float:
    """napari alone: a shown Labels layer of `shape` given new data (and colours), the
    longest gap of setting them and drawing."""
    labels = viewer.add_labels(np.ones(shape, np.uint8), **kwargs)
    qtbot.wait(300)
    rng = np.random.default_rng(0)

    def replace():
        labels.data = rng.integers(1, 4, shape, dtype=np.uint8)
        labels.features = {"index": np.arange(1, 4), "area_fraction": np.ones(3) / 3}

    gap = watched(qtbot, replace)
    viewer.layers.remove(labels)
    qtbot.wait(200)
    return gap


def test_no_stall_while_a_series_result_is_edited(qtbot, shown_widget):
    """Edit… on an all-frames run: merge, split (every frame labelled again) and undo;
    the relabelling and the statistics run in a worker, the GUI thread only shows."""
    from napari_symseg._sample_data import make_insitu_series_sample
    from napari_symseg.controller.layers import layer_name
    from napari_symseg.core.warmup import warm_up

    viewer, widget = shown_widget
    warm_up()
    data, kwargs, _ = make_insitu_series_sample()[0]
    layer = viewer.add_image(data, **kwargs)
    viewer.scale_bar.visible = True
    widget.image.value = layer
    widget.segment.value = "all frames"
    set_fields(widget, patch_x=8, patch_y=8, window_x=10, window_y=10, max_num_points=49,
               stride=2, n_selected_operations=10, n_patterns=3)
    run_watched(qtbot, widget)
    patterns = viewer.layers[layer_name(layer.name, "series")]
    dock = widget.edit_patterns()
    assert dock is not None
    qtbot.wait(1000)  # the Scribbles dock is napari's to add; measured apart
    floor = {"set labels data": napari_replaces(qtbot, viewer, data.shape, scale=layer.scale,
                                                units=layer.units)}
    before = patterns.data
    seconds, steps = {}, {}

    def edit(name, action):
        start = time.perf_counter()
        with EventLoopWatch() as step:
            worker = action()
            if worker is not None:
                qtbot.waitUntil(lambda: dock.edit_worker is None, timeout=RUN_TIMEOUT)
            seconds[f"{name}_s"] = round(time.perf_counter() - start, 2)
            qtbot.wait(500)  # the layer's redraw, the plots, the scatter plot
        steps[f"{name}_max_ms"] = step.summary()["max_ms"]

    with NapariCalls() as calls, EventLoopWatch() as watch:
        dock.pattern_a.value, dock.pattern_b.value = 0, 1
        edit("merge", dock.merge)
        edit("split", dock.split)
        edit("undo", dock.undo)
        edit("undo again", dock.undo)
    assert patterns.data is before
    floor["set labels data (after)"] = napari_replaces(qtbot, viewer, data.shape,
                                                       scale=layer.scale, units=layer.units)
    check_stall("series edit: merge, split, 2 undos (8 x 256²)", watch.max_gap_ms, floor,
                {"p99_ms": watch.summary()["p99_ms"], **steps, **seconds,
                 # recorded, not bounded: napari's own work here is setting the layer's
                 # data and features, not an insert or a draw (its floor is all "outside")
                 "outside napari's inserts, slicing and draws": calls.outside_ms(watch)})


#: A fresh process: napari, the widget (its warm-up starts), then a first action; or
#: napari alone doing its first comparable things ("napari").
FRESH = r"""
import json, os, sys, time
import numpy as np
import napari
from qtpy.QtCore import QEventLoop, QTimer
from napari_symseg._qt.stall import EventLoopWatch
from napari_symseg._sample_data import make_two_phase_sample

def pump(seconds, until=lambda: False):
    loop, deadline = QEventLoop(), time.perf_counter() + seconds
    timer = QTimer(interval=20)
    timer.timeout.connect(lambda: (until() or time.perf_counter() > deadline) and loop.quit())
    timer.start()
    loop.exec()
    timer.stop()

def watched(action, settle=0.5):
    with EventLoopWatch() as watch:
        action()
        pump(settle)
    return round(watch.max_gap_ms, 1)

what = sys.argv[1]
viewer = napari.Viewer(show=True)
viewer.window._qt_window.resize(1366, 768)
data, kwargs, _ = make_two_phase_sample()[0]
layer = viewer.add_image(data, **kwargs)
pump(1.0)
out = {}
if what == "napari":
    # napari alone, first time in a process, its label and shapes kernels compiled first
    # (as the widget's warm-up does): what a first run and a first probe make it do
    from napari_symseg.controller.warmup import warm_up_napari
    warm_up_napari()
    pump(0.5)
    shape, place = data.shape, {"scale": layer.scale, "units": layer.units}
    out["add labels"] = watched(lambda: viewer.add_labels(np.zeros(shape, np.uint8), **place))
    out["add image"] = watched(lambda: viewer.add_image(np.zeros(shape, np.float32), **place))
    out["scale bar on"] = watched(lambda: setattr(viewer.scale_bar, "visible", True))
    from napari.layers import Vectors
    angle = 2 * np.pi * np.arange(60) / 60
    ring = 100 + 10 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    vectors = np.stack([ring, np.roll(ring, -1, axis=0) - ring], axis=1)
    out["add vectors"] = watched(lambda: viewer.add_layer(Vectors(
        vectors, edge_width=1.5, vector_style="line", **place)))
    print("RESULT " + json.dumps(out), flush=True)
    os._exit(0)
start = time.perf_counter()
with EventLoopWatch() as watch:
    _, widget = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
out["open widget"] = {"max_ms": round(watch.max_gap_ms, 1),
                      "s": round(time.perf_counter() - start, 2)}
widget.image.value = layer
for name, value in dict(patch_x=10, patch_y=10, window_x=12, window_y=12, stride=4).items():
    widget.fields[name].value = value
with EventLoopWatch() as watch:
    pump(float(sys.argv[2]))  # the user reads the widget; the warm-up runs meanwhile
out["after open"] = watch.summary()
from napari_symseg._qt.stall import NapariCalls
from napari_symseg._qt.warmup import warming
out["warming at the action"] = warming()
start = time.perf_counter()
with NapariCalls() as calls, EventLoopWatch() as watch:
    if what == "run":
        assert widget.run() is not None
        pump(300, lambda: widget.worker is None)
        pump(0.5)
    else:
        widget.probe.value = True
        pump(5.0)
out[what] = {**watch.summary(), "s": round(time.perf_counter() - start, 2)}
out["longest turns"] = sorted(calls.by_gap(watch), key=lambda g: -g["gap_ms"])[:3]
print("RESULT " + json.dumps(out), flush=True)
os._exit(0)  # measured; closing the viewer with a worker still running is another matter
"""


def fresh(what: str, pause: str = "5.0") -> dict:
    """Run `FRESH` in a new process; its numbers."""
    env = {**os.environ, "QT_API": os.environ.get("QT_API", "pyqt6")}
    done = subprocess.run([sys.executable, "-c", FRESH, what, pause], env=env,
                          capture_output=True, text=True, timeout=600)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    return json.loads(lines[-1][len("RESULT "):])


@pytest.mark.parametrize("first", ["run", "probe"])
def test_no_stall_on_the_first_action_of_a_fresh_process(first):
    """The first run (or probe) of a process: the JIT must not freeze napari.

    5 s after the widget opens (choosing the image and the sizes takes longer): the
    warm-up has had time. (Pressing Run within a second, while the warm-up still holds
    numba's process-wide compiler lock, makes napari's own label-colour kernel, compiled
    on the GUI thread when the patterns layer is made, wait for that lock.) The floor:
    napari alone in a fresh process, started just before, doing its first comparable
    things (its first Labels layer, its first text: the scale bar). Opening the
    widget (imports) is recorded, not bounded here (see the import test below). Three
    fresh pairs at most: on a shared machine one process pair can land on a busy second
    (fresh-clone CI once failed by 1 ms while other work ran beside it).
    """
    keys = ("add labels", "add image", "scale bar on") if first == "run" else (
        "add vectors",)
    for attempt in range(3):  # a stall of ours repeats; one from a busy machine seldom does
        napari = fresh("napari")  # just before: under the same load as far as possible
        values = fresh(first)
        floor = {k: napari[k] for k in keys}
        worst = max(values["after open"]["max_ms"], values[first]["max_ms"])
        values["attempts"] = attempt + 1
        if worst <= bound_ms(max(floor.values())):
            break
    check_stall(f"fresh process, first {first}", worst, floor, values)


def test_opening_the_widget_imports_no_heavy_library():
    """The widget module (imported on the GUI thread when the dock opens) leaves
    scikit-learn, scipy.stats, dask.distributed and tifffile to the warm-up / first use."""
    heavy = ["sklearn", "scipy.stats", "distributed", "tifffile"]
    code = ("import sys, napari, napari.qt; import napari_symseg._qt.widget; "
            f"print([m for m in {heavy!r} if m in sys.modules])")
    env = {**os.environ, "QT_API": os.environ.get("QT_API", "pyqt6")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


#: Opening the dock in a fresh process: the modules first imported on the GUI thread.
DOCK_IMPORTS = r"""
import json, sys, threading
import napari

class Recorder:  # asked for every module not imported yet, by every thread
    on_gui_thread = []

    def find_spec(self, name, path=None, target=None):
        if threading.current_thread() is threading.main_thread():
            Recorder.on_gui_thread.append(name)
        return None

viewer = napari.Viewer(show=False)
sys.meta_path.insert(0, Recorder())
viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
print("RESULT " + json.dumps(Recorder.on_gui_thread), flush=True)
"""
#: Too slow to import on the GUI thread when the dock opens (0.1-1 s each when idle):
#: the warm-up thread or the first use imports them.
HEAVY = ("matplotlib", "scipy.ndimage", "scipy.optimize", "scipy.spatial", "scipy.signal",
         "scipy.stats", "sklearn", "distributed", "tifffile")


def test_opening_the_dock_imports_no_heavy_module_on_the_gui_thread():
    env = {**os.environ, "QT_API": os.environ.get("QT_API", "pyqt6")}
    done = subprocess.run([sys.executable, "-c", DOCK_IMPORTS], env=env,
                          capture_output=True, text=True, timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    imported = json.loads(lines[-1][len("RESULT "):])
    assert "napari_symseg._qt.widget" in imported  # the recorder saw the dock's imports
    heavy = [name for name in imported
             if any(name == h or name.startswith(h + ".") for h in HEAVY)]
    assert heavy == []
