"""core.kmeans against scikit-learn's KMeans and silhouette_score (the reference it replaces)."""

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score as sklearn_silhouette

from napari_symseg.core.kmeans import _same_partition, kmeans, silhouette_score, silhouette_scores


def _data(seed):
    rng = np.random.default_rng(seed)
    n, d, k = int(rng.integers(20, 600)), int(rng.integers(1, 8)), int(rng.integers(1, 7))
    if seed % 2 == 0:  # well separated blobs
        x = (rng.normal(size=(k, d)) * 50)[rng.integers(0, k, n)] + rng.normal(size=(n, d))
    else:  # no cluster structure: k-means is ambiguous, only the inertia must agree
        x = rng.normal(size=(n, d)) * rng.uniform(0.1, 5, size=d)
    return x, k, int(rng.integers(1000)), int(rng.integers(1, 5))


@pytest.mark.parametrize("seed", range(30))
def test_kmeans_matches_sklearn(seed):
    x, k, random_state, n_init = _data(seed)
    ref = KMeans(k, n_init=n_init, random_state=random_state).fit(x)
    fit = kmeans(x, k, n_init=n_init, random_state=random_state)
    assert fit.inertia_ == pytest.approx(ref.inertia_, rel=1e-6)
    labels = ref.labels_.astype(np.int64)
    # the same partition (up to label numbers), here on every data set
    assert _same_partition(fit.labels_, labels, k) and _same_partition(labels, fit.labels_, k)
    to_ref = [labels[np.argmax(fit.labels_ == j)] for j in range(k)]
    np.testing.assert_allclose(fit.cluster_centers_, ref.cluster_centers_[to_ref],
                               rtol=1e-9, atol=1e-9)


def test_kmeans_seed_reproducible_and_seeds_differ():
    x = np.random.default_rng(3).normal(size=(800, 4))
    a, b = kmeans(x, 5, 2, random_state=7), kmeans(x, 5, 2, random_state=7)
    assert np.array_equal(a.cluster_centers_, b.cluster_centers_)
    assert not np.array_equal(a.cluster_centers_, kmeans(x, 5, 2, random_state=8).cluster_centers_)


def test_kmeans_duplicate_points_keep_k_centres():
    x = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0], [5.0, 5.0]]), [50, 1, 1], axis=0)
    ref = KMeans(3, n_init=3, random_state=0).fit(x)
    fit = kmeans(x, 3, 3, random_state=0)
    assert fit.inertia_ == pytest.approx(ref.inertia_, abs=1e-12)
    assert len(np.unique(fit.labels_)) == 3


@pytest.mark.parametrize("seed", range(10))
def test_silhouette_matches_sklearn(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(int(rng.integers(10, 800)), int(rng.integers(1, 6))))
    labels = rng.integers(0, int(rng.integers(2, 6)), len(x))
    labels[0] = labels.max() + 1  # a cluster of one point: silhouette 0
    assert silhouette_score(x, labels) == pytest.approx(sklearn_silhouette(x, labels), abs=1e-12)


def test_silhouette_scores_share_distances_and_match_sklearn():
    # more than one block of 1024 rows; several labelings of the same points (the hint's k)
    rng = np.random.default_rng(11)
    x = rng.normal(size=(2100, 3))
    labelings = [rng.integers(0, k, len(x)) for k in (2, 3, 5)]
    scores = silhouette_scores(x, labelings)
    for labels, score in zip(labelings, scores, strict=True):
        assert score == pytest.approx(sklearn_silhouette(x, labels), abs=1e-12)
    with pytest.raises(ValueError, match="2 distinct"):
        silhouette_scores(x, [np.zeros(len(x), int)])


def _same_partition_loop(a, b, k):
    mapping = [-1] * k
    for p, q in zip(a.tolist(), b.tolist(), strict=True):
        if mapping[p] == -1:
            mapping[p] = q
        elif mapping[p] != q:
            return False
    return True


def test_same_partition_matches_the_plain_loop():
    rng = np.random.default_rng(11)
    for trial in range(300):
        k, n = int(rng.integers(1, 6)), int(rng.integers(1, 60))
        a = rng.integers(0, k, n)
        perm = rng.permutation(k)
        b = perm[a]  # the same partition renamed
        if trial % 3:  # and, mostly, broken at a few points
            b = b.copy()
            b[rng.integers(0, n, int(rng.integers(1, 3)))] = rng.integers(0, k)
        assert _same_partition(a, b, k) == _same_partition_loop(a, b, k)
        assert _same_partition(b, a, k) == _same_partition_loop(b, a, k)


@pytest.mark.parametrize("max_iter", [1, 2])
def test_unconverged_fit_labels_points_by_their_nearest_final_centre(max_iter):
    """Stopped before the labels settle: the labels are those of the returned centres."""
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.normal(size=(300, 3)), rng.normal(size=(300, 3)) + 1.5])
    fit = kmeans(x, 4, random_state=3, max_iter=max_iter, tol=0.0)
    assert fit.n_iter_ == max_iter
    d = ((x[:, None, :] - fit.cluster_centers_[None, :, :]) ** 2).sum(axis=2)
    np.testing.assert_array_equal(fit.labels_, np.argmin(d, axis=1))
    assert len(np.unique(fit.labels_)) == 4
