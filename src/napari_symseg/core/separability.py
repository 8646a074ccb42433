"""Fisher's separability of features given pattern labels (paper eq. 4)."""

from __future__ import annotations

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
    >>> float(fisher_separability(x, np.array([0, 0, 1, 1]))[0])
    25.0
    """
    x = np.asarray(features).reshape(-1, np.shape(features)[-1])
    y = np.asarray(labels).reshape(-1)
    if len(x) != len(y):
        raise ValueError(f"{len(x)} feature vectors but {len(y)} labels")
    mu = x.mean(axis=0, dtype=np.float64)
    between = np.zeros(x.shape[1])
    within = np.zeros(x.shape[1])
    for k in np.unique(y):
        xk = x[y == k].astype(np.float64)
        mk = xk.mean(axis=0)
        between += len(xk) * (mk - mu) ** 2
        within += ((xk - mk) ** 2).sum(axis=0)  # = N_k * sigma_k^2
    scale = np.maximum(np.abs(x).max(axis=0).astype(np.float64), 1e-300) ** 2 * len(x)
    tiny = 1e-12 * scale
    with np.errstate(divide="ignore", invalid="ignore"):
        s = between / within
    s = np.where(within <= tiny, np.where(between <= tiny, 0.0, np.inf), s)
    return s
