"""Start-up of the ``napari-symseg`` command: whole processes, as a user runs them.

Usage::

    python benchmarks/bench_startup.py [--repeats 5] [--size 1024] [--no-hint]
        [--python PATH]

Times two commands, each as a fresh process (warm file and numba caches:
one untimed run of each first), and prints the median, min and max of
``--repeats`` runs, wall clock and the process's CPU time (user + system;
on a shared machine the wall clock also counts other processes' load):

1. ``napari-symseg --help``;
2. ``napari-symseg segment img.npy -o out.npy`` on a ``--size``² float32
   two-phase image with default parameters (``--no-hint``: with ``-q``, which
   skips the number-of-patterns hint the command prints by default).

Also prints the slowest imports of each (``python -X importtime``). With
``--python PATH`` the commands run with that interpreter and the package
installed there (e.g. a light install without napari, whose scikit-learn
does not import pandas), instead of this repository's ``src``. The commands
run with Python's bytecode cache on, as for an installed package, even when
the environment sets ``PYTHONDONTWRITEBYTECODE`` (``--no-bytecode`` keeps it:
then every process compiles the ~70 modules of ``segment`` from source).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
#: the interpreter running the commands (--python), and whether it uses this repository's src
PYTHON = {"path": sys.executable, "src": True, "bytecode": True}


def _env() -> dict:
    env = dict(os.environ)
    if PYTHON["bytecode"]:  # as an installed package: its .pyc files are there
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    if PYTHON["src"]:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"),
                                                          env.get("PYTHONPATH")]))
    else:
        env.pop("PYTHONPATH", None)
    return env


def time_process(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Wall clock and CPU time (user + system) of one process running `argv`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=_env(), check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def slowest_imports(argv: list[str], cwd: Path, n: int = 6) -> list[tuple[float, str]]:
    """The `n` top-level imports with the largest cumulative time (s) under -X importtime."""
    proc = subprocess.run([argv[0], "-X", "importtime", *argv[1:]], cwd=cwd,
                          env=_env(), capture_output=True, text=True, check=True)
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|")
        if cumulative.strip().isdigit() and not name.startswith("   "):  # top level
            rows.append((int(cumulative) / 1e6, name.strip()))
    return sorted(rows, reverse=True)[:n]


def report(name: str, runs: list[tuple[float, float]]) -> None:
    walls, cpus = zip(*runs, strict=True)
    print(f"{name}: wall median {statistics.median(walls):.2f} s "
          f"(min {min(walls):.2f}, max {max(walls):.2f}), CPU median "
          f"{statistics.median(cpus):.2f} s, {len(runs)} runs")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--no-hint", action="store_true",
                    help="segment with -q (no number-of-patterns hint)")
    ap.add_argument("--python", help="run the commands with this interpreter's install")
    ap.add_argument("--no-bytecode", action="store_true",
                    help="keep PYTHONDONTWRITEBYTECODE (sources compiled at every import)")
    args = ap.parse_args()
    PYTHON["bytecode"] = not args.no_bytecode
    if args.python:
        PYTHON.update(path=args.python, src=False)
    command = [PYTHON["path"], "-m", "napari_symseg.cli"]
    from napari_symseg.core.samples import two_phase

    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        np.save(cwd / "img.npy", two_phase((args.size, args.size)).astype(np.float32))
        commands = {
            "napari-symseg --help": [*command, "--help"],
            f"napari-symseg segment img.npy -o out.npy{' -q' * args.no_hint} "
            f"({args.size}² float32)": [*command, "segment", "img.npy", "-o", "out.npy",
                                         *(["-q"] if args.no_hint else [])],
        }
        for name, argv in commands.items():
            time_process(argv, cwd)  # warm caches
            report(name, [time_process(argv, cwd) for _ in range(args.repeats)])
            tops = ", ".join(f"{mod} {sec:.2f} s" for sec, mod in slowest_imports(argv, cwd))
            print(f"  slowest imports: {tops}")
    print(f"interpreter: {PYTHON['path']} ({'src' if PYTHON['src'] else 'installed'})")
    print(f"load average: {' / '.join(f'{v:.2f}' for v in os.getloadavg())} (1/5/15 min)")


if __name__ == "__main__":
    main()
