"""controller.warmup.start_compiling / finish_compiling: the core's kernels compiled in
another process when numba's cache is cold (the program itself: tests/core/test_warmup.py)."""

import itertools
import json
import os
import stat
import subprocess
import sys

import pytest

from napari_symseg.controller import warmup
from napari_symseg.core import warmup as core_warmup


def script(tmp_path, body: str) -> str:
    """An executable shell script standing in for the Python interpreter."""
    path = tmp_path / "python"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_a_warm_cache_starts_nothing(monkeypatch, tmp_path):
    monkeypatch.setattr(core_warmup, "cache_is_cold", lambda: False)
    monkeypatch.setattr(warmup, "napari_cache_is_cold", lambda: False)
    monkeypatch.setattr(sys, "executable", script(tmp_path, "exit 0"))
    assert warmup.start_compiling() is None
    assert warmup.finish_compiling(None) is False


@pytest.mark.parametrize(("body", "ok"), [("exit 0", True), ("exit 3", False)])
def test_a_cold_cache_runs_the_warm_up_program_at_a_lower_priority(monkeypatch, tmp_path,
                                                                   body, ok):
    args = tmp_path / "args"
    monkeypatch.setattr(core_warmup, "cache_is_cold", lambda: True)
    monkeypatch.setattr(sys, "executable", script(tmp_path, f'echo "$@" > {args}\n{body}'))
    process = warmup.start_compiling()
    assert process is not None
    assert warmup.finish_compiling(process) is ok
    assert args.read_text().split() == ["-m", "napari_symseg.controller.warmup", "--nice",
                                        str(warmup.NICE)]


def test_napari_s_kernels_alone_cold_start_the_program_too(monkeypatch, tmp_path):
    monkeypatch.setattr(core_warmup, "cache_is_cold", lambda: False)
    monkeypatch.setattr(warmup, "napari_cache_is_cold", lambda: True)
    monkeypatch.setattr(sys, "executable", script(tmp_path, "exit 0"))
    assert warmup.finish_compiling(warmup.start_compiling()) is True


def test_a_process_that_takes_too_long_is_stopped(monkeypatch, tmp_path):
    monkeypatch.setattr(core_warmup, "cache_is_cold", lambda: True)
    monkeypatch.setattr(sys, "executable", script(tmp_path, "exec sleep 60"))
    process = warmup.start_compiling()
    assert warmup.finish_compiling(process, timeout=0.3) is False
    assert process.poll() is not None  # stopped, not left running


def test_a_process_that_cannot_start_leaves_the_warm_up_in_process(monkeypatch, tmp_path):
    monkeypatch.setattr(core_warmup, "cache_is_cold", lambda: True)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "missing"))
    assert warmup.start_compiling() is None


def test_napari_s_cache_check_is_the_core_s_check_of_napari_s_kernels(monkeypatch):
    asked = []
    monkeypatch.setattr(core_warmup, "kernels_cold", lambda kernels: asked.append(
        tuple(kernels)) or True)
    assert warmup.napari_cache_is_cold() is True
    assert asked == [warmup.NAPARI_KERNELS]
    # and, unpatched, a kernel napari does not have reads as cold
    monkeypatch.undo()
    monkeypatch.setattr(warmup, "NAPARI_KERNELS", (
        "napari.layers.shapes._accelerated_triangulate_numba:no_such",))
    assert warmup.napari_cache_is_cold() is True


#: A fresh process: are the caches cold; then (with "warm") a warm-up of the core and of
#: the probe's napari layers, and how many signatures of their kernels it compiled (cache
#: misses) and loaded (cache hits).
CACHE_STATE = r"""
import importlib, json, sys
from napari_symseg.controller import warmup
from napari_symseg.core import warmup as core
out = {"cold": core.cache_is_cold(), "napari_cold": warmup.napari_cache_is_cold()}
if sys.argv[1:] == ["warm"]:
    core.warm_up()
    warmup.warm_up_shapes()
    names = [("napari_symseg.core." + e).split(":") for e in core.WARM_KERNELS]
    names += [e.split(":") for e in warmup.NAPARI_KERNELS]
    kernels = [getattr(importlib.import_module(m), f) for m, f in names]
    out["misses"] = sum(sum(k.stats.cache_misses.values()) for k in kernels)
    out["hits"] = sum(sum(k.stats.cache_hits.values()) for k in kernels)
print("STATE " + json.dumps(out))
"""


