"""The label convention: pattern index in every file, no pattern = the dtype's maximum."""

import json

import numpy as np
import pytest
import tifffile

from napari_symseg.errors import FileFormatError
from napari_symseg.io.calibration import Calibration
from napari_symseg.io.frames import SeriesLabelsWriter
from napari_symseg.io.labels import (
    as_file_labels,
    file_to_layer,
    layer_to_file,
    package_record,
    pattern_dtype,
    read_labels,
    write_labels,
)
from napari_symseg.io.tiff import read_record

SERIES_CAL = Calibration((250.0, 0.5, 0.5), ("ms", "angstrom", "angstrom"), ("t", "y", "x"),
                         origin=(0.0, 1.5, -2.0))


def test_pattern_dtype_keeps_its_maximum_free():
    assert [pattern_dtype(v) for v in (0, 254, 255, 65534, 65535)] == [
        np.uint8, np.uint8, np.uint16, np.uint16, np.uint32]


@pytest.mark.parametrize("n_patterns", [2, 255, 256])
def test_layer_values_round_trip_exactly(n_patterns):
    rng = np.random.default_rng(n_patterns)
    layer = rng.integers(0, n_patterns + 1, (3, 20, 30))  # 0 = no pattern, k + 1 = pattern k
    layer[0, :2] = 0
    layer[1, 0, 0] = n_patterns  # the largest pattern
    values, no_pattern = layer_to_file(layer, 1)
    assert values.dtype == pattern_dtype(n_patterns - 1)
    assert no_pattern == np.iinfo(values.dtype).max
    np.testing.assert_array_equal(values[layer > 0], layer[layer > 0] - 1)
    assert (values[layer == 0] == no_pattern).all()
    back = file_to_layer(values, 1, no_pattern)
    np.testing.assert_array_equal(back, layer)
    assert back.dtype == values.dtype


def test_a_layer_without_offset_keeps_its_values():
    layer = np.array([[0, 7], [300, 2]], np.int32)
    values, no_pattern = layer_to_file(layer, 0)
    assert no_pattern is None and values.dtype == np.uint16
    np.testing.assert_array_equal(values, layer)
    np.testing.assert_array_equal(file_to_layer(values, 0, 65535), layer)
    with pytest.raises(FileFormatError, match=">= 0"):
        layer_to_file(np.array([[-1, 2]]), 0)


def test_pattern_labels_must_be_non_negative_integers():
    np.testing.assert_array_equal(as_file_labels(np.array([0, 3], np.int64)), [0, 3])
    assert as_file_labels(np.array([0, 3], np.int64)).dtype == np.uint8
    with pytest.raises(FileFormatError, match=">= 0"):
        as_file_labels(np.array([-1, 3]))
    with pytest.raises(FileFormatError, match="integers"):
        as_file_labels(np.array([0.5]))
    with pytest.raises(FileFormatError, match="largest value"):
        as_file_labels(np.array([0, 3], np.uint8), no_pattern=3)


def test_file_record_and_calibration_come_back_exactly(tmp_path):
    layer = np.zeros((3, 8, 9), np.uint8)
    layer[1:] = 2
    layer[2, :, :4] = 1
    values, no_pattern = layer_to_file(layer, 1)
    path = tmp_path / "s_labels.tif"
    write_labels(path, values, {"params": {"n_patterns": 2}, "source": "img"}, SERIES_CAL,
                 no_pattern=no_pattern)
    got, record, calibration = read_labels(path)
    np.testing.assert_array_equal(got, values)
    assert (got[0] == 255).all() and got[2, 0, 0] == 0 and got[2, 0, 5] == 1
    assert package_record(record) and record["source"] == "img"
    assert record["labels"]["label_offset"] == 1 and record["labels"]["no_pattern"] == 255
    assert calibration == SERIES_CAL  # ms and angstrom kept, not ImageJ's s and nm
    np.testing.assert_array_equal(file_to_layer(got, 1, 255), layer)
    with tifffile.TiffFile(path) as tif:  # Fiji still reads the ImageJ calibration
        assert tif.is_imagej and tif.imagej_metadata["finterval"] == pytest.approx(0.25)


