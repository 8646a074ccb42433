"""Frame-by-frame file access for long series."""

import numpy as np
import pytest

from napari_symseg.io import NpyFrames, SeriesLabelsWriter, series_frames


def test_npy_frames_read_write_without_mapping(tmp_path):
    data = np.random.default_rng(0).random((4, 6, 5)).astype(">f4")
    np.save(tmp_path / "s.npy", data)
    frames = NpyFrames(tmp_path / "s.npy")
    assert frames.shape == (4, 6, 5) and frames.dtype == data.dtype and len(frames) == 4
    for t in range(4):
        np.testing.assert_array_equal(frames[t], data[t])
    with pytest.raises(IndexError):
        frames[4]
    with pytest.raises(IndexError):
        frames[1:2]
    writer = SeriesLabelsWriter(tmp_path / "l.npy", (3, 2, 2))
    writer.array[2] = np.full((2, 2), 7)
    writer.finish()
    labels = np.load(tmp_path / "l.npy")
    assert labels.dtype == np.uint8 and labels[2].tolist() == [[7, 7], [7, 7]]
    assert labels[:2].max() == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["l.npy", "s.npy"]


def test_fortran_ordered_file_stays_a_memory_map(tmp_path):
    np.save(tmp_path / "f.npy", np.asfortranarray(np.zeros((3, 4, 5))))
    mapped = np.load(tmp_path / "f.npy", mmap_mode="r")
    assert series_frames(tmp_path / "f.npy", mapped) is mapped
