import numpy as np
import pytest
from sklearn.decomposition import PCA

from napari_symseg.core.pca import fit_pca
from napari_symseg.core.separability import fisher_separability


def test_pca_matches_sklearn_up_to_sign():
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(3000, 12)) @ rng.normal(size=(12, 12))).astype(np.float32)
    x = x.reshape(50, 60, 12)
    ours = fit_pca(x, n_components=4)
    ref = PCA(4).fit(x.reshape(-1, 12).astype(np.float64))
    np.testing.assert_allclose(ours.explained_variance_ratio, ref.explained_variance_ratio_,
                               rtol=1e-6)
    np.testing.assert_allclose(np.abs(ours.components), np.abs(ref.components_), atol=1e-6)
    got = ours.transform(x).reshape(-1, 4)
    want = ref.transform(x.reshape(-1, 12).astype(np.float64))
    np.testing.assert_allclose(np.abs(got), np.abs(want), rtol=1e-4, atol=1e-3)
    assert got.dtype == np.float32


def test_pca_by_explained_variance():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2000, 6)) * np.array([10, 5, 3, 1, 0.5, 0.1])
    full = fit_pca(x, n_components=6)
    cum = np.cumsum(full.explained_variance_ratio)
    for target in (0.5, 0.8, 0.9, 0.99, 1.0):
        k = fit_pca(x, variance=target).n_components
        assert cum[k - 1] >= target - 1e-9
        assert k == 1 or cum[k - 2] < target


def test_fisher_separability_matches_formula():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 3, size=500)
    x = rng.normal(size=(500, 4)) + labels[:, None] * np.array([0.0, 1.0, 5.0, -2.0])
    got = fisher_separability(x, labels)
    for j in range(4):
        mu = x[:, j].mean()
        num = sum((labels == k).sum() * (x[labels == k, j].mean() - mu) ** 2 for k in range(3))
        den = sum((labels == k).sum() * x[labels == k, j].var() for k in range(3))
        assert got[j] == pytest.approx(num / den, rel=1e-10)
    assert got[2] > got[3] > got[1] > got[0]


def test_fisher_separability_degenerate_features():
    labels = np.array([0, 0, 1, 1])
    x = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 1.0], [1.0, 1.0]])
    s = fisher_separability(x, labels)
    assert s[0] == 0.0  # constant feature
    assert np.isinf(s[1])  # perfectly separated, no spread
