"""The command's process reuses freed arrays' pages (`cli.memory`): page faults, not times."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")

# 20 rounds of a frame's worth of 8 MB arrays, allocated, written and freed
# (in threads, as the series' frames): the minor page faults of the last 10
# rounds, after the first rounds have grown the heap
_FAULTS = """
import resource, sys
from concurrent.futures import ThreadPoolExecutor
import numpy as np
if sys.argv[1] == "reuse":
    from napari_symseg.cli.memory import reuse_freed_memory
    assert reuse_freed_memory()
def frame(_):
    a = np.ones((1024, 1024))
    b = a * 2.0
    c = np.ascontiguousarray(b[:, 1:])
    return float(c[0, 0])
with ThreadPoolExecutor(2) as pool:
    list(pool.map(frame, range(20)))
    start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    list(pool.map(frame, range(10)))
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start)
"""


def _faults(mode: str) -> int:
    env = {**os.environ, "PYTHONPATH": SRC}
    for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_"):
        env.pop(name, None)
    if mode == "plain":  # glibc's threshold at its start value, held there: every 8 MB
        # array is a fresh mapping. Left to adapt, glibc raised it after a free in some
        # runs and not in others (threads' arenas), and the baseline read 1 fault once.
        env["MALLOC_MMAP_THRESHOLD_"] = str(128 * 1024)
    done = subprocess.run([sys.executable, "-c", _FAULTS, mode], env=env, capture_output=True,
                          text=True, check=True)
    return int(done.stdout.split()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_freed_frames_arrays_are_reused_without_new_page_faults():
    # 10 rounds of three 8 MB arrays: ~6,000 faults when each is a fresh mapping
    fresh, reused = _faults("plain"), _faults("reuse")
    assert fresh > 3000
    assert reused < 300


def test_only_the_commands_own_process_changes_the_allocator(monkeypatch):
    from napari_symseg import cli
    from napari_symseg.cli import memory, numba_start

    calls = []
    monkeypatch.setattr(memory, "reuse_freed_memory", lambda: calls.append(1) or True)
    monkeypatch.setattr(numba_start, "lean_cache_loads", lambda: True)  # not in pytest's process
    cli._handler("segment", own_process=False)
    assert calls == []
    cli._handler("segment", own_process=True)
    assert calls == [1]
