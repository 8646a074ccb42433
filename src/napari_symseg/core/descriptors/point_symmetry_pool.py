"""Max-pooling of the raw point-symmetry scores: a sliding maximum over both grid axes.

The pooled score of an output point is the maximum of the raw scores in a
``(2 ext_r + 1) x (2 ext_c + 1)`` window of raw points (`point_symmetry`
has the definitions). Only windows lying wholly inside the raw array are
needed (the raw points cover the pooling reach), so there is no border rule.

Each axis is one pass of the van Herk / Gil-Werman algorithm: with ``L`` the
window length, running maxima forward (``g``) and backward (``h``) within
consecutive blocks of ``L`` elements give the maximum over
``[i, i + L - 1]`` as ``max(h[i], g[i + L - 1])``: three comparisons per
element whatever the window, each pass running over contiguous memory
(all operations of all columns of a row at once, or the operations of one
column). The maximum is exact: the result equals
``scipy.ndimage.maximum_filter`` cropped to the valid windows.
"""

from __future__ import annotations

import numba
import numpy as np

#: Elements of the contiguous axis per job of the row pass.
LANES = 128


def max_pool(raw: np.ndarray, ext_r: int, ext_c: int) -> np.ndarray:
    """Maximum of `raw` over every whole ``(2 ext_r + 1) x (2 ext_c + 1)`` window.

    Parameters
    ----------
    raw : ndarray, float32, shape (n_rows, n_cols, n_ops)
        Raw scores; not modified.
    ext_r, ext_c : int
        Half sizes of the window (raw points).

    Returns
    -------
    ndarray, float32, shape (n_rows - 2 ext_r, n_cols - 2 ext_c, n_ops)
        Element ``[i, j, o]`` is the maximum of
        ``raw[i : i + 2 ext_r + 1, j : j + 2 ext_c + 1, o]``.
    """
    raw = np.ascontiguousarray(raw, dtype=np.float32)
    n_rows, n_cols, n_ops = raw.shape
    out_r, out_c = n_rows - 2 * ext_r, n_cols - 2 * ext_c
    if out_r <= 0 or out_c <= 0:
        raise ValueError("the raw scores are smaller than the pooling window")
    rows = np.empty((out_r, n_cols * n_ops), dtype=np.float32)
    _pool_rows(raw.reshape(n_rows, n_cols * n_ops), 2 * ext_r + 1, rows)
    out = np.empty((out_r, out_c, n_ops), dtype=np.float32)
    _pool_cols(rows.reshape(out_r, n_cols, n_ops), 2 * ext_c + 1, out)
    return out


@numba.njit(cache=True, inline="always")
def _slide(a, j0, m, length, g, h, out):  # pragma: no cover - compiled
    """``out[i, j0 : j0 + m] = max(a[i : i + length, j0 : j0 + m], axis=0)``
    for every whole window (`g`, `h`: scratch of ``a.shape[0]`` rows)."""
    n = g.shape[0]
    for i in range(n):
        src = a[i]
        gi = g[i]
        if i % length == 0:
            for j in range(m):
                gi[j] = src[j0 + j]
        else:
            gp = g[i - 1]
            for j in range(m):
                x = src[j0 + j]
                y = gp[j]
                gi[j] = x if x > y else y
    for i in range(n - 1, -1, -1):
        src = a[i]
        hi = h[i]
        if i % length == length - 1 or i == n - 1:
            for j in range(m):
                hi[j] = src[j0 + j]
        else:
            hn = h[i + 1]
            for j in range(m):
                x = src[j0 + j]
                y = hn[j]
                hi[j] = x if x > y else y
    for i in range(n - length + 1):
        dst = out[i]
        hi = h[i]
        gl = g[i + length - 1]
        for j in range(m):
            x = hi[j]
            y = gl[j]
            dst[j0 + j] = x if x > y else y


@numba.njit(cache=True, parallel=True)
def _pool_rows(a, length, out):  # pragma: no cover - compiled
    """Sliding maximum along axis 0 of `a` (2-D), jobs of `LANES` columns."""
    n, width = a.shape
    n_jobs = -(-width // LANES)
    for job in numba.prange(n_jobs):
        j0 = job * LANES
        m = min(LANES, width - j0)
        g = np.empty((n, m), dtype=np.float32)
        h = np.empty((n, m), dtype=np.float32)
        _slide(a, j0, m, length, g, h, out)


@numba.njit(cache=True, parallel=True)
def _pool_cols(a, length, out):  # pragma: no cover - compiled
    """Sliding maximum along axis 1 of `a` (3-D), one job per row."""
    n_rows, n, m = a.shape
    for r in numba.prange(n_rows):
        g = np.empty((n, m), dtype=np.float32)
        h = np.empty((n, m), dtype=np.float32)
        _slide(a[r], 0, m, length, g, h, out[r])
