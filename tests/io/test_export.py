"""Writing results: calibrated TIFFs, the overlay figure, statistics CSV, parameters JSON."""

import csv
import json

import numpy as np
import pytest
import tifffile
from PIL import Image

from napari_symseg.core.params import Params
from napari_symseg.core.samples import two_phase
from napari_symseg.core.stats import frame_statistics
from napari_symseg.errors import ExportError
from napari_symseg.io import SeriesLabelsWriter, write_labels
from napari_symseg.io.calibration import Calibration
from napari_symseg.io.export import export_result, labels_calibration, write_params
from napari_symseg.io.figure import (
    BAR_COLOUR,
    OKABE_ITO,
    nice_length,
    overlay_figure,
    overlay_rgb,
    pattern_colours,
    scale_bar,
)
from napari_symseg.io.statistics import (
    features_table,
    pattern_statistics,
    stats_rows,
    write_stats_csv,
)

NM = Calibration((0.0127, 0.0127), ("nm", "nm"), ("y", "x"))


def _resolution(path):
    """(unit, x pixel size, y pixel size, ImageJ metadata) as tifffile reads them."""
    with tifffile.TiffFile(path) as tif:
        x, y = tif.pages[0].get_resolution()
        return tif.imagej_metadata["unit"], 1 / x, 1 / y, tif.imagej_metadata


# ------------------------------------------------------------------ TIFF
def test_labels_tiff_round_trip_2d(tmp_path):
    labels = np.random.default_rng(0).integers(0, 3, (40, 50))
    path = tmp_path / "l.tif"
    write_labels(path, labels, {"params": {"n_patterns": 3}}, NM)
    unit, sx, sy, meta = _resolution(path)
    assert unit == "nm" and sx == pytest.approx(0.0127) and sy == pytest.approx(0.0127)
    record = json.loads(meta["Info"])
    assert record["params"] == {"n_patterns": 3} and "napari_symseg" in record
    assert record["labels"] == {"label_offset": 1, "no_pattern": 255,
                                "calibration": NM.to_dict()}
    with tifffile.TiffFile(path) as tif:
        assert tif.is_imagej and tif.series[0].axes == "YX"
        data = tif.asarray()
    assert data.dtype == np.uint8
    np.testing.assert_array_equal(data, labels)


@pytest.mark.parametrize(
    ("scale", "unit", "expected", "expected_unit"),
    [(0.5, "angstrom", 0.05, "nm"), (0.2, "nanometer", 0.2, "nm"), (2.5, "µm", 2.5, "micron"),
     (1500.0, "nm", 1.5, "micron"), (30.0, "pm", 0.03, "nm")],
)
def test_lengths_are_written_in_units_imagej_reads(tmp_path, scale, unit, expected,
                                                   expected_unit):
    cal = Calibration((scale, scale), (unit, unit), ("y", "x"), origin=(0.0, 2 * scale))
    write_labels(tmp_path / "l.tif", np.zeros((8, 9), int), {}, cal)
    got_unit, sx, sy, meta = _resolution(tmp_path / "l.tif")
    assert got_unit == expected_unit
    assert sx == pytest.approx(expected, rel=1e-6) and sy == pytest.approx(expected, rel=1e-6)
    assert meta["xorigin"] == pytest.approx(-2.0) and "yorigin" not in meta


def test_non_square_pixels_and_uncalibrated(tmp_path):
    cal = Calibration((0.2, 0.1), ("nm", "nm"), ("y", "x"))
    write_labels(tmp_path / "a.tif", np.zeros((8, 9), int), {}, cal)
    _, sx, sy, _ = _resolution(tmp_path / "a.tif")
    assert (sx, sy) == (pytest.approx(0.1), pytest.approx(0.2))
    write_labels(tmp_path / "b.tif", np.zeros((8, 9), int), {"a": 1})
    with tifffile.TiffFile(tmp_path / "b.tif") as tif:
        assert "unit" not in tif.imagej_metadata
        assert json.loads(tif.imagej_metadata["Info"])["a"] == 1


