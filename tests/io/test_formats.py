"""Microscope files in with their calibration: real instrument files (tests/data/README.md)."""

import json
from importlib.util import find_spec

import numpy as np
import pytest
import tifffile

from napari_symseg.cli import main
from napari_symseg.core.samples import two_phase
from napari_symseg.io import FileFormatError, formats, read_calibrated, read_image
from napari_symseg.io.formats import normalise_unit, read_em
from napari_symseg.io.tiff import tiff_calibration

from ..data import DATA, HYPERSPY

HS = HYPERSPY
needs_ncempy = pytest.mark.skipif(find_spec("ncempy") is None, reason="ncempy not installed")
needs_mrcfile = pytest.mark.skipif(find_spec("mrcfile") is None, reason="mrcfile not installed")
needs_rsciio = pytest.mark.skipif(find_spec("rsciio") is None, reason="rsciio not installed")
SMALL = ["--patch-x", "6", "--patch-y", "6", "--window-x", "8", "--window-y", "8",
         "--stride", "4", "--n-patterns", "2"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nm", ("nm", 1.0, "length")),
        ("Å", ("angstrom", 1.0, "length")),
        ("µm", ("um", 1.0, "length")),
        ("micron", ("um", 1.0, "length")),
        ("m", ("nm", 1e9, "length")),
        ("meters", ("nm", 1e9, "length")),
        ("[n_m]", ("nm", 1.0, "length")),
        ("1/nm", ("1/nm", 1.0, "reciprocal")),
        ("1/m", ("1/nm", 1e-9, "reciprocal")),
        ("1/Å", ("1/angstrom", 1.0, "reciprocal")),
        ("sec", ("s", 1.0, "time")),
        (b"ms", ("ms", 1.0, "time")),
        ("", ("pixel", 1.0, "pixel")),
        ("Unknown", ("pixel", 1.0, "pixel")),
        ("unit1", ("pixel", 1.0, "pixel")),
        ("eV", ("eV", 1.0, "other")),
    ],
)
def test_units_become_pint_units(text, expected):
    assert normalise_unit(text) == expected


# ------------------------------------------------------------------ Gatan DM


@needs_ncempy
def test_dm3_stem_image_is_memory_mapped_with_its_pixel_size():
    data, cal = read_em(HS / "test_STEM_image.dm3")
    assert isinstance(data, np.memmap) and not data.flags.writeable
    assert data.shape == (68, 68) and data.dtype == np.uint32
    assert data[0, :3].tolist() == [33121, 33489, 33638] and data[10, 20] == 31732
    assert cal.units == ("nm", "nm") and cal.axis_labels == ("y", "x")
    np.testing.assert_allclose(cal.scale, (0.24853802, 0.24853802), rtol=1e-6)
    assert cal.origin == (0.0, 0.0)
    assert cal.metadata["voltage_kV"] == 200.0
    assert cal.metadata["instrument"] == "FEI Titan"
    assert cal.metadata["detector"] == "DigiScan"
    assert cal.metadata["reader"].startswith("ncempy")
    json.dumps(cal.metadata)  # JSON-safe
    assert "Gatan" in cal.source


@needs_ncempy
def test_dm4_without_calibration_is_in_pixels():
    data, cal = read_em(HS / "test-2.dm4")
    assert data.dtype == np.float32 and data.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert cal.units == ("pixel", "pixel") and cal.scale == (1.0, 1.0)
    assert not cal.calibrated


@needs_ncempy
def test_dm_image_stack_is_a_series_with_uncalibrated_frames():
    data, cal = read_em(HS / "test_stackbuilder_imagestack.dm3")
    assert data.shape == (3, 2, 16) and data[2, 1, :3].tolist() == [604811, 608212, 624031]
    assert cal.axis_labels == ("t", "y", "x") and cal.units == ("pixel", "um", "um")
    np.testing.assert_allclose(cal.scale, (1.0, 0.059982903, 0.059982903), rtol=1e-6)


@needs_ncempy
def test_dm4_spectrum_image_is_refused_saying_what_the_file_holds():
    with pytest.raises(FileFormatError, match=r"no 2-D image .*2048 x 2 x 2 \[eV, µm, µm\]"):
        read_em(HS / "EELS_SI.dm4")


