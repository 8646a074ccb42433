"""The translation kernel's parts: inverse standard deviations and row box sums."""

import numba
import numpy as np
import pytest

from napari_symseg.core.descriptors import translation
from napari_symseg.core.descriptors.pearson import ZERO_VARIANCE
from napari_symseg.core.descriptors.translation import _row_box_sums, padded_width


@numba.njit(cache=False)
def _call_row_box_sums(colsum, n_boxes, step, size, sums):
    blocks = np.full(n_boxes + size // step, np.nan)
    _row_box_sums(colsum, n_boxes, step, size, sums, blocks)


@pytest.mark.parametrize(("n_boxes", "step", "size"), [(9, 2, 5), (7, 5, 5), (6, 6, 4),
                                                       (1, 3, 7), (12, 1, 3), (40, 5, 41),
                                                       (30, 4, 8), (2, 3, 7)])
def test_row_box_sums_match_plain_sums(n_boxes, step, size):
    width = (n_boxes - 1) * step + size
    colsum = np.full(padded_width(width, step), np.nan)  # the padding is never read
    colsum[:width] = np.random.default_rng(size).normal(size=width) * 4
    sums = np.full(n_boxes, np.nan)
    _call_row_box_sums(colsum, n_boxes, step, size, sums)
    want = [colsum[q * step : q * step + size].sum() for q in range(n_boxes)]
    np.testing.assert_allclose(sums, want, rtol=0, atol=1e-12)


def test_moments_give_the_inverse_sd_of_the_wanted_rows():
    image = np.random.default_rng(1).normal(size=(30, 40))
    image[:12, :14] = 2.5  # constant patches: variance 0 or a rounding around it
    image[20:, 30:] = 1e-4 * np.random.default_rng(2).normal(size=(10, 10))  # tiny variance
    bounds = (3, 27, 3, 37)
    mean, var = translation.local_moments(image, 3, 3, bounds)
    want = np.where(var <= ZERO_VARIANCE, 0.0, 1.0 / np.sqrt(np.maximum(var, 1e-300)))
    assert (want == 0).sum() >= 4 and (want > 1e3).any()  # zero and tiny variances
    rows = np.arange(24) % 3 != 1
    mean2, inv = translation.local_moments(image, 3, 3, bounds, rows, inverse_sd=True)
    np.testing.assert_array_equal(mean2[rows], mean[rows])
    np.testing.assert_array_equal(inv[rows], want[rows])  # the same bits as 1 / sqrt(var)


def test_box_setup_gives_inverse_sd_only_for_the_interior_kernel():
    image = np.random.default_rng(2).normal(size=(40, 40))
    shifts = np.array([[0, 0], [2, 2], [-2, 0]])
    rows = cols = np.arange(6, 34, 2)
    _, read = translation.box_setup(image, shifts, 3, 3, rows, cols, only_read=True)
    _, box = translation.box_setup(image, shifts, 3, 3, rows, cols)
    assert box.inv_sd is None and read.var is None
    want = translation.moment_rows(len(box.var), box.row0, box.step_r, box.shifts)
    np.testing.assert_array_equal(read.inv_sd[want], 1 / np.sqrt(box.var[want]))
    np.testing.assert_array_equal(read.mean[want], box.mean[want])
