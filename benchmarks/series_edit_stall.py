"""Longest GUI-thread gap of each step of a series edit (Edit… on an all-frames run).

Usage (headless under Xvfb)::

    QT_API=pyqt6 xvfb-run -a -s "-screen 0 1366x768x24" \\
        python benchmarks/series_edit_stall.py [--frames 8] [--profile]

The in-situ series sample (or `--frames` copies of its frames) is run on all
frames in a shown napari window; then *Edit…* merge, split and two undos,
each watched by a 10 ms QTimer (`_qt.stall.EventLoopWatch`) with napari's
layer inserts and canvas draws recorded (`_qt.stall.NapariCalls`). Printed
per step: the longest gap, its part outside napari's inserts and draws,
the step's wall time. With ``--profile`` the GUI thread's top functions
(cumulative) of each step.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks.*

import argparse
import cProfile
import io
import pstats
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)

    import numpy as np

    from benchmarks.napari_window import pump, viewer_with_dock
    from napari_symseg._qt.stall import EventLoopWatch, NapariCalls
    from napari_symseg._sample_data import make_insitu_series_sample
    from napari_symseg.controller.layers import layer_name

    viewer, widget = viewer_with_dock(size=(1366, 768))
    data, kwargs, _ = make_insitu_series_sample()[0]
    data = np.concatenate([data] * (1 + args.frames // len(data)))[: args.frames]
    layer = viewer.add_image(data, **kwargs)
    viewer.canvas.overlays["scale_bar"].visible = True  # as controller.runs does
    widget.image.value = layer
    widget.segment.value = "all frames"
    for name, value in dict(patch_x=8, patch_y=8, window_x=10, window_y=10,
                            max_num_points=49, stride=2, n_selected_operations=10,
                            n_patterns=3).items():
        widget.fields[name].value = value
    widget.run()
    pump(600, lambda: widget.worker is None)
    pump(1.0)
    patterns = viewer.layers[layer_name(layer.name, "series")]
    dock = widget.edit_patterns()
    pump(1.0)
    dock.pattern_a.value, dock.pattern_b.value = 0, 1
    steps = [("merge", dock.merge), ("split", dock.split), ("undo", dock.undo),
             ("undo", dock.undo)]
    print(f"series {data.shape}, layer {patterns.data.dtype}")
    for name, action in steps:
        profile = cProfile.Profile() if args.profile else None
        start = time.perf_counter()
        with NapariCalls() as calls, EventLoopWatch() as watch:
            if profile:
                profile.enable()
            action()
            pump(600, lambda: dock.edit_worker is None)
            seconds = time.perf_counter() - start
            pump(0.5)
            if profile:
                profile.disable()
        ours = calls.outside_ms(watch)
        print(f"{name:6s} {seconds:6.2f} s  max gap {watch.max_gap_ms:7.1f} ms  "
              f"outside napari {ours['outside_ms']:7.1f} ms (of a {ours['of_gap_ms']:.0f} ms "
              f"gap; napari's longest call {ours['max_napari_ms']:.0f} ms)")
        if profile:
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
            print(out.getvalue())
    viewer.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
