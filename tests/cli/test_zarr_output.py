"""``-o labels.zarr`` for series: chunked per frame, record in the attributes, whole or
nothing, read back by the napari reader as a calibrated Labels layer."""

import dask.array as da
import numpy as np
import pytest
import tifffile
import zarr
from hypothesis import given, settings
from hypothesis import strategies as st

from napari_symseg._reader import napari_get_reader, read_labels_zarr
from napari_symseg.cli import main
from napari_symseg.core.samples import moving_boundary_series
from napari_symseg.errors import FileFormatError
from napari_symseg.io.calibration import Calibration
from napari_symseg.io.labels import file_to_layer
from napari_symseg.io.zarr_labels import ZarrLabelsWriter, read_zarr_labels

SMALL = ["--patch-x", "4", "--patch-y", "4", "--window-x", "6", "--window-y", "6",
         "--stride", "4", "--n-patterns", "2", "--reference-frames", "0,3", "--quiet"]


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    """A calibrated ImageJ TIFF series (4 frames of 64 x 64)."""
    path = tmp_path_factory.mktemp("zarr") / "video.tif"
    frames = moving_boundary_series(4, (64, 64), start=20, step=8).astype(np.float32)
    tifffile.imwrite(path, frames, imagej=True, resolution=(10.0, 10.0),
                     metadata={"unit": "nm", "finterval": 2.0, "axes": "TYX"})
    return path


def test_zarr_labels_equal_the_npy_labels_with_record_and_chunks(tmp_path, video):
    npy, store = tmp_path / "v.npy", tmp_path / "v_labels.zarr"
    assert main(["segment", str(video), "-o", str(npy), *SMALL]) == 0
    assert main(["segment", str(video), "-o", str(store), *SMALL]) == 0
    values, record, cal = read_zarr_labels(store)
    assert values.chunks == (1, 64, 64) and values.dtype == np.uint8
    np.testing.assert_array_equal(values[:], np.load(npy))
    assert record["params"]["n_patterns"] == 2 and record["params"]["patch_x"] == 4
    assert record["labels"]["label_offset"] == 1 and record["labels"]["no_pattern"] == 255
    assert cal.units == ("s", "nm", "nm") and cal.scale == pytest.approx((2.0, 0.1, 0.1))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.npy", "v_labels.zarr"]

    assert napari_get_reader(str(store)) is read_labels_zarr
    [(data, kwargs, kind)] = read_labels_zarr(str(store))
    assert kind == "labels" and isinstance(data, da.Array) and data.chunks[0] == (1,) * 4
    np.testing.assert_array_equal(data.compute(), np.load(npy) + 1)
    assert kwargs["scale"] == pytest.approx((2.0, 0.1, 0.1))
    assert tuple(kwargs["units"]) == ("s", "nm", "nm")
    assert kwargs["metadata"]["napari_symseg"]["params"]["n_patterns"] == 2


def test_interrupted_run_leaves_the_old_store_and_no_partial(tmp_path, video, monkeypatch):
    store = tmp_path / "v_labels.zarr"
    assert main(["segment", str(video), "-o", str(store), *SMALL]) == 0
    before = read_zarr_labels(store)[0][:]
    from napari_symseg.cli import segment

    real = segment.label_frames_steps

    def interrupted(*args, **kwargs):
        for i, step in enumerate(real(*args, **kwargs)):
            if i == 2:
                raise KeyboardInterrupt
            yield step

    monkeypatch.setattr(segment, "label_frames_steps", interrupted)
    assert main(["segment", str(video), "-o", str(store), *SMALL,
                 "--n-patterns", "3"]) == 130
    assert [p.name for p in tmp_path.iterdir()] == ["v_labels.zarr"]  # no partial left
    values, record, _ = read_zarr_labels(store)
    np.testing.assert_array_equal(values[:], before)
    assert record["params"]["n_patterns"] == 2


def test_zarr_output_is_refused_for_an_image(tmp_path, capsys):
    image = tmp_path / "image.npy"
    np.save(image, moving_boundary_series(1, (64, 64))[0])
    assert main(["segment", str(image), "-o", str(tmp_path / "x.zarr"), *SMALL]) == 2
    assert "-o .zarr is for a series" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["image.npy"]


def test_a_store_without_the_record_is_refused(tmp_path):
    path = tmp_path / "other_labels.zarr"
    zarr.create_array(str(path), shape=(2, 4, 4), dtype=np.uint8)
    with pytest.raises(FileFormatError, match="unfinished run"):
        read_labels_zarr(str(path))


@settings(max_examples=15, deadline=None)
@given(shape=st.tuples(st.integers(1, 4), st.integers(1, 9), st.integers(1, 9)),
       n_patterns=st.sampled_from([2, 5, 255, 300]), seed=st.integers(0, 2**16))
def test_writer_reader_roundtrip(tmp_path_factory, shape, n_patterns, seed):
    rng = np.random.default_rng(seed)
    writer_dtype = np.uint8 if n_patterns < 255 else np.uint16
    no_pattern = np.iinfo(writer_dtype).max
    values = rng.integers(0, n_patterns, size=shape).astype(writer_dtype)
    values[rng.random(shape) < 0.2] = no_pattern
    path = tmp_path_factory.mktemp("rt") / "r_labels.zarr"
    cal = Calibration((0.5, 0.2, 0.3), ("s", "nm", "nm"), ("t", "y", "x"))
    writer = ZarrLabelsWriter(path, shape, {"params": {"n_patterns": n_patterns}}, cal,
                              writer_dtype)
    for t in range(shape[0]):
        writer.array[t] = values[t]
    writer.finish()
    [(data, kwargs, _)] = read_labels_zarr(str(path))
    np.testing.assert_array_equal(data.compute(), file_to_layer(values, 1, no_pattern))
    assert kwargs["scale"] == pytest.approx(cal.scale)
