import warnings

import numpy as np
import pytest

from napari_symseg.core.descriptors.translation_fft import correlations_fft
from napari_symseg.core.grid import Grid

from .translation_reference import reference_correlations


def _window_shifts(wx, wy):
    return np.array([(m, n) for m in range(-wx, wx + 1) for n in range(-wy, wy + 1)])


def _grid(shape, patch_x, patch_y, shifts, stride):
    wx, wy = np.abs(shifts).max(axis=0)
    return Grid.for_margin(shape, (patch_x + wx, patch_y + wy), stride)


CASES = [
    # shape, patch_x, patch_y, shifts, stride
    ((30, 41), 2, 3, _window_shifts(2, 3), 1),
    ((36, 36), 1, 1, _window_shifts(4, 4), 2),
    ((29, 33), 3, 2, _window_shifts(2, 5), 3),
    ((36, 36), 4, 4, _window_shifts(3, 2), 2),
    ((30, 41), 1, 4, _window_shifts(1, 1), 1),
    # grid step (4) wider than the patch (3): the column box sums start afresh at every point
    ((33, 40), 1, 1, _window_shifts(2, 2), 4),
    # sparse, asymmetric shift sets: max |m| reached by a negative shift only,
    # repeated shifts, a shift of zero rows
    ((29, 33), 2, 1, np.array([(0, 0), (-3, 2), (1, -4), (2, 2), (-3, 2), (0, 3)]), 1),
    ((36, 36), 3, 2, np.array([(4, -1), (0, 0), (-2, -2)]), 3),
    ((30, 41), 2, 2, np.array([(0, 0)]), 2),
]


@pytest.mark.parametrize(("shape", "patch_x", "patch_y", "shifts", "stride"), CASES)
def test_matches_reference(shape, patch_x, patch_y, shifts, stride):
    rng = np.random.default_rng(sum(shape) + stride)
    image = rng.normal(size=shape) * 3 + 10
    grid = _grid(shape, patch_x, patch_y, shifts, stride)
    got = correlations_fft(image, shifts, patch_x, patch_y, grid.rows, grid.cols)
    want = reference_correlations(image, shifts, patch_x, patch_y, grid.rows, grid.cols)
    assert got.dtype == np.float32
    assert got.shape == (*grid.shape, len(shifts))
    np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)
    # the reference is not trivial: the zero shift gives 1, the others vary
    zero = (shifts == 0).all(axis=1)
    if not zero.all():
        assert want[..., ~zero].std() > 0.05
    np.testing.assert_allclose(got[..., zero], 1.0, atol=1e-6)


def test_correlated_image_matches_reference():
    # a smooth lattice plus noise gives scores near +-1, not only near 0
    rng = np.random.default_rng(3)
    r, c = np.mgrid[:34, :37]
    image = np.cos(2 * np.pi * (r / 5 + c / 7)) + 0.1 * rng.normal(size=r.shape)
    shifts = _window_shifts(5, 7)
    grid = _grid(image.shape, 3, 2, shifts, 2)
    got = correlations_fft(image, shifts, 3, 2, grid.rows, grid.cols)
    want = reference_correlations(image, shifts, 3, 2, grid.rows, grid.cols)
    np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)
    period = np.flatnonzero((shifts == (5, 0)).all(axis=1))
    assert got[..., period].min() > 0.9


@pytest.mark.parametrize("chunk_bytes", [1, 30_000, 100_000, 1_000_000])
def test_chunks_and_sub_grids_agree(chunk_bytes):
    # blocks of 1x1, 1x2, 1x9 (17 = 9 + 8) and 5x17 grid points
    rng = np.random.default_rng(1)
    image = rng.normal(size=(40, 47))
    shifts = _window_shifts(3, 4)
    grid = _grid(image.shape, 2, 3, shifts, 2)
    assert grid.shape == (15, 17)
    full = correlations_fft(image, shifts, 2, 3, grid.rows, grid.cols)
    tiny = correlations_fft(image, shifts, 2, 3, grid.rows, grid.cols, chunk_bytes=chunk_bytes)
    np.testing.assert_allclose(tiny, full, atol=1e-6, rtol=0)
    part = correlations_fft(image, shifts, 2, 3, grid.rows[2:5], grid.cols[1:4])
    np.testing.assert_allclose(part, full[2:5, 1:4], atol=1e-6, rtol=0)


def test_affine_intensity_invariance():
    rng = np.random.default_rng(2)
    image = rng.normal(size=(30, 30))
    shifts = _window_shifts(2, 2)
    grid = _grid(image.shape, 2, 2, shifts, 1)
    a = correlations_fft(image, shifts, 2, 2, grid.rows, grid.cols)
    b = correlations_fft(1e4 * image - 3e5, shifts, 2, 2, grid.rows, grid.cols)
    np.testing.assert_allclose(a, b, atol=1e-5, rtol=0)


def test_constant_image_scores_zero_without_warning():
    image = np.full((30, 33), 7.25)
    shifts = _window_shifts(2, 3)
    grid = _grid(image.shape, 2, 1, shifts, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = correlations_fft(image, shifts, 2, 1, grid.rows, grid.cols)
    assert got.shape == (*grid.shape, len(shifts))
    assert np.all(got == 0)


def test_constant_region_scores_zero_there():
    rng = np.random.default_rng(4)
    image = rng.normal(size=(36, 40))
    image[5:25, 8:30] = 0.3  # a flat region
    shifts = _window_shifts(3, 3)
    px, py = 2, 2
    grid = _grid(image.shape, px, py, shifts, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = correlations_fft(image, shifts, px, py, grid.rows, grid.cols)
    want = reference_correlations(image, shifts, px, py, grid.rows, grid.cols)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)

    def flat(r, c):
        return bool(np.ptp(image[r - px : r + px + 1, c - py : c + py + 1]) == 0)

    expect_zero = np.array(
        [
            [[flat(r, c) or flat(r + m, c + n) for m, n in shifts] for c in grid.cols]
            for r in grid.rows
        ]
    )
    assert expect_zero.any() and (~expect_zero).any()
    assert np.all(got[expect_zero] == 0)
    assert np.all(got[~expect_zero] != 0)
    # patches entirely inside the flat region score 0 for every shift
    a, b = np.searchsorted(grid.rows, 15), np.searchsorted(grid.cols, 19)
    assert np.all(got[a, b] == 0)


def test_border_violation_raises():
    image = np.zeros((20, 20))
    shifts = np.array([(3, 0)])
    with pytest.raises(ValueError, match="border"):
        correlations_fft(image, shifts, 2, 2, np.array([4, 10]), np.array([10]))


def test_empty_grid():
    out = correlations_fft(
        np.zeros((10, 10)), np.array([(1, 1)]), 1, 1, np.array([], int), np.array([5])
    )
    assert out.shape == (0, 1, 1)
