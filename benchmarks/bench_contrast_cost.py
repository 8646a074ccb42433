"""What the contrast channels cost (issue 13: at most 15 % of a default run).

Usage::

    python benchmarks/bench_contrast_cost.py [--size 1024] [--repeats 3] [--threads 1]

Times `segment` on a two-phase sample image with and without
``contrast_features`` (best of `--repeats`, after a warm-up: the machine is shared), for the
default parameters of every descriptor family and for the ``--auto``
parameters (translations), plus the cost of the ``--auto`` rule that decides
whether to turn them on (`core.coverage`). One thread (numba and BLAS).
"""

from __future__ import annotations

import argparse
import sys
import time


def best_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)  # the least disturbed run (the machine is shared)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)

    import numba
    from threadpoolctl import threadpool_limits

    from napari_symseg import Params, segment
    from napari_symseg.core.coverage import lattice_coverage
    from napari_symseg.core.descriptors.contrast import local_contrast
    from napari_symseg.core.descriptors.registry import FAMILIES
    from napari_symseg.core.samples import two_phase
    from napari_symseg.core.suggest import estimate_lattice, params_for_lattice
    from napari_symseg.core.validation import as_image

    numba.set_num_threads(max(1, min(args.threads, numba.config.NUMBA_NUM_THREADS)))
    threadpool_limits(args.threads)
    image = two_phase((args.size, args.size), noise=0.3)
    img = as_image(image)
    lattice = estimate_lattice(img)
    auto = params_for_lattice(lattice, img.shape, Params())
    runs = [(name, Params(descriptor_name=name)) for name in (
        "local_correlation_map", "rotational_symmetry_maximum_pooling",
        "reflection_symmetry_maximum_pooling", "power_spectrum")]
    runs.append(("local_correlation_map, --auto sizes", auto))
    print(f"{args.size}² image, {args.threads} thread(s), best of {args.repeats}\n")
    print("| parameters | segment (s) | with contrast (s) | contrast channels alone (s) | "
          "channels / segment |")
    print("|---|---|---|---|---|")
    for name, params in runs:
        # as --auto turns them on: with the edge-preserving smoothing (a no-op unsmoothed)
        on = params.replace(contrast_features=True, edge_smoothing=True)
        segment(image, params)  # warm-up (JIT, caches)
        grid = segment(image, on).grid
        t_off = best_time(lambda p=params: segment(image, p), args.repeats)
        t_on = best_time(lambda p=on: segment(image, p), args.repeats)
        box = FAMILIES[params.descriptor_name].box(params)
        t_channels = best_time(lambda b=box, g=grid: local_contrast(img, b, g.rows, g.cols),
                               args.repeats)
        print(f"| {name} | {t_off:.2f} | {t_on:.2f} | {t_channels:.3f} | "
              f"{100 * t_channels / t_off:.1f} % |", flush=True)
    t_rule = best_time(lambda: lattice_coverage(img, auto, float(lattice.lengths.min())),
                         args.repeats)
    t_auto = best_time(lambda: segment(image, auto), args.repeats)
    print(f"\n--auto rule (lattice coverage): {t_rule:.3f} s = "
          f"{100 * t_rule / t_auto:.1f} % of the --auto run ({t_auto:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
