"""Principal component analysis without copying the descriptor array.

Equivalent to `sklearn.decomposition.PCA` (full SVD) up to the sign of each
component, but the covariance is accumulated chunk by chunk in float64, so
the (possibly very large) float32 descriptor array is never copied.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CHUNK = 65536


@dataclass(frozen=True)
class PCAModel:
    """A fitted PCA.

    Attributes
    ----------
    mean : ndarray, (n_features,)
    components : ndarray, (n_components, n_features)
        Orthonormal principal axes, by decreasing variance.
    explained_variance : ndarray, (n_components,)
    explained_variance_ratio : ndarray, (n_components,)
        Fraction of the total variance of each kept component.
    """

    mean: np.ndarray
    components: np.ndarray
    explained_variance: np.ndarray
    explained_variance_ratio: np.ndarray

    @property
    def n_components(self) -> int:
        """Number of kept components."""
        return len(self.components)

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Project feature vectors (..., n_features) to (..., n_components), float32."""
        flat = x.reshape(-1, x.shape[-1])
        out = np.empty((len(flat), self.n_components), dtype=np.float32)
        w = self.components.T
        for i in range(0, len(flat), CHUNK):
            out[i : i + CHUNK] = (flat[i : i + CHUNK].astype(np.float64) - self.mean) @ w
        return out.reshape((*x.shape[:-1], self.n_components))


def fit_pca(x: np.ndarray, n_components: int | None = None, variance: float | None = None):
    """Fit a PCA to feature vectors ``x`` (..., n_features).

    Parameters
    ----------
    x : ndarray
        Feature vectors; the last axis holds the features.
    n_components : int, optional
        Number of components to keep (capped at the number of features).
    variance : float, optional
        If given, keep the fewest components whose explained-variance
        fraction reaches it (overrides `n_components`).

    Returns
    -------
    PCAModel
    """
    flat = x.reshape(-1, x.shape[-1])
    n, d = flat.shape
    mean = np.zeros(d)
    for i in range(0, n, CHUNK):
        mean += flat[i : i + CHUNK].sum(axis=0, dtype=np.float64)
    mean /= n
    cov = np.zeros((d, d))
    for i in range(0, n, CHUNK):
        c = flat[i : i + CHUNK].astype(np.float64) - mean
        cov += c.T @ c
    cov /= max(n - 1, 1)
    evals, evecs = np.linalg.eigh(cov)
    order = np.argsort(evals)[::-1]
    evals = np.clip(evals[order], 0.0, None)
    evecs = evecs[:, order].T
    # deterministic signs: the largest |loading| of each component is positive
    signs = np.sign(evecs[np.arange(d), np.abs(evecs).argmax(axis=1)])
    evecs *= np.where(signs == 0, 1.0, signs)[:, None]
    total = evals.sum()
    ratio = evals / total if total > 0 else np.zeros_like(evals)
    if variance is not None:
        k = int(np.searchsorted(np.cumsum(ratio), variance - 1e-12) + 1)
    else:
        k = n_components if n_components is not None else d
    k = max(1, min(k, d))
    return PCAModel(mean, evecs[:k], evals[:k], ratio[:k])
