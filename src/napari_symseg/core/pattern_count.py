"""How many patterns does an image hold? A hint for the number of clusters.

k-means always returns the k clusters it is asked for, even from a single
crystal. The hint answers two questions on a random subsample of the PCA
features:

1. Is there any cluster structure at all (k = 1 or more)? The gap statistic
   (Tibshirani, Walther & Hastie, J. R. Stat. Soc. B 63, 2001) compares the
   within-cluster dispersion ``W_k`` with that of uniform reference data in
   the features' bounding box (the PCA axes are the principal axes, as the
   method recommends): ``Gap(k) = mean_b log W*_kb - log W_k`` with error
   ``s_k = sd_b(log W*_kb) sqrt(1 + 1/B)``. One pattern is suggested when
   ``Gap(1) >= Gap(2) - s_2`` (the paper's rule, applied at k = 1): two
   clusters explain the features no better than they explain noise.
2. Otherwise, which k >= 2? The k of the largest mean silhouette. (The gap
   rule itself over-splits here: descriptors vary periodically with the
   position in the unit cell, so every pattern has sub-structure and the
   gap keeps growing with k; the silhouette prefers well-separated
   patterns.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans

from .pca import single_threaded_blas


@dataclass(frozen=True)
class PatternCountHint:
    """Scores of k = 1 .. k_max patterns and the suggested k.

    Attributes
    ----------
    k : ndarray of int
        Numbers of patterns tried, 1 .. k_max.
    silhouette : ndarray
        Mean silhouette of the k-means clustering into k patterns (NaN at
        k = 1, where it is undefined); in [-1, 1], higher is better.
    gap : ndarray, (2,)
        Gap(1) and Gap(2).
    gap_error : ndarray, (2,)
        s_1 and s_2.
    suggested : int
    """

    k: np.ndarray
    silhouette: np.ndarray
    gap: np.ndarray
    gap_error: np.ndarray
    suggested: int

    def __str__(self) -> str:
        if self.suggested == 1:
            return (
                "suggested number of patterns: 1 (the features show no cluster structure "
                "beyond noise: more patterns would split one pattern)"
            )
        best = self.silhouette[self.suggested - 1]
        return f"suggested number of patterns: {self.suggested} (silhouette {best:.2f})"


def _kmeans(x: np.ndarray, k: int, seed: int):
    return KMeans(n_clusters=k, n_init=2, random_state=seed).fit(x)


def _log_dispersion(x: np.ndarray, k: int, seed: int) -> float:
    if k == 1:
        return float(np.log(((x - x.mean(axis=0)) ** 2).sum() + 1e-300))
    return float(np.log(_kmeans(x, k, seed).inertia_ + 1e-300))


def pattern_count_hint(
    features: np.ndarray,
    k_max: int = 6,
    random_state: int | None = 0,
    n_samples: int = 2000,
    n_references: int = 8,
) -> PatternCountHint:
    """Suggest a number of patterns from the PCA features.

    Parameters
    ----------
    features : ndarray, (..., n_components)
        PCA features, e.g. ``result.pca_components``.
    k_max : int
        Largest number of patterns tried.
    random_state : int, optional
        Seed of the subsample, the reference data and k-means.
    n_samples : int
        Feature vectors used (a random subsample; the scores need few).
    n_references : int
        Uniform reference data sets B of the gap statistic.

    Returns
    -------
    PatternCountHint

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> one = rng.normal(size=(1000, 3))
    >>> pattern_count_hint(one).suggested
    1
    >>> two = np.concatenate([one, rng.normal(size=(1000, 3)) + [8.0, 0, 0]])
    >>> pattern_count_hint(two).suggested
    2
    """
    from sklearn.metrics import silhouette_score

    x = np.asarray(features, dtype=np.float64).reshape(-1, np.shape(features)[-1])
    rng = np.random.default_rng(random_state)
    if len(x) > n_samples:
        x = x[rng.choice(len(x), n_samples, replace=False)]
    k_max = int(max(1, min(k_max, len(np.unique(x, axis=0)) - 1)))
    seed = int(rng.integers(2**31))
    ks = np.arange(1, k_max + 1)
    silhouette = np.full(k_max, np.nan)
    gap = np.zeros(2)
    error = np.zeros(2)
    with single_threaded_blas():
        if k_max >= 2:
            for k in ks[1:]:
                labels = _kmeans(x, k, seed).labels_
                if len(np.unique(labels)) > 1:
                    silhouette[k - 1] = silhouette_score(x, labels)
            lo, hi = x.min(axis=0), x.max(axis=0)
            observed = np.array([_log_dispersion(x, k, seed) for k in (1, 2)])
            reference = np.array([
                [_log_dispersion(ref, k, seed) for k in (1, 2)]
                for ref in (rng.uniform(lo, hi, size=x.shape) for _ in range(n_references))
            ])
            gap = reference.mean(axis=0) - observed
            error = reference.std(axis=0) * np.sqrt(1 + 1 / n_references)
    one = k_max == 1 or gap[0] >= gap[1] - error[1] or np.all(np.isnan(silhouette))
    suggested = 1 if one else int(np.nanargmax(silhouette) + 1)
    return PatternCountHint(ks, silhouette, gap, error, suggested)
