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


def test_separability_fed_in_strided_float32_blocks_matches_formula():
    # as the labelling stage feeds it: row blocks of (rows, cols, features + extra channels)
    # float32 descriptors, the extra channels cut off by a view; values far from zero
    from napari_symseg.core.separability import SeparabilityAccumulator

    rng = np.random.default_rng(3)
    labels = rng.integers(0, 3, size=(40, 30))
    shift = labels[..., None] * np.array([0.0, 0.5, 2.0])
    x = (1000.0 + rng.normal(size=(40, 30, 3)) + shift).astype(np.float32)
    padded = np.concatenate([x, np.zeros((40, 30, 2), np.float32)], axis=-1)
    acc = SeparabilityAccumulator(3, 3)
    for rows in (slice(0, 7), slice(7, 8), slice(8, 40)):
        acc.add(padded[rows, :, :3], labels[rows])
    flat, lab = x.reshape(-1, 3).astype(np.float64), labels.ravel()
    for j in range(3):
        mu = flat[:, j].mean()
        num = sum((lab == k).sum() * (flat[lab == k, j].mean() - mu) ** 2 for k in range(3))
        den = sum((lab == k).sum() * flat[lab == k, j].var() for k in range(3))
        assert acc.result()[j] == pytest.approx(num / den, rel=1e-9)


def test_pca_over_several_chunks_matches_numpy(monkeypatch):
    # several chunks and a short last one through the reused float64 buffer
    from napari_symseg.core import pca

    monkeypatch.setattr(pca, "CHUNK", 64)
    rng = np.random.default_rng(4)
    x = (5.0 + rng.normal(size=(1000, 6)) @ rng.normal(size=(6, 6))).astype(np.float32)
    acc = pca.CovarianceAccumulator(6)
    acc.add(x[:300])
    acc.add(x[300:])
    mean, cov = acc.covariance()
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(mean, x64.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(cov, np.cov(x64, rowvar=False), rtol=1e-10, atol=1e-12)
    model = acc.fit(3)
    want = ((x64 - model.mean) @ model.components.T).astype(np.float32)
    np.testing.assert_allclose(model.transform(x), want, rtol=1e-5, atol=1e-5)
