import numpy as np
import pytest

from napari_symseg.core.descriptors import translation
from napari_symseg.core.descriptors.translation import (
    _job_groups,
    _lanes,
    _pair_jobs,
    correlations_direct,
    grid_operations,
    grid_step,
)
from napari_symseg.core.params import Params

from .translation_reference import reference_correlations

CASES = [
    # shape, patch_x, patch_y, window_x, window_y, stride
    ((30, 41), 2, 3, 3, 2, 1),
    ((36, 36), 1, 1, 4, 4, 2),
    ((29, 33), 3, 2, 2, 5, 3),
    ((40, 38), 4, 4, 3, 3, 7),
    ((33, 52), 2, 1, 4, 6, 2),
    ((34, 35), 1, 1, 3, 4, 4),  # boxes that do not overlap (stride > patch), both ways
]


def _setup(shape, px, py, wx, wy, stride, seed=0):
    rng = np.random.default_rng(seed)
    image = rng.normal(size=shape) * 3 + 10
    shifts = np.array([(m, n) for m in range(-wx, wx + 1) for n in range(-wy, wy + 1)])
    rows = np.arange(px + wx, shape[0] - px - wx, stride)
    cols = np.arange(py + wy, shape[1] - py - wy, stride)
    return image, shifts, rows, cols


@pytest.mark.parametrize(("shape", "px", "py", "wx", "wy", "stride"), CASES)
def test_direct_matches_reference(shape, px, py, wx, wy, stride):
    image, shifts, rows, cols = _setup(shape, px, py, wx, wy, stride)
    got = correlations_direct(image, shifts, px, py, rows, cols)
    want = reference_correlations(image, shifts, px, py, rows, cols)
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert np.abs(want).max() > 0.3  # the comparison is not between zeros


@pytest.mark.parametrize(("shape", "px", "py", "wx", "wy", "stride"), CASES[:3])
def test_fft_route_matches_direct(shape, px, py, wx, wy, stride):
    from napari_symseg.core.descriptors.translation_fft import correlations_fft

    image, shifts, rows, cols = _setup(shape, px, py, wx, wy, stride, seed=3)
    direct = correlations_direct(image, shifts, px, py, rows, cols)
    fft = correlations_fft(image, shifts, px, py, rows, cols)
    np.testing.assert_allclose(fft, direct, atol=1e-5)


def test_shuffled_subset_of_shifts_and_row_chunks():
    image, shifts, rows, cols = _setup((45, 40), 3, 2, 4, 4, 2, seed=1)
    rng = np.random.default_rng(7)
    subset = shifts[rng.permutation(len(shifts))[:17]]
    whole = correlations_direct(image, subset, 3, 2, rows, cols)
    parts = [correlations_direct(image, subset, 3, 2, rows[s], cols)
             for s in (slice(0, 3), slice(3, 4), slice(4, None))]
    np.testing.assert_allclose(np.concatenate(parts), whole, atol=1e-6)
    np.testing.assert_allclose(whole, reference_correlations(image, subset, 3, 2, rows, cols),
                               atol=1e-5)


def test_zero_variance_patches_score_zero_without_nan():
    image, shifts, rows, cols = _setup((40, 40), 3, 3, 3, 3, 1, seed=2)
    image[:, :20] = 5.0  # a constant left half
    with np.errstate(all="raise"):
        got = correlations_direct(image, shifts, 3, 3, rows, cols)
    want = reference_correlations(image, shifts, 3, 3, rows, cols)
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, want, atol=1e-5)
    left = cols + 3 + 3 < 20  # patch and every shifted patch inside the constant part
    assert np.all(got[:, left] == 0)


def test_uniform_translation_grid_rule():
    # pySTEM's defaults: window 21, at most 100 points -> 9 x 9 grid with step 5
    assert grid_step(21, 21, 100) == 5
    ops = grid_operations(Params())
    assert len(ops) == 81
    assert set(np.unique(ops.values)) == set(range(-20, 21, 5))
    assert grid_step(21, 21, 10_000) == 1
    assert len(grid_operations(Params(window_x=3, window_y=2, max_num_points=1000))) == 35
    # always symmetric and containing the zero shift, never more than asked
    for mnp in (1, 5, 9, 50, 200):
        ops = grid_operations(Params(window_x=7, window_y=4, max_num_points=mnp))
        assert 1 <= len(ops) <= mnp
        assert {tuple(v) for v in ops.values} == {tuple(-v) for v in ops.values}
        assert (0, 0) in {tuple(v) for v in ops.values}


