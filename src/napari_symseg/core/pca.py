"""Principal component analysis without copying the descriptor array.

Equivalent to `sklearn.decomposition.PCA` (full SVD) up to the sign of each
component, but the covariance is accumulated chunk by chunk in float64, so
the (possibly very large) float32 descriptor array is never copied.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from threadpoolctl import ThreadpoolController

from .progress import raise_if_stopped, stop_flag

CHUNK = 16384


@dataclass(frozen=True)
class PCAModel:
    """A fitted PCA.

    Attributes
    ----------
    mean : ndarray, (n_features,)
    components : ndarray, (n_components, n_features)
        Principal axes, by decreasing variance: orthonormal, unless the
        features were weighted (contrast channels, `CovarianceAccumulator.fit`
        with `scales`): then each axis is multiplied by the features'
        weights, so that `transform` applies them.
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
        """Project feature vectors (..., n_features) to (..., n_components), float32.

        A cancelled run (`core.progress.stop_flag`) stops between chunks (`Stopped`).
        """
        stop = stop_flag()
        flat = x.reshape(-1, x.shape[-1])
        out = np.empty((len(flat), self.n_components), dtype=np.float32)
        w = self.components.T
        offset = self.mean @ w  # (x - mean) @ w = x @ w - mean @ w
        scratch = np.empty((min(CHUNK, len(flat)), flat.shape[1]))  # reused: see `scratch_rows`
        with single_threaded_blas():
            for i in range(0, len(flat), CHUNK):
                raise_if_stopped(stop)
                c = scratch_rows(scratch, flat[i : i + CHUNK])
                out[i : i + CHUNK] = c @ w - offset
        return out.reshape((*x.shape[:-1], self.n_components))


def scratch_rows(scratch: np.ndarray, rows: np.ndarray, shift=None) -> np.ndarray:
    """``rows`` (minus ``shift``) in float64, written into the first rows of `scratch`.

    One float64 buffer reused for every chunk: a fresh 10 MB temporary per
    chunk costs more in page faults than the arithmetic on it (same bits).
    """
    c = scratch[: len(rows)]
    if shift is None:
        np.copyto(c, rows)
    else:
        np.subtract(rows, shift, out=c, dtype=np.float64)
    return c


def single_threaded_blas():
    """Context: BLAS on one thread.

    The products here are tall and skinny (65536 x 81); multi-threaded
    OpenBLAS is up to 50x slower on them than one thread (measured on the
    2-core benchmark machine), and they are memory-bound anyway.
    """
    global _CONTROLLER
    if _CONTROLLER is None:  # scanning the loaded libraries costs ~3 ms: do it once
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


_CONTROLLER: ThreadpoolController | None = None


class CovarianceAccumulator:
    """Mean and covariance of feature vectors fed chunk by chunk.

    Sums and cross products of ``x - shift`` are accumulated in float64
    (the shift is the first vector seen, which keeps
    ``sum(x x^T) - n m m^T`` free of cancellation); no chunk is kept.
    """

    def __init__(self, n_features: int) -> None:
        self.n = 0
        self.shift = None
        self.total = np.zeros(n_features)
        self.cross = np.zeros((n_features, n_features))

    def add(self, x: np.ndarray) -> None:
        """Add feature vectors ``x`` (..., n_features).

        A cancelled run (`core.progress.stop_flag`) stops between chunks (`Stopped`;
        the accumulator is then incomplete: a stopped run uses it no more).
        """
        stop = stop_flag()
        flat = x.reshape(-1, x.shape[-1])
        if len(flat) == 0:
            return
        if self.shift is None:
            self.shift = flat[0].astype(np.float64)
        scratch = np.empty((min(CHUNK, len(flat)), flat.shape[1]))
        with single_threaded_blas():
            for i in range(0, len(flat), CHUNK):
                raise_if_stopped(stop)
                c = scratch_rows(scratch, flat[i : i + CHUNK], self.shift)
                self.total += c.sum(axis=0)
                self.cross += c.T @ c
        self.n += len(flat)

    def covariance(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and covariance of everything added so far."""
        n = self.n
        m = self.total / n
        return self.shift + m, (self.cross - n * np.outer(m, m)) / max(n - 1, 1)

    def fit(self, n_components: int | None = None, variance: float | None = None,
            scales: np.ndarray | None = None):
        """The PCA of everything added so far (see `fit_pca`).

        With `scales`, the PCA of the features multiplied by them (feature i
        by ``scales[i]``); the weights are folded into the components, so the
        model's `PCAModel.transform` takes the unweighted features.
        """
        d = len(self.total)
        mean, cov = self.covariance()
        if scales is not None:
            cov = cov * np.outer(scales, scales)
        with single_threaded_blas():  # a small matrix: threads only wait for each other
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
        axes = evecs[:k] if scales is None else evecs[:k] * scales[None, :]
        return PCAModel(mean, axes, evals[:k], ratio[:k])


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
    acc = CovarianceAccumulator(x.shape[-1])
    acc.add(x)
    return acc.fit(n_components, variance)
