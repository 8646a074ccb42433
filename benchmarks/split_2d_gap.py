"""The Scribbles dock's split of a 2-D result: the longest event-loop gap, before / after.

Usage::

    QT_API=pyqt6 xvfb-run -a -s "-screen 0 1366x768x24" \\
        python benchmarks/split_2d_gap.py IMAGE.npy [--trials 3]

A shown napari with the Scribbles dock, two short strokes on ``IMAGE`` and
a scribbles run (2 patterns, seed 0); then, alternated, pattern 0 split
"before" (as the dock did until 2026-11-30: `ScribbleSession.split` and the
refresh on the GUI thread) and "after" (`ScribblesDock.split`: the k-means
in a worker), each undone after. Prints the longest gap of the event loop
(`napari_symseg._qt.stall.EventLoopWatch`) and the load average (a shared
machine: not idle numbers).
"""

import argparse
import os
import sys
from pathlib import Path

import napari
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from napari_symseg._qt.stall import EventLoopWatch
from napari_symseg.core.params import Params
from napari_symseg.core.warmup import warm_up
from napari_window import pump

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("image", type=Path)
parser.add_argument("--trials", type=int, default=3)
args = parser.parse_args()
warm_up()
img = np.load(args.image).astype(np.float32)
viewer = napari.Viewer(show=True)
image = viewer.add_image(img, name="ni")
_, w = viewer.window.add_plugin_dock_widget("napari-symseg", "Scribbles")
w.image.value = image
pump(2)
layer = w.add_layer()
strokes = np.zeros(img.shape, np.uint8)
strokes[100:140, 100:110] = 1
strokes[700:740, 700:710] = 2
layer.data = strokes
w.session.params_for = lambda source, base=None: Params(n_patterns=2, random_state=0)
assert w.run() is not None
pump(600, lambda: w.worker is None)
pump(2)
for _trial in range(args.trials):
    for which in ("before", "after"):
        w.pattern_a.value = 0
        with EventLoopWatch() as watch:
            if which == "before":  # the old path: the split on the GUI thread
                w._guard(w.session.split, 0)
                w._refresh("split pattern 0")
            else:
                worker = w.split()
                assert worker is not None
                pump(120, lambda: w.edit_worker is None)
            pump(1.0)
        print(f"{which}: split's longest gap {watch.max_gap_ms:.0f} ms "
              f"(load {os.getloadavg()[0]:.1f})", flush=True)
        w.undo()
        pump(1.0)
os._exit(0)