def test_pair_jobs_cover_every_shift_once():
    shifts = np.array([(m, n) for m in range(-4, 5, 2) for n in range(-3, 4)])
    jobs = _pair_jobs(shifts, 2, 3, 10, 12)
    covered = list(jobs[:, 0]) + [k for k in jobs[:, 1] if k >= 0]
    assert sorted(covered) == list(range(len(shifts)))
    for k, k_neg, *_ in jobs:
        if k_neg >= 0:
            np.testing.assert_array_equal(shifts[k], -shifts[k_neg])
            assert shifts[k][0] % 2 == 0 and shifts[k][1] % 3 == 0


@pytest.mark.parametrize("n_threads", [1, 2, 8])
def test_job_groups_hold_every_job_once_and_one_row_shift_each(n_threads):
    shifts = np.array([(m, n) for m in range(-4, 5, 2) for n in range(-3, 4)])
    jobs = _pair_jobs(shifts, 2, 3, 10, 12)
    order, bounds = _job_groups(shifts, jobs, n_threads)
    assert sorted(order) == list(range(len(jobs)))
    assert bounds[0] == 0 and bounds[-1] == len(jobs) and np.all(np.diff(bounds) > 0)
    for g in range(len(bounds) - 1):
        group = order[bounds[g]:bounds[g + 1]]
        assert len({int(shifts[jobs[q, 0], 0]) for q in group}) == 1
    assert len(bounds) - 1 >= min(len(jobs), 4 * n_threads) // 2


@pytest.mark.parametrize("n_lanes", [1, 2, 3, 16])
def test_lanes_keep_every_group_whole_and_balance_the_default_grid(n_lanes):
    shifts = grid_operations(Params(stride=5)).values
    jobs = _pair_jobs(shifts, 5, 5, 188, 188)
    order, bounds = _job_groups(shifts, jobs, 2)
    groups = {tuple(order[bounds[g]:bounds[g + 1]]) for g in range(len(bounds) - 1)}
    new_order, new_bounds, lanes = _lanes(jobs, order, bounds, n_lanes, 5, 41)
    assert {tuple(new_order[new_bounds[g]:new_bounds[g + 1]])
            for g in range(len(new_bounds) - 1)} == groups
    assert len(new_bounds) == len(bounds) and lanes[0] == 0 and lanes[-1] == len(bounds) - 1
    assert len(lanes) - 1 == min(n_lanes, len(bounds) - 1) and np.all(np.diff(lanes) > 0)
    if n_lanes == 2:  # 9 groups of 5 and 4 jobs: 22 and 19 jobs, not numba's 5 + 4 groups
        jobs_per_lane = [new_bounds[lanes[q + 1]] - new_bounds[lanes[q]] for q in range(2)]
        assert sorted(jobs_per_lane) == [19, 22]


def test_direct_writes_into_a_block_of_a_larger_array_bit_for_bit():
    image, shifts, rows, cols = _setup((40, 44), 3, 2, 3, 4, 2, seed=5)
    want = correlations_direct(image, shifts, 3, 2, rows, cols)
    big = np.full((len(rows) + 3, len(cols) + 2, len(shifts)), np.nan, np.float32)
    view = big[1:-2, 2:]  # each point's features contiguous, the rows and columns not
    assert correlations_direct(image, shifts, 3, 2, rows, cols, out=view) is view
    np.testing.assert_array_equal(view, want)
    assert np.isnan(big[0]).all() and np.isnan(big[-2:]).all() and np.isnan(big[:, :2]).all()
    with pytest.raises(ValueError, match="features contiguous"):
        correlations_direct(image, shifts, 3, 2, rows, cols,
                            out=np.empty(want.shape[::-1], np.float32).T)


