"""Cancel latency of the dock's runs: from *Cancel* to the widget being idle again.

Usage (headless under Xvfb)::

    QT_API=pyqt6 xvfb-run -a -s "-screen 0 1366x768x24" \\
        python benchmarks/cancel_latency.py [--repeat 5] [--size 2048] [--frames 6] \\
        [--case both|image|series] [--first 1] [--step 1] [--set stride=2 ...] \\
        [--family NAME ...]

Two runs, each started `--repeat` times and cancelled after 1, 2, ... s
(``--first``, ``--step``)
(the descriptor stage of the image; the frames of the series): a `--size`²
tiled two-phase image with the widget's sizes of the stall tests, and an
all-frames run of the in-situ series sample tiled to 1024² frames. Printed:
every latency (s, from ``widget.cancel()`` to ``widget.worker is None``,
i.e. *Run* back, and to the worker's thread's end) and their medians,
with the GUI thread's longest gap in that time (when close to the
latency, the GUI thread was busy, e.g. adding the layer). A 2-D run is
idle again at once (`Job.ends_at_cancel`); its worker stops inside the
descriptor step in progress (the kernels read the run's stop flag,
`core.progress.stoppable`; before that it went on to the end of the
step: seconds per row chunk at stride 1), and at the next progress step
elsewhere (k-means, labels). A series run is idle when its worker has
ended (at the next step: frames, or chunks of a frame's rows).

Stride 1, each family (issue 11)::

    python benchmarks/cancel_latency.py --case image --size 1024 --repeat 2 \\
        --set stride=1 --family rotational_symmetry_maximum_pooling --family polarity ...

``--family`` runs the image case once per family named (``all``: every
family but the preselected translations, which need a list of vectors),
with that family's default sizes where the case sets none.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks.*

import argparse
import json
import statistics
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--frames", type=int, default=6)
    parser.add_argument("--first", type=float, default=1.0, help="first cancel after (s)")
    parser.add_argument("--step", type=float, default=1.0, help="each later one (s) later")
    parser.add_argument("--case", choices=("both", "image", "series"), default="both")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=JSON",
                        help="a field of the widget for every case, e.g. --set stride=2")
    parser.add_argument("--family", action="append", default=[],
                        help="the image case with this descriptor family (repeat; 'all')")
    args = parser.parse_args(argv)

    import numpy as np

    from benchmarks.napari_window import pump, viewer_with_dock
    from napari_symseg._qt.stall import EventLoopWatch
    from napari_symseg._sample_data import make_insitu_series_sample, make_two_phase_sample

    viewer, widget = viewer_with_dock(show=False)
    tile = make_two_phase_sample()[0][0]
    image = np.tile(tile, (args.size // tile.shape[0], args.size // tile.shape[1]))
    frames = make_insitu_series_sample()[0][0]
    series = np.stack([np.tile(frames[t % len(frames)], (4, 4)) for t in range(args.frames)])
    cases = [
        (f"{args.size}² image", viewer.add_image(image, name="img"), "current frame",
         dict(patch_x=8, patch_y=8, window_x=10, window_y=10, max_num_points=25, stride=8,
              n_patterns=2)),
        (f"series {series.shape}", viewer.add_image(series, name="video"), "all frames",
         dict(patch_x=8, patch_y=8, window_x=10, window_y=10, max_num_points=49, stride=2,
              n_selected_operations=10, n_patterns=2)),
    ]
    if args.case != "both":
        cases = cases[:1] if args.case == "image" else cases[1:]
    if args.family and cases[0][2] == "current frame":
        from napari_symseg.core.descriptors.registry import FAMILIES

        names = ([f for f in FAMILIES if f != "preselected_translations"]  # (needs a list)
                 if args.family == ["all"] else args.family)
        name, layer, segment, fields = cases[0]
        cases[:1] = [(f"{name} {family}", layer, segment,
                      {"descriptor_name": family, **fields}) for family in names]
    for name, layer, segment, fields in cases:
        widget.image.value = layer
        if layer.ndim == 3:
            widget.segment.value = segment
        for item in args.set:
            field, value = item.split("=", 1)
            fields[field] = json.loads(value)
        for field, value in fields.items():
            widget.fields[field].value = value
        latencies, ends = [], []
        for i in range(args.repeat):
            assert widget.run() is not None
            after = args.first + i * args.step
            pump(after)
            if widget.worker is None:
                print(f"{name}: finished before the cancel at {after:.2f} s")
                continue
            status, worker = widget.status.value, widget.worker
            start = time.perf_counter()
            with EventLoopWatch() as watch:  # a long gap: the GUI thread was busy
                widget.cancel()
                pump(120, lambda: widget.worker is None)
                latencies.append(time.perf_counter() - start)
                pump(120, lambda w=worker: not w.is_running)
                ends.append(time.perf_counter() - start)
            print(f"{name}: cancelled at {after:.2f} s ({status!r}): "
                  f"{latencies[-1]:.2f} s to Run again, {ends[-1]:.2f} s to the worker's end "
                  f"(longest GUI gap {watch.max_gap_ms:.0f} ms)", flush=True)
            pump(0.5)
        if latencies:
            print(f"{name}: to Run again median {statistics.median(latencies):.2f} s, "
                  f"max {max(latencies):.2f} s; to the worker's end median "
                  f"{statistics.median(ends):.2f} s, max {max(ends):.2f} s "
                  f"over {len(latencies)}")
    viewer.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
