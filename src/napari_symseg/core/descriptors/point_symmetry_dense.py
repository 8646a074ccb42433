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
(the two row offsets are equal up to rounding of ``sin``), and sums are
formed in another order.
"""

from __future__ import annotations

import numba
import numpy as np

from .point_symmetry_sums import store_scores
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
    n = n_r * n_t
    ring = np.arange(n) // n_t
    keys = np.round(d_row * 2.0**32).astype(np.int64)  # equal up to rounding of sin
    order = np.lexsort((np.arange(n), keys, ring))  # by ring, row offset, angle
    same = (ring[order][1:] == ring[order][:-1]) & (keys[order][1:] == keys[order][:-1])
    if np.any(same[1:] & same[:-1]):
        raise ValueError("more than two polar samples of a ring share a row offset")
    head = np.flatnonzero(np.concatenate([[True], ~same]))
    with_b = np.concatenate([same, [False]])[head]
    a = order[head].astype(np.int64)
    b = np.where(with_b, order[np.minimum(head + 1, n - 1)], -1).astype(np.int64)
    ring_start = np.searchsorted(ring[a], np.arange(n_r + 1))
    return (
        first[a],
        np.ascontiguousarray(weights[a]),
        a % n_t,
        np.where(b >= 0, b % n_t, -1),
        ring_start.astype(np.int64),
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
    `point_symmetry_scores._scores_kernel`, but added straight into the
    point's sums (weighted by the ring weight), four products per pass.
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
        for i in range(n_r):
            wi = ring_weight[i]
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
                        s1[k] += wi * d
                        s2[k] += wi * (d * d)
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
                        s1[k] += wi * (da + db)
                        s2[k] += wi * (da * da + db * db)
            for o in range(n_ops):
                _add_products(x, first[o], second[o], 0, n_pairs[o], 2.0 * wi, nb, cov[o])
                _add_products(x, first[o], second[o], n_pairs[o], n_terms[o], wi, nb, cov[o])
        store_scores(s1, s2, cov, nb, eps, out[a, b0 : b0 + nb])


@numba.njit(cache=True, inline="always")
def _add_products(x, first, second, t0, t1, w, nb, co):  # pragma: no cover - compiled
    """``co[:nb] += w * sum_t x[first[t]] * x[second[t]]`` over ``t0 <= t < t1``.

    Four products per pass over the block: a quarter of the loads and
    stores of `co`, which bound this loop.
    """
    t = t0
    while t + 4 <= t1:
        a0 = x[first[t]]
        b0 = x[second[t]]
        a1 = x[first[t + 1]]
        b1 = x[second[t + 1]]
        a2 = x[first[t + 2]]
        b2 = x[second[t + 2]]
        a3 = x[first[t + 3]]
        b3 = x[second[t + 3]]
        for k in range(nb):
            co[k] += w * (a0[k] * b0[k] + a1[k] * b1[k] + a2[k] * b2[k] + a3[k] * b3[k])
        t += 4
    while t < t1:
        a0 = x[first[t]]
        b0 = x[second[t]]
        for k in range(nb):
            co[k] += w * (a0[k] * b0[k])
        t += 1
