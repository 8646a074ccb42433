"""The fused nearest-centre kernel against a slow, obviously correct loop."""

import numpy as np
import pytest

from napari_symseg.core.clustering import assign
from napari_symseg.core.clustering_fused import nearest_two


def reference(x, centres):
    """Per point: every distance with np.linalg.norm, sorted (stable) by hand."""
    labels, conf, d1s = [], [], []
    for v in np.asarray(x, np.float64):
        d = [float(np.linalg.norm(v - c)) for c in np.asarray(centres, np.float64)]
        order = sorted(range(len(d)), key=lambda q: d[q])  # stable: first on ties
        d1 = d[order[0]]
        labels.append(order[0])
        d1s.append(d1)
        if len(d) == 1:
            conf.append(1.0)
        else:
            d2 = d[order[1]]
            conf.append((d2 - d1) / (d2 + d1) if d2 + d1 > 0 else 0.0)
    return np.array(labels), np.array(conf), np.array(d1s)


@pytest.mark.parametrize(("n", "dim", "k", "dtype"), [
    (500, 5, 3, np.float32), (300, 2, 1, np.float64), (400, 12, 6, np.float32),
    (7, 3, 2, np.float64),
])
def test_nearest_two_matches_the_slow_reference(n, dim, k, dtype):
    rng = np.random.default_rng(n + k)
    centres = rng.normal(size=(k, dim)) * 3
    x = (centres[rng.integers(0, k, n)] + rng.normal(size=(n, dim))).astype(dtype)
    labels = np.empty(n, np.int32)
    conf = np.empty(n, np.float32)
    nearest = np.empty(n)
    nearest_two(x, centres, labels, conf, nearest)
    want_labels, want_conf, want_d1 = reference(x, centres)
    np.testing.assert_array_equal(labels, want_labels)
    np.testing.assert_allclose(conf, want_conf, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(nearest, want_d1, rtol=1e-9, atol=1e-9)
    if k > 1:
        assert len(np.unique(labels)) > 1 and 0 < conf.mean() < 1  # not a trivial case


def test_ties_go_to_the_first_centre_with_confidence_zero():
    centres = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 5.0]])
    x = np.array([[0.0, 0.0], [0.0, 2.0], [3.0, 0.0]], np.float32)
    labels, conf = assign(x, centres)
    np.testing.assert_array_equal(labels, [0, 0, 0])
    assert conf[0] == 0 and conf[1] == 0  # equidistant from centres 0 and 1
    assert conf[2] == pytest.approx((4 - 2) / 6)
    # a point on a centre: d1 = 0, confidence 1; two equal centres: confidence 0
    labels, conf = assign(np.array([[1.0, 0.0]]), centres)
    assert labels[0] == 0 and conf[0] == 1
    labels, conf = assign(np.array([[1.0, 0.0]]), np.array([[1.0, 0.0], [1.0, 0.0]]))
    assert labels[0] == 0 and conf[0] == 0


def test_assign_keeps_its_shapes_and_fills_the_nearest_distance():
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(4, 5))
    features = rng.normal(size=(6, 7, 5)).astype(np.float32)
    nearest = np.empty((6, 7))
    labels, conf = assign(features, centres, nearest)
    assert labels.shape == conf.shape == (6, 7) and labels.dtype == np.int32
    want_labels, want_conf, want_d1 = reference(features.reshape(-1, 5), centres)
    np.testing.assert_array_equal(labels.ravel(), want_labels)
    np.testing.assert_allclose(nearest.ravel(), want_d1, rtol=1e-9)
    np.testing.assert_allclose(conf.ravel(), want_conf, rtol=1e-5, atol=1e-6)
