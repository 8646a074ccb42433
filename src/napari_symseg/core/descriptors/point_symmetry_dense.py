"""Raw point-symmetry scores on every pixel of a row: the separable spline kernel.

At pooling step 1 (every column of a row is a raw point) the 4 x 4 cubic
spline stencil of a polar sample is applied in two 1-D passes that share
work between samples and grid points (`point_symmetry` has the
definitions, `point_symmetry_scores` the general kernel):

- the *row pass* ``t(col) = sum_q w_row[q] coef[row + first_row + q, col]``
  depends only on the sample's row offset; the samples at ``theta`` and
  ``pi - theta`` of a ring have the same one, so one row pass over the
  columns of a block (plus the ring's column reach) serves two samples of
  every point of the block;
- the *column pass* ``x = sum_q w_col[q] t(col + first_col + q)`` is then
  four multiply-adds per sample and point.

About ``4 + 2 (1 + 2 reach / block)`` instead of 16 multiply-adds per
sample. The sums are the same as the general kernel's up to rounding (last
bits): samples paired by their row offset use the first one's row stencil
(the two row offsets are equal up to rounding of ``sin``).
"""

from __future__ import annotations

import numba
import numpy as np

from .point_symmetry_sums import add_ring, store_scores
from .polar_patch import spline_stencil


def row_pairs(d_row: np.ndarray, n_r: int, n_t: int) -> tuple[np.ndarray, ...]:
    """The row passes of every ring: samples grouped by their row offset.

    Parameters
    ----------
    d_row : ndarray, float64, shape (n_r * n_t,)
        Row offsets of the polar samples (`polar_patch.polar_samples`).
    n_r, n_t : int
        Radii and angles of the polar patch.

    Returns
    -------
    first : ndarray, int64, shape (n_pass,)
        Row offset of each pass's first tap.
    weights : ndarray, float64, shape (n_pass, 4)
        The pass's tap weights.
    sample_a, sample_b : ndarray, int64, shape (n_pass,)
        Angle indices ``j`` of the (one or two) samples of the pass within
        its ring; ``sample_b`` is -1 for a pass with one sample.
    ring_start : ndarray, int64, shape (n_r + 1,)
        Passes of ring ``i`` are ``ring_start[i] : ring_start[i + 1]``.
    """
    first, weights = spline_stencil(d_row)
    keys = np.round(d_row * 2.0**32).astype(np.int64)  # equal up to rounding of sin
    passes_a, passes_b, ring_start = [], [], [0]
    for i in range(n_r):
        ring = keys[i * n_t : (i + 1) * n_t]
        _, head, inverse = np.unique(ring, return_index=True, return_inverse=True)
        for g, j in enumerate(head):
            members = np.flatnonzero(inverse == g)
            if len(members) > 2:
                raise ValueError("more than two polar samples of a ring share a row offset")
            passes_a.append(i * n_t + j)
            passes_b.append(i * n_t + members[members != j][0] if len(members) == 2 else -1)
        ring_start.append(len(passes_a))
    a = np.array(passes_a, dtype=np.int64)
    b = np.array(passes_b, dtype=np.int64)
    return (
        first[a],
        np.ascontiguousarray(weights[a]),
        a % n_t,
        np.where(b >= 0, b % n_t, -1),
        np.array(ring_start, dtype=np.int64),
    )


def dense_scores(coef, rows, col0, n_cols, d_row, d_col, n_r, n_t, ring_weight, terms, ref,
                 eps, block) -> np.ndarray:
    """Raw scores at the points ``rows x (col0 + arange(n_cols))`` of `coef`.

    Parameters
    ----------
    coef : ndarray, float64, 2-D
        Spline coefficients; rows / columns index them directly.
    rows : ndarray, int64
        Rows of `coef` of the centre pixels.
    col0, n_cols : int
        First centre column (of `coef`) and number of consecutive columns.
    d_row, d_col : ndarray, float64
        Offsets of the polar samples (`polar_patch.polar_samples`).
    n_r, n_t : int
        The polar patch.
    ring_weight : ndarray, float64, shape (n_r,)
        Weight of a sample of each ring (summing to ``1 / n_t``).
    terms : tuple of ndarray
        `point_symmetry_scores.ring_terms` of the operations.
    ref : ndarray, float64, shape (len(rows), n_cols)
        Reference value (centre pixel) of every point.
    eps : float
        Variance at or below which a patch scores 0.
    block : int
        Points per kernel block.

    Returns
    -------
    ndarray, float32, shape (len(rows), n_cols, n_ops)
    """
    first_c, w_col = spline_stencil(d_col)
    first_c = first_c.reshape(n_r, n_t)
    col_lo = first_c.min(axis=1)  # column reach of each ring
    col_hi = first_c.max(axis=1) + 4
    out = np.empty((len(rows), n_cols, terms[0].shape[0]), dtype=np.float32)
    _dense_kernel(
        coef,
        rows,
        col0,
        n_cols,
        *row_pairs(d_row, n_r, n_t),
        np.ascontiguousarray(first_c - col_lo[:, None]),
        np.ascontiguousarray(w_col.reshape(n_r, n_t, 4)),
        col_lo,
        col_hi,
        ring_weight,
        *terms,
        ref,
        eps,
        block,
        out,
    )
    return out


