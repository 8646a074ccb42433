"""PatternStats.set takes one form (FrameStats); one statistics CSV writer."""

import csv

import numpy as np
import pytest

from napari_symseg.core.stats import FrameStats, PatternStats, frame_statistics


def _halves():
    labels = np.zeros((10, 20), int)
    labels[:, 15:] = 1
    image = np.arange(200, dtype=np.float64).reshape(10, 20)
    return labels, image


def test_set_takes_a_frame_stats_and_fills_the_unlike_share():
    labels, image = _halves()
    stats = PatternStats.empty(3, 2)
    stats.set(1, FrameStats.of(labels, image, 2, unlike=0.25))
    assert stats.done.tolist() == [False, True, False]
    assert stats.area_fraction[1].tolist() == [0.75, 0.25]
    assert stats.regions[1].tolist() == [1, 1]
    assert stats.mean_intensity[1, 1] == pytest.approx(image[:, 15:].mean())
    assert stats.unlike[1] == 0.25 and np.isnan(stats.unlike[[0, 2]]).all()
    with pytest.raises(TypeError, match="FrameStats"):
        stats.set(0, frame_statistics(labels, image, 2))  # the old bare tuple


def test_label_task_returns_named_statistics():
    from napari_symseg import Params, segment
    from napari_symseg.core.frame_labels import label_task
    from napari_symseg.core.samples import two_phase

    image = two_phase((64, 64))
    result = segment(image, Params(n_patterns=2, patch_x=8, patch_y=8, window_x=8,
                                   window_y=8, stride=4))
    t, labels, row = label_task(result.model, image, 5)
    assert t == 5 and isinstance(row, FrameStats)
    expected = frame_statistics(labels, image, 2)
    assert row.area_fraction == pytest.approx(expected[0])
    assert row.area_fraction.sum() == pytest.approx(1.0)


def test_one_csv_writer_with_time_and_area_columns(tmp_path):
    labels, image = _halves()
    stats = PatternStats.empty(2, 2)
    stats.set(1, FrameStats.of(labels, image, 2))
    stats.names = ("a", "b")
    stats.to_csv(tmp_path / "s.csv", time_step=0.5, time_column="time_s", image_area=8.0,
                 area_column="area_nm2")
    rows = list(csv.DictReader((tmp_path / "s.csv").open()))
    assert list(rows[0]) == ["frame", "time_s", "pattern", "name", "area_fraction", "area_nm2",
                             "regions", "mean_intensity"]
    assert [(r["frame"], r["time_s"], r["name"]) for r in rows] == [("1", "0.5", "a"),
                                                                     ("1", "0.5", "b")]
    assert [float(r["area_nm2"]) for r in rows] == [6.0, 2.0]


@pytest.mark.parametrize("label_dtype", [np.uint8, np.int32, np.int64, bool])
@pytest.mark.parametrize("image_dtype", [np.float32, np.float64, np.uint16])
def test_frame_statistics_equal_bit_for_bit_to_bincount(label_dtype, image_dtype):
    # the one-pass kernel against the two np.bincount calls it replaced; labels beyond
    # n_patterns are ignored but count in the area (as before)
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 4, (37, 53)).astype(label_dtype)
    image = (rng.normal(size=labels.shape) * 1e3 + 5e3).astype(image_dtype)
    n = 3
    lab = labels.ravel().astype(np.int64)
    counts = np.bincount(lab, minlength=n)[:n].astype(np.float64)
    sums = np.bincount(lab, weights=image.astype(np.float64).ravel(), minlength=n)[:n]
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / counts, np.nan)
    area, _, mean = frame_statistics(labels, image, n)
    assert np.array_equal(area, counts / lab.size)
    assert np.array_equal(mean, means, equal_nan=True)  # a bool image has no label 2: NaN
    with pytest.raises(ValueError, match="negative"):
        frame_statistics(-np.ones((3, 3), int), np.ones((3, 3)), 2)
