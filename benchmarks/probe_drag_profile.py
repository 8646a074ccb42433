"""Where the GUI thread's time goes while the probe is dragged: ours vs napari alone.

Usage (headless under Xvfb)::

    QT_API=pyqt6 xvfb-run -a -s "-screen 0 1366x768x24" \\
        python benchmarks/probe_drag_profile.py [--size 2048] [--moves 60] [--repeat 3] [--profile]

A shown napari window with the dock widget (warmed up) and a calibrated
size x size image. For each repeat the longest event-loop gap and the GUI
thread's CPU time are printed for napari alone moving a point of a Points
layer (its data set 60 times per second along a diagonal), and for the
probe dragged along the same diagonal with real mouse events on the canvas
(its layer moved, its map computed in a worker and drawn in the plots
dock). With ``--profile`` cProfile runs on the GUI
thread during the probe's drags and the top functions (own time and
cumulative) are printed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time

import numpy as np

if __package__ in (None, ""):  # run as a script: the repository's benchmarks importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--moves", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)

    import napari
    from qtpy.QtCore import QEventLoop, QTimer

    from benchmarks.napari_window import canvas_drag
    from napari_symseg._qt.runner import napari_ready
    from napari_symseg._qt.stall import EventLoopWatch
    from napari_symseg._sample_data import make_two_phase_sample

    def pump(seconds, until=lambda: False):
        loop, deadline = QEventLoop(), time.perf_counter() + seconds
        timer = QTimer(interval=5)
        timer.timeout.connect(
            lambda: (until() or time.perf_counter() > deadline) and loop.quit())
        timer.start()
        loop.exec()
        timer.stop()

    viewer = napari.Viewer(show=True)
    viewer.window._qt_window.resize(1366, 768)
    _, widget = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    pump(600, lambda: napari_ready("shapes"))
    n = args.size
    tile = make_two_phase_sample()[0][0]
    data = np.tile(tile, (n // tile.shape[0], n // tile.shape[1]))
    layer = viewer.add_image(data, name="img", scale=(0.02, 0.02), units=("nm", "nm"))
    pump(1.0)
    for name, value in dict(patch_x=8, patch_y=8, window_x=10, window_y=10,
                            max_num_points=25, stride=8).items():
        widget.fields[name].value = value
    plain = viewer.add_points([[n / 2, n / 2]], size=n / 60, scale=(0.02, 0.02),
                              units=("nm", "nm"))
    pump(0.5)
    widget.image.value = layer
    widget.probe.value = True
    pump(600, lambda: "img probe" in viewer.layers)
    pump(2.0)
    path = [(0.5 * n - 0.005 * n * step, 0.5 * n - 0.006 * n * step)
            for step in range(args.moves)]  # data pixels, from the probe (the centre)

    def drag(target, profile=None):
        """`target` a Points layer (its data set per move) or None: the probe dragged with
        real mouse events on the canvas."""
        cpu = time.thread_time()
        with EventLoopWatch() as watch:
            if profile:
                profile.enable()
            if target is None:
                canvas_drag(viewer, [layer.data_to_world(p) for p in path],
                            lambda: pump(1 / 60))
            else:
                for row, col in path:
                    target.data = np.array([[row, col]])
                    pump(1 / 60)
            pump(1.0)
            if profile:
                profile.disable()
        return watch.max_gap_ms, 1000 * (time.thread_time() - cpu)

    rows = {"napari: move a point": [], "ours: drag the probe": []}
    profile = cProfile.Profile() if args.profile else None
    for _ in range(args.repeat):
        rows["napari: move a point"].append(drag(plain))
        rows["ours: drag the probe"].append(drag(None, profile))
    print(f"\n{n}x{n}, {args.moves} moves at 60/s, median of {args.repeat}: "
          "longest gap / GUI-thread CPU (ms, incl. 1 s settling)")
    for name, values in rows.items():
        gaps, cpus = zip(*values, strict=True)
        print(f"{name:24s} {statistics.median(gaps):7.0f} {statistics.median(cpus):7.0f}"
              f"   gaps {[round(g) for g in gaps]}")
    if profile:
        for key in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(key).print_stats(25)
            print(f"---- by {key}\n" + "\n".join(out.getvalue().splitlines()[6:]))
        out = io.StringIO()  # who makes vispy link shader programs, who pickles
        stats = pstats.Stats(profile, stream=out)
        stats.print_callers("_parse_variables_from_code|_pickle.dumps|translate")
        print("---- callers\n" + out.getvalue()[-6000:])
    viewer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
