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

Rotations (`rotation_lags`): the sum ``R(m) = sum_j d_j d_{j+m}`` of a ring
(``n = n_t`` angles, a multiple of 12) is needed at the lags ``n/6, n/4,
n/3, n/2`` (60, 90, 120, 180 degrees). Folded sums give all four from about
``n`` products instead of ``3.5 n``: with ``u_j = d_j + d_{j+n/2}`` and
``v_j = d_j - d_{j+n/2}`` (``j < n/2``),

- ``S2 = sum_{j<n/2} u_j^2 = R(0) + R(n/2)``,
- ``S4 = sum_{j<n/4} (u_j + u_{j+n/4})^2 = R(0) + 2 R(n/4) + R(n/2)``,
- ``S6 = sum_{j<n/6} (u_j + u_{j+n/6} + u_{j+n/3})^2
  = R(0) + 2 R(n/6) + 2 R(n/3) + R(n/2)``,
- ``T6 = sum_{j<n/6} (v_j - v_{j+n/6} + v_{j+n/3})^2
  = R(0) - 2 R(n/6) + 2 R(n/3) - R(n/2)``

(expand the squares; ``R(m) = R(n - m)``), and ``R(0)`` is the ring's sum of
squares, already in the moments. All of them are formed from the 12 samples
``d_{j + a n/12}`` of one ``j < n/12`` at a time, in registers.

Reflections (`antipodal_quads`, even ``n``): the folded sums of
`point_symmetry_folds` need ``u_j = d_j + d_{j+n/2}`` and
``v_j = d_j - d_{j+n/2}``; the row pass of the samples ``j, n/2 - j`` and
that of their antipodes ``j + n/2, n - j`` run one after the other and the
column passes write ``u`` and ``v`` of both pairs at once (no array of the
samples themselves, no folding pass over it).

