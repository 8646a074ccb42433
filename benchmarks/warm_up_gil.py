"""How long a cold numba cache's warm-up holds the interpreter away from the main thread.

Usage::

    python benchmarks/warm_up_gil.py [--repeat 2]

Each trial is a fresh process with ``NUMBA_CACHE_DIR`` set to a new empty
folder (a fresh install). A background thread warms the core's kernels up as
the widget's warm-up thread does: in-process (``--way here``: numba compiles
in this process) or through `controller.warmup.start_compiling` (``--way
elsewhere``: another process compiles, this one loads). The main thread,
standing in for napari's event loop, sleeps 5 ms at a time and records its
longest wake-up delay (ms) and the delays over 100 ms summed, until the
warm-up ends. No Qt, no drawing: what it measures is the interpreter lock
alone, not the window's own load. Both ways alternate in the same minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

CHILD = r"""
import json, sys, threading, time
way = sys.argv[1]

def warm():
    if way == "elsewhere":
        from napari_symseg.controller.warmup import finish_compiling, start_compiling
        finish_compiling(start_compiling())
    from napari_symseg.core.warmup import warm_up
    warm_up()

thread = threading.Thread(target=warm, daemon=True)
start = time.perf_counter()
thread.start()
gaps = []
while thread.is_alive():
    before = time.perf_counter()
    time.sleep(0.005)
    gaps.append((time.perf_counter() - before) * 1000 - 5)
out = {"s": round(time.perf_counter() - start, 1), "max_ms": round(max(gaps), 1),
       "over_100_ms": round(sum(g for g in gaps if g > 100), 1)}
print("RESULT " + json.dumps(out), flush=True)
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    rows = {"here": [], "elsewhere": []}
    with tempfile.TemporaryDirectory(prefix="symseg-numba-") as root:
        for index in range(args.repeat):
            for way in rows:
                env = {**os.environ, "NUMBA_CACHE_DIR": tempfile.mkdtemp(dir=root)}
                done = subprocess.run([sys.executable, "-c", CHILD, way], env=env,
                                      capture_output=True, text=True, timeout=3600)
                line = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
                if not line:
                    raise RuntimeError(done.stderr[-3000:])
                rows[way].append(json.loads(line[-1][len("RESULT "):]))
                print(f"[{index}] {way}: {rows[way][-1]}", flush=True)
    print(f"\nmedians of {args.repeat} (load {os.getloadavg()[0]:.1f})")
    for way, found in rows.items():
        print(f"{way}: " + ", ".join(f"{k} {statistics.median(r[k] for r in found)}"
                                    for k in ("s", "max_ms", "over_100_ms")))


if __name__ == "__main__":
    main()