def test_compute_dispatches_on_method():
    image, _, rows, cols = _setup((40, 40), 3, 3, 3, 3, 2, seed=4)
    p = Params(patch_x=3, patch_y=3, window_x=3, window_y=3, max_num_points=49, stride=2)
    ops = grid_operations(p)
    a = translation.compute(image, p, ops, rows, cols)
    b = translation.compute(image, p.replace(method="fft"), ops, rows, cols)
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_correlation_map_of_one_pixel():
    from napari_symseg.core.descriptors.translation import correlation_map

    image, _, _, _ = _setup((40, 44), 3, 2, 4, 5, 1, seed=5)
    got = correlation_map(image, 3, 2, 4, 5, 20, 21)
    shifts = np.array([(m, n) for m in range(-4, 5) for n in range(-5, 6)])
    want = reference_correlations(image, shifts, 3, 2, [20], [21])[0, 0].reshape(9, 11)
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert got[4, 5] == pytest.approx(1.0)
    # a pixel too close to the border is moved inside
    np.testing.assert_allclose(correlation_map(image, 3, 2, 4, 5, 0, 0),
                               correlation_map(image, 3, 2, 4, 5, 7, 7), atol=0)


@pytest.mark.parametrize(("shape", "px", "py", "wx", "wy", "stride"), CASES)
def test_clipped_patches_match_reference_up_to_the_border(shape, px, py, wx, wy, stride):
    """Grid points from one window off the border: patches clipped to the image."""
    from .translation_reference import reference_clipped_correlations

    image, shifts, _, _ = _setup(shape, px, py, wx, wy, stride, seed=11)
    rows = np.arange(wx, shape[0] - wx, stride)
    cols = np.arange(wy, shape[1] - wy, stride)
    want = reference_clipped_correlations(image, shifts, px, py, rows, cols)
    p = Params(patch_x=px, patch_y=py, window_x=wx, window_y=wy,
               max_num_points=(2 * wx + 1) * (2 * wy + 1))
    ops = grid_operations(p)
    np.testing.assert_array_equal(ops.values, shifts)
    for method in ("direct", "fft"):
        got = translation.compute(image, p.replace(method=method), ops, rows, cols)
        np.testing.assert_allclose(got, want, atol=1e-5)
    whole = translation.clipped_correlations(image, shifts, px, py, rows, cols)
    np.testing.assert_allclose(whole, want, atol=1e-5)  # also the interior points
    assert np.abs(want).max() > 0.3


@pytest.mark.parametrize(("rows", "cols"), [
    (np.arange(5, 13, 3), np.arange(6, 40, 4)),  # top band, clipped above
    (np.arange(29, 36, 2), np.array([5, 6, 44])),  # bottom rows, both sides, unequal steps
    (np.array([20]), np.array([25])),  # one point, nothing clipped
])
def test_clipped_band_of_points_matches_reference(rows, cols):
    """The product's integral image stops at the last row/column the boxes read."""
    from .translation_reference import reference_clipped_correlations

    image = np.random.default_rng(5).normal(size=(41, 50)) + 2
    shifts = np.array([(m, n) for m in range(-5, 6, 2) for n in range(-5, 6)])
    shifts = shifts[np.random.default_rng(6).permutation(len(shifts))]
    got = translation.clipped_correlations(image, shifts, 4, 3, rows, cols)
    want = reference_clipped_correlations(image, shifts, 4, 3, rows, cols)
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert np.abs(want).max() > 0.3


def test_clipped_bands_at_once_equal_each_band_alone():
    """One parallel region over up to four bands: the same scores bit for bit."""
    image = np.random.default_rng(7).normal(size=(41, 50)) + 2
    shifts = np.array([(m, n) for m in range(-5, 6, 2) for n in range(-5, 6)])
    bands = [(np.arange(5, 13, 3), np.arange(6, 40, 4)), (np.arange(29, 36, 2), np.array([5, 44])),
             (np.array([20]), np.array([25])), (np.arange(6, 35), np.array([6, 7]))]
    together = translation.clipped_bands(image, shifts, 4, 3, bands)
    for (rows, cols), got in zip(bands, together, strict=True):
        alone = translation.clipped_correlations(image, shifts, 4, 3, rows, cols)
        assert got.shape == (len(rows), len(cols), len(shifts))
        np.testing.assert_array_equal(got, alone)
    assert translation.clipped_bands(image, shifts, 4, 3, []) == []
    with pytest.raises(ValueError, match="at most 4 bands"):
        translation.clipped_bands(image, shifts, 4, 3, bands + bands[:1])