Compiled with ``fastmath={"contract"}`` only: multiply-adds become FMA
instructions (rounding in the last bits; no reassociation, no NaN/inf
assumptions).
"""

from __future__ import annotations

import numba
import numpy as np

from ..progress import raise_if_stopped, stop_flag
from .kernel_stop import flag_set
from .point_symmetry_folds import SEGMENT_FACTORS
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


#: Lags ``n_t / 6, n_t / 4, n_t / 3, n_t / 2`` of the folded rotation sums, as
#: fractions of ``n_t`` (index = lag code of `rotation_lags`).
ROTATION_LAGS = (1 / 6, 1 / 4, 1 / 3, 1 / 2)


def antipodal_quads(sample_a, sample_b, ring_start, n_t) -> tuple[np.ndarray, ...] | None:
    """Row passes paired with those of the antipodal samples (``j + n_t / 2``).

    The pass of the samples ``j, h - j`` (``h = n_t / 2``, both below `h`) and
    that of their antipodes ``j + h, 2h - j`` give the folded pairs
    ``u_j = x_j + x_{j+h}``, ``v_j = x_j - x_{j+h}`` of both samples at once;
    the pass of ``0, h`` (row offset 0) gives ``u_0, v_0`` alone.

    Parameters
    ----------
    sample_a, sample_b, ring_start : ndarray of int64
        As returned by `row_pairs`.
    n_t : int
        Angles per ring.

    Returns
    -------
    tuple of ndarray or None
        ``quads`` (int64, (n_quads, 4)): per quad the pass of the samples
        below `h`, the pass of their antipodes (-1 when it is the same
        pass), and the samples ``j`` below `h` (the second -1 if there is
        one); ``quad_start`` (int64, (n_r + 1,)): quads of ring ``i`` are
        ``quad_start[i] : quad_start[i + 1]``. None if `n_t` is odd or the
        passes do not pair up so.
    """
    if n_t % 2:
        return None
    h = n_t // 2
    quads, quad_start = [], [0]
    for i in range(len(ring_start) - 1):
        pass_of = {}
        for v in range(ring_start[i], ring_start[i + 1]):
            for j in (sample_a[v], sample_b[v]):
                if j >= 0:
                    pass_of[int(j)] = v
        for v in range(ring_start[i], ring_start[i + 1]):
            low = sorted(int(j) for j in (sample_a[v], sample_b[v]) if 0 <= j < h)
            high = sorted(int(j) for j in (sample_a[v], sample_b[v]) if j >= h)
            if not low:
                continue  # with the pass of its antipodes
            if high:  # samples 0 and h: both in this pass
                if low != [0] or high != [h]:
                    return None
                quads.append((v, -1, 0, -1))
                continue
            partner = pass_of[low[0] + h]
            want = sorted(j + h for j in low)
            got = sorted(int(j) for j in (sample_a[partner], sample_b[partner]) if j >= 0)
            if got != want:
                return None
            quads.append((v, partner, low[0], low[1] if len(low) > 1 else -1))
        quad_start.append(len(quads))
    return np.array(quads, dtype=np.int64).reshape(-1, 4), np.array(quad_start, dtype=np.int64)


def rotation_lags(sigma: np.ndarray) -> np.ndarray | None:
    """Lag code (index into `ROTATION_LAGS`) of every operation, or None.

    Parameters
    ----------
    sigma : ndarray, int64, shape (n_ops, n_t)
        Angle permutations (`polar_patch.ring_permutations`).

    Returns
    -------
    ndarray of int64 or None
        The codes when `n_t` is a multiple of 12 and every operation is a
        rotation by 60, 90, 120 or 180 degrees (either direction): then the
        folded sums of the module docstring give the scores. None otherwise.
    """
    n_ops, n_t = sigma.shape
    if n_ops == 0 or n_t % 12:
        return None
    j = np.arange(n_t)
    lags = np.empty(n_ops, dtype=np.int64)
    for o, sig in enumerate(sigma):
        m = int(sig[0])
        if not np.array_equal(sig, (j + m) % n_t):
            return None
        m = min(m, n_t - m)
        codes = [c for c, f in enumerate(ROTATION_LAGS) if round(f * n_t) == m]
        if not codes:
            return None
        lags[o] = codes[0]
    return lags


def dense_scores(coef, rows, col0, n_cols, d_row, d_col, n_r, n_t, ring_weight, terms, ref,
                 eps, block, lags=None, folds=None) -> np.ndarray:
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
    lags : ndarray of int64, optional
        `rotation_lags` of the operations: the folded rotation sums replace
        the operation products of `terms`.
    folds : tuple of ndarray, optional
        `point_symmetry_folds.reflection_folds` of the operations (used when
        there are no `lags`): the half-folded reflection sums replace them.

    Returns
    -------
    ndarray, float32, shape (len(rows), n_cols, n_ops)
    """
    first_c, w_col = spline_stencil(d_col)
    first_c = first_c.reshape(n_r, n_t)
    col_lo = first_c.min(axis=1)  # column reach of each ring
    col_hi = first_c.max(axis=1) + 4
    out = np.empty((len(rows), n_cols, terms[0].shape[0]), dtype=np.float32)
    passes = row_pairs(d_row, n_r, n_t)
    quads = None if lags is not None or folds is None else antipodal_quads(*passes[2:], n_t)
    if quads is None:
        folds, quads = None, (np.zeros((0, 4), np.int64), np.zeros(n_r + 1, np.int64))
    stop = stop_flag()
    _dense_kernel(
        coef,
        rows,
        col0,
        n_cols,
        *passes,
        *quads,
        np.ascontiguousarray(first_c - col_lo[:, None]),
        np.ascontiguousarray(w_col.reshape(n_r, n_t, 4)),
        col_lo,
        col_hi,
        ring_weight,
        *terms,
        np.zeros(0, np.int64) if lags is None else lags,
        *_folds_or_empty(None if lags is not None else folds),
        ref,
        eps,
        block,
        out,
        stop,
    )
    raise_if_stopped(stop)
    return out


