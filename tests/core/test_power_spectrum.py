import warnings

import numpy as np
import pytest

from napari_symseg.core.descriptors import power_spectrum
from napari_symseg.core.descriptors.operations import Operations
from napari_symseg.core.descriptors.registry import get_family
from napari_symseg.core.grid import Grid
from napari_symseg.core.params import Params


def _params(wx, wy, stride=1):
    return Params(descriptor_name="power_spectrum", window_x=wx, window_y=wy, stride=stride)


def _grid(shape, params):
    return Grid.for_margin(shape, power_spectrum.margin(params), params.stride)


def reference_features(image, freqs, wx, wy, rows, cols):
    """Cut each window, remove its mean, taper, np.fft.fft2, log(1 + |F|^2 / sum h^2)."""
    nx, ny = 2 * wx + 1, 2 * wy + 1
    hx = np.sin(np.pi * np.arange(1, nx + 1) / (nx + 1)) ** 2
    hy = np.sin(np.pi * np.arange(1, ny + 1) / (ny + 1)) ** 2
    taper = np.outer(hx, hy)
    out = np.zeros((len(rows), len(cols), len(freqs)))
    for a, r in enumerate(rows):
        for b, c in enumerate(cols):
            window = image[r - wx : r + wx + 1, c - wy : c + wy + 1]
            assert window.shape == (nx, ny)
            spec = np.fft.fft2((window - window.mean()) * taper)
            for k, (kr, kc) in enumerate(freqs):
                out[a, b, k] = np.log1p(abs(spec[kr % nx, kc % ny]) ** 2 / np.sum(taper**2))
    return out


def _features(image, params, ops=None, grid=None):
    grid = grid or _grid(image.shape, params)
    ops = ops if ops is not None else power_spectrum.operations(params)
    return power_spectrum.compute(image, params, ops, grid.rows, grid.cols), ops, grid


def _index(ops, k):
    return int(np.flatnonzero((ops.values == k).all(axis=1))[0])


def test_margin():
    assert power_spectrum.margin(_params(3, 7)) == (3, 7)


@pytest.mark.parametrize(("wx", "wy"), [(1, 1), (2, 3), (4, 2), (5, 5), (1, 6)])
def test_operations_half_plane_without_dc(wx, wy):
    ops = power_spectrum.operations(_params(wx, wy))
    values = ops.values
    assert ops.kind == "frequency"
    assert values.dtype.kind == "i" and values.shape == (((2 * wx + 1) * (2 * wy + 1) - 1) // 2, 2)
    assert np.all(np.abs(values[:, 0]) <= wx) and np.all(np.abs(values[:, 1]) <= wy)
    as_set = {tuple(v) for v in values.tolist()}
    assert (0, 0) not in as_set
    assert len(as_set) == len(values)
    negatives = {(-a, -b) for a, b in as_set}
    assert not as_set & negatives  # one of each +-k pair
    full = {(m, n) for m in range(-wx, wx + 1) for n in range(-wy, wy + 1)}
    assert as_set | negatives | {(0, 0)} == full


CASES = [
    # shape, window_x, window_y, stride
    ((30, 41), 2, 3, 1),
    ((36, 36), 4, 4, 2),
    ((29, 33), 3, 1, 3),
    ((25, 27), 1, 1, 1),
    ((31, 40), 5, 2, 2),
]


@pytest.mark.parametrize(("shape", "wx", "wy", "stride"), CASES)
def test_matches_reference(shape, wx, wy, stride):
    rng = np.random.default_rng(sum(shape) + wx)
    image = rng.normal(size=shape)
    params = _params(wx, wy, stride)
    got, ops, grid = _features(image, params)
    want = reference_features(image, ops.values, wx, wy, grid.rows, grid.cols)
    assert got.dtype == np.float32 and got.shape == (*grid.shape, len(ops))
    np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)
    assert want.std() > 0.1  # a real comparison, not of zeros


def test_subset_any_order_sign_and_chunks():
    rng = np.random.default_rng(7)
    image = rng.normal(size=(40, 45))
    params = _params(3, 4, 2)
    full, ops, grid = _features(image, params)
    pick = np.array([5, 0, 17, 3, 30, 17])
    sub = ops.subset(pick)
    got = power_spectrum.compute(image, params, sub, grid.rows[1:4], grid.cols[2:6])
    np.testing.assert_allclose(got, full[1:4, 2:6][..., pick], atol=1e-6, rtol=0)
    # -k has the same power as k
    negated = Operations("frequency", -sub.values)
    got_neg = power_spectrum.compute(image, params, negated, grid.rows[1:4], grid.cols[2:6])
    np.testing.assert_allclose(got_neg, got, atol=1e-6, rtol=0)
    # tiny memory budget: one window per batch
    tiny = power_spectrum.power_spectrum_features(
        image, ops.values, 3, 4, grid.rows, grid.cols, chunk_bytes=1
    )
    np.testing.assert_allclose(tiny, full, atol=1e-6, rtol=0)


