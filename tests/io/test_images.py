"""Image files (issue 11): a result Image layer saved and read back without loss.

The values exactly (float32, NaN too), the calibration (scale, origin, units, axis labels),
the name, look and metadata; Fiji's tags where ImageJ can say them; an RGB layer as ImageJ
channels, channels last again when read.
"""

import tempfile
from pathlib import Path

import numpy as np
import pytest
import tifffile
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from napari_symseg._reader import (
    LABELS_PATTERNS,
    ZARR_PATTERNS,
    napari_get_reader,
    read_image_file,
    read_labels_file,
)
from napari_symseg._writer import write_image_tiff, write_labels_tiff
from napari_symseg.errors import FileFormatError
from napari_symseg.io.calibration import Calibration
from napari_symseg.io.images import IMAGE_PATTERNS, read_image, write_image
from napari_symseg.io.tiff import tiff_calibration

SETTINGS = {"deadline": None, "database": None, "derandomize": True, "max_examples": 40,
            "suppress_health_check": [HealthCheck.too_slow]}
ROOT = Path(__file__).resolve().parents[2]
RUN = {"napari_symseg": {"role": "confidence", "source": "img", "frame": None,
                         "params": {"patch_x": 6, "stride": 4}, "version": "9.9.9",
                         "label_offset": 1}}


def _same(a, b):
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_array_equal(a, b)  # NaN == NaN here


sizes = st.floats(1e-4, 1e4, allow_nan=False, allow_infinity=False)
origins = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)
lengths = st.sampled_from(["nm", "angstrom", "micrometer", "pixel"])


@st.composite
def images(draw):
    layout = draw(st.sampled_from(["YX", "TYX", "YXC"]))
    shape = {"YX": (draw(st.integers(1, 9)), draw(st.integers(1, 9))),
             "TYX": (draw(st.integers(1, 4)), draw(st.integers(1, 9)), draw(st.integers(1, 9))),
             "YXC": (draw(st.integers(1, 9)), draw(st.integers(1, 9)),
                     draw(st.sampled_from([3, 4])))}[layout]
    values = draw(hnp.arrays(np.float32, shape, elements=st.floats(width=32)))
    n = 2 if layout == "YXC" else len(shape)
    unit = draw(lengths)
    units = (("s",) if n == 3 else ()) + (unit, unit)
    scale = tuple(draw(sizes) for _ in range(n))
    origin = tuple(draw(origins) for _ in range(n))
    labels = ("t", "y", "x")[3 - n:]
    return layout, values, Calibration(scale, units, labels, origin)


@settings(**SETTINGS)
@given(images())
def test_any_image_round_trips_exactly(drawn):
    layout, values, calibration = drawn
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "img confidence.tif"
        write_image(path, values, calibration, rgb=layout == "YXC", name="img confidence",
                    metadata=RUN, display={"colormap": "magma", "contrast_limits": (0.0, 1.0)})
        back, record, cal = read_image(path)
    _same(back, values)
    assert cal.scale == calibration.scale and cal.origin == calibration.origin
    assert cal.units == calibration.units and cal.axis_labels == calibration.axis_labels
    assert record["layer"] == "img confidence" and record["metadata"] == RUN
    assert record["image"]["rgb"] == (layout == "YXC")
    assert record["image"]["display"] == {"colormap": "magma", "contrast_limits": [0.0, 1.0]}


def test_fiji_reads_the_pixel_size_origin_and_frame_interval(tmp_path):
    series = np.random.default_rng(1).random((3, 10, 12)).astype(np.float32)
    cal = Calibration((0.25, 0.5, 0.5), ("s", "angstrom", "angstrom"), ("t", "y", "x"),
                      (1.0, 2.0, -3.0))
    write_image(tmp_path / "s_spacing.tif", series, cal)
    with tifffile.TiffFile(tmp_path / "s_spacing.tif") as tif:
        assert tif.is_imagej and tif.series[0].axes == "TYX"
        assert tif.pages[0].dtype == np.float32
        meta = tif.imagej_metadata
        assert meta["unit"] == "nm" and meta["finterval"] == 0.25
        assert meta["xorigin"] == 6.0 and meta["yorigin"] == -4.0  # pixels
    seen = tiff_calibration(tmp_path / "s_spacing.tif", 3)  # what another program sees
    np.testing.assert_allclose(seen.scale, (0.25, 0.05, 0.05))
    assert seen.units == ("s", "nm", "nm")


