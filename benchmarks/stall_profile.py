"""Where the GUI thread's time goes when result layers are added: per call, napari vs us.

Usage (headless under Xvfb)::

    QT_API=pyqt6 xvfb-run -a -s "-screen 0 1366x768x24" \\
        python benchmarks/stall_profile.py [--size 2048] [--repeat 3] [--profile]

In a shown napari window (napari's label kernels compiled first), each
operation is timed in two parts: the call that makes the layer and inserts
it (layer construction: data checks, contrast limits, colormap, thumbnail;
vispy node creation), then the first draw (``repaint`` of the canvas:
slicing, the texture upload, the software-OpenGL render under Xvfb). Three
clocks are printed: wall time, the GUI thread's CPU time and the process's
CPU time (which includes Mesa's llvmpipe render threads); on a loaded
machine the wall time grows, the CPU times much less. Operations:

- ``napari: add_labels``: what napari alone does with a 2048² uint8 Labels;
- ``napari: add_image``: a 2048² float image (the source a user opens);
- ``ours: patterns`` / ``ours: PCA`` / ``ours: confidence``: the layers a run
  adds, made by `apply_spec` from `image_specs`-like specs (hidden PCA and
  confidence as the run adds them).

With ``--profile`` the top functions (cumulative) of each operation are printed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time

import numpy as np


class Clocks:
    """Wall, GUI-thread CPU and process CPU seconds of a block."""

    def __enter__(self):
        self.w, self.t, self.p = time.perf_counter(), time.thread_time(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = 1000 * (time.perf_counter() - self.w)
        self.thread = 1000 * (time.thread_time() - self.t)
        self.process = 1000 * (time.process_time() - self.p)


def pump(app, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.005)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)

    import napari
    from qtpy.QtWidgets import QApplication

    from napari_symseg.controller.layers import LayerSpec, apply_spec, layer_labels
    from napari_symseg.controller.warmup import warm_up_napari
    from napari_symseg.io.figure import label_colour_dict

    warm_up_napari()
    viewer = napari.Viewer(show=True)
    viewer.window._qt_window.resize(1366, 768)
    app = QApplication.instance()
    canvas = viewer.window._qt_viewer.canvas.native
    pump(app, 1.0)
    n = args.size
    rng = np.random.default_rng(0)
    source = viewer.add_image(rng.random((n, n), dtype=np.float32), name="src",
                              scale=(0.02, 0.02), units=("nm", "nm"))
    pump(app, 1.0)
    place = {"scale": (0.02, 0.02), "translate": (0.0, 0.0), "units": ("nm", "nm"),
             "axis_labels": ("y", "x")}
    labels = layer_labels((rng.random((n, n)) * 2).astype(np.int64), 2)

    def ours(slot, kind, data, **kwargs):
        def op():
            return apply_spec(viewer.layers, source, LayerSpec(slot, kind, data, kwargs))
        return op

    ops = {
        "napari: add_image (float32)": lambda: viewer.add_image(
            rng.random((n, n), dtype=np.float32)),
        "napari: add_labels (uint8)": lambda: viewer.add_labels(
            np.zeros((n, n), np.uint8)),
        "ours: patterns (uint8, colormap)": ours(
            "patterns", "labels", labels, colormap=label_colour_dict(2, 1), **place),
        "ours: PCA (RGB, hidden)": ours(
            "PCA", "image", rng.random((n // 8, n // 8, 3), dtype=np.float32), rgb=True,
            contrast_limits=(0.0, 1.0), visible=False, **place),
        "ours: confidence (hidden)": ours(
            "confidence", "image", rng.random((n, n), dtype=np.float32), colormap="magma",
            contrast_limits=(0.0, 1.0), visible=False, **place),
        "ours: confidence (shown)": ours(
            "confidence", "image", rng.random((n, n), dtype=np.float32), colormap="magma",
            contrast_limits=(0.0, 1.0), **place),
    }
    rows = {name: {"make": [], "draw": []} for name in ops}
    for _ in range(args.repeat):
        for name, op in ops.items():
            profile = cProfile.Profile() if args.profile else None
            if profile:
                profile.enable()
            with Clocks() as make:
                layer = op()
            with Clocks() as draw:
                canvas.repaint()  # the first draw, synchronously
            if profile:
                profile.disable()
                out = io.StringIO()
                pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(18)
                print(f"---- {name}\n" + "\n".join(out.getvalue().splitlines()[6:]))
            rows[name]["make"].append((make.wall, make.thread, make.process))
            rows[name]["draw"].append((draw.wall, draw.thread, draw.process))
            pump(app, 0.3)
            viewer.layers.remove(layer)
            pump(app, 0.3)
    print(f"\n{n}x{n}, median of {args.repeat} (ms): wall / GUI-thread CPU / process CPU")
    print(f"{'operation':36s} {'make + insert':>22s} {'first draw':>22s}")
    for name, row in rows.items():
        cells = []
        for part in ("make", "draw"):
            med = [statistics.median(v[i] for v in row[part]) for i in range(3)]
            cells.append(" / ".join(f"{v:5.0f}" for v in med))
        print(f"{name:36s} {cells[0]:>22s} {cells[1]:>22s}")
    viewer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
