"""Translation kernels in one process: descriptors, segment() and series labelling.

Usage::

    PYTHONPATH=SRC python benchmarks/bench_kernels.py TAG [--out DIR]

Times, on the 1024^2 benchmark image (`two_phase`, noise 0.1, seed 0) with
the local correlation map at stride 5 (defaults: 81 translations): the
descriptors (median of 7), the whole `segment()` (median of 5), and the
frames per second of `label_frames_steps` (statistics included) on 12
moving-boundary frames of 1024^2 with 20 selected translations (median of
5). PYTHONPATH chooses the code, so a checkout of an older commit can be
timed alternately with this one in the same minutes (the machine's load
changes fast); with ``--out`` the descriptors and labels are saved as
``TAG_*.npy`` to compare the two versions' results bit for bit.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np


def median_time(work, repeats: int) -> float:
    """Median wall time of `work()` over `repeats` runs after one warm-up run."""
    work()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None) -> int:
    from napari_symseg.core.chunks import descriptor_steps
    from napari_symseg.core.params import Params
    from napari_symseg.core.pipeline import segment_steps
    from napari_symseg.core.progress import run
    from napari_symseg.core.samples import moving_boundary_series, two_phase
    from napari_symseg.core.series import fit_series_steps, label_frames_steps
    from napari_symseg.core.validation import as_image

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag")
    parser.add_argument("--out", type=Path, help="save the results as TAG_*.npy here")
    args = parser.parse_args(argv)

    image = two_phase((1024, 1024), noise=0.1, seed=0)
    img = as_image(image)
    params = Params(descriptor_name="local_correlation_map", stride=5)
    t_desc = median_time(lambda: run(descriptor_steps(img, params)), 7)
    t_seg = median_time(lambda: run(segment_steps(image, params)), 5)

    series = moving_boundary_series(12, (1024, 1024), 300, 16, 0.3, 3)
    fit = run(fit_series_steps(series, Params(stride=5, n_selected_operations=20)))
    run(label_frames_steps(fit.model, series[:2]))  # warm-up at full size
    fps = []
    for _ in range(5):
        start = time.perf_counter()
        labels = run(label_frames_steps(fit.model, series))
        fps.append(len(series) / (time.perf_counter() - start))

    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        np.save(args.out / f"{args.tag}_descriptors.npy", np.asarray(
            run(descriptor_steps(img, params))[1]))
        np.save(args.out / f"{args.tag}_labels.npy", run(segment_steps(image, params)).labels)
        np.save(args.out / f"{args.tag}_series.npy", np.asarray(labels[0]))
    print(f"{args.tag}: load {os.getloadavg()[0]:.1f}, descriptors {t_desc * 1000:.0f} ms, "
          f"segment() {t_seg * 1000:.0f} ms, series {statistics.median(fps):.1f} frames/s "
          f"({', '.join(f'{x:.1f}' for x in fps)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
