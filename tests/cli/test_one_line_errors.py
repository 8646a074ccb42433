"""Issue 12, every failure of the command is exit 2 and one line on stderr, never a traceback."""

import subprocess
import sys
import time

import numpy as np
import pytest

from napari_symseg.cli import main
from napari_symseg.core.samples import moving_boundary_series, two_phase

SMALL = ["--patch-x", "5", "--patch-y", "5", "--window-x", "6", "--window-y", "6",
         "--stride", "4"]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.save("img.npy", two_phase((80, 80)))
    np.save("ser.npy", moving_boundary_series(n_frames=3, shape=(64, 64), start=20, step=8))
    np.save("scalar.npy", np.array(3.0))
    (tmp_path / "latin1.json").write_bytes('{"params": {"patch_x": 5}} é'.encode("latin-1"))
    (tmp_path / "truncated.json").write_text('{"params": {"patch_x": ')
    return tmp_path


CASES = [
    (["segment", "img.npy", "-o", "l.npy", "--smoothing", "nan"], "smoothing must be a finite"),
    (["segment", "img.npy", "-o", "l.npy", "--smoothing", "inf"], "smoothing must be a finite"),
    (["segment", "img.npy", "-o", "l.npy", "--pca-variance", "nan"], "pca_variance"),
    (["segment", "img.npy", "-o", "l.npy", "--params", '{"rotation_angles":[Infinity]}'],
     "rotation_angles must be a list of integers"),
    (["segment", "img.npy", "-o", "l.npy", "--params", '{"params": 5}'],
     '"params" must be a JSON object'),
    (["segment", "img.npy", "-o", "l.npy", "--params", '{"params": null}'],
     '"params" must be a JSON object'),
    (["segment", "img.npy", "-o", "l.npy", "--params", "latin1.json"], "not UTF-8"),
    (["segment", "img.npy", "-o", "l.npy", "--params", "truncated.json"], "not valid JSON"),
    (["segment", "img.npy", "-o", "l.npy", "--params", "."], "cannot read parameter file"),
    (["segment", "scalar.npy", "-o", "l.npy"], "must be 2-D"),
    (["segment", "ser.npy", "-o", "l.npy", "--reference-frames", "0-99999999"],
     "at most 100000"),
    (["segment", "ser.npy", "-o", "l.npy", "--reference-frames", "5-2"], "is empty"),
    (["segment", "img.npy", "-o", "l.npy", "--rotation-angles", "60,1e400"],
     "--rotation-angles"),
    (["segment", "img.npy", "-o", "l.npy", "--n-patterns", "99999999999999999999999"],
     "n_patterns must be <="),
    (["segment", "img.npy", "-o", "l.npy", "--stride", "1.5"], "invalid int value"),
    (["segment", "img.npy", "-o", "l.npy", "--bogus"], "unrecognized arguments"),
    (["frobnicate"], "invalid choice"),
]


@pytest.mark.parametrize(("argv", "message"), CASES, ids=[" ".join(c[0][1:])[:40] for c in CASES])
def test_bad_parameters_are_one_line(folder, argv, message, capsys):
    before = sorted(p.name for p in folder.iterdir())
    start = time.perf_counter()
    assert main([*argv, *SMALL] if argv[0] == "segment" else argv) == 2
    assert time.perf_counter() - start < 30  # refused, not computed (no 100M-frame list)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("napari-symseg: error:"), err
    assert message in err[0], err[0]
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing written


def test_an_unexpected_error_is_one_line_and_named_a_bug(folder, capsys, monkeypatch):
    import napari_symseg.cli.segment as command

    def broken(*args):
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(command, "run_image", broken)
    assert main(["segment", "img.npy", "-o", "l.npy", *SMALL]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["napari-symseg: error: unexpected ZeroDivisionError: oops (this is a bug; "
                   "NAPARI_SYMSEG_DEBUG=1 shows where)"]
    monkeypatch.setenv("NAPARI_SYMSEG_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        main(["segment", "img.npy", "-o", "l.npy", *SMALL])


def test_a_real_process_prints_no_traceback(folder):
    proc = subprocess.run([sys.executable, "-m", "napari_symseg.cli", "segment", "img.npy",
                           "-o", "l.npy", "--smoothing", "nan"], capture_output=True, text=True,
                          cwd=folder)
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("napari-symseg: error: smoothing must be a finite number; "
                                   "got nan")


def test_values_near_the_float_maximum_are_a_clear_input_error(folder, capsys):
    image = two_phase((80, 80)).astype(np.float64)
    huge = (image - image.mean()) / np.ptp(image) * 1.7e308
    assert np.isfinite(huge).all()
    np.save("huge.npy", huge)
    assert main(["segment", "huge.npy", "-o", "l.npy", *SMALL]) == 2
    err = capsys.readouterr().err.strip()
    assert "bug" not in err and "rescale" in err.lower(), err
