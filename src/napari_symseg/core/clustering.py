"""k-means clustering of PCA features, prediction with a confidence margin."""

from __future__ import annotations

import numpy as np

from ..errors import ClusteringError
from .clustering_fused import nearest_two
from .kmeans import kmeans
from .pca import single_threaded_blas
from .progress import raise_if_stopped, stop_flag

#: k-means is fitted on at most this many grid points (randomly drawn);
#: all points are then assigned to the nearest centre.
MAX_FIT_SAMPLES = 50_000
N_INIT = 4
CHUNK = 16384


def fit_centres(features: np.ndarray, n_patterns: int, random_state) -> np.ndarray:
    """k-means++ cluster centres of feature vectors (n, d).

    Fitted on a random subsample of at most `MAX_FIT_SAMPLES` points drawn
    with `random_state`, with `N_INIT` initialisations; the same seed gives
    bit-identical centres.
    """
    n = len(features)
    if n_patterns > n:
        raise ClusteringError(
            f"n_patterns={n_patterns} is larger than the number of descriptor grid points "
            f"({n}); use fewer patterns, a smaller stride or a larger image"
        )
    rng = np.random.default_rng(random_state)
    x = features
    if n > MAX_FIT_SAMPLES:
        x = features[np.sort(rng.choice(n, MAX_FIT_SAMPLES, replace=False))]
    distinct = len(np.unique(x, axis=0)) if len(x) <= 4096 else n_patterns
    if distinct < n_patterns:
        raise ClusteringError(
            f"only {distinct} distinct descriptor vectors for n_patterns={n_patterns}; "
            "use fewer patterns"
        )
    seed = None if random_state is None else int(rng.integers(2**31 - 1))
    with single_threaded_blas():  # small products: threads only wait for each other
        return kmeans(x, n_patterns, n_init=N_INIT, random_state=seed).cluster_centers_


def assign(features: np.ndarray, centres: np.ndarray,
           nearest: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Nearest centre of every feature vector, and a confidence in [0, 1].

    The confidence is ``(d2 - d1) / (d2 + d1)`` with d1, d2 the distances to
    the nearest and second-nearest centre: 0 on the border between two
    patterns, near 1 deep inside one. With a single centre it is 1.

    Parameters
    ----------
    features : ndarray, (..., d)
        Feature vectors.
    centres : ndarray, (k, d)
        Cluster centres.
    nearest : ndarray of float64, (...), optional
        Filled with the distance to the nearest centre (d1; the consistency
        check's `nearest_distance`, without computing the distances twice).

    Returns
    -------
    labels : ndarray of int32, (...)
    confidence : ndarray of float32, (...)
    """
    flat = features.reshape(-1, features.shape[-1])
    labels = np.empty(len(flat), dtype=np.int32)
    conf = np.empty(len(flat), dtype=np.float32)
    c = np.asarray(centres, dtype=np.float64)
    d1 = None if nearest is None else nearest.reshape(-1)
    with single_threaded_blas():
        _assign_chunks(flat, c, labels, conf, d1)
    shape = features.shape[:-1]
    return labels.reshape(shape), conf.reshape(shape)


def assign_groups(features: np.ndarray, centres: np.ndarray, groups: np.ndarray):
    """`assign` when several centres make one pattern (merged or split patterns).

    The pattern of a vector is that of its nearest centre; the confidence
    compares the nearest centre with the nearest one of another pattern.

    Parameters
    ----------
    features : ndarray, (..., d)
        Feature vectors.
    centres : ndarray, (n_centres, d)
        Cluster centres.
    groups : ndarray of int, (n_centres,)
        Pattern of every centre.

    Returns
    -------
    labels : ndarray of int32, (...)
    confidence : ndarray of float32, (...)
    """
    groups = np.asarray(groups, dtype=np.int64)
    k = int(groups.max()) + 1
    flat = features.reshape(-1, features.shape[-1])
    labels = np.empty(len(flat), dtype=np.int32)
    conf = np.ones(len(flat), dtype=np.float32)
    c = np.asarray(centres, dtype=np.float64)
    stop = stop_flag()  # a cancelled run stops between chunks (`Stopped`)
    for i in range(0, len(flat), CHUNK):
        raise_if_stopped(stop)
        x = flat[i : i + CHUNK].astype(np.float64)
        d2 = (x * x).sum(1)[:, None] - 2 * x @ c.T + (c * c).sum(1)[None, :]
        d = np.sqrt(np.clip(d2, 0.0, None))
        per = np.full((len(x), k), np.inf)
        for g in range(k):
            per[:, g] = d[:, groups == g].min(1)
        labels[i : i + CHUNK] = per.argmin(1)
        if k > 1:
            two = np.sort(per, axis=1)[:, :2]
            total = two.sum(1)
            conf[i : i + CHUNK] = np.where(total > 0, (two[:, 1] - two[:, 0])
                                           / np.where(total > 0, total, 1), 0)
    shape = features.shape[:-1]
    return labels.reshape(shape), conf.reshape(shape)


def _assign_chunks(flat, c, labels, conf, nearest=None) -> None:
    """`assign` chunk by chunk, each in one numba pass (`clustering_fused.nearest_two`)."""
    stop = stop_flag()  # a cancelled run stops between chunks (`Stopped`)
    for i in range(0, len(flat), CHUNK):
        raise_if_stopped(stop)
        part = slice(i, i + CHUNK)
        nearest_two(flat[part], c, labels[part], conf[part],
                    None if nearest is None else nearest[part])


def size_order(labels: np.ndarray, n_patterns: int, weights: np.ndarray | None = None):
    """Permutation putting patterns in order of increasing size.

    Returns ``order`` such that new label ``i`` is old label ``order[i]``
    (ties keep the old order). `weights` gives the number of image pixels
    each grid point stands for.
    """
    sizes = np.bincount(
        labels.ravel(), weights=None if weights is None else weights.ravel(), minlength=n_patterns
    )
    return np.argsort(sizes, kind="stable")
