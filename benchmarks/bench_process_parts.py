"""Where a whole ``napari-symseg segment`` process spends its time, part by part.

Usage::

    python benchmarks/bench_process_parts.py [--repeats 5] [--size 1024] [--src OTHER/src ...]

Each trial is a fresh process that does what ``napari-symseg segment img.npy
-o out.npy`` does (defaults, hint printed), in the same order, timing each
part: the imports (numpy, scipy, numba, then the rest of the
command's modules), numba's first dispatch in a process (its typing and
lowering registries, paid once whatever the kernel; none with
``numba_start.lean_cache_loads``, as the command does now), the run (cached kernels
loaded, descriptors, PCA, k-means, labels), the number-of-patterns hint and
writing the labels. Prints the median wall clock and CPU time (user +
system, all threads) of every part over ``--repeats`` processes. With
``--src`` the trials alternate between this checkout's ``src`` and the given
ones (e.g. an export of an older commit): before/after in the same minutes.
The machine's load average is printed with every trial: on a shared machine
the CPU times are the comparable numbers. The children run with Python's
bytecode cache on, as an installed package (``--no-bytecode`` keeps a
``PYTHONDONTWRITEBYTECODE`` of the environment: our modules are then
compiled from source in every process, ~0.3 s more).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gui_first_result import child_result  # (run as a script: its own folder)

CHILD = r"""
import json, os, sys, time
marks = [("start", time.process_time(), time.perf_counter())]
def mark(name):
    marks.append((name, time.process_time(), time.perf_counter()))
import numpy as np; mark("import numpy")
import scipy; mark("import scipy")
import numba; mark("import numba")
from napari_symseg.cli import batch  # the command's modules (segment, io, core)
from napari_symseg.cli.segment import _hint
from napari_symseg.core.params import Params
from napari_symseg.core.pipeline import segment_steps
from napari_symseg.core.progress import run
from napari_symseg.io.labels import write_labels
try:  # as the command does before its first kernel (older sources: not there)
    from napari_symseg.cli.numba_start import preload_cython_blas
    preload_cython_blas()
except ImportError:
    pass
try:  # the command's own process: cached kernels load without numba's registries
    from napari_symseg.cli.numba_start import lean_cache_loads
    lean = lean_cache_loads()
except ImportError:
    lean = False
mark("import the rest")
image = np.load(sys.argv[1])
if not lean:  # else there are no registries to load (a kernel's load is in "run")
    from numba.core.registry import cpu_target
    cpu_target.target_context.refresh()
mark("numba first dispatch")
result = run(segment_steps(image, Params())); mark("run")
hint = _hint(result); mark("hint")
write_labels(sys.argv[2], result.labels, {}, None); mark("write")
out = {name: [c - c0, w - w0] for (_, c0, w0), (name, c, w) in zip(marks, marks[1:])}
out["total"] = [marks[-1][1] - marks[0][1], marks[-1][2] - marks[0][2]]
print("RESULT " + json.dumps(out))
"""


def trial(src: str, image: Path, bytecode: bool = True) -> dict:
    return child_result(CHILD, [str(image), str(image.with_name("out.npy"))], src, bytecode)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--src", nargs="*", default=[], help="other src folders to compare")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="keep PYTHONDONTWRITEBYTECODE (sources compiled at every import)")
    args = parser.parse_args(argv)
    sources = [str(Path(__file__).resolve().parents[1] / "src"), *args.src]
    sys.path.insert(0, sources[0])
    import numpy as np

    from napari_symseg.core.samples import two_phase

    rows: dict[str, list[dict]] = {src: [] for src in sources}
    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp) / "img.npy"
        np.save(image, two_phase((args.size, args.size)).astype(np.float32))
        for src in sources:
            trial(src, image, not args.no_bytecode)  # warm caches (numba's, .pyc)
        for i in range(args.repeats):
            for src in sources:
                row = trial(src, image, not args.no_bytecode)
                rows[src].append(row)
                load = os.getloadavg()[0]
                print(f"[{i}] load {load:.1f} {src}: total CPU {row['total'][0]:.2f} s, "
                      f"wall {row['total'][1]:.2f} s", flush=True)
    print(f"\nmedians of {args.repeats} processes, CPU / wall (s)")
    parts = list(rows[sources[0]][0])
    print("| part | " + " | ".join(sources) + " |")
    print("|---|" + "---|" * len(sources))
    for part in parts:
        cells = []
        for src in sources:
            cpu = statistics.median(r[part][0] for r in rows[src])
            wall = statistics.median(r[part][1] for r in rows[src])
            cells.append(f"{cpu:.3f} / {wall:.3f}")
        print(f"| {part} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