@numba.njit(cache=True, parallel=True)
def _dense_kernel(
    coef,
    rows,
    col0,
    n_cols,
    pass_first,
    pass_weights,
    sample_a,
    sample_b,
    ring_start,
    col_first,
    col_weights,
    col_lo,
    col_hi,
    ring_weight,
    first,
    second,
    n_pairs,
    n_terms,
    ref,
    eps,
    block,
    out,
):  # pragma: no cover - compiled
    """Samples of every ring by a row pass per pair of samples and a column pass per sample.

    A job is a block of consecutive points of one row. For ring ``i`` and
    each of its row passes, ``t`` holds the row-filtered coefficients of the
    columns ``col0 + b0 + col_lo[i] ...``; sample ``j`` of the pass at point
    ``k`` of the block is then ``sum_q col_weights[i, j, q] *
    t[k + col_first[i, j] + q]``. Moments and operation products as in
    `point_symmetry_scores._scores_kernel`.
    """
    n_ops = first.shape[0]
    n_r = ring_weight.shape[0]
    n_t = col_first.shape[1]
    n_blocks = -(-n_cols // block)
    span = block + int((col_hi - col_lo).max())
    for job in numba.prange(rows.shape[0] * n_blocks):
        a = job // n_blocks
        b0 = (job % n_blocks) * block
        nb = min(block, n_cols - b0)
        rf = ref[a, b0 : b0 + nb]
        x = np.empty((n_t, block), dtype=np.float64)
        t = np.empty(span, dtype=np.float64)
        s1 = np.zeros(block, dtype=np.float64)
        s2 = np.zeros(block, dtype=np.float64)
        cov = np.zeros((n_ops, block), dtype=np.float64)
        r1 = np.empty(block, dtype=np.float64)
        r2 = np.empty(block, dtype=np.float64)
        rc = np.empty(block, dtype=np.float64)
        for i in range(n_r):
            r1[:] = 0.0
            r2[:] = 0.0
            c_lo = col0 + b0 + col_lo[i]
            n_span = nb + col_hi[i] - col_lo[i]
            for v in range(ring_start[i], ring_start[i + 1]):
                row = rows[a] + pass_first[v]
                p0 = coef[row, c_lo : c_lo + n_span]
                p1 = coef[row + 1, c_lo : c_lo + n_span]
                p2 = coef[row + 2, c_lo : c_lo + n_span]
                p3 = coef[row + 3, c_lo : c_lo + n_span]
                v0 = pass_weights[v, 0]
                v1 = pass_weights[v, 1]
                v2 = pass_weights[v, 2]
                v3 = pass_weights[v, 3]
                for c in range(n_span):
                    t[c] = v0 * p0[c] + v1 * p1[c] + v2 * p2[c] + v3 * p3[c]
                ja = sample_a[v]
                jb = sample_b[v]
                xa = x[ja]
                oa = col_first[i, ja]
                ta0 = t[oa : oa + nb]
                ta1 = t[oa + 1 : oa + 1 + nb]
                ta2 = t[oa + 2 : oa + 2 + nb]
                ta3 = t[oa + 3 : oa + 3 + nb]
                a0 = col_weights[i, ja, 0]
                a1 = col_weights[i, ja, 1]
                a2 = col_weights[i, ja, 2]
                a3 = col_weights[i, ja, 3]
                if jb < 0:
                    for k in range(nb):
                        d = (a0 * ta0[k] + a1 * ta1[k] + a2 * ta2[k] + a3 * ta3[k]) - rf[k]
                        xa[k] = d
                        r1[k] += d
                        r2[k] += d * d
                else:
                    xb = x[jb]
                    ob = col_first[i, jb]
                    tb0 = t[ob : ob + nb]
                    tb1 = t[ob + 1 : ob + 1 + nb]
                    tb2 = t[ob + 2 : ob + 2 + nb]
                    tb3 = t[ob + 3 : ob + 3 + nb]
                    e0 = col_weights[i, jb, 0]
                    e1 = col_weights[i, jb, 1]
                    e2 = col_weights[i, jb, 2]
                    e3 = col_weights[i, jb, 3]
                    for k in range(nb):
                        da = (a0 * ta0[k] + a1 * ta1[k] + a2 * ta2[k] + a3 * ta3[k]) - rf[k]
                        db = (e0 * tb0[k] + e1 * tb1[k] + e2 * tb2[k] + e3 * tb3[k]) - rf[k]
                        xa[k] = da
                        xb[k] = db
                        r1[k] += da + db
                        r2[k] += da * da + db * db
            add_ring(x, nb, r1, r2, ring_weight[i], first, second, n_pairs, n_terms, s1, s2,
                      cov, rc)
        store_scores(s1, s2, cov, nb, eps, out[a, b0 : b0 + nb])
