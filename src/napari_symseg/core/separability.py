"""Fisher's separability of features given pattern labels (paper eq. 4)."""

from __future__ import annotations

import numba
import numpy as np


def fisher_separability(features: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Fisher's separability of every feature.

    S = sum_k N_k (mu_k - mu)^2 / sum_k N_k sigma_k^2, with mu_k, sigma_k^2
    the mean and variance of the feature within pattern k and mu its overall
    mean. A feature that is constant everywhere scores 0; one that is
    constant within every pattern but differs between them scores inf.

    Parameters
    ----------
    features : ndarray, shape (..., n_features)
        Feature vectors (e.g. descriptors on the grid, (nr, nc, n)).
    labels : ndarray of int, shape (...)
        Pattern label of every feature vector.

    Returns
    -------
    ndarray, float64, shape (n_features,)

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[0.0], [0.2], [1.0], [1.2]])
    >>> round(float(fisher_separability(x, np.array([0, 0, 1, 1]))[0]), 9)
    25.0
    """
    x = np.asarray(features).reshape(-1, np.shape(features)[-1])
    y = np.asarray(labels).reshape(-1)
    if len(x) != len(y):
        raise ValueError(f"{len(x)} feature vectors but {len(y)} labels")
    classes, y = np.unique(y, return_inverse=True)
    acc = SeparabilityAccumulator(x.shape[1], len(classes))
    acc.add(x, y)
    return acc.result()


class SeparabilityAccumulator:
    """Fisher separability of features fed chunk by chunk with their labels.

    Per-class sums and sums of squares of ``x - shift`` in float64 (the shift,
    the first vector seen, keeps ``sum(x^2) - N mu^2`` free of cancellation);
    labels must be integers ``0 .. n_classes - 1``.
    """

    def __init__(self, n_features: int, n_classes: int) -> None:
        self.shift = None
        self.n_k = np.zeros(n_classes)
        self.sums = np.zeros((n_classes, n_features))
        self.squares = np.zeros((n_classes, n_features))
        self.peak = np.zeros(n_features)

    def add(self, x: np.ndarray, labels: np.ndarray) -> None:
        """Add feature vectors ``x`` (..., n_features) with their ``labels`` (...)."""
        x = x.reshape(-1, x.shape[-1])
        labels = np.asarray(labels).reshape(-1)
        if len(x) == 0:
            return
        if self.shift is None:
            self.shift = x[0].astype(np.float64)
        self.n_k += np.bincount(labels, minlength=len(self.n_k))
        _class_sums(x, labels.astype(np.int64, copy=False), self.shift, self.sums,
                    self.squares, self.peak)

    def result(self) -> np.ndarray:
        """Separability of every feature, float64 (n_features,)."""
        present = self.n_k > 0
        n_k = self.n_k[present]
        means = self.sums[present] / n_k[:, None]
        mu = (n_k @ means) / n_k.sum()
        between = n_k @ (means - mu) ** 2
        within = (self.squares[present] - n_k[:, None] * means**2).sum(axis=0)
        within = np.clip(within, 0.0, None)
        tiny = 1e-12 * np.maximum(self.peak, 1e-300) ** 2 * n_k.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            s = between / within
        return np.where(within <= tiny, np.where(between <= tiny, 0.0, np.inf), s)


@numba.njit(cache=True, nogil=True)
def _class_sums(x, labels, shift, sums, squares, peak):  # pragma: no cover (compiled)
    """Add ``x - shift`` (float64) and its squares to row ``labels[i]`` of `sums` /
    `squares`, and its magnitude to `peak`: one pass over `x`, no temporaries
    (the boolean copies per class cost more than the sums)."""
    n, d = x.shape
    for i in range(n):
        k = labels[i]
        for j in range(d):
            v = np.float64(x[i, j]) - shift[j]
            sums[k, j] += v
            squares[k, j] += v * v
            a = abs(v)
            if a > peak[j]:
                peak[j] = a
