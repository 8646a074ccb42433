"""A first napari session after installing: numba's on-disk cache empty.

Usage (headless under Xvfb; each trial is a new process)::

    QT_API=pyqt6 xvfb-run -a -s "-screen 0 1366x768x24" \\
        python benchmarks/gui_cold_cache.py [--repeat 3] [--warm] [--src OTHER/src ...]

Each trial starts napari with ``NUMBA_CACHE_DIR`` set to a new empty folder
(what a fresh install has: every kernel is compiled, none loaded), shows a
1366x768 window with the two-phase sample, opens the *Symmetry segmentation*
dock and records the Qt event loop's longest gap (`EventLoopWatch`):

- ``warm``: from opening the dock until its background warm-up has ended
  (``warm_s`` seconds), the user reading the widget meanwhile;
- ``run``: Run with sizes 10/12, stride 4, until the worker is done;
- ``probe``: the probe ticked, 3 s.

Each window also lists the garbage collections over 50 ms in it
(generation, ms): the warm-up's one full collection (`runner._thaw_when_idle`)
lands after it.

``--warm`` runs every trial on one cache folder filled by a first process
(a second session: kernels loaded, not compiled). With ``--src`` the trials
alternate between this checkout's ``src`` and the given ones (before/after
in the same minutes). Prints each trial's JSON and the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, os, sys, time
import napari
from qtpy.QtCore import QEventLoop, QTimer
from napari_symseg._qt.stall import EventLoopWatch
from napari_symseg._sample_data import make_two_phase_sample
import gc

collections = []  # (generation, ms) of every collection over 50 ms
_started = []

def _gc(phase, info):
    if phase == "start":
        _started[:] = [time.perf_counter()]
    elif _started:
        ms = (time.perf_counter() - _started[0]) * 1000
        if ms > 50:
            collections.append((info["generation"], round(ms, 1)))

gc.callbacks.append(_gc)

def slow_collections():
    found = list(collections)
    collections.clear()
    return found

def pump(seconds, until=lambda: False):
    loop, deadline = QEventLoop(), time.perf_counter() + seconds
    timer = QTimer(interval=20)
    timer.timeout.connect(lambda: (until() or time.perf_counter() > deadline) and loop.quit())
    timer.start()
    loop.exec()
    timer.stop()

viewer = napari.Viewer(show=True)
viewer.window._qt_window.resize(1366, 768)
data, kwargs, _ = make_two_phase_sample()[0]
layer = viewer.add_image(data, **kwargs)
pump(1.0)
from napari_symseg._qt import runner
out = {}
start = time.perf_counter()
with EventLoopWatch() as watch:
    _, widget = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    widget.image.value = layer
    for name, value in dict(patch_x=10, patch_y=10, window_x=12, window_y=12,
                            stride=4).items():
        widget.fields[name].value = value
    pump(600, lambda: runner.SHAPES_WARM.is_set())
    out["warm_s"] = round(time.perf_counter() - start, 2)
    pump(0.5)
out["warm"] = {**watch.summary(), "gc": slow_collections()}
start = time.perf_counter()
with EventLoopWatch() as watch:
    assert widget.run() is not None
    pump(300, lambda: widget.worker is None)
    pump(0.5)
out["run"] = {**watch.summary(), "s": round(time.perf_counter() - start, 2),
             "gc": slow_collections()}
with EventLoopWatch() as watch:
    widget.probe.value = True
    pump(3.0)
out["probe"] = {**watch.summary(), "gc": slow_collections()}
print("RESULT " + json.dumps(out), flush=True)
os._exit(0)
"""


def trial(src: str, cache: str) -> dict:
    """One fresh napari process importing `src`, numba's cache in `cache`."""
    env = {**os.environ, "QT_API": os.environ.get("QT_API", "pyqt6"), "PYTHONPATH": src,
           "NUMBA_CACHE_DIR": cache}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                          text=True, timeout=1200)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(lines[-1][len("RESULT "):])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--warm", action="store_true", help="a filled cache (second session)")
    parser.add_argument("--src", nargs="*", default=[], help="other src folders to compare")
    args = parser.parse_args(argv)
    here = str(Path(__file__).resolve().parents[1] / "src")
    sources = [here, *args.src]
    rows: dict[str, list[dict]] = {src: [] for src in sources}
    with tempfile.TemporaryDirectory(prefix="symseg-numba-") as root:
        if args.warm:
            for src in sources:
                trial(src, str(Path(root) / Path(src).parent.name))
        for index in range(args.repeat):
            for src in sources:
                cache = (str(Path(root) / Path(src).parent.name) if args.warm
                         else tempfile.mkdtemp(dir=root))
                row = trial(src, cache)
                rows[src].append(row)
                print(f"[{index}] {src}: {json.dumps(row)}", flush=True)
    print(f"\nmedians of {args.repeat} fresh processes ({'warm' if args.warm else 'empty'}"
          " numba cache), longest event-loop gap (ms)")
    for src, found in rows.items():
        parts = {key: statistics.median(r[key]["max_ms"] for r in found)
                 for key in ("warm", "run", "probe")}
        warm_s = statistics.median(r["warm_s"] for r in found)
        print(f"{src}: warm-up {warm_s:.1f} s, gaps: " +
              ", ".join(f"{k} {v:.0f}" for k, v in parts.items()))


if __name__ == "__main__":
    main()
