import numpy as np
import pytest
import scipy

from napari_symseg.core.descriptors.point_symmetry_pool import LANES, max_pool


@pytest.mark.parametrize(
    ("shape", "ext_r", "ext_c"),
    [
        ((7, 9, 3), 1, 2),
        ((50, 40, 1), 0, 5),
        ((5, 5, 2), 2, 2),  # one window
        ((100, 3, 4), 10, 0),
        ((61, 2 * LANES // 3 + 7, 3), 4, 3),  # several row-pass jobs, a partial last one
        ((30, 30, 2), 7, 7),  # window length not dividing the length
    ],
)
def test_max_pool_equals_scipy_maximum_filter_on_whole_windows(shape, ext_r, ext_c):
    rng = np.random.default_rng(sum(shape) + ext_r)
    raw = rng.standard_normal(shape).astype(np.float32)
    raw[0, 0, 0] = 9.0  # a corner maximum reaches only the first windows
    before = raw.copy()
    want = scipy.ndimage.maximum_filter(raw, size=(2 * ext_r + 1, 2 * ext_c + 1, 1),
                                        mode="nearest")
    want = want[ext_r : shape[0] - ext_r, ext_c : shape[1] - ext_c]
    got = max_pool(raw, ext_r, ext_c)
    assert got.dtype == np.float32
    assert np.array_equal(got, want)
    assert np.array_equal(raw, before)
    assert got[0, 0, 0] == 9.0


def test_max_pool_rejects_raw_scores_smaller_than_the_window():
    with pytest.raises(ValueError, match="smaller than the pooling window"):
        max_pool(np.zeros((4, 9, 1), np.float32), 2, 1)