# ----------------------------------------------------------------- FEI TIA


@needs_ncempy
def test_ser_image_in_nm_with_emi_metadata():
    data, cal = read_em(HS / "64x64_TEM_images_acquire_1.ser")
    assert data.shape == (64, 64) and data.dtype == np.float32
    np.testing.assert_allclose(data[0, :2], [49154.605, 47970.406])
    assert data[63, 63] == pytest.approx(47856.695)
    assert cal.units == ("nm", "nm")
    np.testing.assert_allclose(cal.scale, (6.281833616298531, 6.281833616298531))
    assert cal.metadata["voltage_kV"] == 200.0
    assert cal.metadata["instrument"] == "Tecnai 200 kV D2267 SuperTwin"
    assert "Image" in cal.metadata["mode"]


@needs_ncempy
def test_ser_series_reads_every_frame():
    data, cal = read_em(HS / "64x64x5_TEM_preview_1.ser")
    assert data.shape == (5, 64, 64)
    np.testing.assert_allclose(data[4, 0, :2], [2446.9595, 2470.0757])
    assert cal.axis_labels == ("t", "y", "x") and cal.units == ("pixel", "nm", "nm")


@needs_ncempy
def test_ser_spectrum_is_refused():
    with pytest.raises(FileFormatError, match=r"spectra\): 1024 \[channel\]"):
        read_em(HS / "16x16-point_spectrum-1x1024_1.ser")


# --------------------------------------------------------------------- EMD


@needs_ncempy
def test_velox_image_stack_becomes_t_y_x():
    data, cal = read_em(HS / "fei_example_tem_stack.emd")
    assert data.shape == (2, 3, 3) and data.dtype == np.int16
    assert data[0].tolist() == [[0, 2, 4], [6, 8, 10], [12, 14, 16]]
    assert data[1, 2, 2] == 17
    assert cal.units == ("pixel", "nm", "nm")  # a camera stack: no frame time in the file
    np.testing.assert_allclose(cal.scale[1:], (0.008172883192297852,) * 2)
    assert cal.metadata["voltage_kV"] == 300.0 and cal.metadata["dataset"] == "BM-Ceta"
    assert cal.metadata["reader"].startswith("ncempy")


@needs_ncempy
@needs_rsciio
def test_velox_file_ncempy_cannot_read_falls_back_to_rosettasciio():
    data, cal = read_em(HS / "1532 Camera Ceta.emd")
    assert data.shape == (64, 64) and data.dtype == np.int16 and not data.any()
    assert cal.units == ("nm", "nm")
    np.testing.assert_allclose(cal.scale, (0.21557341700960705,) * 2)
    assert cal.metadata["reader"].startswith("rsciio")


@needs_ncempy
def test_velox_file_ncempy_cannot_read_names_the_fallback(monkeypatch):
    real = formats.find_spec
    monkeypatch.setattr(formats, "find_spec", lambda n: None if n == "rsciio" else real(n))
    with pytest.raises(FileFormatError, match=r"ncempy: KeyError.*napari-symseg\[em-gpl\]"):
        read_em(HS / "1532 Camera Ceta.emd")


@pytest.fixture
def berkeley(tmp_path):
    """A Berkeley EMD file written by ncempy: a spectrum, a 4-D datacube, two images."""
    emd = pytest.importorskip("ncempy.io.emd")
    path = tmp_path / "several.emd"
    image = np.arange(12 * 10, dtype=np.float32).reshape(12, 10)
    with emd.fileEMD(path, readonly=False) as f:
        for label, data, size, unit in (
            ("spectrum", np.ones(50), (0.5,), ("eV",)),
            ("datacube", np.zeros((3, 3, 4, 4)), (0.2, 0.2, 0.1, 0.1),
             ("nm", "nm", "1/nm", "1/nm")),
            ("ADF", image, (0.05, 0.04), ("nm", "nm")),
            ("HAADF", image[::-1], (0.05, 0.04), ("nm", "nm")),
        ):
            f.put_emdgroup(label, data, emd.defaultDims(data, size, unit))
    return path, image


