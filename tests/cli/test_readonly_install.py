"""Issue 12: installed in a read-only folder with no home folder (a cluster, a container).

A copy of the package is made read-only -- a read-only bind mount when the tests run as root
(root ignores file permissions), ``chmod a-w`` otherwise -- and run with HOME pointing to a
folder that does not exist and cannot be made. numba must cache its kernels elsewhere, or
compile them uncached with one warning; every command works.
"""

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import napari_symseg
from napari_symseg.core.samples import two_phase

PACKAGE = Path(napari_symseg.__file__).parent
ROOT = os.geteuid() == 0


def _can_bind_read_only() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def readonly(tmp_path_factory):
    """Run a Python command line with the read-only copy first on the path and no home."""
    if ROOT and not _can_bind_read_only():
        pytest.skip("running as root without mount namespaces: no read-only folder")
    base = tmp_path_factory.mktemp("readonly")
    copy = base / "copy"
    shutil.copytree(PACKAGE, copy / "napari_symseg",
                    ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
    mounted = base / "mnt"
    mounted.mkdir()
    if not ROOT:
        for path in sorted(copy.rglob("*"), reverse=True):
            path.chmod(path.stat().st_mode & 0o555)
        copy.chmod(0o555)
        mounted = copy
    np.save(base / "img.npy", two_phase((96, 96)))
    work = base / "work"
    work.mkdir()

    def run(args, tmpdir):
        env = {k: v for k, v in os.environ.items()
               if k not in ("XDG_CACHE_HOME", "NUMBA_CACHE_DIR", "PYTHONPATH")}
        env.update(HOME=str(mounted / "no-home"), PYTHONPATH=str(mounted), TMPDIR=str(tmpdir))
        command = [sys.executable, *args]
        if ROOT:
            script = (f"mount --bind {shlex.quote(str(copy))} {shlex.quote(str(mounted))} && "
                      f"mount -o remount,bind,ro {shlex.quote(str(mounted))} && "
                      f"exec {shlex.join(command)}")
            command = ["unshare", "-m", "sh", "-c", script]
        return subprocess.run(command, capture_output=True, text=True, env=env, cwd=work,
                              timeout=600)

    return run, base


def test_version_and_segment_cache_numba_in_a_writable_folder(readonly):
    run, base = readonly
    tmpdir = base / "tmp"
    tmpdir.mkdir()
    proc = run(["-m", "napari_symseg.cli", "--version"], tmpdir)
    assert proc.returncode == 0 and proc.stdout.startswith("napari-symseg "), proc.stderr
    assert proc.stderr == ""
    proc = run(["-m", "napari_symseg.cli", "segment", str(base / "img.npy"), "-o", "l.npy",
                "-q", "--patch-x", "5", "--patch-y", "5", "--window-x", "6", "--window-y",
                "6", "--stride", "4"], tmpdir)
    assert proc.returncode == 0, proc.stderr
    assert np.load(base / "work" / "l.npy").shape == (96, 96)
    cached = list(tmpdir.rglob("*.nbi"))
    assert cached and all("napari-symseg-" in str(p) for p in cached)  # the fallback folder
    assert not list((base / "copy").rglob("*.nbi"))  # nothing written into the package


def test_without_any_writable_cache_folder_kernels_compile_with_one_warning(readonly):
    run, base = readonly
    code = ("import tempfile; tempfile.tempdir = '/proc/no-such-folder'\n"  # temp unusable
            "from napari_symseg import segment\n"
            "from napari_symseg.core.samples import two_phase\n"
            "r = segment(two_phase((96, 96)), patch_x=5, patch_y=5, window_x=6, window_y=6, "
            "stride=4)\n"
            "print(r.labels.shape)\n")
    proc = run(["-c", code], base / "unused")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "(96, 96)"
    assert proc.stderr.count("no writable folder for numba's cache") == 1, proc.stderr
