"""A series through the CLI, two versions of the code alternately: frames/s, CPU, page faults.

Usage::

    python benchmarks/bench_series_cli.py --base BASE_SRC [--new src] [--pairs 3]
        [--series ser.npy] [--frames 31]

Runs ``python -m napari_symseg.cli segment SERIES -o OUT --stride 5
--n-selected-operations 20`` (issue 16's command) with ``PYTHONPATH=BASE_SRC``
and ``PYTHONPATH=NEW`` alternately, `pairs` times after one warm-up run of
each (numba caches filled), and prints per run the load average, the
command's own line (frames/s after the fit, the fit's seconds), the
process's wall clock, user and system CPU and minor page faults (the
children's ``getrusage``), and whether the two outputs are equal byte for
byte. Then the medians. The series (default) is
``moving_boundary_series(31, (1024, 1024), 300, 16, 0.3, 3)`` as float32,
written to a temporary folder. On a shared machine compare the CPU times
and page faults (wall clocks and frames/s depend on the load).
"""

from __future__ import annotations

import argparse
import filecmp
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LINE = re.compile(r"\(([\d.]+) frames/s after a ([\d.]+) s fit")


def one_run(src: str, series: Path, out: Path) -> dict:
    """One whole CLI process with ``PYTHONPATH=src``: its numbers."""
    out.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": src}
    cmd = [sys.executable, "-m", "napari_symseg.cli", "segment", str(series), "-o", str(out),
           "--stride", "5", "--n-selected-operations", "20"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = LINE.search(done.stdout)
    return {
        "load": load, "fps": float(found[1]) if found else float("nan"),
        "fit": float(found[2]) if found else float("nan"), "wall": wall,
        "user": after.ru_utime - before.ru_utime, "sys": after.ru_stime - before.ru_stime,
        "minflt": after.ru_minflt - before.ru_minflt,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True, help="the base version's src folder")
    ap.add_argument("--new", default="src", help="the new version's src folder")
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--series", type=Path, help=".npy series (default: generated)")
    ap.add_argument("--frames", type=int, default=31, help="frames of the generated series")
    args = ap.parse_args()
    srcs = {"base": str(Path(args.base).resolve()), "new": str(Path(args.new).resolve())}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        series = args.series
        if series is None:
            import numpy as np

            sys.path.insert(0, srcs["new"])
            from napari_symseg.core.samples import moving_boundary_series

            series = tmp / "ser.npy"
            data = moving_boundary_series(args.frames, (1024, 1024), 300, 16, 0.3, 3)
            np.save(series, data.astype(np.float32))
        outs = {tag: tmp / f"labels_{tag}.npy" for tag in srcs}
        for tag, src in srcs.items():  # warm-up: numba caches
            one_run(src, series, outs[tag])
        runs: dict[str, list[dict]] = {tag: [] for tag in srcs}
        for _ in range(args.pairs):
            for tag, src in srcs.items():
                r = one_run(src, series, outs[tag])
                runs[tag].append(r)
                print(f"{tag:4s} load {r['load']:5.1f}: {r['fps']:5.1f} frames/s after a "
                      f"{r['fit']:.2f} s fit; process wall {r['wall']:.2f} s, user "
                      f"{r['user']:.2f} s, sys {r['sys']:.2f} s, minor faults {r['minflt']}",
                      flush=True)
            same = filecmp.cmp(outs["base"], outs["new"], shallow=False)
            print(f"outputs {'equal' if same else 'DIFFERENT'}", flush=True)
        print("medians:")
        for tag, rs in runs.items():
            med = {k: statistics.median(r[k] for r in rs) for k in rs[0]}
            cpu = statistics.median(r["user"] + r["sys"] for r in rs)
            print(f"  {tag}: {med['fps']:.1f} frames/s, fit {med['fit']:.2f} s, wall "
                  f"{med['wall']:.2f} s, CPU {cpu:.2f}"
                  f" s (user {med['user']:.2f}, sys {med['sys']:.2f}), minor faults "
                  f"{med['minflt']:.0f}, load {med['load']:.1f}")


if __name__ == "__main__":
    main()
