"""Cancel latency inside the steps after the descriptors (PCA, k-means, labels), in the core.

Usage::

    PYTHONPATH=src python benchmarks/cancel_core_steps.py [--size 1024] [--stride 2]
        [--repeat 3] [--delay 0.05]

A `--size`² tiled two-phase image is segmented by `segment_steps` under
`core.progress.stoppable` in a thread (as the dock's worker runs it); once
the run's progress names a stage (``pca``, ``kmeans``, ``labels``), the
main thread waits `--delay` s, sets the run's `Stop` and times how long the
thread then takes to end (the work done after Cancel). Printed per stage:
each latency, the median, and the run's wall time without a cancel. Run it
with PYTHONPATH pointing at two versions alternately to compare them (the
machine is shared: no time here is an idle number).
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--stride", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.05)
    args = parser.parse_args(argv)

    import numpy as np

    from napari_symseg._sample_data import make_two_phase_sample
    from napari_symseg.core.params import Params
    from napari_symseg.core.pipeline import segment_steps
    from napari_symseg.core.progress import Stop, stoppable

    tile = make_two_phase_sample()[0][0]
    image = np.tile(tile, (args.size // tile.shape[0], args.size // tile.shape[1]))
    params = Params(patch_x=8, patch_y=8, window_x=10, window_y=10, max_num_points=25,
                    stride=args.stride, n_patterns=2, random_state=0)

    def run(stop, seen):
        for step in stoppable(segment_steps(image, params), stop):
            seen[0] = step.stage if hasattr(step, "stage") else str(step).split()[0]

    seen = [""]
    start = time.perf_counter()
    run(Stop(), seen)  # once whole: compiled, and the wall time
    print(f"{args.size}² stride {args.stride}: a whole run {time.perf_counter() - start:.2f} s",
          flush=True)
    for stage in ("pca", "kmeans", "labels"):
        latencies = []
        for _ in range(args.repeat):
            stop, seen = Stop(), [""]
            thread = threading.Thread(target=run, args=(stop, seen))
            thread.start()
            while thread.is_alive() and seen[0] != stage:
                time.sleep(0.001)
            if not thread.is_alive():
                print(f"  {stage}: the run ended before the stage was seen")
                continue
            time.sleep(args.delay)
            t0 = time.perf_counter()
            stop.set()
            thread.join()
            latencies.append(time.perf_counter() - t0)
        if latencies:
            print(f"  {stage}: stop {args.delay:.2f} s into the stage -> the run ended after "
                  + " ".join(f"{x:.3f}" for x in latencies)
                  + f" s (median {statistics.median(latencies):.3f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
