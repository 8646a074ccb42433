"""The garbage collector during *Measure*'s computation, with and without its pause.

Usage::

    xvfb-run -a python benchmarks/measure_gc.py SERIES.npy [--frames 40] [--repeat 2]

In one process: a napari viewer (not shown) with the series and its
labels (`segment_series`), then `MeasureController.compute` (what
Measure's worker runs) once to warm up, then ``--repeat`` times each,
alternated: "before" (`controller.measure.collections_paused` replaced by
a no-op) and "after". Prints per computation its seconds, the collections
by generation and their total time (the full ones walk the whole heap,
napari's included, holding the interpreter: the GUI thread waits that
long), the heap's tracked objects and the load average (a shared machine:
not idle numbers).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import gc
import os
import time
from pathlib import Path

import numpy as np


class Collections:
    """gc callback: (generation, seconds) of every collection."""

    def __init__(self) -> None:
        self.spans: list[tuple[int, float]] = []
        self._start = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.spans.append((info["generation"], time.perf_counter() - self._start))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("series", type=Path)
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    import napari

    from napari_symseg.controller import measure
    from napari_symseg.controller.warmup import warm_up
    from napari_symseg.core.params import Params
    from napari_symseg.core.series import segment_series

    warm_up()
    data = np.load(args.series).astype(np.float32)[:args.frames]
    viewer = napari.Viewer(show=False)
    image = viewer.add_image(data, name="v")
    labels = segment_series(data, Params(random_state=0)).labels
    patterns = viewer.add_labels(labels.astype(np.uint8) + 1, name="v patterns")
    controller = measure.MeasureController(viewer)
    controller.compute(image, patterns)  # imports, first calls
    paused = measure.collections_paused
    record = Collections()
    gc.callbacks.append(record)
    for trial in range(2 * args.repeat):
        which = "before" if trial % 2 == 0 else "after"
        measure.collections_paused = contextlib.nullcontext if which == "before" else paused
        record.spans.clear()
        start = time.perf_counter()
        controller.compute(image, patterns)
        seconds = time.perf_counter() - start
        spans = list(record.spans)
        gens = dict(sorted(collections.Counter(g for g, _ in spans).items()))
        full = [s for g, s in spans if g == 2]
        load = "{:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
        print(f"{which}: compute {seconds:.1f} s, collections {gens}, gc "
              f"{1000 * sum(s for _, s in spans):.0f} ms (full ones "
              f"{', '.join(f'{1000 * s:.0f}' for s in full) or 'none'} ms); heap "
              f"{len(gc.get_objects())} tracked objects; load {load}", flush=True)
    gc.callbacks.remove(record)
    measure.collections_paused = paused
    viewer.close()


if __name__ == "__main__":
    main()
