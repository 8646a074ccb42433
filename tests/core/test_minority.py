"""The skewness split of two unequal patterns (core/minority.py) against known truth."""

import numpy as np

from napari_symseg.core.clustering import assign, fit_centres
from napari_symseg.core.minority import minority_split, skew_axis


def _grid(minority: float, seed: int = 0):
    """Grid features (64, 64, 2): a large symmetric ramp on axis 0, and on axis 1 a square
    patch (the minority, `minority` of the grid) lifted by 5 noise s.d.; the truth."""
    rng = np.random.default_rng(seed)
    n = 64
    side = round(n * float(np.sqrt(minority)))
    truth = np.zeros((n, n), bool)
    truth[10 : 10 + side, 20 : 20 + side] = True
    ramp = np.linspace(-6.0, 6.0, n)[None, :].repeat(n, 0)  # k-means cuts along this
    second = 5.0 * truth + rng.normal(size=(n, n))
    features = np.stack([ramp + 0.5 * rng.normal(size=(n, n)), second], -1)
    return features, truth


def _accuracy(labels, truth):
    agree = np.mean(labels.astype(bool) == truth)
    return max(agree, 1 - agree)


def test_skew_axis_finds_the_minority_direction_under_a_rotation():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(6000, 4)) * np.array([5.0, 3.0, 1.0, 1.0])  # symmetric spread
    x[:600, 2] += 4.0  # 10 % minority along axis 2
    q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    axis = skew_axis(x @ q, 0)
    # back in the original coordinates the axis points along the minority
    direction = q @ axis
    assert abs(direction[2]) / np.linalg.norm(direction) > 0.95


def test_minority_split_finds_a_small_pattern_that_kmeans_cuts_wrong():
    features, truth = _grid(0.1)
    flat = features.reshape(-1, 2)
    centres = fit_centres(flat, 2, 0)
    kmeans_labels, _ = assign(features, centres)
    assert _accuracy(kmeans_labels, truth) < 0.75  # k-means halves the ramp
    split = minority_split([features], flat, centres, 0)
    assert split is not None
    axis, on_axis = split
    labels, _ = assign(features @ axis, on_axis)
    assert _accuracy(labels, truth) > 0.98


def test_minority_split_keeps_kmeans_on_equal_halves():
    rng = np.random.default_rng(2)
    n = 64
    truth = np.zeros((n, n), bool)
    truth[:, : n // 2] = True
    features = np.stack([4.0 * truth + rng.normal(size=(n, n)),
                         rng.normal(size=(n, n))], -1)
    flat = features.reshape(-1, 2)
    centres = fit_centres(flat, 2, 0)
    assert _accuracy(assign(features, centres)[0], truth) > 0.97
    assert minority_split([features], flat, centres, 0) is None


def test_minority_split_only_for_two_patterns():
    features, _ = _grid(0.1)
    flat = features.reshape(-1, 2)
    assert minority_split([features], flat, fit_centres(flat, 3, 0), 0) is None


def test_minority_split_keeps_a_kmeans_split_that_changes_a_score():
    # the same features, but the k-means split moves a symmetry score by 0.5 (a twin, a
    # grain): by the number-of-patterns hint's rule it is two patterns already
    features, _ = _grid(0.1)
    flat = features.reshape(-1, 2)
    centres = fit_centres(flat, 2, 0)
    axes = np.eye(2) * 0.5 / np.abs(centres[1, 0] - centres[0, 0])
    assert minority_split([features], flat, centres, 0, axes, 2) is None
    assert minority_split([features], flat, centres, 0, axes * 0.1, 2) is not None
