"""Cost of the stop flag in the descriptor kernels (issue 11): two source trees, alternately.

Usage::

    python benchmarks/stop_overhead.py OLD_SRC NEW_SRC [--pairs 4] [--size 512] \\
        [--stride 1] [--family NAME ...] [--threads 1]

For every family, `--pairs` times in turn: a child process on ``OLD_SRC``
then one on ``NEW_SRC`` (e.g. ``git archive <commit> src | tar -x -C /tmp/old``
and ``src``) computes the family's descriptors of a `--size`² two-phase
image at `--stride` three times (after one small call that loads the
kernels) and prints the CPU time (all threads, ``time.process_time``) of
the fastest. CPU time, not wall time: the machine is shared. Printed: each
pair and the median ratio new / old. ``--threads 1`` (``NUMBA_NUM_THREADS``):
no CPU time of numba's threads waiting for one another, which on a loaded
machine made the CPU time of the same translations vary by 2x.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

FAMILIES = ("rotational_symmetry_maximum_pooling", "reflection_symmetry_maximum_pooling",
            "local_correlation_map", "power_spectrum", "polarity")


def child(family: str, size: int, stride: int) -> float:
    """CPU seconds of the fastest of three descriptor computations (this tree's code)."""
    from napari_symseg.core.chunks import grid_for
    from napari_symseg.core.descriptors.registry import get_family
    from napari_symseg.core.params import Params
    from napari_symseg.core.samples import two_phase

    params = Params(descriptor_name=family, stride=stride, n_patterns=2)
    spec = get_family(family)
    operations = spec.operations(params)
    small = two_phase((128, 128), seed=1)
    grid = grid_for(small.shape, params)
    spec.compute(small, params, operations, grid.rows, grid.cols)
    image = two_phase((size, size), seed=1)
    grid = grid_for(image.shape, params)
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        spec.compute(image, params, operations, grid.rows, grid.cols)
        best = min(best, time.process_time() - start)
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--stride", type=int, default=1)
    parser.add_argument("--family", action="append", default=[])
    parser.add_argument("--threads", type=int, help="NUMBA_NUM_THREADS of the children")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.size, args.stride)))
        return 0
    for family in args.family or FAMILIES:
        ratios = []
        for i in range(args.pairs):
            seconds = {}
            for name in ("old", "new"):
                env = dict(os.environ, PYTHONPATH=getattr(args, name))
                if args.threads:
                    env["NUMBA_NUM_THREADS"] = str(args.threads)
                out = subprocess.run(
                    [sys.executable, __file__, args.old, args.new, "--child", family,
                     "--size", str(args.size), "--stride", str(args.stride)],
                    env=env, capture_output=True, text=True, check=True)
                seconds[name] = json.loads(out.stdout.strip().splitlines()[-1])
            ratios.append(seconds["new"] / seconds["old"])
            print(f"{family} pair {i + 1}: old {seconds['old']:.3f} s, new "
                  f"{seconds['new']:.3f} s CPU ({100 * (ratios[-1] - 1):+.1f} %)", flush=True)
        print(f"{family}: median new/old {statistics.median(ratios):.4f} "
              f"(min {min(ratios):.4f}, max {max(ratios):.4f}) over {len(ratios)} pairs",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