def test_series_writer_records_the_convention(tmp_path):
    writer = SeriesLabelsWriter(tmp_path / "s.tif", (2, 4, 5), {"params": {}}, SERIES_CAL,
                                dtype=np.uint16)
    writer.array[1] = np.full((4, 5), 300)
    writer.finish()
    got, record, calibration = read_labels(tmp_path / "s.tif")
    assert got.dtype == np.uint16 and got[1, 0, 0] == 300 and got[0].max() == 0
    assert record["labels"]["no_pattern"] == 65535 and calibration == SERIES_CAL


def test_other_tiffs_have_no_record(tmp_path):
    plain = tmp_path / "plain.tif"
    tifffile.imwrite(plain, np.zeros((4, 4), np.uint8), description=json.dumps({"a": 1}))
    assert read_record(plain) == {"a": 1} and not package_record(read_record(plain))
    values, record, calibration = read_labels(plain)
    assert record is None and calibration == Calibration.pixels(2) and values.shape == (4, 4)
    for bad in ({"napari_symseg": "1", "labels": {"label_offset": "1"}},
                {"napari_symseg": "1", "labels": {"label_offset": 1, "no_pattern": 2.5}},
                {"labels": {"label_offset": 1}}):
        assert not package_record(bad)  # a damaged record: read as any TIFF
    (tmp_path / "bad.tif").write_bytes(b"not a tiff")
    assert read_record(tmp_path / "bad.tif") is None
    with pytest.raises(FileFormatError, match=r"bad\.tif is not a readable TIFF"):
        read_labels(tmp_path / "bad.tif")


def test_uncalibrated_non_square_pixels_keep_their_aspect_for_other_readers(tmp_path):
    # a 2:1 layer without a unit (tester newuser6: the TIFF had XResolution = YResolution,
    # so Fiji showed no aspect): ImageJ pixel width 1, height 2, unit "pixel"
    from napari_symseg.io.tiff import tiff_calibration, write_tiff

    path = tmp_path / "aspect_labels.tif"
    write_tiff(path, np.zeros((4, 6), np.uint8),
               Calibration((2.0, 1.0), ("pixel", "pixel"), ("y", "x")))
    with tifffile.TiffFile(path) as tif:
        x, y = tif.pages[0].get_resolution()
        assert (1 / x, 1 / y) == (1.0, 2.0) and tif.imagej_metadata["unit"] == "pixel"
    assert tuple(tiff_calibration(path, 2).scale) == (2.0, 1.0)
    square = tmp_path / "square_labels.tif"  # square pixels: no resolution, as before
    write_tiff(square, np.zeros((4, 6), np.uint8), Calibration.pixels(2))
    read = tiff_calibration(square, 2)
    assert tuple(read.scale) == (1.0, 1.0) and tuple(read.units) == ("pixel", "pixel")


def test_the_reader_opens_a_package_tiff_once(tmp_path, monkeypatch):
    """napari's reader of the package's TIFFs reads the file (values and record) in one
    open: the record was read twice, the file opened three times."""
    from napari_symseg._reader import read_labels_file

    values, no_pattern = layer_to_file(np.array([[0, 1], [2, 2]], np.uint8), 1)
    path = tmp_path / "r_labels.tif"
    write_labels(path, values, {"params": {"n_patterns": 2}}, Calibration.pixels(2),
                 no_pattern=no_pattern)
    opened = []
    real = tifffile.TiffFile

    class Counting(real):
        def __init__(self, *args, **kwargs):
            opened.append(args[0])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(tifffile, "TiffFile", Counting)
    (data, kwargs, kind), = read_labels_file(path)
    assert kind == "labels" and len(opened) == 1
    np.testing.assert_array_equal(data, [[0, 1], [2, 2]])
    assert kwargs["metadata"]["napari_symseg"]["label_offset"] == 1