def test_the_program_fills_a_cold_cache_that_a_warm_up_then_only_loads(tmp_path):
    """What the widget does on a fresh install (`start_compiling`): a cold cache reads
    cold, ``python -m napari_symseg.controller.warmup`` compiles into it, after which it
    reads warm and a warm-up (the core's and the probe's napari layers) compiles nothing."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}

    def state(*args):
        done = subprocess.run([sys.executable, "-c", CACHE_STATE, *args], env=env,
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.split("STATE ")[-1])

    assert state() == {"cold": True, "napari_cold": True}
    done = subprocess.run([sys.executable, "-m", "napari_symseg.controller.warmup", "--nice",
                           "1"], env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    after = state("warm")
    assert after["cold"] is False and after["napari_cold"] is False
    assert after["misses"] == 0
    assert after["hits"] > 0


def test_the_program_s_steps_are_followed_into_the_progress(monkeypatch, tmp_path):
    """The compiling process prints its steps (`main`); `follow` reads them as they come."""
    keys = ["local_correlation_map/direct", "point symmetry, stride 1", warmup.SHAPES_STEP]
    lines = "\n".join(warmup.progress_line(done, keys) for done in range(2))
    monkeypatch.setattr(core_warmup, "cache_is_cold", lambda: True)
    monkeypatch.setattr(sys, "executable", script(tmp_path, f"echo 'numba says hi'\n"
                                                             f"printf '{lines}\\n'"))
    process = warmup.start_compiling()
    progress = warmup.WarmUpProgress()
    progress.begin()
    warmup.follow(process, progress)
    assert warmup.finish_compiling(process) is True
    assert (progress.done, progress.total, progress.step) == (1, 3, keys[1])
    weights = [core_warmup.COLD_S[keys[0]], core_warmup.COLD_S[keys[1]], 1.0]
    assert progress.fraction == pytest.approx(weights[0] / sum(weights), abs=1e-4)
    assert "step 2 of 3: point symmetry, stride 1" in progress.text()


def test_the_compile_s_text_says_what_and_how_long():
    progress = warmup.WarmUpProgress()
    progress.begin()
    start = progress.started
    # nothing measured yet: the cold compile's measured length
    assert progress.estimate_s(start + 1.0) == warmup.COLD_TOTAL_S
    assert progress.text(start + 1.0) == \
        "Compiling the fast kernels (first use only, about 2 min)…"
    progress.read("step\t3\t12\t0.5000\t0.6000\tpower_spectrum\n")
    progress.read("garbage\tline\n")  # ignored
    assert progress.estimate_s(start + 30.0) == pytest.approx(60.0)
    assert progress.text(start + 30.0) == ("Compiling the fast kernels (first use only, "
                                           "about 60 s)… step 4 of 12: power spectrum")
    assert progress.estimate_s(start + 300.0) == pytest.approx(600.0)  # a busy machine


def test_the_bar_moves_within_a_step_and_never_past_it():
    """A cold compile's first step takes 90 s and more: the bar moved only between steps and
    sat at 0 % all that time (benchmarks/cold_notice.py)."""
    progress = warmup.WarmUpProgress()
    progress.begin()
    progress.read(warmup.progress_line(1, ["local_correlation_map/direct", "polarity",
                                           "statistics"]) + "\n")
    start = progress.step_started
    shares = [progress.shown(start + t) for t in (0.0, 5.0, 30.0, 120.0, 1000.0)]
    assert shares[0] == progress.fraction > 0
    assert all(a < b for a, b in itertools.pairwise(shares))  # it always moves
    assert shares[-1] < progress.after  # the step's end is the process's to say
    progress.read(warmup.progress_line(2, ["local_correlation_map/direct", "polarity",
                                           "statistics"]))
    assert progress.shown() >= progress.fraction > shares[-1]
