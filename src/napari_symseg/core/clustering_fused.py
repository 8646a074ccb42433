"""Nearest and second-nearest cluster centre of feature vectors in one numba pass.

`clustering.assign` labels every grid point of a frame with its nearest
centre and a confidence from the two nearest distances. With numpy that is
a product with the centres, a distance matrix, its square root, a sort and
three gathers (a temporary of n x k per step); here one loop over the points
keeps the k distances of one point in registers. The distances are those of
the numpy expression ``sqrt(max(|x|^2 - 2 x.c + |c|^2, 0))`` (`nearest_two`).
"""

from __future__ import annotations

import numba
import numpy as np


def nearest_two(x: np.ndarray, centres: np.ndarray, labels: np.ndarray, conf: np.ndarray,
                nearest: np.ndarray | None = None) -> None:
    """Nearest centre, confidence and nearest distance of every row of `x`, in place.

    The distance of x to centre c is ``sqrt(max(|x|^2 - 2 x.c + |c|^2, 0))``
    (float64). The nearest centre is the first of the smallest distance d1;
    d2 is the second smallest (equal to d1 on a tie), and the confidence is
    ``(d2 - d1) / (d2 + d1)``, 0 when both are 0, and 1 with one centre.

    Parameters
    ----------
    x : ndarray, (n, d), float32 or float64
        Feature vectors.
    centres : ndarray, (k, d)
        Cluster centres.
    labels : ndarray of int32, (n,)
        Filled with the index of the nearest centre.
    conf : ndarray of float32, (n,)
        Filled with the confidence.
    nearest : ndarray of float64, (n,), optional
        Filled with the distance to the nearest centre.
    """
    c = np.ascontiguousarray(centres, dtype=np.float64)
    fill = nearest is not None
    _nearest_kernel(x, c, labels, conf, nearest if fill else np.empty(0), fill)


@numba.njit(cache=True, nogil=True)
def _nearest_kernel(x, c, labels, conf, nearest, fill):  # pragma: no cover - compiled
    """Kernel of `nearest_two` (`fill`: write `nearest`)."""
    n, dim = x.shape
    k = c.shape[0]
    cc = np.empty(k)
    for q in range(k):
        s = 0.0
        for j in range(dim):
            s += c[q, j] * c[q, j]
        cc[q] = s
    for i in range(n):
        xx = 0.0
        for j in range(dim):
            v = np.float64(x[i, j])
            xx += v * v
        d1 = np.inf
        d2 = np.inf
        best = 0
        for q in range(k):
            dot = 0.0
            for j in range(dim):
                dot += np.float64(x[i, j]) * c[q, j]
            d = np.sqrt(max(xx - 2.0 * dot + cc[q], 0.0))
            if d < d1:
                d2 = d1
                d1 = d
                best = q
            elif d < d2:
                d2 = d
        labels[i] = best
        if fill:
            nearest[i] = d1
        if k == 1:
            conf[i] = 1.0
        else:
            total = d1 + d2
            conf[i] = (d2 - d1) / total if total > 0 else 0.0
