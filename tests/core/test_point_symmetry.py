import itertools
import math
import warnings

import numpy as np
import pytest

from napari_symseg.core.descriptors import point_symmetry as ps
from napari_symseg.core.descriptors import point_symmetry_carry as carry
from napari_symseg.core.descriptors import polar_patch
from napari_symseg.core.descriptors.operations import Operations
from napari_symseg.core.descriptors.point_symmetry_dense import (
    antipodal_quads,
    rotation_lags,
    row_pairs,
)
from napari_symseg.core.descriptors.point_symmetry_folds import SEGMENT_FACTORS, reflection_folds
from napari_symseg.core.descriptors.point_symmetry_scores import raw_scores
from napari_symseg.core.descriptors.registry import get_family
from napari_symseg.core.grid import Grid
from napari_symseg.core.params import Params

from .point_symmetry_reference import raw_score_maps, reference_scores

ROT = "rotational_symmetry_maximum_pooling"
REF = "reflection_symmetry_maximum_pooling"

CASES = [
    # shape, descriptor, radius, window_x, window_y, stride, num_reflection_plane
    ((40, 50), ROT, 3, 1, 2, 1, 10),
    ((37, 44), REF, 4, 2, 1, 2, 6),
    ((40, 50), REF, 5, 3, 4, 3, 10),
    ((37, 44), ROT, 6, 4, 3, 2, 10),
    ((44, 41), REF, 3, 2, 2, 5, 7),  # window < stride: no pooling; odd N
    ((41, 47), ROT, 4, 3, 5, 2, 10),  # window not a multiple of the stride
]


def _params(descriptor, radius, wx, wy, stride, n_refl):
    return Params(
        descriptor_name=descriptor,
        radius=radius,
        window_x=wx,
        window_y=wy,
        stride=stride,
        num_reflection_plane=n_refl,
    )


def _operations(params):
    return get_family(params.descriptor_name).operations(params)


def _shuffled_subset(ops, seed):
    rng = np.random.default_rng(seed)
    n = max(1, len(ops) - 2)
    return ops.subset(rng.permutation(len(ops))[:n])