def test_clipped_patches_score_constant_corners_zero():
    image = np.random.default_rng(2).normal(size=(30, 30))
    image[:8, :8] = 4.0  # a constant corner
    shifts = np.array([(m, n) for m in range(-3, 4) for n in range(-3, 4)])
    got = translation.clipped_correlations(image, shifts, 2, 2, np.array([3]), np.array([3]))
    assert np.all(np.isfinite(got))
    assert np.all(got[0, 0] == 0)


def test_points_must_keep_one_window_from_the_border():
    image = np.random.default_rng(2).normal(size=(30, 30))
    with pytest.raises(ValueError, match="closer to the border"):
        translation.clipped_correlations(image, np.array([[3, 0]]), 2, 2, np.array([2]),
                                         np.array([10]))


@pytest.mark.parametrize(("shape", "px", "py", "bounds"), [
    ((30, 41), 2, 3, (2, 28, 3, 38)),
    ((75, 23), 4, 1, (5, 70, 1, 22)),  # more rows than one block of the kernel
    ((19, 60), 0, 5, (3, 11, 5, 50)),
])
def test_local_moments_match_patchwise_mean_and_variance(shape, px, py, bounds):
    image = np.random.default_rng(4).normal(size=shape) * 2 + 3
    image[:, :12] = 1.5  # a constant strip: variance 0
    r0, r1, c0, c1 = bounds
    mean, var = translation.local_moments(image, px, py, bounds)
    want_mean = np.empty((r1 - r0, c1 - c0))
    want_var = np.empty_like(want_mean)
    for a, r in enumerate(range(r0, r1)):
        for b, c in enumerate(range(c0, c1)):
            patch = image[r - px : r + px + 1, c - py : c + py + 1]
            want_mean[a, b], want_var[a, b] = patch.mean(), patch.var()
    np.testing.assert_allclose(mean, want_mean, rtol=0, atol=1e-12)
    np.testing.assert_allclose(var, want_var, rtol=0, atol=1e-11)
    assert want_var.max() > 1 and want_var.min() == 0


def test_local_moments_of_some_rows_equal_those_of_all_rows():
    image = np.random.default_rng(5).normal(size=(90, 31)) * 2 + 3
    bounds = (4, 86, 3, 28)
    rows = np.zeros(82, bool)
    rows[[0, 5, 33, 34, 81]] = True
    mean_all, var_all = translation.local_moments(image, 4, 3, bounds)
    mean, var = translation.local_moments(image, 4, 3, bounds, rows)
    np.testing.assert_array_equal(mean[rows], mean_all[rows])
    np.testing.assert_array_equal(var[rows], var_all[rows])
    with pytest.raises(ValueError, match="rows must have shape"):
        translation.local_moments(image, 4, 3, bounds, rows[1:])


@pytest.mark.parametrize("subset", ["grid", "odd"])
@pytest.mark.parametrize(("shape", "px", "py", "wx", "wy", "stride"), CASES[1:4])
def test_interior_reads_only_the_moment_rows_it_asks_for(monkeypatch, subset, shape, px, py,
                                                         wx, wy, stride):
    """The rows `moment_rows` leaves out are NaN here: no score may read them."""
    image, shifts, rows, cols = _setup(shape, px, py, wx, wy, stride, seed=2)
    if subset == "grid":  # shifts on the grid's spacing: one residue, most rows left out
        shifts = shifts[(shifts[:, 0] % stride == 0) & (shifts[:, 1] % stride == 0)]
    else:
        shifts = shifts[::3]
    want = correlations_direct(image, shifts, px, py, rows, cols)
    original = translation.local_moments
    skipped = []

    def poisoned(region, patch_x, patch_y, bounds, rows=None, inverse_sd=False):
        mean, var = original(region, patch_x, patch_y, bounds, rows, inverse_sd)
        if rows is not None:
            mean[~rows] = np.nan
            var[~rows] = np.nan
            skipped.append(int((~rows).sum()))
        return mean, var

    monkeypatch.setattr(translation, "local_moments", poisoned)
    got = correlations_direct(image, shifts, px, py, rows, cols)
    np.testing.assert_array_equal(got, want)
    if subset == "grid" and stride > 1:
        assert skipped and skipped[0] > 0  # rows were left out, and none was read
