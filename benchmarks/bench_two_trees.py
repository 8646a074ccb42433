"""Descriptor times of two source trees, alternated in the same minutes (e.g. old vs new).

Usage::

    git archive COMMIT | tar -x -C /tmp/old      # an older tree (its src and napari.yaml)
    python benchmarks/bench_two_trees.py /tmp/old/src src [--rounds 3] [--size 1024]

Each round runs one fresh process per tree (``PYTHONPATH`` set to it) on the
two-phase benchmark image (as `bench_core.py`); each process times the power
spectrum and the translations' FFT route at stride 5 (one warm-up run, then
the best of 3), wall and CPU seconds. Prints every process's numbers and the
medians. On a busy machine read the CPU times. The trees must share the
``core`` API used here (`descriptor_steps`, `Params`, `run`, `as_image`,
`samples.two_phase`), which has not changed since issue 16 was filed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

CHILD = r"""
import json, sys, time
from napari_symseg.core.chunks import descriptor_steps
from napari_symseg.core.params import Params
from napari_symseg.core.progress import run
from napari_symseg.core.samples import two_phase
from napari_symseg.core.validation import as_image

size = int(sys.argv[1])
image = as_image(two_phase((size, size), noise=0.1, seed=0))
out = {}
for name, params in (
        ("power spectrum", Params(descriptor_name="power_spectrum", stride=5)),
        ("FFT route", Params(descriptor_name="local_correlation_map", stride=5,
                             method="fft"))):
    run(descriptor_steps(image, params))  # compiles or loads the kernels
    wall, cpu = [], []
    for _ in range(3):
        start, cpu_start = time.perf_counter(), time.process_time()
        run(descriptor_steps(image, params))
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
    out[name] = [min(wall), min(cpu)]
print("RESULT " + json.dumps(out), flush=True)
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs=2, help="two src folders")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size", type=int, default=1024)
    args = parser.parse_args(argv)
    rows: dict[str, list[dict]] = {tree: [] for tree in args.trees}
    for index in range(args.rounds):
        for tree in args.trees:
            env = {**os.environ, "PYTHONPATH": tree}
            done = subprocess.run([sys.executable, "-c", CHILD, str(args.size)], env=env,
                                  capture_output=True, text=True, timeout=1800)
            lines = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
            if not lines:
                raise RuntimeError(done.stderr[-3000:])
            rows[tree].append(json.loads(lines[-1][len("RESULT "):]))
            print(f"[{index}] {tree}: {rows[tree][-1]}", flush=True)
    print(f"\nmedians of {args.rounds} processes, best of 3 runs each (load "
          f"{os.getloadavg()[0]:.1f})")
    for tree, found in rows.items():
        for name in found[0]:
            wall = statistics.median(r[name][0] for r in found)
            cpu = statistics.median(r[name][1] for r in found)
            print(f"{tree}: {name} wall {wall:.3f} s, CPU {cpu:.3f} s")


if __name__ == "__main__":
    main()