@pytest.mark.parametrize(("shape", "descriptor", "radius", "wx", "wy", "stride", "n_refl"), CASES)
def test_compute_matches_reference(shape, descriptor, radius, wx, wy, stride, n_refl):
    params = _params(descriptor, radius, wx, wy, stride, n_refl)
    image = np.random.default_rng(radius + stride).normal(size=shape) * 2.0 + 5.0
    grid = Grid.for_margin(shape, ps.margin(params), stride)
    ops = _shuffled_subset(_operations(params), seed=wx)
    got = ps.compute(image, params, ops, grid.rows, grid.cols)
    want = reference_scores(image, params, ops.kind, ops.values, grid.rows, grid.cols)
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert np.abs(want).max() > 0.3  # the comparison is not between zeros
    # chunks of grid rows computed separately give the same descriptors
    cuts = [0, 1, max(2, len(grid.rows) // 2), len(grid.rows)]
    parts = [
        ps.compute(image, params, ops, grid.rows[a:b], grid.cols)
        for a, b in itertools.pairwise(cuts)
    ]
    np.testing.assert_allclose(np.concatenate(parts), got, atol=1e-6)


def test_raw_scores_match_reference_on_a_cut_of_a_large_image():
    # The spline prefilter runs on a padded sub-image; far from the image
    # border it must give the whole-image map_coordinates values.
    image = np.random.default_rng(5).normal(size=(160, 70))
    params = _params(REF, 5, 2, 2, 1, 8)
    ops = _operations(params)
    rows, cols = np.arange(70, 76), np.arange(10, 60, 1)
    got = ps.compute(image, params, ops, rows, cols)
    want = reference_scores(image, params, ops.kind, ops.values, rows, cols)
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_unpooled_scores_match_reference_with_large_offset_and_scale():
    # Pearson is affine invariant; an image far from zero must not lose digits.
    rng = np.random.default_rng(2)
    image = 1e6 + 1e-3 * rng.normal(size=(30, 33))
    params = _params(ROT, 4, 1, 1, 1, 10)
    n_r, n_t = polar_patch.polar_grid_size(4, 12)
    sigma = polar_patch.ring_permutations(_operations(params), n_t)
    rows, cols = np.arange(5, 25, 3), np.arange(5, 28, 2)
    got = raw_scores(image, 4, n_r, n_t, sigma, rows, cols)
    want = raw_score_maps(image, 4, 12, "rotation", params.rotation_angles, rows, cols)
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_operations_and_margin():
    p = Params(descriptor_name=REF, num_reflection_plane=4, radius=20, window_x=21, window_y=7)
    refl = ps.reflection_operations(p)
    assert refl.kind == "reflection"
    np.testing.assert_allclose(refl.values, [0, 45, 90, 135])
    rot = ps.rotation_operations(p.replace(rotation_angles=(180, 60)))
    assert rot.kind == "rotation"
    np.testing.assert_allclose(rot.values, [180, 60])
    # stride 5, window 7: a pooling step of 5 would leave 3 raw points per
    # column window, so raw scores are pooled at step 1 (every pixel)
    assert ps.pooling_step(p) == 1
    assert ps.margin(p) == (21 + 21, 21 + 7)
    # stride 5, window 10: step 5, pooling reaches 20 rows and 10 columns
    wide = p.replace(window_y=10)
    assert ps.pooling_step(wide) == 5
    assert ps.margin(wide) == (21 + 20, 21 + 10)
    assert ps.pooling_step(wide.replace(stride=6)) == 3  # largest divisor <= 5
    assert ps.margin(p.replace(stride=1)) == (21 + 21, 21 + 7)


@pytest.mark.parametrize("radius", [2, 3, 7, 20])
@pytest.mark.parametrize("base", [12, 10, 7])
def test_polar_grid_density_and_stencil_reach(radius, base):
    n_r, n_t = polar_patch.polar_grid_size(radius, base)
    assert n_t % base == 0 and n_t >= 2 * math.pi * radius / 1.5 > n_t - base
    assert n_r == max(2, radius)
    d_row, d_col, _ = polar_patch.polar_samples(radius, n_r, n_t)
    for d in (d_row, d_col):
        first, weights = polar_patch.spline_stencil(d)
        taps = first[:, None] + np.arange(4)
        used = np.abs(taps[weights > 0])
        # the margin's "radius + 1" is needed and enough
        assert used.max() == radius + 1
        np.testing.assert_allclose(weights.sum(axis=1), 1.0)


def test_grid_closer_to_the_border_than_the_margin_is_rejected():
    params = _params(ROT, 5, 3, 3, 1, 10)
    image = np.random.default_rng(0).normal(size=(40, 40))
    m = ps.margin(params)
    ops = _operations(params)
    ps.compute(image, params, ops, np.array([m[0]]), np.array([m[1]]))  # fits
    with pytest.raises(ValueError, match="border"):
        ps.compute(image, params, ops, np.array([m[0] - 1]), np.array([m[1]]))
    with pytest.raises(ValueError, match="border"):
        ps.compute(image, params, ops, np.array([m[0]]), np.array([40 - m[1]]))


def test_incompatible_operations_are_rejected():
    params = _params(REF, 5, 3, 3, 1, 10)
    image = np.random.default_rng(0).normal(size=(40, 40))
    rows = cols = np.array([20])
    with pytest.raises(ValueError, match="polar grid"):
        ps.compute(image, params, Operations("reflection", np.array([7.0])), rows, cols)
    with pytest.raises(ValueError, match="rotations or reflections"):
        ps.compute(image, params, Operations("translation", np.zeros((1, 2))), rows, cols)


def _gaussians(shape, centres, sigma=1.5):
    yy, xx = np.mgrid[: shape[0], : shape[1]].astype(float)
    img = np.zeros(shape)
    for r, c in centres:
        img += np.exp(-((yy - r) ** 2 + (xx - c) ** 2) / (2 * sigma**2))
    return img


def test_square_lattice_has_fourfold_symmetry():
    # Lattice centred on the middle pixel of an odd square image: the image
    # (and its mirror-extended spline) is exactly invariant under 90 degrees.
    c, a = 30, 8
    centres = [(c + a * i, c + a * j) for i in range(-5, 6) for j in range(-5, 6)]
    image = _gaussians((2 * c + 1, 2 * c + 1), centres)
    params = _params(ROT, 12, 1, 1, 1, 10)
    ops = _operations(params)  # 60, 90, 120, 180
    n_r, n_t = polar_patch.polar_grid_size(12, 12)
    sigma = polar_patch.ring_permutations(ops, n_t)
    raw = raw_scores(image, 12, n_r, n_t, sigma, [c], [c])[0, 0]
    np.testing.assert_allclose(raw[[1, 3]], 1.0, atol=1e-6)
    assert raw[0] < 0.5 and raw[2] < 0.5
    pooled = ps.compute(image, params, ops, np.array([c]), np.array([c]))[0, 0]
    np.testing.assert_allclose(pooled[[1, 3]], 1.0, atol=1e-6)


def test_hexagonal_lattice_has_sixfold_symmetry():
    c, a = 40, 9.0
    v1, v2 = np.array([0.0, a]), np.array([-a * math.sin(math.pi / 3), a / 2])
    centres = [
        tuple(np.array([c, c]) + i * v1 + j * v2) for i in range(-9, 10) for j in range(-9, 10)
    ]
    image = _gaussians((2 * c + 1, 2 * c + 1), centres)
    n_r, n_t = polar_patch.polar_grid_size(12, 12)
    ops = Operations("rotation", np.array([60.0, 90.0, 120.0, 180.0]))
    sigma = polar_patch.ring_permutations(ops, n_t)
    raw = raw_scores(image, 12, n_r, n_t, sigma, [c], [c])[0, 0]
    assert raw[0] > 0.95 and raw[2] > 0.95 and raw[3] > 0.95
    assert raw[1] < 0.5


def test_reflection_axis_angle_is_counter_clockwise_on_screen():
    # Blobs symmetric only about the axis at +30 degrees as seen on screen
    # (rows grow downward): at 30 +- 40 degrees, radius 6, and one on the axis.
    c = 25

    def at(radius, deg):
        t = math.radians(deg)
        return (c - radius * math.sin(t), c + radius * math.cos(t))

    image = _gaussians((2 * c + 1, 2 * c + 1), [at(6, 70), at(6, -10), at(8, 30)])
    params = _params(REF, 11, 1, 1, 1, 12)  # axes every 15 degrees
    ops = _operations(params)
    n_r, n_t = polar_patch.polar_grid_size(11, 12)
    sigma = polar_patch.ring_permutations(ops, n_t)
    raw = raw_scores(image, 11, n_r, n_t, sigma, [c], [c])[0, 0]
    angles = list(ops.values)
    k30, k150 = angles.index(30.0), angles.index(150.0)
    assert np.argmax(raw) == k30 and raw[k30] > 0.95
    assert raw[k150] < 0.3  # the mirror image of the convention scores low
    assert np.sort(raw)[-2] < 0.8  # no other axis fits
    pooled = ps.compute(image, params, ops, np.array([c]), np.array([c]))[0, 0]
    assert np.argmax(pooled) == k30 and pooled[k30] > 0.95


@pytest.mark.parametrize("descriptor", [ROT, REF])
def test_constant_image_and_constant_region_score_zero(descriptor):
    params = _params(descriptor, 4, 2, 2, 1, 10)
    ops = _operations(params)
    grid = Grid.for_margin((30, 30), ps.margin(params), 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = ps.compute(np.full((30, 30), 7.5), params, ops, grid.rows, grid.cols)
    assert out.shape == (*grid.shape, len(ops))
    assert np.all(out == 0)
    # constant left part of a noisy image: zero there, not NaN anywhere
    image = np.random.default_rng(1).normal(size=(30, 60))
    image[:, :30] = -2.0
    grid = Grid.for_margin(image.shape, ps.margin(params), 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = ps.compute(image, params, ops, grid.rows, grid.cols)
    assert np.isfinite(out).all()
    # Every pooled raw point (|q_col - p_col| <= 2) with all samples (radius 4)
    # at least 12 px inside the flat part: the spline coefficients there are
    # constant to 0.268**12 ~ 1e-7 (patch variance < 1e-12).
    flat = grid.cols + 2 + 4 + 12 <= 29
    assert flat.any() and np.all(out[:, flat] == 0)
    assert np.abs(out[:, ~flat]).max() > 0.1


def test_empty_operations_and_rows():
    params = _params(ROT, 3, 1, 1, 1, 10)
    image = np.random.default_rng(0).normal(size=(20, 20))
    ops = _operations(params)
    assert ps.compute(image, params, ops.subset(np.array([], int)), [10], [10]).shape == (1, 1, 0)
    assert ps.compute(image, params, ops, np.array([], int), [10]).shape == (0, 1, 4)


DENSE_CASES = [
    # shape, kind, angles, base, radius
    ((31, 38), "rotation", [60.0, 90.0, 120.0, 180.0], 12, 2),
    ((33, 29), "rotation", [180.0, 90.0], 12, 5),
    ((37, 40), "reflection", list(np.arange(10) * 18.0), 10, 4),
    ((35, 36), "reflection", list(np.arange(7) * 180.0 / 7)[::-2], 7, 5),  # n_t = 21, odd
    ((45, 47), "rotation", [120.0, 60.0], 12, 9),
    ((41, 43), "reflection", [36.0, 0.0, 90.0, 126.0], 10, 6),  # n_t = 30: h = 15 odd
    ((33, 35), "reflection", [0.0, 45.0, 90.0, 135.0], 4, 3),  # n_t = 16
]


@pytest.mark.parametrize(("shape", "kind", "angles", "base", "radius"), DENSE_CASES)
def test_dense_kernel_matches_reference_and_general_kernel(shape, kind, angles, base, radius):
    # Every pixel of every row as close to the border as the stencil allows.
    image = np.random.default_rng(radius).normal(size=shape) * 3.0 - 1.0
    n_r, n_t = polar_patch.polar_grid_size(radius, base)
    sigma = polar_patch.ring_permutations(Operations(kind, np.array(angles)), n_t)
    rows = np.arange(radius + 1, shape[0] - radius - 1)
    cols = np.arange(radius + 1, shape[1] - radius - 1)
    dense = raw_scores(image, radius, n_r, n_t, sigma, rows, cols, dense=True)
    want = raw_score_maps(image, radius, base, kind, angles, rows, cols)
    np.testing.assert_allclose(dense, want, atol=1e-5)
    assert np.abs(want).max() > 0.2  # the comparison is not between zeros
    general = raw_scores(image, radius, n_r, n_t, sigma, rows, cols, dense=False)
    np.testing.assert_allclose(dense, general, atol=1e-6)
    # a cut of the rows and columns gives the same scores
    part = raw_scores(image, radius, n_r, n_t, sigma, rows[3:5], cols[2:-1], dense=True)
    np.testing.assert_allclose(part, dense[3:5, 2:-1], atol=1e-6)


@pytest.mark.parametrize(("radius", "base"), [(2, 12), (5, 7), (20, 12), (20, 10)])
def test_row_passes_pair_the_samples_with_equal_row_offsets(radius, base):
    n_r, n_t = polar_patch.polar_grid_size(radius, base)
    d_row, _, _ = polar_patch.polar_samples(radius, n_r, n_t)
    first, weights, a, b, start = row_pairs(d_row, n_r, n_t)
    ring = np.repeat(np.arange(n_r), np.diff(start))
    samples = np.concatenate([ring * n_t + a, (ring * n_t + b)[b >= 0]])
    assert np.array_equal(np.sort(samples), np.arange(n_r * n_t))  # each sample once
    paired = b >= 0
    np.testing.assert_allclose(d_row[ring * n_t + a][paired], d_row[ring * n_t + b][paired],
                               atol=1e-12)
    if n_t % 2 == 0:  # theta and pi - theta both on the grid: half as many passes
        assert paired.sum() >= n_r * (n_t // 2 - 1)
    else:
        assert not paired.any()
    want_first, want_weights = polar_patch.spline_stencil(d_row[ring * n_t + a])
    assert np.array_equal(first, want_first)
    np.testing.assert_allclose(weights, want_weights)


@pytest.mark.parametrize(("radius", "base"), [(4, 10), (6, 10), (3, 4), (20, 10), (20, 12)])
def test_antipodal_quads_pair_every_pass_with_the_antipodes(radius, base):
    # Reflections on an even ring: every sample j < h once, its antipode j + h in the paired
    # pass (or in the same pass for j = 0), so that u_j, v_j come from one quad.
    n_r, n_t = polar_patch.polar_grid_size(radius, base)
    d_row, _, _ = polar_patch.polar_samples(radius, n_r, n_t)
    _, _, a, b, start = row_pairs(d_row, n_r, n_t)
    quads, quad_start = antipodal_quads(a, b, start, n_t)
    h = n_t // 2
    assert quad_start[0] == 0 and quad_start[-1] == len(quads)
    for i in range(n_r):
        mine = quads[quad_start[i] : quad_start[i + 1]]
        low = np.concatenate([mine[:, 2], mine[:, 3][mine[:, 3] >= 0]])
        assert np.array_equal(np.sort(low), np.arange(h))  # each j < h once
        for lo, hi, ja, jb in mine:
            assert start[i] <= lo < start[i + 1]
            in_lo = {a[lo], b[lo]} - {-1}
            assert {ja, jb} - {-1} <= in_lo
            in_hi = in_lo if hi < 0 else {a[hi], b[hi]} - {-1}
            assert {j + h for j in (ja, jb) if j >= 0} <= in_hi
            assert hi >= 0 or (ja, jb) == (0, -1)
    assert antipodal_quads(a, b, start, n_t + 1) is None  # odd ring: no antipodes


def test_dense_kernel_rejects_a_strided_grid():
    image = np.random.default_rng(0).normal(size=(30, 30))
    n_r, n_t = polar_patch.polar_grid_size(3, 12)
    sigma = polar_patch.ring_permutations(Operations("rotation", np.array([90.0])), n_t)
    with pytest.raises(ValueError, match="stride 1"):
        raw_scores(image, 3, n_r, n_t, sigma, [10], [8, 10, 12], dense=True)


def test_rotations_use_the_folded_sums_and_reflections_the_products():
    # The DENSE_CASES above check the folded sums against the reference; they run only
    # for rotations by 60/90/120/180 degrees on a ring of a multiple of 12 angles.
    rot = Operations("rotation", np.array([180.0, 60.0, 120.0, 90.0]))
    sigma = polar_patch.ring_permutations(rot, 24)
    assert rotation_lags(sigma).tolist() == [3, 0, 2, 1]
    refl = Operations("reflection", np.arange(10) * 18.0)
    assert rotation_lags(polar_patch.ring_permutations(refl, 30)) is None
    assert rotation_lags(sigma[:, ::-1]) is None  # not a roll
    assert rotation_lags(sigma[:0]) is None


@pytest.mark.parametrize(("n_t", "n_axes"), [(90, 10), (84, 7), (20, 10), (12, 4)])
def test_folded_reflection_sums_equal_the_direct_sums(n_t, n_axes):
    # C(c) = sum_j d_j d_{c-j} from the half-folded samples [u; v], term ranges weighted by
    # SEGMENT_FACTORS; subsets and orders as the operations come.
    axes = Operations("reflection", np.arange(n_axes) * 180.0 / n_axes)
    rng = np.random.default_rng(n_t)
    for ops in (axes, axes.subset(rng.permutation(n_axes)[: max(1, n_axes // 2)])):
        sigma = polar_patch.ring_permutations(ops, n_t)
        first, second, segments, sum_of, sign = reflection_folds(sigma)
        d = rng.normal(size=n_t)
        h = n_t // 2
        y = np.concatenate([d[:h] + d[h:], d[:h] - d[h:]])
        sums = [sum(SEGMENT_FACTORS[g] * np.sum(y[first[q, a:b]] * y[second[q, a:b]])
                    for g, (a, b) in enumerate(itertools.pairwise(segments[q])))
                for q in range(len(first))]
        got = [0.5 * (sums[sum_of[o]] + sign[o] * sums[sum_of[o] + 1]) for o in range(len(sigma))]
        np.testing.assert_allclose(got, [np.sum(d * d[s]) for s in sigma], atol=1e-12)
        assert segments[:, -1].max() <= h // 2 + 1  # about h / 2 products per sum
    seven = Operations("reflection", np.arange(7) * 180.0 / 7)
    assert reflection_folds(polar_patch.ring_permutations(seven, 21)) is None  # odd n_t
    rot = polar_patch.ring_permutations(Operations("rotation", np.array([90.0])), 24)
    assert reflection_folds(rot) is None


@pytest.mark.parametrize(("descriptor", "stride"), [(ROT, 1), (REF, 1),
                                                    (ROT, 2)])
def test_consecutive_chunks_compute_each_raw_row_once(monkeypatch, descriptor, stride):
    # chunks of grid rows share the raw rows of the pooling window at their borders:
    # the next chunk takes them from the previous one instead of computing them again
    params = _params(descriptor, 6, 5, 4, stride, 4)
    image = np.random.default_rng(5).normal(size=(90, 70))
    grid = Grid.for_margin(image.shape, ps.margin(params), stride)
    ops = _operations(params)
    carry.forget()
    whole = ps.compute(image, params, ops, grid.rows, grid.cols)
    n_whole = len(grid.rows) * (stride // ps.pooling_step(params)) + 2 * (
        params.window_x // ps.pooling_step(params))
    computed = []

    def counting(*args, **kwargs):
        computed.append(len(args[5]))
        return raw_scores(*args, **kwargs)

    monkeypatch.setattr(ps, "raw_scores", counting)
    carry.forget()
    cuts = [0, 3, 4, 11, len(grid.rows)]
    parts = [ps.compute(image, params, ops, grid.rows[a:b], grid.cols)
             for a, b in itertools.pairwise(cuts)]
    np.testing.assert_allclose(np.concatenate(parts), whole, atol=1e-6)
    assert sum(computed) == n_whole  # each raw row once (without the carry: + 2 x 5 per border)
    assert len(computed) == len(cuts) - 1


def test_nothing_carried_to_another_image_or_operations():
    params = _params(REF, 6, 5, 4, 1, 4)
    rng = np.random.default_rng(6)
    image = rng.normal(size=(80, 64))
    grid = Grid.for_margin(image.shape, ps.margin(params), 1)
    ops = _operations(params)
    top, rest = grid.rows[:10], grid.rows[10:]
    carry.forget()
    ps.compute(image, params, ops, top, grid.cols)
    # the same array changed in place where the next chunk's first raw rows read it
    changed = image.copy()
    changed[rest[0] - 2, 30] += 5.0
    image[...] = changed
    got = ps.compute(image, params, ops, rest, grid.cols)
    carry.forget()
    want = ps.compute(changed, params, ops, rest, grid.cols)
    np.testing.assert_array_equal(got, want)
    # other operations on the same image: their own scores
    ps.compute(image, params, ops, top, grid.cols)
    other = ops.subset([1, 0])
    got = ps.compute(image, params, other, rest, grid.cols)
    carry.forget()
    np.testing.assert_array_equal(got, ps.compute(image, params, other, rest, grid.cols))


def test_carried_only_onto_the_same_pixels():
    image = np.random.default_rng(8).normal(size=(120, 60))
    rows, cols = np.arange(40, 50), np.arange(10, 50)
    scores = np.random.default_rng(9).normal(size=(10, 40, 2)).astype(np.float32)
    carry.keep(("k",), image, rows, cols, scores, 4, 5)
    i, got = carry.carried(("k",), image, np.arange(46, 60), 1)
    assert i == 0 and np.array_equal(got, scores[6:])
    i, got = carry.carried(("k",), image, np.arange(44, 48), 1)  # overlapping in the middle
    assert i == 2 and np.array_equal(got, scores[6:8])
    assert carry.carried(("other",), image, np.arange(46, 60), 1)[1] is None
    assert carry.carried(("k",), image, np.arange(45, 60, 2), 2)[1] is None  # another phase
    far = image.copy()
    far[110, 55] += 1.0  # beyond the reach of the kept rows' spline coefficients
    assert carry.carried(("k",), far, np.arange(46, 60), 1)[1] is not None
    near = image.copy()
    near[49 + 5 + 1 + 32, 55] += 1.0  # the farthest pixel a kept row's coefficient reads
    assert carry.carried(("k",), near, np.arange(46, 60), 1)[1] is None
    carry.forget()
    assert carry.carried(("k",), image, np.arange(46, 60), 1)[1] is None
