"""A measurement's regions layer: napari's insert and first draw, int32 vs uint8 ids.

Usage::

    PYTHONPATH=src QT_API=pyqt6 xvfb-run -a -s "-screen 0 1366x768x24" \\
        python benchmarks/regions_insert.py [REPEATS]

A shown napari (1366x768) with a 2048² image; a regions-like Labels layer
(121 rectangular regions) added, alternated, as int32 ids (napari's cyclic
colours), as uint8 ids, and as uint8 with a direct colormap whose table is
filled already (`controller.label_colormap`); each removed after. Prints the
longest event-loop gap of each add (its insert and first draw,
`EventLoopWatch`) and the load average (a shared machine: not idle numbers).
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    import numpy as np
    from napari.utils.colormaps.colormap_utils import label_colormap as napari_cyclic

    from napari_symseg._qt.runner import thaw_now
    from napari_symseg._qt.stall import EventLoopWatch
    from napari_symseg.controller.label_colormap import label_colormap
    from napari_window import pump, viewer_with_dock

    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    viewer, _ = viewer_with_dock(size=(1366, 768))
    size = 2048
    viewer.add_image(np.random.default_rng(0).random((size, size), np.float32))
    y, x = np.mgrid[0:size, 0:size]
    ids = (1 + (y // 200) * 11 + (x // 200)).astype(np.int32)
    pump(2)
    thaw_now()
    cyclic = napari_cyclic(49, seed=0.5)
    colours = {None: (0, 0, 0, 0), 0: (0, 0, 0, 0)}
    colours.update({v: cyclic.map(np.array([v]))[0] for v in range(1, 256)})
    ways = {
        "int32": lambda: viewer.add_labels(ids.copy(), name="r"),
        "uint8": lambda: viewer.add_labels(ids.astype(np.uint8), name="r"),
        "uint8 filled table": lambda: viewer.add_labels(
            ids.astype(np.uint8), name="r", colormap=label_colormap(colours, np.uint8)),
    }
    times = {name: [] for name in ways}
    for rep in range(repeats):
        for name, way in ways.items():
            with EventLoopWatch() as watch:
                way()
                pump(1.0)
            times[name].append(round(watch.max_gap_ms))
            viewer.layers.remove("r")
            pump(1.0)
        print(rep, {k: v[-1] for k, v in times.items()}, f"load {os.getloadavg()[0]:.1f}",
              flush=True)
    print({k: sorted(v) for k, v in times.items()})
    os._exit(0)


if __name__ == "__main__":
    main()
