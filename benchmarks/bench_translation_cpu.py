"""CPU time of the translation kernels (interior, border bands) and of the descriptors.

Usage::

    PYTHONPATH=SRC python benchmarks/bench_translation_cpu.py TAG [--threads 1] [--repeats 5]

On the 1024^2 benchmark image (`two_phase`, noise 0.1, seed 0) with 81
translations (patch 20, window 20, stride 5): the medians of `repeats` runs
(after one warm-up) of the interior (`correlations_direct`), one top and one
left border band (`clipped_correlations`) with ``--threads`` numba threads,
then the whole stride-5 descriptors (`descriptor_steps`, all threads). Wall
clock and process CPU time (all threads) are printed; on a shared machine
the CPU time is the number to compare, as a ratio between two versions run
alternately in the same minutes (PYTHONPATH chooses the code).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def median_times(work, repeats: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `work()` over `repeats` runs after a warm-up."""
    work()
    wall, cpu = [], []
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        work()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def main(argv=None) -> int:
    import numba
    import numpy as np

    from napari_symseg.core.chunks import descriptor_steps
    from napari_symseg.core.descriptors import translation
    from napari_symseg.core.params import Params
    from napari_symseg.core.progress import run
    from napari_symseg.core.samples import two_phase
    from napari_symseg.core.validation import as_image

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    image = two_phase((1024, 1024), noise=0.1, seed=0)
    params = Params(descriptor_name="local_correlation_map", stride=5)
    shifts = translation.grid_operations(params).values
    img = image.astype(np.float64)
    inner = np.arange(40, 1024 - 40, 5)
    band = np.arange(20, 40, 5)
    wide = np.arange(20, 1004, 5)
    parts = {
        "interior": lambda: translation.correlations_direct(img, shifts, 20, 20, inner, inner),
        "top band": lambda: translation.clipped_correlations(img, shifts, 20, 20, band, wide),
        "left band": lambda: translation.clipped_correlations(img, shifts, 20, 20, wide, band),
    }
    all_threads = numba.get_num_threads()
    numba.set_num_threads(args.threads)
    text = [f"{args.tag}: load {os.getloadavg()[0]:.1f}"]
    for name, work in parts.items():
        wall, cpu = median_times(work, args.repeats)
        text.append(f"{name} {wall:.0f}/{cpu:.0f}")
    numba.set_num_threads(all_threads)
    wall, cpu = median_times(lambda: run(descriptor_steps(as_image(image), params)),
                             args.repeats)
    text.append(f"descriptors {wall:.0f}/{cpu:.0f} ms (wall/CPU)")
    print(", ".join(text))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
