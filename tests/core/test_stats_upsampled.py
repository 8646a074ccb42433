"""upsampled_statistics: the labels of `Grid.upsample` and `frame_statistics`, in one pass."""

import numpy as np
import pytest

from napari_symseg.core.chunks import grid_for
from napari_symseg.core.params import Params
from napari_symseg.core.stats import frame_statistics, upsampled_statistics


@pytest.mark.parametrize(("shape", "stride", "n"), [((61, 47), 5, 3), ((40, 40), 1, 2),
                                                     ((33, 70), 4, 5)])
def test_upsampled_statistics_equal_upsample_then_statistics_bit_for_bit(shape, stride, n):
    rng = np.random.default_rng(stride)
    grid = grid_for(shape, Params(stride=stride, patch_x=3, patch_y=3, window_x=2,
                                  window_y=2))
    grid_labels = rng.integers(0, n, grid.shape).astype(np.uint8)
    grid_labels[:2] = n - 1  # runs of one label across rows
    image = rng.normal(size=shape) * 5 + 100
    rows, cols = grid.nearest_index()
    labels, (area, regions, mean) = upsampled_statistics(grid_labels, rows, cols, image, n)
    want = grid.upsample(grid_labels)
    assert labels.dtype == np.uint8 and labels.shape == shape
    np.testing.assert_array_equal(labels, want)
    want_area, want_regions, want_mean = frame_statistics(want, image, n, grid_labels)
    assert area.tobytes() == want_area.tobytes()
    assert mean.tobytes() == want_mean.tobytes()
    np.testing.assert_array_equal(regions, want_regions)
    # and against the slow definition
    for k in range(n):
        assert area[k] == pytest.approx((want == k).mean(), abs=0)
        assert mean[k] == pytest.approx(image[want == k].mean(), rel=1e-12)


def test_absent_pattern_and_labels_beyond_n():
    grid_labels = np.array([[0, 0], [3, 0]], np.uint8)  # 3 >= n: upsampled, not counted
    image = np.arange(16.0).reshape(4, 4)
    rows = np.array([0, 0, 1, 1])
    cols = np.array([0, 0, 1, 1])
    labels, (area, regions, mean) = upsampled_statistics(grid_labels, rows, cols, image, 2)
    np.testing.assert_array_equal(labels[2:, :2], 3)
    np.testing.assert_array_equal(area, [12 / 16, 0])
    assert mean[0] == pytest.approx(np.mean([0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 14, 15]))
    assert np.isnan(mean[1]) and regions[1] == 0 and regions[0] == 1


def test_bad_input():
    with pytest.raises(ValueError, match="differ in shape"):
        upsampled_statistics(np.zeros((2, 2), np.uint8), np.zeros(3, int), np.zeros(2, int),
                             np.zeros((2, 2)), 2)
    with pytest.raises(TypeError, match="integers"):
        upsampled_statistics(np.zeros((2, 2)), np.zeros(2, int), np.zeros(2, int),
                             np.zeros((2, 2)), 2)
