"""Issue 12, data loss: inputs never replaced, collisions refused, signals and races harmless.

Signals are sent to real ``napari-symseg`` processes in the middle of a series (once its
hidden temporary labels file exists); two processes write the same output at once.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import tifffile

from napari_symseg.cli import main
from napari_symseg.core.samples import moving_boundary_series, two_phase
from napari_symseg.core.series import segment_series
from napari_symseg.io.output import PARTIAL

SMALL = ["--patch-x", "6", "--patch-y", "6", "--window-x", "8", "--window-y", "8",
         "--stride", "4"]
SERIES = ["--patch-x", "6", "--patch-y", "6", "--window-x", "8", "--window-y", "8",
          "--stride", "2", "--n-selected-operations", "40", "-q"]


def _names(folder):
    return sorted(p.name for p in Path(folder).iterdir())


def _one_error_line(capsys, expected):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("napari-symseg: error:"), err
    assert expected in err[0], err[0]
    assert "Traceback" not in err[0]


@pytest.fixture
def image_files(tmp_path):
    image = two_phase((96, 112))
    np.save(tmp_path / "img.npy", image)
    tifffile.imwrite(tmp_path / "img.tif", image.astype(np.float32))
    np.save(tmp_path / "ser.npy", moving_boundary_series(n_frames=3, shape=(80, 96), start=30,
                                                        step=8))
    return tmp_path


@pytest.mark.parametrize("name", ["img.npy", "img.tif", "ser.npy"])
@pytest.mark.parametrize("extra", [[], ["--overlay", "ov.png", "--stats", "st.csv"]])
def test_output_that_is_the_input_is_refused(image_files, name, extra, capsys, monkeypatch):
    monkeypatch.chdir(image_files)
    before = {n: (image_files / n).read_bytes() for n in _names(image_files)}
    assert main(["segment", name, "-o", name, *SMALL, *extra]) == 2
    _one_error_line(capsys, "is the input")
    assert {n: (image_files / n).read_bytes() for n in _names(image_files)} == before


def test_links_to_the_input_and_the_params_file_are_inputs(image_files, capsys, monkeypatch):
    monkeypatch.chdir(image_files)
    os.link("img.npy", "hard.npy")
    Path("soft.npy").symlink_to(image_files / "img.npy")
    for out in ("hard.npy", "soft.npy"):
        assert main(["segment", "img.npy", "-o", out, *SMALL]) == 2
        _one_error_line(capsys, "is the input")
    Path("p.json").write_text('{"params": {"n_patterns": 2}}')
    assert main(["segment", "img.npy", "-o", "l.npy", "--params", "p.json",
                 "--save-params", "p.json", *SMALL]) == 2
    _one_error_line(capsys, "is the input")
    assert Path("p.json").read_text() == '{"params": {"n_patterns": 2}}'


def test_two_options_naming_one_file_are_refused(image_files, capsys, monkeypatch):
    monkeypatch.chdir(image_files)
    before = _names(image_files)
    assert main(["segment", "img.npy", "-o", "out.tif", "--confidence", "out.tif",
                 *SMALL]) == 2
    _one_error_line(capsys, "two outputs are the same file")
    assert main(["segment", "img.npy", "-o", "l.npy", "--save-params", "x.json",
                 "--save-model", "./x.json", *SMALL]) == 2
    _one_error_line(capsys, "two outputs are the same file")
    assert _names(image_files) == before


def test_unwritable_targets_are_refused_before_any_work(image_files, capsys, monkeypatch):
    import napari_symseg.cli.segment as command

    monkeypatch.chdir(image_files)
    monkeypatch.setattr(command, "run_image", lambda *a: pytest.fail("work was done"))
    (image_files / "a_dir.npy").mkdir()
    cases = [(["-o", "a_dir.npy"], "is a folder"),
             (["-o", "/sys/l.npy"] if os.geteuid() == 0 else None, "cannot write in"),
             (["-o", "l.npy", "--overlay", "/sys/o.png"] if os.geteuid() == 0 else None,
              "cannot write in"),
             (["-o", "l.npy", "--stats", "missing/s.csv"], "folder does not exist")]
    before = _names(image_files)
    for extra, message in cases:
        if extra is None:  # not root: a folder without write permission instead
            locked = image_files / "locked"
            locked.mkdir(exist_ok=True)
            locked.chmod(0o555)
            extra = ["-o", str(locked / "l.npy")]
            before = _names(image_files)
        assert main(["segment", "img.npy", *extra, *SMALL]) == 2
        _one_error_line(capsys, message)
    assert _names(image_files) == before


def test_demo_into_a_file_is_one_line(tmp_path, capsys):
    (tmp_path / "existing").write_text("mine")
    assert main(["demo", "--headless", "-o", str(tmp_path / "existing")]) == 2
    _one_error_line(capsys, "is a file")
    assert (tmp_path / "existing").read_text() == "mine"


# ------------------------------------------------------------ real processes
def _command(*args):
    return [sys.executable, "-m", "napari_symseg.cli", *args]


@pytest.fixture(scope="module")
def long_series(tmp_path_factory):
    folder = tmp_path_factory.mktemp("series")
    series = moving_boundary_series(n_frames=80, shape=(128, 128), start=30, step=1)
    np.save(folder / "ser.npy", series)
    np.save(folder / "ser_b.npy", series[:, :, ::-1].copy())  # another series, same shape
    # for the signal tests: long enough that the run is still going when the signal comes
    # (80 frames took well under a second once labelling got faster: a run that ended
    # before the signal exited 0 and the test failed)
    np.save(folder / "ser_long.npy", np.tile(series, (8, 1, 1)))
    return folder


def _wait_for_temporary(folder, proc, stem="o", timeout=120.0):
    """Wait until the hidden temporary labels file ``.STEM.partial-*.npy`` exists.

    It is made when labelling starts, after the fit (the folder check before any work
    makes and removes a ``.STEM.npy.partial-*`` file: not that one).
    """
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if any(p.name.startswith(f".{stem}{PARTIAL}") for p in Path(folder).iterdir()):
            return
        if proc.poll() is not None:
            pytest.fail(f"finished before labelling started: {proc.communicate()}")
        time.sleep(0.02)
    proc.kill()
    pytest.fail("no temporary file appeared")


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129),
                                              (signal.SIGINT, 130)])
def test_signal_mid_series_leaves_no_temporary_and_the_earlier_output(long_series, tmp_path,
                                                                      signum, code):
    out = tmp_path / "o.npy"
    np.save(out, np.arange(5))  # an earlier run's output
    proc = subprocess.Popen(_command("segment", str(long_series / "ser_long.npy"), "-o",
                                     str(out), "--stats", str(tmp_path / "s.csv"), *SERIES),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_temporary(tmp_path, proc)
    time.sleep(0.1)
    assert proc.poll() is None, "the run ended before the signal: make the series longer"
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert _names(tmp_path) == ["o.npy"]
    np.testing.assert_array_equal(np.load(out), np.arange(5))


def test_two_runs_writing_one_output_leave_one_whole_result(long_series, tmp_path):
    out = tmp_path / "same.npy"
    procs = [subprocess.Popen(_command("segment", str(long_series / name), "-o", str(out),
                                       *SERIES), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for name in ("ser.npy", "ser_b.npy")]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert _names(tmp_path) == ["same.npy"]
    params = {"patch_x": 6, "patch_y": 6, "window_x": 8, "window_y": 8, "stride": 2,
              "n_selected_operations": 40}
    got = np.load(out)
    expected = [segment_series(np.load(long_series / name), **params).labels
                for name in ("ser.npy", "ser_b.npy")]
    assert any(np.array_equal(got, e) for e in expected)  # one run's labels, every frame


def _wait_for_library(proc, name, timeout: float) -> None:
    """Wait until the process `proc` has mapped a file whose path contains `name` (Linux;
    a tuple: any of them)."""
    names = (name,) if isinstance(name, str) else name
    maps = Path(f"/proc/{proc.pid}/maps")
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        try:
            text = maps.read_text()
            if any(n in text for n in names):
                return
        except OSError:
            return
        time.sleep(0.005)


def test_ctrl_c_during_start_up_is_one_line(tmp_path):
    # `segment` imports numpy, scipy, numba... after parsing (--version alone now starts
    # in ~0.2 s, so a Ctrl-C at 0.4 s could land in the interpreter's shutdown instead)
    np.save(tmp_path / "in.npy", two_phase((64, 64)))
    proc = subprocess.Popen(_command("segment", str(tmp_path / "in.npy"), "-o",
                                     str(tmp_path / "out.npy")),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # the signal goes once numpy is being loaded (past the interpreter's own start-up, in
    # the command's imports), not after a fixed delay: under load 0.4 s could still be
    # inside Python's start-up, before the package exists to make it one line
    _wait_for_library(proc, "numpy", timeout=30)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err, err
    if proc.returncode == 0:  # finished before the signal: nothing to check
        pytest.skip("start-up and run ended before the signal")
    assert proc.returncode in (130, -signal.SIGINT), (proc.returncode, err)
    assert err.strip() == "napari-symseg: interrupted"
    assert _names(tmp_path) == ["in.npy"]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process `pid` so far, all its threads (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_inside_a_long_descriptor_kernel_stops_it_at_once(tmp_path):
    # issue 11: at stride 1 the descriptors of one chunk are one kernel call of seconds
    # (here ~3 s of CPU, in 3 chunks); Python runs the SIGINT handler only once the
    # kernel returns, so the kernel must see the signal itself (`cli.signals`)
    np.save(tmp_path / "in.npy", two_phase((1024, 1024), seed=1))
    proc = subprocess.Popen(
        _command("segment", str(tmp_path / "in.npy"), "-o", str(tmp_path / "out.npy"),
                 "--descriptor", "rotational_symmetry_maximum_pooling", "--stride", "1",
                 "--radius", "40", "-q"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # numba's threading layer is loaded when the first parallel kernel runs
    _wait_for_library(proc, ("omppool", "tbbpool", "workqueue"), timeout=120)
    if proc.poll() is None:
        start = _cpu_seconds(proc.pid)
        while proc.poll() is None and _cpu_seconds(proc.pid) < start + 0.3:
            time.sleep(0.01)
    if proc.poll() is not None:
        pytest.fail(f"ended before the signal: {proc.communicate()}")
    before = _cpu_seconds(proc.pid)
    proc.send_signal(signal.SIGINT)
    _, status, usage = os.wait4(proc.pid, 0)
    after = usage.ru_utime + usage.ru_stime - before
    err = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    assert os.waitstatus_to_exitcode(status) == 130, err
    assert err.strip() == "napari-symseg: interrupted"
    assert _names(tmp_path) == ["in.npy"]  # nothing half-written
    # CPU time, not wall time (shared machine): the old code finished the chunk, ~2-3 s
    assert after < 1.0, after


def test_a_command_backgrounded_by_a_script_ignores_sigint_and_stops_on_sigterm(
        long_series, tmp_path):
    """docs/user-guide.md: ``cmd &`` in a non-interactive shell starts with SIGINT ignored
    (the shell's doing, POSIX), so ``kill -INT`` leaves it running; SIGTERM stops it (143,
    temporaries removed, nothing written)."""
    out = tmp_path / "o.npy"
    command = _command("segment", str(long_series / "ser_long.npy"), "-o", str(out),
                       "--patch-x", "6", "--patch-y", "6", "--window-x", "8", "--window-y",
                       "8", "--stride", "1", "-q")  # stride 1: still running after SIGINT
    proc = subprocess.Popen(["sh", "-c", '"$@" & echo $!; wait $!', "sh", *command],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    pid = int(proc.stdout.readline())
    _wait_for_temporary(tmp_path, proc)
    os.kill(pid, signal.SIGINT)
    time.sleep(0.5)
    assert proc.poll() is None, f"SIGINT stopped it, or the run ended: {proc.communicate()}"
    os.kill(pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert err.strip() == "napari-symseg: stopped by SIGTERM", err
    assert _names(tmp_path) == []
