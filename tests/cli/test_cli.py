"""The command line contract of DESIGN.md."""

import json
import subprocess
import sys

import numpy as np
import pytest
import tifffile

from napari_symseg.cli import main
from napari_symseg.core.params import Params
from napari_symseg.core.samples import moving_boundary_series, two_phase
from napari_symseg.core.series import segment_series

SMALL = ["--patch-x", "6", "--patch-y", "6", "--window-x", "8", "--window-y", "8",
         "--stride", "4"]


@pytest.fixture
def image_npy(tmp_path):
    path = tmp_path / "img.npy"
    np.save(path, two_phase((120, 140)))
    return path


@pytest.mark.parametrize(("suffix_in", "suffix_out"), [(".npy", ".tif"), (".tif", ".npy"),
                                                       (".tiff", ".tiff")])
def test_segment_writes_labels_of_input_shape(tmp_path, suffix_in, suffix_out, capsys):
    src = tmp_path / f"img{suffix_in}"
    image = two_phase((120, 140))
    np.save(src, image) if suffix_in == ".npy" else tifffile.imwrite(src, image)
    out = tmp_path / f"labels{suffix_out}"
    assert main(["segment", str(src), "-o", str(out), *SMALL]) == 0
    labels = np.load(out) if suffix_out == ".npy" else tifffile.imread(out)
    assert labels.shape == image.shape and labels.dtype.kind in "iu"
    assert set(np.unique(labels)) == {0, 1}
    assert "wrote" in capsys.readouterr().out


def test_all_contract_flags_are_accepted(tmp_path, image_npy):
    out = tmp_path / "l.npy"
    args = ["segment", str(image_npy), "-o", str(out), "--descriptor", "local_correlation_map",
            "--n-patterns", "2", "--stride", "4", "--patch-x", "5", "--patch-y", "6",
            "--window-x", "7", "--window-y", "8", "--max-num-points", "30", "--method", "fft",
            "--radius", "6", "--num-reflection-plane", "4", "--n-pca-components", "3",
            "--random-state", "3"]
    assert main(args) == 0 and out.exists()
    out2 = tmp_path / "l2.npy"
    assert main(["segment", str(image_npy), "-o", str(out2), "--pca-variance", "0.9",
                 *SMALL]) == 0


def test_params_file_round_trip_and_precedence(tmp_path, image_npy):
    saved = tmp_path / "p.json"
    out = tmp_path / "a.npy"
    assert main(["segment", str(image_npy), "-o", str(out), *SMALL, "--n-patterns", "3",
                 "--save-params", str(saved)]) == 0
    p = Params.from_json(saved)
    assert (p.patch_x, p.stride, p.n_patterns) == (6, 4, 3)
    out2 = tmp_path / "b.npy"
    assert main(["segment", str(image_npy), "-o", str(out2), "--params", str(saved)]) == 0
    np.testing.assert_array_equal(np.load(out), np.load(out2))
    # explicit flags override the file
    saved2 = tmp_path / "p2.json"
    assert main(["segment", str(image_npy), "-o", str(out2), "--params", str(saved),
                 "--n-patterns", "2", "--save-params", str(saved2)]) == 0
    assert Params.from_json(saved2).n_patterns == 2
    assert Params.from_json(saved2).patch_x == 6


def test_tiff_output_carries_parameters(tmp_path, image_npy):
    out = tmp_path / "l.tif"
    assert main(["segment", str(image_npy), "-o", str(out), *SMALL]) == 0
    with tifffile.TiffFile(out) as tif:  # the JSON record: ImageJ's Info property
        meta = json.loads(tif.imagej_metadata["Info"])
    assert meta["params"]["patch_x"] == 6 and "napari_symseg" in meta


def _run_cli(*args):
    return subprocess.run([sys.executable, "-m", "napari_symseg.cli", *args],
                          capture_output=True, text=True)