def test_series_tiff_round_trip_with_frame_interval(tmp_path):
    cal = Calibration((500.0, 0.1, 0.1), ("ms", "nm", "nm"), ("t", "y", "x"))
    path = tmp_path / "s.tif"
    writer = SeriesLabelsWriter(path, (4, 10, 12), {"params": {"reference_frames": [0]}}, cal)
    for t in range(4):
        writer.array[t] = np.full((10, 12), t)
    writer.finish()
    unit, sx, _, meta = _resolution(path)
    assert unit == "nm" and sx == pytest.approx(0.1)
    assert meta["finterval"] == pytest.approx(0.5)  # seconds
    assert meta["frames"] == 4 and json.loads(meta["Info"])["params"]["reference_frames"] == [0]
    with tifffile.TiffFile(path) as tif:
        assert tif.series[0].axes == "TYX" and tif.series[0].shape == (4, 10, 12)
        data = tif.asarray()
    assert data[:, 0, 0].tolist() == [0, 1, 2, 3]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.tif"]  # no temporary file left


def test_labels_beyond_imagej_types_get_a_plain_tiff(tmp_path):
    labels = np.array([[65535, 0], [70000, 3]])
    write_labels(tmp_path / "l.tif", labels, {"k": 2}, NM)
    with tifffile.TiffFile(tmp_path / "l.tif") as tif:
        record = json.loads(tif.pages[0].description)
        assert not tif.is_imagej and record["k"] == 2
        assert record["labels"]["no_pattern"] == 2**32 - 1
        assert 1 / tif.pages[0].get_resolution()[0] == pytest.approx(0.0127)
        assert tif.asarray().dtype == np.uint32
        np.testing.assert_array_equal(tif.asarray(), labels)


def test_read_calibrated_reads_what_we_write(tmp_path):
    from napari_symseg.io import read_calibrated

    cal = Calibration((0.0127, 0.0127), ("nm", "nm"), ("y", "x"), origin=(0.127, 0.254))
    write_labels(tmp_path / "l.tif", np.zeros((8, 9), int), {}, cal)
    data, got = read_calibrated(tmp_path / "l.tif")
    assert data.shape == (8, 9) and got.units == ("nm", "nm")
    assert got.scale == pytest.approx(cal.scale) and got.origin == pytest.approx(cal.origin)
    series = Calibration((500.0, 0.5, 0.5), ("ms", "Å", "Å"), ("t", "y", "x"))
    writer = SeriesLabelsWriter(tmp_path / "s.tif", (3, 8, 9), {}, series)
    writer.finish()
    data, got = read_calibrated(tmp_path / "s.tif")
    assert data.shape == (3, 8, 9) and got.units == ("s", "nm", "nm")
    assert got.scale == pytest.approx((0.5, 0.05, 0.05))


# --------------------------------------------------------------- overlay
def test_nice_length_is_a_1_2_5_number_not_above_the_target():
    assert [nice_length(v) for v in (1.0, 1.99, 2.0, 4.9, 5.0, 9.99, 204.8, 0.013)] == [
        1.0, 1.0, 2.0, 2.0, 5.0, 5.0, 200.0, 0.01]
    with pytest.raises(ValueError):
        nice_length(0)


def test_scale_bar_length_and_label():
    assert scale_bar(400, NM) == (79, "1 nm")  # 400 * 0.0127 / 5 = 1.016 nm -> 1 nm
    assert scale_bar(1024) == (200, "200 px")
    ang = Calibration((0.5, 0.5), ("angstrom", "angstrom"), ("y", "x"))
    assert scale_bar(300, ang) == (40, "20 Å")  # 30 Å -> 20 Å


