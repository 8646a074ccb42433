"""Measurement writers (issue 14): calibrated columns, GeoJSON, orientation and spacing map
TIFFs."""

import csv
import json

import numpy as np
import pytest
import tifffile

from napari_symseg.core.measure import measure_frame
from napari_symseg.core.table import Table
from napari_symseg.io.calibration import Calibration
from napari_symseg.io.measure import (
    boundaries_geojson,
    calibrated,
    write_orientation_map,
    write_spacing_map,
    write_table_csv,
)


@pytest.fixture(scope="module")
def measured():
    from benchmarks.measure_scenarios import two_grains

    g = two_grains((160, 160), orientations=(10.0, 40.0), tilt=0.0)
    return measure_frame(g.image, g.truth)


def test_calibrated_columns_of_an_image(measured):
    cal = Calibration((0.02, 0.01), ("nm", "nm"), ("y", "x"))
    regions = calibrated(measured.regions, cal)
    for px, nm in (("area_px", "area_nm2"), ("centroid_y_px", "centroid_y_nm"),
                   ("centroid_x_px", "centroid_x_nm")):
        assert nm in regions and regions.names.index(nm) == regions.names.index(px) + 1
    np.testing.assert_allclose(regions["area_nm2"], regions["area_px"] * 0.0002)
    np.testing.assert_allclose(regions["centroid_y_nm"], regions["centroid_y_px"] * 0.02)
    expected_a = np.hypot(regions["a_y_px"] * 0.02, regions["a_x_px"] * 0.01)
    np.testing.assert_allclose(regions["a_nm"], expected_a)
    b = calibrated(measured.boundaries, cal, 2, measured.boundary_lines)
    # a vertical boundary: every step is along y (0.02 nm)
    assert b["length_nm"][0] == pytest.approx(b["length_px"][0] * 0.02)
    assert "time_s" not in regions


def test_uncalibrated_tables_are_unchanged(measured):
    assert calibrated(measured.regions, None).names == measured.regions.names
    assert calibrated(measured.regions, Calibration.pixels(2)).names == \
        measured.regions.names


def test_series_velocity_per_second():
    table = Table({"frame": np.array([0, 1]), "boundary": np.array([1, 1]),
                   "length_px": np.array([10.0, 10.0]),
                   "displacement_px": np.array([np.nan, 3.0]),
                   "velocity_px_per_frame": np.array([np.nan, 3.0]),
                   "mean_velocity_px_per_frame": np.array([3.0, 3.0])})
    cal = Calibration((0.5, 0.1, 0.1), ("ms", "nm", "nm"), ("t", "y", "x"))
    out = calibrated(table, cal, ndim=3)
    np.testing.assert_allclose(out["time_s"], [0.0, 0.0005])
    assert out["velocity_nm_per_s"][1] == pytest.approx(3.0 * 0.1 / 0.0005)
    assert out["mean_velocity_nm_per_s"][0] == pytest.approx(600.0)
    assert out["displacement_nm"][1] == pytest.approx(0.3)
    frames_only = calibrated(table, Calibration((1.0, 0.1, 0.1), ("pixel", "nm", "nm"),
                                                ("t", "y", "x")), ndim=3)
    assert "velocity_nm_per_frame" in frames_only and "time_s" not in frames_only


def test_csv_and_geojson_read_back(tmp_path, measured):
    path = tmp_path / "b.csv"
    write_table_csv(path, measured.boundaries)
    rows = list(csv.DictReader(path.open()))
    assert len(rows) == 1 and int(rows[0]["region_a"]) == 1
    assert float(rows[0]["length_px"]) == pytest.approx(measured.boundaries["length_px"][0])
    gj = json.loads(json.dumps(boundaries_geojson(measured.boundaries,
                                                  measured.boundary_lines)))
    (feature,) = gj["features"]
    assert feature["geometry"]["type"] == "MultiLineString"
    xy = np.array(feature["geometry"]["coordinates"][0])
    line = measured.boundary_lines[0][0]
    np.testing.assert_allclose(xy, line[:, ::-1], atol=1e-3)  # [x, y] = [col, row]
    assert feature["properties"]["region_b"] == 2


def test_orientation_map_tiff(tmp_path, measured):
    path = tmp_path / "o.tif"
    cal = Calibration((0.1, 0.1), ("nm", "nm"), ("y", "x"))
    write_orientation_map(path, measured.orientation_map, cal, measured.grid, "{}")
    data = tifffile.imread(path)
    assert data.dtype == np.float32 and data.shape == measured.grid.shape
    np.testing.assert_array_equal(data, measured.orientation_map)
    assert list(tmp_path.iterdir()) == [path]


def _info(path) -> dict:
    with tifffile.TiffFile(path) as tif:
        return json.loads(tif.imagej_metadata["Info"])


@pytest.mark.parametrize("cal, factor, unit", [
    (Calibration((0.1, 0.1), ("nm", "nm"), ("y", "x")), 0.1, "nm"),
    (Calibration((0.02, 0.08), ("nm", "nm"), ("y", "x")), 0.04, "nm"),  # geometric mean
    (Calibration((2.0, 2.0), ("angstrom", "angstrom"), ("y", "x")), 2.0, "angstrom"),
    (None, 1.0, "px"),
])
def test_spacing_map_tiff_is_in_the_length_unit(tmp_path, measured, cal, factor, unit):
    path = tmp_path / "s.tif"
    write_spacing_map(path, measured.spacing_map, cal, measured.grid, '{"version": "x"}')
    data = tifffile.imread(path)
    assert data.dtype == np.float32 and data.shape == measured.grid.shape
    np.testing.assert_allclose(data, measured.spacing_map * factor, rtol=1e-6)
    assert np.nanmedian(data) == pytest.approx(9.0 * factor, rel=0.01)  # the truth: 9 px
    info = _info(path)
    assert info == {"version": "x", "map": "local lattice spacing", "value_unit": unit}
    assert list(tmp_path.iterdir()) == [path]


def test_orientation_map_tiff_says_degrees(tmp_path, measured):
    path = tmp_path / "o.tif"
    write_orientation_map(path, measured.orientation_map, None, measured.grid)
    assert _info(path)["value_unit"] == "degree"


def test_ideal_cell_with_pixels_that_are_not_square():
    # a square lattice (12 units, turned 20 deg) on pixels twice as tall as wide: in pixels
    # a cell far from square (no a_ideal_px), in nm square with side 12 x 0.01 nm
    from napari_symseg.core.samples import sample_lattice

    rows, cols = np.mgrid[0:120, 0:240].astype(np.float64)
    image = sample_lattice(2 * rows, cols, 12.0, "square", angle=20.0, sigma=2.0)
    m = measure_frame(image, np.zeros(image.shape, np.int64), maps=False)
    assert np.isnan(m.regions["a_ideal_px"][0])
    regions = calibrated(m.regions, Calibration((0.02, 0.01), ("nm", "nm"), ("y", "x")))
    assert regions["a_ideal_nm"][0] == pytest.approx(0.12, rel=0.01)
    square = calibrated(m.regions, Calibration((0.01, 0.01), ("nm", "nm"), ("y", "x")))
    assert np.isnan(square["a_ideal_nm"][0])