@pytest.mark.parametrize(
    ("wx", "wy", "k_image", "k_peak"),
    [
        (8, 8, (3, 5), (3, 5)),
        (8, 8, (-3, 5), (-3, 5)),
        (8, 8, (3, -5), (-3, 5)),
        (8, 8, (4, 0), (4, 0)),
        (8, 8, (0, 6), (0, 6)),
        (6, 9, (2, -7), (-2, 7)),
        (6, 9, (-5, 1), (-5, 1)),
    ],
)
def test_cosine_lattice_peak(wx, wy, k_image, k_peak):
    nx, ny = 2 * wx + 1, 2 * wy + 1
    r, c = np.mgrid[:50, :57]
    image = np.cos(2 * np.pi * (k_image[0] * r / nx + k_image[1] * c / ny) + 0.4)
    params = _params(wx, wy, 3)
    feats, ops, _ = _features(image, params)
    peak = _index(ops, k_peak)
    assert np.all(feats.argmax(axis=-1) == peak)
    # the peak stands well above everything else
    others = np.delete(feats, peak, axis=-1)
    assert np.all(feats[..., peak] > others.max(axis=-1) + 1.0)


@pytest.mark.parametrize("stride", [1, 2, 3, 5])
def test_two_lattices_boundary(stride):
    # columns < 60: period 17/3 px, columns >= 60: period 17/6 px (window 17 wide)
    r, c = np.mgrid[:40, :120]
    left = np.cos(2 * np.pi * 3 * c / 17) + np.cos(2 * np.pi * 2 * r / 17)
    right = np.cos(2 * np.pi * 6 * c / 17) + np.cos(2 * np.pi * 2 * r / 17)
    image = np.where(c < 60, left, right)
    params = _params(8, 8, stride)
    feats, ops, grid = _features(image, params)
    is_right = feats[..., _index(ops, (0, 6))] > feats[..., _index(ops, (0, 3))]
    # every grid row: left lattice, then right lattice, switching once
    assert np.all(is_right == is_right[:1])
    row = is_right[0]
    first = int(np.argmax(row))
    assert not row[:first].any() and row[first:].all()
    assert abs(int(grid.cols[first]) - 60) <= stride
    # windows entirely on one side have exactly the features of that lattice
    only_left = grid.cols + 8 < 60
    only_right = grid.cols - 8 >= 60
    assert only_left.any() and only_right.any()
    pure_left, _, _ = _features(left, params, grid=grid)
    pure_right, _, _ = _features(right, params, grid=grid)
    np.testing.assert_allclose(feats[:, only_left], pure_left[:, only_left], atol=1e-5)
    np.testing.assert_allclose(feats[:, only_right], pure_right[:, only_right], atol=1e-5)


def test_constant_image_is_finite_and_zero():
    image = np.full((21, 23), 3.5)
    params = _params(3, 4, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        feats, _, _ = _features(image, params)
    assert np.all(feats == 0)


def test_errors():
    image = np.zeros((20, 20))
    params = _params(3, 3)
    ops = power_spectrum.operations(params)
    with pytest.raises(ValueError, match="border"):
        power_spectrum.compute(image, params, ops, np.array([2]), np.array([10]))
    with pytest.raises(ValueError, match="frequency"):
        power_spectrum.compute(
            image,
            params,
            Operations("frequency", np.array([[4, 0]])),
            np.array([10]),
            np.array([10]),
        )
    with pytest.raises(ValueError, match="frequency operations"):
        power_spectrum.compute(
            image,
            params,
            Operations("translation", np.array([[1, 0]])),
            np.array([10]),
            np.array([10]),
        )


def test_written_into_out_without_a_temporary():
    # the registry passes the chunk's slice of the kept descriptors: the features are
    # written there (no second array of that size), every entry, the same values
    rng = np.random.default_rng(11)
    image = rng.normal(size=(37, 41))
    params = _params(3, 4, 2)
    want, ops, grid = _features(image, params)
    out = np.full((*grid.shape, len(ops)), np.nan, dtype=np.float32)
    got = power_spectrum.compute(image, params, ops, grid.rows, grid.cols, out=out)
    assert got is out
    np.testing.assert_array_equal(out, want)
    family = get_family("power_spectrum")
    again = np.full_like(out, np.nan)
    assert family.compute(image, params, ops, grid.rows, grid.cols, out=again) is again
    np.testing.assert_array_equal(again, want)
    with pytest.raises(ValueError, match="C-contiguous float32"):
        power_spectrum.compute(image, params, ops, grid.rows, grid.cols, out=out[:, ::2])
