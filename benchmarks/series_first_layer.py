"""A fresh session's first all-frames run of a lazy video: when does its layer show?

Usage (headless under Xvfb; one fresh process per trial)::

    QT_API=pyqt6 xvfb-run -a -s "-screen 0 1366x768x24" \\
        python benchmarks/series_first_layer.py SERIES.npy [--old] [--pause 0]

A fresh napari (shown, 1366x768) opens ``SERIES.npy`` lazily (as *File > IO
Utilities > open a video* does), the dock, waits ``--pause`` s, and runs
all frames. Printed: seconds from *Run* to the series layer in the viewer,
to the first frame done, and to the run's end, and whether napari's label
kernels were compiled when the layer came. ``--old``: the layer waits for
napari's label kernels as before `controller.label_colormap` (for
before / after pairs in one tree).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("video", type=Path)
    parser.add_argument("--old", action="store_true")
    parser.add_argument("--pause", type=float, default=0.0)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import napari

    from napari_symseg._qt import runner
    from napari_symseg._qt.open_video import add_video
    from napari_window import pump

    if args.old:
        from napari_symseg.controller import series

        series.kernel_free = lambda colormap: False
    viewer = napari.Viewer(show=True)
    viewer.window._qt_window.resize(1366, 768)
    layer = add_video(viewer, args.video)
    pump(1.0)
    _, widget = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    widget.image.value = layer
    widget.segment.value = "all frames"
    pump(args.pause)
    n = len(viewer.layers)
    start = time.perf_counter()
    assert widget.run() is not None
    shown = first = None
    ready_at_show = None
    while widget.worker is not None:
        if shown is None and len(viewer.layers) > n:
            shown, ready_at_show = time.perf_counter() - start, runner.napari_ready()
        if first is None and widget.status.value.startswith("frame "):
            first = time.perf_counter() - start
        pump(0.02)
    end = time.perf_counter() - start
    print(f"{'old' if args.old else 'new'}: layer shown {shown:.2f} s (napari's label kernels "
          f"compiled then: {ready_at_show}), first frame done {first}, run {end:.2f} s",
          flush=True)
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