@numba.njit(cache=True, parallel=True, fastmath={"contract"})
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
    quads,
    quad_start,
    col_first,
    col_weights,
    col_lo,
    col_hi,
    ring_weight,
    first,
    second,
    n_pairs,
    n_terms,
    lags,
    f_first,
    f_second,
    f_segments,
    f_sum_of,
    f_sign,
    f_factors,
    ref,
    eps,
    block,
    out,
    stop,
):  # pragma: no cover - compiled
    """Samples of every ring by a row pass per pair of samples and a column pass per sample.

    A job is a block of consecutive points of one row. For ring ``i`` and
    each of its row passes, ``t`` holds the row-filtered coefficients of the
    columns ``col0 + b0 + col_lo[i] ...``; sample ``j`` of the pass at point
    ``k`` of the block is then ``sum_q col_weights[i, j, q] *
    t[k + col_first[i, j] + q]``. Moments and operation products as in
    `point_symmetry_scores._scores_kernel`, but added straight into the
    point's sums (weighted by the ring weight), four products per pass;
    or, with `lags` (one code per operation, `rotation_lags`), the folded
    rotation sums of the module docstring; or, with reflection folds, the
    row passes of antipodal samples together (`quads`, `antipodal_quads`),
    their samples straight into the folded pairs (`_quad_samples`) and the
    folded sums of `point_symmetry_folds`. A job starts only while ``stop[0]``
    is 0 (`progress.stop_flag`).
    """
    folded = lags.shape[0] > 0
    halved = f_sum_of.shape[0] > 0  # reflections: `point_symmetry_folds`
    n_sums = f_first.shape[0]
    n_ops = first.shape[0]
    n_r = ring_weight.shape[0]
    n_t = col_first.shape[1]
    n_blocks = -(-n_cols // block)
    span = block + int((col_hi - col_lo).max())
    for job in numba.prange(rows.shape[0] * n_blocks):
        if flag_set(stop):
            continue
        a = job // n_blocks
        b0 = (job % n_blocks) * block
        nb = min(block, n_cols - b0)
        rf = ref[a, b0 : b0 + nb]
        x = np.empty((0 if halved else n_t, block), dtype=np.float64)
        t = np.empty(span, dtype=np.float64)
        t2 = np.empty(span if halved else 0, dtype=np.float64)
        s1 = np.zeros(block, dtype=np.float64)
        s2 = np.zeros(block, dtype=np.float64)
        cov = np.zeros((n_ops, block), dtype=np.float64)
        fold = np.zeros((4, block), dtype=np.float64)
        sums = np.zeros((n_sums, block), dtype=np.float64)
        # the folded samples in float32: their products stream from the cache twice as
        # fast (reflections at stride 1: 0.73x the time); the moments and the sums stay
        # float64 (the float32 scores moved by at most 1.8e-7, labels equal: session 33)
        y = np.empty((n_t if halved else 0, block), dtype=np.float32)
        for i in range(n_r):
            wi = ring_weight[i]
            c_lo = col0 + b0 + col_lo[i]
            n_span = nb + col_hi[i] - col_lo[i]
            if halved:  # antipodal row passes together, samples straight into (u, v)
                for q in range(quad_start[i], quad_start[i + 1]):
                    _row_pass(coef, rows[a] + pass_first[quads[q, 0]], c_lo, n_span,
                              pass_weights[quads[q, 0]], t)
                    if quads[q, 1] >= 0:
                        _row_pass(coef, rows[a] + pass_first[quads[q, 1]], c_lo, n_span,
                                  pass_weights[quads[q, 1]], t2)
                    _quad_samples(t, t2 if quads[q, 1] >= 0 else t, col_first[i],
                                  col_weights[i], quads[q, 2], quads[q, 3], rf, y, wi, nb, s1,
                                  s2)
            for v in range(ring_start[i], ring_start[i] if halved else ring_start[i + 1]):
                _row_pass(coef, rows[a] + pass_first[v], c_lo, n_span, pass_weights[v], t)
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
                if jb < 0 and folded:  # the moments come with the folds
                    for k in range(nb):
                        xa[k] = (a0 * ta0[k] + a1 * ta1[k] + a2 * ta2[k] + a3 * ta3[k]) - rf[k]
                elif jb < 0:
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
                    if folded:  # the moments come with the folds
                        for k in range(nb):
                            xa[k] = (a0 * ta0[k] + a1 * ta1[k] + a2 * ta2[k] + a3 * ta3[k]
                                     - rf[k])
                            xb[k] = (e0 * tb0[k] + e1 * tb1[k] + e2 * tb2[k] + e3 * tb3[k]
                                     - rf[k])
                        continue
                    for k in range(nb):
                        da = (a0 * ta0[k] + a1 * ta1[k] + a2 * ta2[k] + a3 * ta3[k]) - rf[k]
                        db = (e0 * tb0[k] + e1 * tb1[k] + e2 * tb2[k] + e3 * tb3[k]) - rf[k]
                        xa[k] = da
                        xb[k] = db
                        s1[k] += wi * (da + db)
                        s2[k] += wi * (da * da + db * db)
            if folded:
                _add_folded(x, n_t // 12, wi, nb, fold, s1, s2)
            elif halved:
                for q in range(n_sums):
                    for g in range(4):
                        _add_products(y, f_first[q], f_second[q], f_segments[q, g],
                                      f_segments[q, g + 1], f_factors[g] * wi, nb, sums[q])
            else:
                for o in range(n_ops):
                    _add_products(x, first[o], second[o], 0, n_pairs[o], 2.0 * wi, nb, cov[o])
                    _add_products(x, first[o], second[o], n_pairs[o], n_terms[o], wi, nb,
                                  cov[o])
        if folded:
            _unfold(fold, s2, lags, nb, cov)
        elif halved:
            for o in range(n_ops):
                qu = f_sum_of[o]
                sg = f_sign[o]
                for k in range(nb):
                    cov[o, k] = 0.5 * (sums[qu, k] + sg * sums[qu + 1, k])
        store_scores(s1, s2, cov, nb, eps, out[a, b0 : b0 + nb])


@numba.njit(cache=True, inline="always", fastmath={"contract"})
def _row_pass(coef, row, c_lo, n_span, weights, t):  # pragma: no cover - compiled
    """``t[:n_span]`` = the 4-tap row filter `weights` of `coef` from `row`, column `c_lo` on."""
    p0 = coef[row, c_lo : c_lo + n_span]
    p1 = coef[row + 1, c_lo : c_lo + n_span]
    p2 = coef[row + 2, c_lo : c_lo + n_span]
    p3 = coef[row + 3, c_lo : c_lo + n_span]
    v0 = weights[0]
    v1 = weights[1]
    v2 = weights[2]
    v3 = weights[3]
    for c in range(n_span):
        t[c] = v0 * p0[c] + v1 * p1[c] + v2 * p2[c] + v3 * p3[c]


@numba.njit(cache=True, inline="always", fastmath={"contract"})
def _quad_samples(t, t2, first, weights, ja, jb, rf, y, wi, nb, s1, s2):  # pragma: no cover
    """Samples ``ja``, ``jb`` (row pass `t`) and their antipodes (`t2`) into their folded pairs.

    ``y[j] = x_j + x_{j+h}``, ``y[j + h] = x_j - x_{j+h}`` (``h = n_t / 2``,
    samples minus the reference) for ``j = ja`` and, unless -1, ``jb``; the
    ring's moments ``s1 += wi * sum x``, ``s2 += wi * sum x^2`` on the way.
    """
    h = y.shape[0] // 2
    a = ja
    for side in range(2):
        if side == 1:
            if jb < 0:
                return
            a = jb
        o = first[a]
        p = first[a + h]
        ta0 = t[o : o + nb]
        ta1 = t[o + 1 : o + 1 + nb]
        ta2 = t[o + 2 : o + 2 + nb]
        ta3 = t[o + 3 : o + 3 + nb]
        tb0 = t2[p : p + nb]
        tb1 = t2[p + 1 : p + 1 + nb]
        tb2 = t2[p + 2 : p + 2 + nb]
        tb3 = t2[p + 3 : p + 3 + nb]
        a0 = weights[a, 0]
        a1 = weights[a, 1]
        a2 = weights[a, 2]
        a3 = weights[a, 3]
        b0 = weights[a + h, 0]
        b1 = weights[a + h, 1]
        b2 = weights[a + h, 2]
        b3 = weights[a + h, 3]
        yu = y[a]
        yv = y[a + h]
        for k in range(nb):
            da = (a0 * ta0[k] + a1 * ta1[k] + a2 * ta2[k] + a3 * ta3[k]) - rf[k]
            db = (b0 * tb0[k] + b1 * tb1[k] + b2 * tb2[k] + b3 * tb3[k]) - rf[k]
            yu[k] = da + db
            yv[k] = da - db
            s1[k] += wi * (da + db)
            s2[k] += wi * (da * da + db * db)


@numba.njit(cache=True, inline="always", fastmath={"contract"})
def _add_folded(x, m, w, nb, fold, s1, s2):  # pragma: no cover - compiled
    """``fold[:, :nb] += w * (S2, S4, S6, T6)`` of one ring (module docstring),
    and the ring's moments: ``s1 += w sum_j u_j``, ``s2 += w sum_j (u_j^2 + v_j^2) / 2``.

    ``x[j, :nb]`` are the ring's ``n_t = 12 m`` samples (minus the reference);
    the 12 samples ``j + a m`` of one ``j < m`` give its terms of all four sums.
    """
    f2 = fold[0]
    f4 = fold[1]
    f6 = fold[2]
    g6 = fold[3]
    for j in range(m):
        x0 = x[j]
        x1 = x[j + m]
        x2 = x[j + 2 * m]
        x3 = x[j + 3 * m]
        x4 = x[j + 4 * m]
        x5 = x[j + 5 * m]
        x6 = x[j + 6 * m]
        x7 = x[j + 7 * m]
        x8 = x[j + 8 * m]
        x9 = x[j + 9 * m]
        x10 = x[j + 10 * m]
        x11 = x[j + 11 * m]
        for k in range(nb):
            u0 = x0[k] + x6[k]
            u1 = x1[k] + x7[k]
            u2 = x2[k] + x8[k]
            u3 = x3[k] + x9[k]
            u4 = x4[k] + x10[k]
            u5 = x5[k] + x11[k]
            v0 = x0[k] - x6[k]
            v1 = x1[k] - x7[k]
            v2 = x2[k] - x8[k]
            v3 = x3[k] - x9[k]
            v4 = x4[k] - x10[k]
            v5 = x5[k] - x11[k]
            q0 = u0 + u3
            q1 = u1 + u4
            q2 = u2 + u5
            h0 = u0 + u2 + u4
            h1 = u1 + u3 + u5
            t0 = v0 - v2 + v4
            t1 = v1 - v3 + v5
            e2 = u0 * u0 + u1 * u1 + u2 * u2 + u3 * u3 + u4 * u4 + u5 * u5
            s1[k] += w * (u0 + u1 + u2 + u3 + u4 + u5)
            s2[k] += (0.5 * w) * (e2 + v0 * v0 + v1 * v1 + v2 * v2 + v3 * v3 + v4 * v4 + v5 * v5)
            f2[k] += w * e2
            f4[k] += w * (q0 * q0 + q1 * q1 + q2 * q2)
            f6[k] += w * (h0 * h0 + h1 * h1)
            g6[k] += w * (t0 * t0 + t1 * t1)


@numba.njit(cache=True, inline="always", fastmath={"contract"})
def _unfold(fold, s2, lags, nb, cov):  # pragma: no cover - compiled
    """``cov[o, :nb]`` = the weighted ``R(lag)`` of every operation from the folded sums.

    ``s2`` is the weighted ``R(0)``; lag codes as `ROTATION_LAGS`.
    """
    for k in range(nb):
        r0 = s2[k]
        half = fold[0, k] - r0  # R(n/2)
        quarter = 0.5 * (fold[1, k] - fold[0, k])  # R(n/4)
        third = 0.25 * (fold[2, k] + fold[3, k] - 2.0 * r0)  # R(n/3)
        sixth = 0.25 * (fold[2, k] - fold[3, k] - 2.0 * half)  # R(n/6)
        for o in range(lags.shape[0]):
            code = lags[o]
            if code == 0:
                cov[o, k] = sixth
            elif code == 1:
                cov[o, k] = quarter
            elif code == 2:
                cov[o, k] = third
            else:
                cov[o, k] = half


@numba.njit(cache=True, inline="always", fastmath={"contract"})
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


def _folds_or_empty(folds):
    """`folds` and `SEGMENT_FACTORS` as kernel arguments (empty arrays for None)."""
    if folds is None:
        empty = np.zeros((0, 0), np.int64)
        folds = (empty, empty, np.zeros((0, 5), np.int64), np.zeros(0, np.int64), np.zeros(0))
    return (*folds, SEGMENT_FACTORS)