def _bar(rgb):
    """Rows, first and last column of the longest horizontal run of bar-coloured pixels."""
    bar = np.all(rgb == BAR_COLOUR, axis=-1)
    best = (0, None, None, None)
    for r in range(rgb.shape[0]):
        cols = np.flatnonzero(bar[r])
        if cols.size == 0:
            continue
        runs = np.split(cols, np.flatnonzero(np.diff(cols) > 1) + 1)
        run = max(runs, key=len)
        if len(run) > best[0]:
            best = (len(run), [r], run[0], run[-1])
        elif len(run) == best[0] and run[0] == best[2]:
            best[1].append(r)
    return best


@pytest.mark.parametrize(("shape", "cal"), [((300, 400), NM), ((157, 123), None),
                                            ((256, 640), Calibration((2.0, 2.0), ("Å", "Å"),
                                                                     ("y", "x")))])
def test_overlay_figure_is_native_size_with_a_scale_bar(tmp_path, shape, cal):
    image = two_phase(shape)
    labels = np.zeros(shape, int)
    labels[:, shape[1] // 2:] = 1
    rgb = overlay_figure(image, labels, cal)
    assert rgb.shape == (*shape, 3) and rgb.dtype == np.uint8
    length, rows, _, last = _bar(rgb)
    expected, _ = scale_bar(shape[1], cal)
    assert length == expected
    height, width = shape
    assert all(r > 0.8 * height for r in rows) and 1 <= len(rows) <= 12  # a bar, in the bottom
    assert last > 0.85 * width and last < width - 1  # right-aligned, inside the image
    # elsewhere the pixels are the overlay itself, not resampled
    ref = overlay_rgb(image, labels, colours=pattern_colours(2))
    np.testing.assert_array_equal(rgb[: height // 2, : width // 2], ref[: height // 2,
                                                                         : width // 2])


def test_write_overlay_png_has_the_image_size(tmp_path):
    from napari_symseg.io import write_overlay

    write_overlay(tmp_path / "o.png", two_phase((130, 170)), np.zeros((130, 170), int), NM)
    png = Image.open(tmp_path / "o.png")
    assert png.size == (170, 130) and png.mode == "RGB"


def test_overlay_colours_are_the_palette_and_boundaries_white():
    image = np.zeros((20, 30))
    labels = np.zeros((20, 30), int)
    labels[:, 15:] = 1
    labels[4:7, 4:7] = 255  # no pattern
    rgb = overlay_rgb(image, labels, alpha=0.5, colours=pattern_colours(2))
    assert rgb[10, 5].tolist() == [round(0.5 * c) for c in OKABE_ITO[0]]
    assert rgb[10, 25].tolist() == [round(0.5 * c) for c in OKABE_ITO[1]]
    assert rgb[10, 14].tolist() == [255, 255, 255]  # boundary
    assert rgb[5, 5].tolist() == [0, 0, 0]  # no pattern: the grey image only
    assert pattern_colours(10).shape == (10, 3) and len({tuple(c) for c in pattern_colours(
        30)}) == 30


# ------------------------------------------------------------ statistics
def test_stats_csv_has_calibrated_area_column(tmp_path):
    image = two_phase((60, 80))
    labels = np.zeros((60, 80), int)
    labels[:, 20:] = 1
    params = Params(n_patterns=2)
    stats = pattern_statistics(labels, image, params)
    write_stats_csv(tmp_path / "s.csv", stats, NM, image.shape)
    rows = list(csv.DictReader((tmp_path / "s.csv").open()))
    assert list(rows[0]) == ["frame", "pattern", "area_fraction", "area_nm2", "regions",
                             "mean_intensity"]
    fractions, regions, means = frame_statistics(labels, image, 2)
    for k, row in enumerate(rows):
        assert float(row["area_fraction"]) == pytest.approx(fractions[k])
        assert float(row["area_nm2"]) == pytest.approx(fractions[k] * 60 * 80 * 0.0127**2)
        assert int(row["regions"]) == regions[k] == 1
        assert float(row["mean_intensity"]) == pytest.approx(means[k])
    assert float(rows[1]["area_nm2"]) == pytest.approx(60 * 60 * 0.0127**2)
    write_stats_csv(tmp_path / "p.csv", stats, None, image.shape)
    assert list(next(csv.DictReader((tmp_path / "p.csv").open()))) == [
        "frame", "pattern", "area_fraction", "regions", "mean_intensity"]


def test_series_stats_have_time_column_and_features_are_means():
    series = np.stack([two_phase((40, 50), noise=0.1, seed=s) for s in range(3)])
    labels = np.zeros((3, 40, 50), int)
    for t in range(3):
        labels[t, :, 10 * (t + 1):] = 1
    stats = pattern_statistics(labels, series, Params(n_patterns=2))
    cal = Calibration((2.0, 0.1, 0.1), ("s", "nm", "nm"), ("t", "y", "x"))
    rows = stats_rows(stats, cal, series.shape)
    assert [r["time_s"] for r in rows] == [0.0, 0.0, 2.0, 2.0, 4.0, 4.0]
    assert rows[2]["area_fraction"] == pytest.approx(0.4)
    table = features_table(stats, cal, series.shape)
    assert table["index"].tolist() == [1, 2] and table["pattern"].tolist() == [0, 1]
    assert table["area_fraction"] == pytest.approx([0.4, 0.6])  # mean of 0.2, 0.4, 0.6
    assert table["area_nm2"] == pytest.approx(np.array([0.4, 0.6]) * 40 * 50 * 0.01)
    assert table["regions_per_frame"].tolist() == [1.0, 1.0] and "regions" not in table


def test_grid_labels_statistics_and_calibration():
    params = Params(patch_x=4, patch_y=4, window_x=5, window_y=5, stride=4, upsampling=False)
    from napari_symseg.core.chunks import grid_for

    grid = grid_for((60, 80), params)
    grid_labels = np.zeros(grid.shape, int)
    grid_labels[:, grid.shape[1] // 2:] = 1
    image = two_phase((60, 80))
    stats = pattern_statistics(grid_labels, image, params.replace(n_patterns=2))
    full = grid.upsample(grid_labels)
    expected = frame_statistics(full, image, 2)
    assert stats.area_fraction[0] == pytest.approx(expected[0])
    cal = labels_calibration(NM, (60, 80), grid.shape, params)
    assert cal.scale == pytest.approx((0.0127 * 4, 0.0127 * 4))
    assert cal.origin == pytest.approx((grid.rows[0] * 0.0127, grid.cols[0] * 0.0127))


# ------------------------------------------------------------ parameters / export
def test_params_json_reloads_and_records_calibration(tmp_path):
    params = Params(patch_x=7, n_patterns=3)
    write_params(tmp_path / "p.json", params, NM)
    assert Params.from_json(tmp_path / "p.json") == params
    record = json.loads((tmp_path / "p.json").read_text())
    assert record["calibration"]["scale"] == [0.0127, 0.0127]
    assert record["calibration"]["units"] == ["nm", "nm"] and "napari_symseg" in record


def test_export_result_writes_four_files(tmp_path):
    image = two_phase((80, 100))
    labels = np.zeros((80, 100), int)
    labels[:, 50:] = 1
    params = Params(n_patterns=2, patch_x=6)
    written = export_result(tmp_path / "run.tif", image, labels, params, NM)
    assert [p.name for p in written] == ["run_labels.tif", "run_params.json", "run_stats.csv",
                                         "run_overlay.png"]
    _, sx, _, meta = _resolution(written[0])
    assert sx == pytest.approx(0.0127) and json.loads(meta["Info"])["params"]["patch_x"] == 6
    assert Params.from_json(written[1]) == params
    assert len(list(csv.DictReader(written[2].open()))) == 2
    assert Image.open(written[3]).size == (100, 80)


def test_export_failure_leaves_nothing(tmp_path, monkeypatch):
    image = two_phase((40, 50))
    labels = np.zeros((40, 50), int)
    with pytest.raises(ExportError, match="folder does not exist"):
        export_result(tmp_path / "nope" / "run", image, labels, Params(), NM)
    (tmp_path / "run_overlay.png").mkdir()  # refused before any work
    with pytest.raises(ExportError, match="is a folder"):
        export_result(tmp_path / "run", image, labels, Params(), NM)
    assert [p.name for p in tmp_path.iterdir()] == ["run_overlay.png"]
    (tmp_path / "run_overlay.png").rmdir()
    (tmp_path / "run_labels.tif").write_bytes(b"an earlier export")

    def disk_full(path, *args, **kwargs):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr("napari_symseg.io.export.write_overlay", disk_full)  # the last file
    with pytest.raises(ExportError, match="No space left"):
        export_result(tmp_path / "run", image, labels, Params(), NM)
    assert [p.name for p in tmp_path.iterdir()] == ["run_labels.tif"]  # no temporary left
    assert (tmp_path / "run_labels.tif").read_bytes() == b"an earlier export"


def test_a_series_overlay_names_its_frame_and_time(tmp_path, monkeypatch):
    """Issue 11: the exported overlay of a series says which frame it shows (and when)."""
    from napari_symseg.io.figure import frame_caption

    cal = Calibration((0.5, 0.0127, 0.0127), ("s", "nm", "nm"), ("t", "y", "x"))
    assert frame_caption(2, 12) == "frame 3 / 12"
    assert frame_caption(2, 12, cal) == "frame 3 / 12 · t = 1 s"
    assert frame_caption(0, 4, Calibration((1.0, 1.0, 1.0), ("pixel",) * 3,
                                           ("t", "y", "x"))) == "frame 1 / 4"
    shape = (120, 160)
    image, labels = two_phase(shape), np.zeros(shape, int)
    labels[:, 80:] = 1
    plain = overlay_figure(image, labels, NM)
    named = overlay_figure(image, labels, NM, caption=frame_caption(2, 12, cal))
    corner = (slice(100, 120), slice(0, 80))  # lower left (the legend is upper right)
    assert (named[corner] != plain[corner]).any(axis=-1).mean() > 0.2  # the caption's box
    np.testing.assert_array_equal(named[:60], plain[:60])  # nothing else changes

    captions = []
    monkeypatch.setattr("napari_symseg.io.export.write_overlay",
                        lambda *args, caption="", **kwargs: captions.append(caption))
    series = np.stack([image] * 4)
    export_result(tmp_path / "video", series, np.stack([labels] * 4), Params(), cal, frame=2)
    assert captions == ["frame 3 / 4 · t = 1 s"]


@pytest.mark.parametrize(("scale", "units", "axis", "times"), [
    ((2.0, 1.0), ("pixel", "pixel"), 0, 2),  # a 2:1 display aspect, no unit
    ((0.01, 0.03), ("nm", "nm"), 1, 3),  # calibrated, pixels three times as wide
    ((0.02, 0.02), ("nm", "nm"), 0, 1),  # square: pixel for pixel
])
def test_overlay_follows_the_pixel_aspect(tmp_path, scale, units, axis, times):
    from napari_symseg.io.figure import write_overlay

    image = np.random.default_rng(0).random((20, 30))
    labels = np.zeros((20, 30), int)
    labels[:, 15:] = 1
    write_overlay(tmp_path / "o.png", image, labels, Calibration(scale, units, ("y", "x")),
                  n_patterns=2)
    # the same as the overlay of the image with its rows (columns) repeated, square pixels
    fine = min(scale)
    write_overlay(tmp_path / "e.png", np.repeat(image, times, axis),
                  np.repeat(labels, times, axis), Calibration((fine, fine), units, ("y", "x")),
                  n_patterns=2)
    got, expected = (np.asarray(Image.open(tmp_path / n)) for n in ("o.png", "e.png"))
    assert got.shape[:2] == tuple(n * (times if a == axis else 1)
                                  for a, n in enumerate((20, 30)))
    np.testing.assert_array_equal(got, expected)
