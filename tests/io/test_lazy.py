"""Videos opened lazily (io/lazy.py): frames read one at a time, calibration kept."""

from importlib.util import find_spec

import dask.array as da
import numpy as np
import pytest
import tifffile
import zarr

from napari_symseg._reader import napari_get_reader, read_microscope_file
from napari_symseg.io.calibration import Calibration
from napari_symseg.io.formats import read_em
from napari_symseg.io.lazy import FrameReader, NpyVideo, TiffFrames, as_dask, open_video

from ..data import HYPERSPY as HS

needs_ncempy = pytest.mark.skipif(find_spec("ncempy") is None, reason="ncempy not installed")


@pytest.fixture
def video():
    rng = np.random.default_rng(0)
    return rng.normal(size=(7, 24, 20)).astype(np.float32)


class Counting(FrameReader):
    """A frame reader that records which frames were read."""

    def __init__(self, data):
        super().__init__(data.shape, data.dtype)
        self.data, self.read = data, []

    def frame(self, t):
        self.read.append(t)
        return self.data[t]


def test_as_dask_reads_only_the_frames_computed(video):
    frames = Counting(video)
    lazy = as_dask(frames)
    assert isinstance(lazy, da.Array) and lazy.chunks[0] == (1,) * 7 and frames.read == []
    np.testing.assert_array_equal(lazy[5].compute(), video[5])
    assert frames.read == [5]
    np.testing.assert_array_equal(lazy[2:4, 3:9, ::2].compute(), video[2:4, 3:9, ::2])
    assert sorted(frames.read) == [2, 3, 5]


def test_frame_reader_indexing_matches_numpy(video):
    frames = Counting(video)
    for key in (3, -1, (2, 5), (slice(1, 6, 2), slice(None), 4), slice(None)):
        np.testing.assert_array_equal(frames[key], video[key])
    with pytest.raises(IndexError):
        frames[7]


def test_npy_video_reads_frames_with_plain_file_io(tmp_path, video):
    path = tmp_path / "video.npy"
    np.save(path, video)
    data, cal = open_video(path)
    assert isinstance(data, NpyVideo) and not isinstance(data, np.ndarray)
    assert data.shape == video.shape and data.dtype == video.dtype
    np.testing.assert_array_equal(data[6], video[6])
    np.testing.assert_array_equal(as_dask(data).compute(), video)
    assert cal == Calibration.pixels(3)


def test_compressed_imagej_tiff_is_read_page_by_page_with_its_calibration(tmp_path, video,
                                                                          monkeypatch):
    path = tmp_path / "video.tif"
    tifffile.imwrite(path, video, imagej=True, compression="zlib", resolution=(4.0, 5.0),
                     metadata={"unit": "nm", "finterval": 0.25, "axes": "TYX"})
    calls = []
    real = tifffile.imread
    monkeypatch.setattr(tifffile, "imread", lambda *a, **k: calls.append(k) or real(*a, **k))
    data, cal = open_video(path)
    assert isinstance(data, TiffFrames) and isinstance(data.frames, zarr.Array)
    assert data.frames.chunks == (1, 24, 20)
    assert all(k.get("aszarr") for k in calls)  # never the whole file as an array
    np.testing.assert_array_equal(data[4], video[4])
    np.testing.assert_array_equal(as_dask(data)[1:3].compute(), video[1:3])
    assert cal.units == ("s", "nm", "nm")
    np.testing.assert_allclose(cal.scale, (0.25, 0.2, 0.25))


def test_zarr_video_keeps_the_calibration_of_its_attributes(tmp_path, video):
    path = tmp_path / "video.zarr"
    array = zarr.create_array(str(path), shape=video.shape, dtype=video.dtype,
                              chunks=(1, 24, 20))
    array[:] = video
    cal = Calibration((0.5, 0.1, 0.1), ("s", "nm", "nm"), ("t", "y", "x"))
    array.attrs["calibration"] = cal.to_dict()
    data, got = open_video(path)
    assert isinstance(data, zarr.Array)
    np.testing.assert_array_equal(as_dask(data).compute(), video)
    assert got.scale == cal.scale and got.units == cal.units


def test_two_dimensional_images_are_read_as_before(tmp_path, video):
    path = tmp_path / "image.npy"
    np.save(path, video[0])
    data, cal = open_video(path)
    np.testing.assert_array_equal(data, video[0])
    assert cal == Calibration.pixels(2)


@needs_ncempy
def test_ser_series_is_lazy_in_the_api_and_the_napari_reader():
    path = HS / "64x64x5_TEM_preview_1.ser"
    eager, cal = read_em(path)
    lazy, lazy_cal = read_em(path, lazy=True)
    assert isinstance(lazy, FrameReader) and lazy.shape == (5, 64, 64)
    np.testing.assert_array_equal(lazy[4], eager[4])
    assert lazy_cal.scale == cal.scale and lazy_cal.units == ("pixel", "nm", "nm")
    assert napari_get_reader(str(path)) is read_microscope_file
    [(data, kwargs, kind)] = read_microscope_file(str(path))
    assert kind == "image" and isinstance(data, da.Array) and data.chunks[0] == (1,) * 5
    np.testing.assert_array_equal(data.compute(), eager)
    assert kwargs["scale"] == cal.scale and kwargs["units"] == cal.units


@needs_ncempy
def test_velox_stack_is_lazy_frames_first():
    path = HS / "fei_example_tem_stack.emd"
    eager, cal = read_em(path)
    lazy, lazy_cal = read_em(path, lazy=True)
    assert isinstance(lazy, FrameReader) and lazy.shape == eager.shape == (2, 3, 3)
    np.testing.assert_array_equal(lazy[:], eager)
    assert lazy_cal.scale == cal.scale


def test_berkeley_emd_series_is_lazy(tmp_path, video):
    emd = pytest.importorskip("ncempy.io.emd")
    path = tmp_path / "series.emd"
    with emd.fileEMD(path, readonly=False) as f:
        f.put_emdgroup("HAADF", video, emd.defaultDims(video, (0.5, 0.1, 0.1),
                                                       ("s", "nm", "nm")))
    lazy, cal = read_em(path, lazy=True)
    assert isinstance(lazy, FrameReader)
    np.testing.assert_array_equal(lazy[3], video[3])
    assert cal.units == ("s", "nm", "nm")
    np.testing.assert_allclose(cal.scale, (0.5, 0.1, 0.1))