def test_an_rgb_layer_is_written_as_imagej_channels(tmp_path):
    pca = np.random.default_rng(2).random((8, 11, 3)).astype(np.float32)
    cal = Calibration((0.08, 0.08), ("nm", "nm"), ("y", "x"), (0.02, 0.02))
    write_image(tmp_path / "img_pca.tif", pca, cal, rgb=True)
    with tifffile.TiffFile(tmp_path / "img_pca.tif") as tif:
        assert tif.series[0].axes == "CYX" and tif.imagej_metadata["channels"] == 3
        np.testing.assert_array_equal(tif.asarray()[1], pca[..., 1])
    _same(read_image(tmp_path / "img_pca.tif")[0], pca)


def test_float64_values_stay_exact_in_a_plain_tiff(tmp_path):
    values = np.array([[np.pi, np.nan], [1e-300, -2.0]])
    write_image(tmp_path / "a_spacing.tif", values, Calibration.pixels(2))
    back, record, _ = read_image(tmp_path / "a_spacing.tif")
    _same(back, values)
    assert record["image"]["layout"] == "YX"


def test_other_tiffs_have_no_image_record(tmp_path):
    tifffile.imwrite(tmp_path / "x_confidence.tif", np.ones((4, 5), np.float32))
    values, record, cal = read_image(tmp_path / "x_confidence.tif")
    assert record is None and values.shape == (4, 5) and cal.units == ("pixel", "pixel")
    write_labels_tiff(str(tmp_path / "y_labels.tif"), np.eye(4, dtype=np.uint8),
                      {"name": "y", "scale": (1.0, 1.0), "metadata": {}})
    assert read_image(tmp_path / "y_labels.tif")[1] is None  # a labels file is not an image


@pytest.mark.parametrize("shape, rgb", [((2, 3, 4, 5), False), ((4,), False),
                                        ((4, 5), True), ((4, 5, 7), True)])
def test_shapes_a_file_cannot_say_are_refused(tmp_path, shape, rgb):
    n = max(len(shape) - rgb, 1)
    cal = Calibration((1.0,) * n, ("pixel",) * n, tuple(f"a{i}" for i in range(n)))
    with pytest.raises(FileFormatError):
        write_image(tmp_path / "bad_pca.tif", np.zeros(shape, np.float32), cal, rgb=rgb)


def _state(**over):
    state = {"name": "img confidence", "scale": (0.0127, 0.0127), "translate": (1.27, -0.635),
             "units": ("nanometer", "nanometer"), "axis_labels": ("y", "x"), "rgb": False,
             "metadata": RUN, "colormap": "magma", "contrast_limits": (0.0, 1.0),
             "gamma": 1.0, "blending": "translucent", "opacity": 1.0, "visible": False}
    return {**state, **over}


def test_the_npe2_writer_and_reader_give_back_the_layer(tmp_path):
    confidence = np.random.default_rng(3).random((20, 24)).astype(np.float32)
    path = str(tmp_path / "img confidence.tif")
    assert write_image_tiff(path, confidence, _state()) == [path]
    assert napari_get_reader(path) is read_image_file
    [(data, kwargs, kind)] = read_image_file(path)
    assert kind == "image"
    _same(data, confidence)
    assert kwargs["name"] == "img confidence" and kwargs["rgb"] is False
    assert kwargs["scale"] == (0.0127, 0.0127) and kwargs["translate"] == (1.27, -0.635)
    assert kwargs["units"] == ("nanometer", "nanometer") and kwargs["axis_labels"] == ("y", "x")
    assert kwargs["metadata"] == RUN and kwargs["colormap"] == "magma"
    assert kwargs["contrast_limits"] == [0.0, 1.0] and "visible" not in kwargs
    # renamed to *_labels.tif, an image file still opens as the image
    renamed = tmp_path / "img_labels.tif"
    Path(path).rename(renamed)
    assert read_labels_file(str(renamed))[0][2] == "image"


