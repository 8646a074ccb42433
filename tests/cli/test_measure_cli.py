"""``segment --regions --boundaries --boundaries-geojson --orientation-map --spacing-map``
(issue 14)."""

import csv
import json

import numpy as np
import pytest
import tifffile
from benchmarks.measure_scenarios import migrating_boundary, two_grains

from napari_symseg.cli import main

REGION_COLUMNS = ["frame", "region", "pattern", "area_px", "centroid_y_px", "centroid_x_px",
                  "orientation_deg", "a_px", "b_px", "gamma_deg"]
BOUNDARY_COLUMNS = ["frame", "boundary", "region_a", "region_b", "length_px",
                    "misorientation_deg"]


@pytest.fixture(scope="module")
def grains_tif(tmp_path_factory):
    path = tmp_path_factory.mktemp("in") / "grains.tif"
    image = two_grains((200, 200), orientations=(10.0, 40.0), tilt=0.0).image
    tifffile.imwrite(path, image, imagej=True, resolution=(1 / 0.02, 1 / 0.02),
                     metadata={"unit": "nm"})
    return path


def test_image_outputs(tmp_path, grains_tif, capsys):
    out = {k: tmp_path / n for k, n in (("r", "r.csv"), ("b", "b.csv"), ("g", "b.geojson"),
                                         ("o", "o.tif"), ("s", "s.tif"))}
    code = main(["segment", str(grains_tif), "-o", str(tmp_path / "l.tif"),
                 "--regions", str(out["r"]), "--boundaries", str(out["b"]),
                 "--boundaries-geojson", str(out["g"]), "--orientation-map", str(out["o"]),
                 "--spacing-map", str(out["s"])])
    assert code == 0, capsys.readouterr().err
    regions = list(csv.DictReader(out["r"].open()))
    assert set(REGION_COLUMNS) <= set(regions[0]) and "area_nm2" in regions[0]
    assert {r["frame"] for r in regions} == {"0"}
    big = sorted(regions, key=lambda r: -float(r["area_px"]))[:2]
    assert sorted(round(float(r["orientation_deg"])) for r in big) == [10, 40]
    assert float(big[0]["a_nm"]) == pytest.approx(9.0 * 0.02, rel=0.01)
    bounds = list(csv.DictReader(out["b"].open()))
    assert set(BOUNDARY_COLUMNS) <= set(bounds[0]) and "length_nm" in bounds[0]
    main_b = max(bounds, key=lambda r: float(r["length_px"]))
    assert float(main_b["misorientation_deg"]) == pytest.approx(30.0, abs=1.0)
    assert len(json.loads(out["g"].read_text())["features"]) == len(bounds)
    assert tifffile.imread(out["o"]).dtype == np.float32
    with tifffile.TiffFile(out["s"]) as tif:
        spacing, info = tif.asarray(), json.loads(tif.imagej_metadata["Info"])
        y_res = tif.pages[0].tags["YResolution"].value
    assert spacing.dtype == np.float32 and spacing.shape == tifffile.imread(out["o"]).shape
    assert info["value_unit"] == "nm" and info["map"] == "local lattice spacing"
    assert np.nanmedian(spacing) == pytest.approx(9.0 * 0.02, rel=0.01)  # 9 px of 0.02 nm
    assert y_res[1] / y_res[0] == pytest.approx(5 * 0.02, rel=1e-3)  # the grid's: stride 5


def test_series_outputs(tmp_path):
    series, _ = migrating_boundary(n_frames=4, shape=(120, 180), start=60, rate=5.0)
    src = tmp_path / "s.npy"
    np.save(src, series)
    regions, bounds, smap = tmp_path / "r.csv", tmp_path / "b.csv", tmp_path / "s.tif"
    assert main(["segment", str(src), "-o", str(tmp_path / "l.npy"), "--regions",
                 str(regions), "--boundaries", str(bounds), "--spacing-map", str(smap),
                 "-q"]) == 0
    spacing = tifffile.imread(smap)
    assert spacing.ndim == 3 and len(spacing) == 4  # one map per frame
    assert np.nanmedian(spacing) == pytest.approx(9.0, rel=0.02)  # px: not calibrated
    rows = list(csv.DictReader(regions.open()))
    assert {r["frame"] for r in rows} == {"0", "1", "2", "3"}
    left = [r for r in rows if r["pattern"] == rows[0]["pattern"]]
    assert len({r["region"] for r in left}) == 1  # one persistent id
    assert "velocity_px_per_frame" in next(csv.DictReader(bounds.open()))


@pytest.mark.parametrize("clash", ["input", "other"])
def test_collisions_are_refused_before_any_work(tmp_path, grains_tif, clash, capsys):
    labels, regions = tmp_path / "l.tif", tmp_path / "r.csv"
    target = str(grains_tif) if clash == "input" else str(regions)
    code = main(["segment", str(grains_tif), "-o", str(labels), "--regions", str(regions),
                 "--boundaries", target])
    assert code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not labels.exists() and not regions.exists()


@pytest.mark.parametrize("flag, name, expected", [("--regions", "r.txt", ".csv"),
                                                   ("--spacing-map", "s.png", ".tif")])
def test_wrong_suffix_is_refused(tmp_path, grains_tif, capsys, flag, name, expected):
    code = main(["segment", str(grains_tif), "-o", str(tmp_path / "l.tif"),
                 flag, str(tmp_path / name)])
    assert code == 2 and expected in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_spacing_map_may_not_overwrite_the_input_or_the_orientation_map(tmp_path, grains_tif,
                                                                         capsys):
    labels, omap = tmp_path / "l.tif", tmp_path / "o.tif"
    for target, other in ((grains_tif, []), (omap, ["--orientation-map", str(omap)])):
        code = main(["segment", str(grains_tif), "-o", str(labels), *other,
                     "--spacing-map", str(target)])
        assert code == 2 and len(capsys.readouterr().err.strip().splitlines()) == 1
        assert not labels.exists() and not omap.exists()
