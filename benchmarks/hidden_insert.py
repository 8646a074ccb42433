"""Does adding a layer hidden, then showing it a turn later, split napari's insert stall?

Usage (headless under Xvfb)::

    QT_API=pyqt6 xvfb-run -a -s "-screen 0 1366x768x24" \\
        python benchmarks/hidden_insert.py [--sizes 2048 4096] [--repeat 5] [--profile]

In a shown napari window (1366x768, napari's label kernels compiled first),
for a uint8 Labels layer (the patterns layer's direct colormap) and a
float32 Image layer, each size, `--repeat` times (medians printed):

- ``shown``: the layer added visible, in one turn: the longest event-loop gap
  (`EventLoopWatch`) until the loop has settled (insert + first draw);
- ``hidden``: added with ``visible=False`` (the longest gap of that turn and
  its settling), then ``visible = True`` in a later turn (`next_turn`) and its
  longest gap: the two parts a result layer would cost when split.

With ``--profile``, cProfile (cumulative) of one hidden add and one show of
each kind at the first size: where napari's time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
from pathlib import Path

import numpy as np


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2048, 4096])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import napari

    from napari_symseg._qt.stall import EventLoopWatch
    from napari_symseg.controller.warmup import warm_up_napari
    from napari_symseg.io.figure import label_colour_dict
    from napari_window import pump

    warm_up_napari()
    viewer = napari.Viewer(show=True)
    viewer.window._qt_window.resize(1366, 768)
    rng = np.random.default_rng(0)
    viewer.add_image(rng.random((512, 512), dtype=np.float32), name="source",
                     scale=(0.02, 0.02), units=("nm", "nm"))
    pump(1.0)
    place = {"scale": (0.02, 0.02), "units": ("nm", "nm")}

    def make(kind, n, visible):
        if kind == "labels uint8":
            data = (rng.random((n, n)) * 3).astype(np.uint8) + 1
            return lambda: viewer.add_labels(data, colormap=label_colour_dict(3, 1),
                                             visible=visible, **place)
        data = rng.random((n, n), dtype=np.float32)
        return lambda: viewer.add_image(data, colormap="magma", contrast_limits=(0, 1),
                                        visible=visible, **place)

    def watched(action, settle=0.6):
        out = []
        with EventLoopWatch() as watch:
            out.append(action())
            pump(settle)
        return watch.max_gap_ms, out[0]

    def profiled(action, title):
        profile = cProfile.Profile()
        result = profile.runcall(action)
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
        print(f"---- {title}\n" + "\n".join(out.getvalue().splitlines()[6:]), flush=True)
        return result

    print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
    for n in args.sizes:
        for kind in ("labels uint8", "image float32"):
            rows = {"shown": [], "hidden add": [], "then show": []}
            for _ in range(args.repeat):
                gap, layer = watched(make(kind, n, True))
                rows["shown"].append(gap)
                viewer.layers.remove(layer)
                pump(0.3)
                gap, layer = watched(make(kind, n, False))
                rows["hidden add"].append(gap)
                gap, _ = watched(lambda layer=layer: setattr(layer, "visible", True))
                rows["then show"].append(gap)
                viewer.layers.remove(layer)
                pump(0.3)
            print(f"{n}x{n} {kind:14s} (median of {args.repeat}, ms): " + ", ".join(
                f"{k} {statistics.median(v):.0f} ({min(v):.0f}-{max(v):.0f})"
                for k, v in rows.items()), flush=True)
            if args.profile and n == args.sizes[0]:
                layer = profiled(make(kind, n, False), f"{kind} {n}: hidden add")
                pump(0.5)
                profiled(lambda layer=layer: setattr(layer, "visible", True),
                         f"{kind} {n}: visible = True (the draw comes in a later event)")
                pump(0.5)
                viewer.layers.remove(layer)
                pump(0.3)
    print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
