"""Ways to show a 2-D merge/undo in a Labels layer: GUI-thread time of each.

Usage (headless under Xvfb)::

    QT_API=pyqt6 xvfb-run -a -s "-screen 0 1366x768x24" \\
        python benchmarks/labels_update.py [--size 2048] [--repeat 5]

A shown napari with a uint8 Labels layer of two-phase patterns (3 patterns,
`--size`²); a merge (pattern 3 -> 2) and its undo are shown by each way in
turn, alternated, `--repeat` times. Printed per way: median / max ms of the
call and the event loop's turn after it (the draw), measured together, and
whether the layer then equals the merged array exactly:

- ``setter``: ``layer.data = merged`` (what a 2-D edit does now);
- ``in place``: ``layer.data[...] = merged`` then ``layer.refresh()``;
- ``changed only``: the changed pixels written in place, then ``layer.refresh()``;
- ``data_setitem``: napari's ``layer.data_setitem(indices, values)`` of the
  changed pixels (its own undo history; partial texture update).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import napari
    import numpy as np
    from qtpy.QtWidgets import QApplication

    from napari_symseg.controller import LABEL_OFFSET
    from napari_symseg.controller.label_colormap import label_colormap
    from napari_symseg.io.figure import label_colour_dict
    from napari_window import pump

    viewer = napari.Viewer(show=True)
    app = QApplication.instance()
    viewer.window._qt_window.resize(1366, 768)
    y, x = np.mgrid[0:args.size, 0:args.size]
    before = (LABEL_OFFSET + ((x // 300 + y // 400) % 3)).astype(np.uint8)
    merged = np.where(before == LABEL_OFFSET + 2, LABEL_OFFSET + 1, before).astype(np.uint8)
    layer = viewer.add_labels(before.copy(), name="patterns",
                              colormap=label_colormap(label_colour_dict(3, LABEL_OFFSET),
                                                      np.uint8))
    pump(1.0)

    def setter(new, old):
        layer.data = new.copy()

    def in_place(new, old):
        layer.data[...] = new
        layer.refresh()

    def changed_only(new, old):
        where = new != old
        layer.data[where] = new[where]
        layer.refresh()

    def data_setitem(new, old):
        where = np.nonzero(new != old)
        layer.data_setitem(where, new[where])

    ways = {"setter": setter, "in place": in_place, "changed only": changed_only,
            "data_setitem": data_setitem}
    times = {name: [] for name in ways}
    exact = {name: True for name in ways}
    for _ in range(args.repeat):
        for name, way in ways.items():
            for new, old in ((merged, before), (before, merged)):  # merge, then undo
                start = time.perf_counter()
                way(new, old)
                app.processEvents()  # the turn that draws it
                times[name].append(1000 * (time.perf_counter() - start))
                exact[name] &= bool(np.array_equal(np.asarray(layer.data), new))
                pump(0.2)
    for name, ms in times.items():
        print(f"{name:13s}: median {statistics.median(ms):6.1f} ms, max {max(ms):6.1f} ms "
              f"over {len(ms)}; exact {exact[name]}", flush=True)
    viewer.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
