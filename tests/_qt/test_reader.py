"""The napari reader contribution: microscope files open with their pixel size and units."""

from importlib.util import find_spec

import numpy as np
import pytest

from napari_symseg._reader import napari_get_reader, read_microscope_file

from ..data import HYPERSPY

STEM_DM3 = HYPERSPY / "test_STEM_image.dm3"
SER_SERIES = HYPERSPY / "64x64x5_TEM_preview_1.ser"
needs_ncempy = pytest.mark.skipif(find_spec("ncempy") is None, reason="ncempy not installed")


def test_reader_claims_only_existing_microscope_files(tmp_path):
    assert napari_get_reader(str(STEM_DM3)) is read_microscope_file
    assert napari_get_reader([str(STEM_DM3)]) is read_microscope_file
    assert napari_get_reader(str(tmp_path / "missing.dm4")) is None
    assert napari_get_reader([str(STEM_DM3), str(STEM_DM3)]) is None
    for name in ("image.tif", "image.npy", "image.png"):
        (tmp_path / name).write_bytes(b"")
        assert napari_get_reader(str(tmp_path / name)) is None


@needs_ncempy
def test_layer_data_carries_scale_units_and_metadata():
    [(data, kwargs, kind)] = read_microscope_file(str(STEM_DM3))
    assert kind == "image" and data.shape == (68, 68)
    assert kwargs["name"] == "test_STEM_image"
    np.testing.assert_allclose(kwargs["scale"], (0.24853802,) * 2, rtol=1e-6)
    assert kwargs["units"] == ("nm", "nm") and kwargs["axis_labels"] == ("y", "x")
    assert kwargs["translate"] == (0.0, 0.0)
    assert kwargs["metadata"]["calibration"]["units"] == ["nm", "nm"]
    assert kwargs["metadata"]["file_metadata"]["voltage_kV"] == 200.0


@needs_ncempy
def test_viewer_opens_dm3_and_ser_series_calibrated(make_napari_viewer):
    viewer = make_napari_viewer()
    [layer] = viewer.open(str(STEM_DM3), plugin="napari-symseg")
    np.testing.assert_allclose(layer.scale, (0.24853802,) * 2, rtol=1e-6)
    assert [str(u) for u in layer.units] == ["nanometer", "nanometer"]
    assert layer.data[10, 20] == 31732
    [series] = viewer.open(str(SER_SERIES), plugin="napari-symseg")
    assert series.data.shape == (5, 64, 64)
    assert tuple(series.axis_labels) == ("t", "y", "x")
    assert [str(u) for u in series.units] == ["pixel", "nanometer", "nanometer"]
    np.testing.assert_allclose(series.scale[1:], (6.281833616298531,) * 2)


@needs_ncempy
def test_viewer_open_with_any_plugin_finds_the_reader(make_napari_viewer):
    viewer = make_napari_viewer()
    [layer] = viewer.open(str(STEM_DM3), plugin=None)  # what File > Open does
    assert [str(u) for u in layer.units] == ["nanometer", "nanometer"]
