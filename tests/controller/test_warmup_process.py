"""controller.warmup.start_compiling / finish_compiling: the core's kernels compiled in
another process when numba's cache is cold (the program itself: tests/core/test_warmup.py)."""

import stat
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
    assert args.read_text().split() == ["-m", "napari_symseg.core.warmup", "--nice",
                                        str(warmup.NICE)]


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