def test_an_interrupted_save_keeps_the_earlier_file_whole(tmp_path, monkeypatch):
    """napari's *File > Save* through this writer: Ctrl+C halfway leaves the file that was
    there, and no temporary file (the writer goes through `io.output.replacing`)."""
    path = str(tmp_path / "img confidence.tif")
    first = np.arange(12, dtype=np.float32).reshape(3, 4)
    write_image_tiff(path, first, _state())
    real = tifffile.imwrite

    def interrupted(target, data, *args, **kwargs):
        real(target, data[:1], *args, **kwargs)  # part of it, then the user's Ctrl+C
        raise KeyboardInterrupt

    monkeypatch.setattr(tifffile, "imwrite", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_image_tiff(path, np.zeros((3, 4), np.float32), _state())
    monkeypatch.undo()
    _same(read_image_file(path)[0][0], first)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["img confidence.tif"]


def test_the_reader_claims_the_result_layers_names_only(tmp_path):
    for name in ("img confidence.tif", "img_pca.tif", "a b spacing.tiff", "x_orientation.tif",
                 "v polarisation.tif", "img PCA components.tif"):
        (tmp_path / name).write_bytes(b"")
        assert napari_get_reader(str(tmp_path / name)) is read_image_file, name
    for name in ("confidence.tif", "imgconfidence.tif", "img confidence.png", "img.tif"):
        (tmp_path / name).write_bytes(b"")
        assert napari_get_reader(str(tmp_path / name)) is None, name


def test_the_manifest_claims_the_image_patterns():
    manifest = yaml.safe_load((ROOT / "napari.yaml").read_text())
    [reader] = manifest["contributions"]["readers"]
    assert set(IMAGE_PATTERNS) <= set(reader["filename_patterns"])
    # the labels names too (one list: io.labels.SAVE_NAME_PATTERNS and the reader's)
    assert set(LABELS_PATTERNS) | set(ZARR_PATTERNS) <= set(reader["filename_patterns"])
    writers = {w["command"]: w["layer_types"] for w in manifest["contributions"]["writers"]}
    assert writers == {"napari-symseg.write_labels": ["labels"],
                       "napari-symseg.write_image": ["image"]}


def test_a_measured_series_map_keeps_its_time_axis(tmp_path):
    spacing = np.random.default_rng(4).random((3, 16, 18)).astype(np.float32)
    spacing[1, :4] = np.nan
    state = _state(name="ser spacing", scale=(0.5, 0.02, 0.02), translate=(2.0, 0.0, 0.1),
                   units=("second", "nanometer", "nanometer"), axis_labels=("t", "y", "x"),
                   metadata={**RUN, "value_unit": "nm"}, colormap="viridis")
    path = str(tmp_path / "ser spacing.tif")
    write_image_tiff(path, spacing, state)
    with tifffile.TiffFile(path) as tif:
        assert tif.series[0].axes == "TYX" and tif.imagej_metadata["finterval"] == 0.5
    [(data, kwargs, _)] = read_image_file(path)
    _same(data, spacing)
    assert kwargs["scale"] == (0.5, 0.02, 0.02) and kwargs["translate"] == (2.0, 0.0, 0.1)
    assert kwargs["units"] == ("second", "nanometer", "nanometer")
    assert kwargs["axis_labels"] == ("t", "y", "x") and kwargs["metadata"]["value_unit"] == "nm"
