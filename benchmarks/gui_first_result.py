"""Fresh napari processes: opening the widget, the first result after Run, re-runs.

Usage (headless under Xvfb; each trial is a new process)::

    QT_API=pyqt6 xvfb-run -a -s "-screen 0 1366x768x24" \\
        python benchmarks/gui_first_result.py [--size 1024] [--repeat 5] [--reruns 3] \\
        [--src OTHER/src ...]

Each trial starts napari (a shown 1366x768 window), adds a calibrated
size x size image (the two-phase sample tiled), then:

- ``open_s``: opening the *Symmetry segmentation* dock (imports on the GUI
  thread, building the fields), and the longest event-loop gap meanwhile;
- ``warm_s``: the widget's background warm-up (numba kernels, napari's
  label and shapes kernels, matplotlib) until it has finished;
- ``first_s``: Run (widget defaults) until the ``<image> patterns`` layer is
  in the viewer and drawn (the end of the canvas's first draw after it is
  inserted: what the user sees), the issue-16 GUI latency ("first result on a
  1024² image <= 1 s after Run in a fresh napari"); ``first_compute_s`` of it
  until the worker hands over the finished layers (`Ready`),
  ``first_inserted_s`` until the patterns layer is inserted; the run's
  longest gap. (Before 2026-11-30 session 5, ``first_s`` ended at the first
  5 ms poll after the insert, which came only after the hidden PCA and
  confidence layers had been added too: ~0.3-0.6 s idle later than the
  patterns' first draw.)
- ``rerun_gap_ms``: the same Run again (the result layers are updated in
  place), the longest gap of each; ``napari_gap_ms``: napari alone adding a
  Labels layer of the same size in the same process, the floor.

With ``--open-only`` each process only opens the widget. With ``--src``
the trials alternate between this checkout's ``src`` and the given ones
(e.g. an export of an older commit): before/after in the same minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import json, os, sys, time
import numpy as np
import napari
from qtpy.QtCore import QEventLoop, QTimer
from qtpy.QtWidgets import QApplication
from napari_symseg._qt.stall import EventLoopWatch
from napari_symseg._sample_data import make_two_phase_sample
from napari_symseg.controller.runs import Ready

def pump(seconds, until=lambda: False):
    loop, deadline = QEventLoop(), time.perf_counter() + seconds
    timer = QTimer(interval=5)
    timer.timeout.connect(lambda: (until() or time.perf_counter() > deadline) and loop.quit())
    timer.start()
    loop.exec()
    timer.stop()

size, reruns = int(sys.argv[1]), int(sys.argv[2])
viewer = napari.Viewer(show=True)
viewer.window._qt_window.resize(1366, 768)
tile = make_two_phase_sample()[0][0]
data = np.tile(tile, (size // tile.shape[0], size // tile.shape[1])).astype(np.float32)
layer = viewer.add_image(data, name="img", scale=(0.02, 0.02), units=("nm", "nm"))
pump(1.0)
out = {}
start = time.perf_counter()
with EventLoopWatch() as watch:
    _, widget = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
out["open_s"] = round(time.perf_counter() - start, 3)
out["open_gap_ms"] = round(watch.max_gap_ms, 1)
if reruns < 0:  # opening only
    print("RESULT " + json.dumps(out), flush=True)
    os._exit(0)
widget.image.value = layer
from napari_symseg._qt import runner
start = time.perf_counter()
pump(300, lambda: runner.SHAPES_WARM.is_set())
out["warm_s"] = round(time.perf_counter() - start, 2)
pump(0.5)

canvas = viewer.window._qt_viewer.canvas._scene_canvas  # vispy's SceneCanvas
drawn = []  # ends of the canvas's draws (position="last": after the scene is drawn)
canvas.events.draw.connect(lambda event: drawn.append(time.perf_counter()), position="last")

def run():
    shown = []
    def inserted(event):
        if event.value.name == "img patterns":
            shown.append(time.perf_counter())
    viewer.layers.events.inserted.connect(inserted)
    patterns = viewer.layers["img patterns"] if "img patterns" in viewer.layers else None
    if patterns is not None:
        patterns.events.data.connect(lambda e: shown.append(time.perf_counter()))
    ready = []
    start = time.perf_counter()
    with EventLoopWatch() as watch:
        worker = widget.run()
        worker.yielded.connect(lambda step: isinstance(step, Ready) and ready.append(
            time.perf_counter()))
        pump(300, lambda: bool(shown) and any(t > shown[0] for t in drawn))
        seen = min(t for t in drawn if t > shown[0]) - start
        pump(300, lambda: widget.worker is None)
        pump(0.5)
    viewer.layers.events.inserted.disconnect(inserted)
    return (round(seen, 3), round(ready[0] - start, 3), round(shown[0] - start, 3),
            round(watch.max_gap_ms, 1))

KEYS = ("_s", "_compute_s", "_inserted_s", "_gap_ms")
for key, value in zip(KEYS, run()):
    out["first" + key] = value
for key in KEYS:
    out["rerun" + key] = []
for _ in range(reruns):
    for key, value in zip(KEYS, run()):
        out["rerun" + key].append(value)
out["napari_gap_ms"] = []
for _ in range(reruns):
    added = []
    with EventLoopWatch() as watch:
        added.append(viewer.add_labels(np.zeros(data.shape, np.uint8), scale=(0.02, 0.02),
                                       units=("nm", "nm")))
        pump(0.5)
    out["napari_gap_ms"].append(round(watch.max_gap_ms, 1))
    added[0].visible = False
    pump(0.2)
out["stride"] = widget.fields["stride"].value
print("RESULT " + json.dumps(out), flush=True)
os._exit(0)
"""