def _with_nan_frame(t):
    series = moving_boundary_series(n_frames=5, shape=(80, 96), start=30, step=8)
    series[t, 10, 10] = np.nan
    return series


@pytest.mark.parametrize(
    ("make_input", "extra", "message"),
    [
        (lambda: np.random.default_rng(0).random((80, 80, 3)), [], "RGB"),
        (lambda: _with_nan_frame(3), [], "frame 3: image contains 1 NaN"),
        (lambda: _with_nan_frame(3), ["--reference-frames", "9"], "do not exist"),
        (lambda: _with_nan_frame(3), ["--reference-frames", "0-x"], "--reference-frames must"),
        (lambda: np.random.default_rng(0).random(50), [], "2-D"),
        (lambda: np.full((80, 80), 2.0), [], "constant"),
        (lambda: np.where(np.eye(80) > 0, np.nan, 1.0), [], "NaN"),
        (lambda: two_phase((40, 40)), ["--patch-x", "20", "--window-x", "21"], "too small"),
        (lambda: two_phase((80, 80)), ["--patch-x", "0"], "patch_x must be >= 1"),
        (lambda: two_phase((80, 80)), ["--stride", "-2"], "stride must be >= 1"),
        (lambda: two_phase((80, 80)), ["--n-patterns", "5000"], "n_patterns"),
        (lambda: two_phase((80, 80)), ["--descriptor", "bogus"], "invalid choice"),
        (lambda: two_phase((80, 80)), ["--descriptor", "preselected_translations",
                                       "--preselected-translations", "0,30"], "outside"),
        (lambda: two_phase((80, 80)), ["--n-pca-components", "2", "--pca-variance", ".9"],
         "not allowed with"),
    ],
)
def test_bad_input_exit_2_one_line_nothing_written(tmp_path, make_input, extra, message):
    src = tmp_path / "in.npy"
    np.save(src, make_input())
    out = tmp_path / "out.npy"
    small = [] if any(a in extra for a in ("--patch-x", "--window-x")) else [
        "--patch-x", "4", "--patch-y", "4", "--window-x", "5", "--window-y", "5"]
    proc = _run_cli("segment", str(src), "-o", str(out), *small, *extra)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert lines[0].startswith("napari-symseg: error:") and message in lines[0], lines[0]
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [src]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["segment", "missing.npy", "-o", "out.npy"], "not found"),
        (["segment", "in.npy", "-o", "out.png"], "supported outputs"),
        (["segment", "in.jpg", "-o", "out.npy"], "supported inputs"),
        (["segment", "in.npy", "-o", "no/such/dir/out.npy"], "folder does not exist"),
        (["segment", "in.npy"], "required"),
        (["segment", "in.npy", "-o", "out.npy", "--params", "nope.json"], "cannot read"),
    ],
)
def test_bad_paths(tmp_path, args, message, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    np.save(tmp_path / "in.npy", two_phase((80, 80)))
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.npy"]


def test_demo_writes_labels_overlay_and_params(tmp_path, capsys):
    assert main(["demo", "--headless", "-o", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    labels = tifffile.imread(tmp_path / "demo" / "sample_two_phase_labels.tif")
    image = tifffile.imread(tmp_path / "demo" / "sample_two_phase.tif")
    assert labels.shape == image.shape == (512, 512)
    left, right = labels[:, :200], labels[:, 312:]
    assert (left == left[0, 0]).mean() > 0.99 and (right == right[0, 0]).mean() > 0.99
    assert left[0, 0] != right[0, 0]
    from PIL import Image

    assert Image.open(tmp_path / "demo" / "sample_two_phase_overlay.png").size == (512, 512)
    assert "overlay" in out and "labels" in out and "stats" in out
    from napari_symseg.io import read_calibrated

    for name in ("sample_two_phase.tif", "sample_two_phase_labels.tif"):
        _, calibration = read_calibrated(tmp_path / "demo" / name)  # the sample's nm
        assert calibration.scale == pytest.approx((0.02, 0.02)) and calibration.units == (
            "nm", "nm")
    params = json.loads((tmp_path / "demo" / "sample_two_phase_params.json").read_text())
    assert Params.from_dict(params["params"]) == Params()


def test_auto_flag_and_explicit_override(tmp_path, image_npy, capsys):
    saved = tmp_path / "p.json"
    assert main(["segment", str(image_npy), "-o", str(tmp_path / "l.npy"), "--auto",
                 "--save-params", str(saved)]) == 0
    auto = Params.from_json(saved)
    said = capsys.readouterr().out.splitlines()[0]  # why: the lattice and the contrast rule
    assert said.startswith("auto: lattice ") and "contrast channels" in said
    onoff = "on" if auto.contrast_features else "off"
    assert f"contrast channels {onoff}" in said
    assert auto.patch_x != Params().patch_x and auto.stride != Params().stride
    assert main(["segment", str(image_npy), "-o", str(tmp_path / "l.npy"), "--auto",
                 "--stride", "2", "--save-params", str(saved)]) == 0
    assert Params.from_json(saved).stride == 2
    assert Params.from_json(saved).patch_x == auto.patch_x


@pytest.mark.parametrize("dtype", [">u2", "<i4", ">f4", "uint8"])
def test_integer_and_big_endian_inputs(tmp_path, dtype):
    image = two_phase((120, 140), noise=0.0)
    scaled = ((image - image.min()) / (image.max() - image.min()) * 250).astype(dtype)
    src = tmp_path / "in.tif"
    tifffile.imwrite(src, scaled)
    out = tmp_path / "l.npy"
    assert main(["segment", str(src), "-o", str(out), *SMALL]) == 0
    labels = np.load(out)
    assert labels.shape == image.shape
    assert labels[60, 10] != labels[60, 130]


def test_four_dimensional_input_is_rejected(tmp_path, capsys):
    src = tmp_path / "in.npy"
    np.save(src, np.random.default_rng(0).random((2, 2, 60, 60)))
    assert main(["segment", str(src), "-o", str(tmp_path / "o.npy")]) == 2
    assert "must be 2-D" in capsys.readouterr().err
    assert not (tmp_path / "o.npy").exists()


def test_interrupted_run_writes_nothing(tmp_path, image_npy, monkeypatch, capsys):
    import napari_symseg.cli.segment as segment_command

    def interrupted(steps):
        next(steps)
        raise KeyboardInterrupt

    monkeypatch.setattr(segment_command, "run", interrupted)
    out = tmp_path / "l.tif"
    assert main(["segment", str(image_npy), "-o", str(out), "--overlay",
                 str(tmp_path / "o.png"), *SMALL]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["img.npy"]


def test_demo_without_display_is_headless(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["demo", "-o", str(tmp_path / "d")]) == 0
    assert (tmp_path / "d" / "sample_two_phase_labels.tif").exists()


SERIES_PARAMS = Params(patch_x=6, patch_y=6, window_x=8, window_y=8, stride=4,
                       n_selected_operations=12, reference_frames=(0, 2))


@pytest.fixture
def series_npy(tmp_path):
    path = tmp_path / "series.npy"
    np.save(path, moving_boundary_series(n_frames=4, shape=(96, 120), start=40, step=10))
    return path


@pytest.mark.parametrize("suffix", [".npy", ".tif"])
def test_series_is_fitted_once_and_every_frame_labelled(tmp_path, series_npy, suffix, capsys):
    series = np.load(series_npy)
    out = tmp_path / f"labels{suffix}"
    stats, model = tmp_path / "stats.csv", tmp_path / "model.json"
    assert main(["segment", str(series_npy), "-o", str(out), *SMALL,
                 "--n-selected-operations", "12", "--reference-frames", "0,2",
                 "--stats", str(stats), "--save-model", str(model),
                 "--overlay", str(tmp_path / "o.png")]) == 0
    expected = segment_series(series, SERIES_PARAMS)
    labels = np.load(out) if suffix == ".npy" else tifffile.imread(out)
    np.testing.assert_array_equal(labels, expected.labels)
    if suffix == ".tif":
        with tifffile.TiffFile(out) as tif:
            assert len(tif.pages) == 4
            meta = json.loads(tif.imagej_metadata["Info"])
            assert meta["params"]["reference_frames"] == [0, 2]
    import csv

    rows = list(csv.DictReader(stats.open()))
    assert len(rows) == 4 * 2 and rows[0].keys() == {
        "frame", "pattern", "area_fraction", "regions", "mean_intensity"}
    for row in rows:
        t, k = int(row["frame"]), int(row["pattern"])
        assert float(row["area_fraction"]) == pytest.approx(expected.stats.area_fraction[t, k])
        assert int(row["regions"]) == expected.stats.regions[t, k]
    from napari_symseg.core.model import Model

    assert len(Model.load(model).operations) == 12
    printed = capsys.readouterr().out
    assert "4 frames" in printed and "12 of 81" in printed and "frames/s" in printed
    leftovers = {p.name for p in tmp_path.iterdir()} - {
        "series.npy", out.name, "stats.csv", "model.json", "o.png"}
    assert not leftovers


def test_interrupted_series_writes_nothing(tmp_path, series_npy, monkeypatch, capsys):
    import napari_symseg.core.frame_labels as stack

    real = stack._label  # what label_task (every frame) calls
    calls = []

    def interrupted(model, image, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(model, image, **kwargs)

    monkeypatch.setattr(stack, "_label", interrupted)
    out = tmp_path / "l.tif"
    assert main(["segment", str(series_npy), "-o", str(out), "--stats",
                 str(tmp_path / "s.csv"), *SMALL]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["series.npy"]


def test_series_on_a_dask_scheduler(tmp_path, series_npy):
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "l.npy"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        assert main(["segment", str(series_npy), "-o", str(out), *SMALL, "-q",
                     "--dask-scheduler", cluster.scheduler_address]) == 0
    expected = segment_series(np.load(series_npy), SERIES_PARAMS.replace(
        n_selected_operations=20, reference_frames="auto"))
    np.testing.assert_array_equal(np.load(out), expected.labels)


def test_single_crystal_gets_a_pattern_count_note_and_confidence_map(tmp_path, capsys):
    from napari_symseg.core.samples import lattice

    src = tmp_path / "single.npy"
    noise = 0.3 * np.random.default_rng(0).normal(size=(160, 160))
    np.save(src, lattice((160, 160), 10.0) + noise)
    conf = tmp_path / "c.tif"
    assert main(["segment", str(src), "-o", str(tmp_path / "l.npy"), *SMALL,
                 "--confidence", str(conf)]) == 0
    out = capsys.readouterr().out
    assert "note: suggested number of patterns: 1" in out and "--n-patterns 1" in out
    c = tifffile.imread(conf)
    assert c.shape == (160, 160) and c.dtype == np.float32 and 0 <= c.min() <= c.max() <= 1
    assert main(["segment", str(src), "-o", str(tmp_path / "l.npy"), *SMALL,
                 "--n-patterns", "1"]) == 0
    assert "note:" not in capsys.readouterr().out


def _imagej_calibration(path):
    with tifffile.TiffFile(path) as tif:
        x, y = tif.pages[0].get_resolution()
        return 1 / x, 1 / y, tif.imagej_metadata


def test_calibrated_input_gives_calibrated_outputs_and_params_reload(tmp_path, capsys):
    src = tmp_path / "img.tif"
    image = two_phase((120, 140)).astype(np.float32)
    tifffile.imwrite(src, image, imagej=True, resolution=(1 / 0.0127, 1 / 0.0127),
                     metadata={"unit": "nm", "axes": "YX"})
    out, conf, png = tmp_path / "l.tif", tmp_path / "c.tif", tmp_path / "o.png"
    stats, saved = tmp_path / "s.csv", tmp_path / "p.json"
    assert main(["segment", str(src), "-o", str(out), *SMALL, "--confidence", str(conf),
                 "--overlay", str(png), "--stats", str(stats), "--save-params",
                 str(saved)]) == 0
    for path in (out, conf):
        sx, sy, meta = _imagej_calibration(path)
        assert meta["unit"] == "nm" and (sx, sy) == (pytest.approx(0.0127), pytest.approx(0.0127))
        assert json.loads(meta["Info"])["calibration"]["units"] == ["nm", "nm"]
    record = json.loads(saved.read_text())
    assert record["calibration"]["scale"] == pytest.approx([0.0127, 0.0127])
    import csv

    rows = list(csv.DictReader(stats.open()))
    for row in rows:
        area = float(row["area_fraction"]) * 120 * 140 * 0.0127**2
        assert float(row["area_nm2"]) == pytest.approx(area)
    from PIL import Image

    rgb = np.asarray(Image.open(png))
    assert rgb.shape == (120, 140, 3)
    # 140 px * 0.0127 nm / 5 = 0.356 nm -> a 0.2 nm bar of 16 px, in the bottom right
    white = np.all(rgb == 255, axis=-1)[90:, 70:]
    assert max(len(run) for r in white for run in np.split(
        np.flatnonzero(r), np.flatnonzero(np.diff(np.flatnonzero(r)) > 1) + 1)) == 16
    # the saved parameters give the same labels
    out2 = tmp_path / "l2.tif"
    assert main(["segment", str(src), "-o", str(out2), "--params", str(saved)]) == 0
    np.testing.assert_array_equal(tifffile.imread(out), tifffile.imread(out2))


def test_calibrated_series_writes_frame_interval_and_time_column(tmp_path):
    series = moving_boundary_series(n_frames=3, shape=(96, 120), start=40, step=10)
    src = tmp_path / "series.tif"
    tifffile.imwrite(src, series.astype(np.float32), imagej=True, resolution=(10.0, 10.0),
                     metadata={"unit": "nm", "axes": "TYX", "finterval": 0.25})
    out, stats = tmp_path / "l.tif", tmp_path / "s.csv"
    assert main(["segment", str(src), "-o", str(out), *SMALL, "-q", "--stats",
                 str(stats)]) == 0
    sx, sy, meta = _imagej_calibration(out)
    assert (sx, sy) == (pytest.approx(0.1), pytest.approx(0.1)) and meta["unit"] == "nm"
    assert meta["finterval"] == pytest.approx(0.25) and meta["frames"] == 3
    import csv

    rows = list(csv.DictReader(stats.open()))
    assert list(rows[0]) == ["frame", "time_s", "pattern", "area_fraction", "area_nm2",
                             "regions", "mean_intensity"]
    assert [float(r["time_s"]) for r in rows[::2]] == [0.0, 0.25, 0.5]


def test_series_frames_unlike_the_reference_get_a_note(tmp_path, capsys):
    """The square phase appears after frame 0: fitted on frame 0 alone, the run says which
    frames the model did not see; with the default spread reference frames it says nothing."""
    src = tmp_path / "grow.npy"
    np.save(src, moving_boundary_series(n_frames=5, shape=(96, 128), start=-20, step=30, seed=5))
    assert main(["segment", str(src), "-o", str(tmp_path / "a.npy"), *SMALL,
                 "--n-selected-operations", "0", "--reference-frames", "0"]) == 0
    out = capsys.readouterr().out
    assert "note: frames" in out and "look unlike the reference frames" in out
    assert main(["segment", str(src), "-o", str(tmp_path / "b.npy"), *SMALL,
                 "--n-selected-operations", "0"]) == 0
    assert "unlike the reference" not in capsys.readouterr().out