def test_berkeley_emd_picks_the_haadf_image_and_lists_the_others(berkeley):
    path, image = berkeley
    data, cal = read_em(path)
    np.testing.assert_array_equal(data, image[::-1])
    assert cal.units == ("nm", "nm") and cal.scale == pytest.approx((0.05, 0.04))
    assert cal.metadata["dataset"] == "HAADF" and cal.metadata["format"] == "Berkeley EMD"
    assert sorted(cal.metadata["other_datasets"]) == ["ADF", "datacube", "spectrum"]
    np.testing.assert_array_equal(read_em(path, dataset="adf")[0], image)
    with pytest.raises(FileFormatError, match=r"no dataset .bf.*0: ADF, 1: HAADF"):
        read_em(path, dataset="bf")


def test_emd_with_no_image_lists_what_it_holds(tmp_path):
    emd = pytest.importorskip("ncempy.io.emd")
    path = tmp_path / "cube.emd"
    cube = np.zeros((3, 3, 4, 4), np.float32)
    emd.emdWriter(path, cube, pixel_size=(0.2, 0.2, 0.1, 0.1),
                  pixel_unit=("nm", "nm", "1/nm", "1/nm"))
    with pytest.raises(FileFormatError, match=r"3 x 3 x 4 x 4 \[nm, nm, 1/nm, 1/nm\]"):
        read_em(path)


# --------------------------------------------------------------------- MRC


@needs_mrcfile
def test_mrc_written_by_mrcfile_is_memory_mapped_in_angstrom(tmp_path):
    import mrcfile

    image = two_phase((60, 70)).astype(np.float32)
    with mrcfile.new(tmp_path / "img.mrc") as mrc:
        mrc.set_data(image)
        mrc.voxel_size = 0.8
    data, cal = read_calibrated(tmp_path / "img.mrc")
    assert isinstance(data, np.memmap)
    np.testing.assert_array_equal(data, image)
    assert cal.units == ("angstrom", "angstrom") and cal.scale == pytest.approx((0.8, 0.8))
    with mrcfile.new(tmp_path / "stack.mrcs") as mrc:
        mrc.set_data(np.stack([image, image]))
        mrc.set_image_stack()
        mrc.voxel_size = 1.5
    data, cal = read_em(tmp_path / "stack.mrcs")
    assert data.shape == (2, 60, 70) and cal.axis_labels == ("t", "y", "x")
    assert cal.units == ("pixel", "angstrom", "angstrom")


@needs_mrcfile
def test_mrc_volume_from_emdb():
    data, cal = read_em(DATA / "emdb" / "EMD-3197.mrc")
    assert data.shape == (20, 20, 20) and data.dtype == np.float32
    assert data[10, 11, 12] == pytest.approx(2.9979417)
    assert cal.axis_labels == ("z", "y", "x") and cal.units == ("angstrom",) * 3
    assert cal.scale == pytest.approx((11.4, 11.4, 11.4))


# -------------------------------------------------------------------- TIFF


def test_imagej_tiff_saved_by_imagej_keeps_its_memory_map():
    path = HS / "test_loading_image_saved_with_imageJ.tif"
    data, cal = read_calibrated(path)
    assert isinstance(data, np.memmap) and data.shape == (68, 68)
    assert data[0, :2].tolist() == [3465.0, 3352.0]
    assert cal.units == ("um", "um") and cal.source == "ImageJ TIFF"
    assert cal.scale == pytest.approx((1e6 / 5928571,) * 2)


def test_imagej_series_written_by_tifffile(tmp_path):
    path = tmp_path / "s.tif"
    tifffile.imwrite(path, np.zeros((4, 20, 30), np.uint16), imagej=True,
                     resolution=(1 / 0.05, 1 / 0.04),
                     metadata={"axes": "TYX", "unit": "nm", "finterval": 0.5, "xorigin": 10})
    cal = tiff_calibration(path, 3)
    assert cal.axis_labels == ("t", "y", "x") and cal.units == ("s", "nm", "nm")
    assert cal.scale == pytest.approx((0.5, 0.04, 0.05))
    assert cal.origin == pytest.approx((0.0, 0.0, -0.5))