def user_env(bytecode: bool = True) -> dict:
    """This process's environment for a child run as a user's: bytecode caching on.

    An installed package has its ``.pyc`` files (pip writes them); with
    ``PYTHONDONTWRITEBYTECODE`` set (as in some CI and sandboxes) every import
    of a checkout's ``src`` compiles its sources again, ~0.3 s for the ~70
    modules of a ``segment`` run. ``bytecode=False`` keeps the variable.
    """
    env = dict(os.environ)
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def child_result(code: str, args: list[str], src: str, bytecode: bool = True) -> dict:
    """Run `code` with `args` in a fresh interpreter importing `src`; its ``RESULT`` JSON."""
    env = {**user_env(bytecode), "QT_API": os.environ.get("QT_API", "pyqt6"),
           "PYTHONPATH": src}
    done = subprocess.run([sys.executable, "-c", code, *args], env=env,
                          capture_output=True, text=True, timeout=900)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(lines[-1][len("RESULT "):])


def trial(src: str, size: int, reruns: int) -> dict:
    return child_result(CHILD, [str(size), str(reruns)], src)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reruns", type=int, default=3)
    parser.add_argument("--open-only", action="store_true", help="only open the widget")
    parser.add_argument("--src", nargs="*", default=[], help="other src folders to compare")
    args = parser.parse_args(argv)
    here = str(Path(__file__).resolve().parents[1] / "src")
    sources = [here, *args.src]
    rows = {src: [] for src in sources}
    for i in range(args.repeat):
        for src in sources:
            row = trial(src, args.size, -1 if args.open_only else args.reruns)
            rows[src].append(row)
            print(f"[{i}] {src}: {json.dumps(row)}", flush=True)
    print(f"\n{args.size}x{args.size}, median of {args.repeat} fresh processes")
    for src, found in rows.items():
        med = {key: statistics.median(
            statistics.median(r[key]) if isinstance(r[key], list) else r[key] for r in found)
            for key in found[0] if key != "stride"}
        print(src + ": " + ", ".join(f"{k} {v:g}" for k, v in med.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
