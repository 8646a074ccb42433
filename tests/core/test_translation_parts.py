"""The translation kernel's parts: inverse standard deviations and row box sums."""

import numba
import numpy as np
import pytest

from napari_symseg.core.descriptors import translation
from napari_symseg.core.descriptors.pearson import ZERO_VARIANCE
from napari_symseg.core.descriptors.translation import _row_box_sums, inverse_sd, padded_width


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


def test_inverse_sd_of_the_wanted_rows():
    var = np.abs(np.random.default_rng(1).normal(size=(6, 9))) + 0.1
    var[1, 2] = 0.0
    var[2, 3] = ZERO_VARIANCE / 2
    var[3, 4] = -1e-17  # a rounding below zero
    var[4, 5] = np.nan
    want = np.empty_like(var)
    for a in range(6):
        for b in range(9):
            v = var[a, b]
            want[a, b] = 0.0 if v <= ZERO_VARIANCE else 1.0 / np.sqrt(v)
    np.testing.assert_array_equal(inverse_sd(var), want)  # NaN stays NaN
    rows = np.array([True, False, True, True, False, True])
    got = inverse_sd(var, rows)
    np.testing.assert_array_equal(got[rows], want[rows])


def test_box_setup_gives_inverse_sd_only_for_the_interior_kernel():
    image = np.random.default_rng(2).normal(size=(40, 40))
    shifts = np.array([[0, 0], [2, 2], [-2, 0]])
    rows = cols = np.arange(6, 34, 2)
    _, box = translation.box_setup(image, shifts, 3, 3, rows, cols, only_read=True)
    want = translation.moment_rows(len(box.var), box.row0, box.step_r, box.shifts)
    np.testing.assert_array_equal(box.inv_sd[want], 1 / np.sqrt(box.var[want]))
    _, box = translation.box_setup(image, shifts, 3, 3, rows, cols)
    assert box.inv_sd is None
