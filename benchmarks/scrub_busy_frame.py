"""How long the GUI thread blocks when the time slider lands on a frame the run has not labelled.

Usage::

    xvfb-run -a python benchmarks/scrub_busy_frame.py VIDEO.npy [--trials 8]

A lazy video's all-frames run as the widget makes it
(`napari_symseg.controller.lazy_series`): the model fitted on the
reference frames, the patterns layer backed by `LazyLabels` (a napari
viewer, not shown), a worker thread labelling every frame in turn (a frame
napari showed as a placeholder first, as the job's ``_fill``). Meanwhile
the main thread moves the slider (``viewer.dims.set_point``, which makes
napari slice the frame) onto (a) the frame the worker is labelling and (b)
a frame 5 ahead of it, not labelled yet, and times the call. "before":
``placeholders`` off (napari waits for the worker's frame, or labels the
frame itself in dask's pool), "after": on (the frame shows as 0 at once;
the worker labels it next). Trials alternate before / after in the same
minutes. Prints the medians (ms) and the load average (the machine is
shared: not idle numbers).
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("video", type=Path)
    parser.add_argument("--trials", type=int, default=8)
    args = parser.parse_args()

    import napari

    from napari_symseg.controller.lazy_labels import LazyLabels
    from napari_symseg.core.params import Params
    from napari_symseg.core.progress import run
    from napari_symseg.core.series import fit_series_steps
    from napari_symseg.core.warmup import warm_up
    from napari_symseg.io.lazy import as_dask, open_video

    warm_up()
    viewer = napari.Viewer(show=False)
    data, calibration = open_video(args.video)
    source = viewer.add_image(as_dask(data), name="video", **calibration.layer_kwargs())
    fit = run(fit_series_steps(data, Params(random_state=0)))
    lazy = LazyLabels(fit.model, data, store=True)
    layer = viewer.add_labels(lazy.as_dask(), name="video patterns", cache=False,
                              **calibration.layer_kwargs())
    total = lazy.shape[0]
    stop = threading.Event()

    def fill() -> None:  # the job's `_fill`: a frame asked for first
        order = iter(range(total))
        seen: set[int] = set()
        while len(seen) < total and not stop.is_set():
            t = lazy.wanted()
            if t is None or t in seen:
                t = next(u for u in order if u not in seen)
            seen.add(t)
            lazy.frame(t)

    def busy_frame() -> int | None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with lazy._lock:  # (private: a benchmark) the frame being labelled
                busy = [t for t in lazy._busy if not lazy.done[t]]
            if busy:
                return busy[0]
            time.sleep(0.002)
        return None

    times: dict[tuple[str, str], list[float]] = {}
    worker = threading.Thread(target=fill, name="run")
    worker.start()
    try:
        for trial in range(2 * args.trials):
            mode = "before" if trial % 2 == 0 else "after"
            lazy.placeholders = mode == "after"
            for case, ahead in (("being labelled", 0), ("5 ahead, not labelled", 5)):
                t = busy_frame()
                if t is None or t + ahead >= total or lazy.done[t + ahead]:
                    continue
                start = time.perf_counter()
                viewer.dims.set_point(0, source.data_to_world((t + ahead, 0, 0))[0])
                times.setdefault((case, mode), []).append(time.perf_counter() - start)
            lazy.placeholders = False
    finally:
        stop.set()
        worker.join()
    load = "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    by_thread = {}
    for name, _, _ in lazy.timings:
        by_thread[name] = by_thread.get(name, 0) + 1
    for (case, mode), values in sorted(times.items()):
        ms = [1000 * v for v in values]
        print(f"slider onto the frame {case}, {mode}: median {statistics.median(ms):.0f} ms "
              f"(n {len(ms)}, max {max(ms):.0f})")
    print(f"frames labelled per thread: {by_thread}; placeholder reads "
          f"{lazy.placeholder_reads} ({load})")
    del layer
    viewer.close()


if __name__ == "__main__":
    main()