def test_ome_tiff_written_by_tifffile(tmp_path):
    path = tmp_path / "s.ome.tif"
    tifffile.imwrite(path, np.zeros((3, 8, 10), np.uint16), ome=True, metadata={
        "axes": "TYX", "PhysicalSizeX": 0.5, "PhysicalSizeXUnit": "Å", "PhysicalSizeY": 0.5,
        "PhysicalSizeYUnit": "Å", "TimeIncrement": 0.25, "TimeIncrementUnit": "s"})
    data, cal = read_calibrated(path)
    assert data.shape == (3, 8, 10) and cal.source == "OME TIFF"
    assert cal.units == ("s", "angstrom", "angstrom") and cal.scale == (0.25, 0.5, 0.5)


def test_plain_tiff_is_uncalibrated(tmp_path):
    path = tmp_path / "p.tif"
    tifffile.imwrite(path, np.zeros((8, 10), np.uint8), resolution=(72, 72))
    assert tiff_calibration(path, 2) == formats.Calibration.pixels(2)


# ------------------------------------------------------- errors and the CLI


@pytest.mark.parametrize(("name", "lib", "extra"), [("x.dm4", "ncempy", "em"),
                                                     ("x.ser", "ncempy", "em"),
                                                     ("x.mrc", "mrcfile", "em")])
def test_missing_reader_library_names_the_pip_command(tmp_path, monkeypatch, name, lib,
                                                      extra):
    (tmp_path / name).write_bytes(b"\0" * 64)
    monkeypatch.setattr(formats, "find_spec", lambda n: None)
    message = f"reading {name[1:]} needs {lib}: pip install 'napari-symseg[{extra}]'"
    with pytest.raises(FileFormatError) as info:
        read_image(tmp_path / name)
    assert str(info.value) == message


@needs_ncempy
def test_not_a_dm_file_is_a_clear_error(tmp_path):
    (tmp_path / "fake.dm3").write_text("not a DigitalMicrograph file")
    with pytest.raises(FileFormatError, match=r"cannot read fake\.dm3: ncempy"):
        read_em(tmp_path / "fake.dm3")


def test_unknown_suffix_lists_microscope_formats(tmp_path):
    with pytest.raises(FileFormatError, match=r"supported inputs are .*\.dm3, \.dm4, \.emd"):
        read_image(tmp_path / "x.jpg")


@needs_ncempy
@pytest.mark.parametrize("name", ["test_STEM_image.dm3", "64x64_TEM_images_acquire_1.ser"])
def test_cli_segments_a_microscope_image(tmp_path, name, capsys):
    out = tmp_path / "labels.tif"
    assert main(["segment", str(HS / name), "-o", str(out), *SMALL]) == 0
    labels = tifffile.imread(out)
    assert labels.shape == read_em(HS / name)[0].shape and labels.dtype.kind in "iu"
    assert "wrote" in capsys.readouterr().out


@needs_ncempy
def test_cli_segments_a_ser_series(tmp_path):
    out = tmp_path / "labels.npy"
    assert main(["segment", str(HS / "64x64x5_TEM_preview_1.ser"), "-o", str(out),
                 *SMALL, "--quiet"]) == 0
    assert np.load(out).shape == (5, 64, 64)


@needs_ncempy
@pytest.mark.parametrize(("name", "message"), [
    ("test-2.dm4", "too small"),
    ("EELS_SI.dm4", "no 2-D image or (T, Y, X) image series"),
])
def test_cli_bad_microscope_file_exit_2_one_line(tmp_path, name, message, capsys):
    out = tmp_path / "labels.tif"
    assert main(["segment", str(HS / name), "-o", str(out), *SMALL]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not out.exists()


def test_cli_missing_reader_exit_2_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(formats, "find_spec", lambda n: None)
    out = tmp_path / "labels.tif"
    assert main(["segment", str(HS / "test-2.dm4"), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install 'napari-symseg[em]'" in err[0], err
    assert not out.exists()
