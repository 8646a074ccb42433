"""Raw (un-pooled) point-symmetry scores: the spline prefilter and the numba kernel.

See `point_symmetry` for the definitions (polar patch, cubic B-spline
samples, weighted Pearson score of every operation).
"""

from __future__ import annotations

import numba
import numpy as np
import scipy

from ..progress import raise_if_stopped, stop_flag
from .kernel_stop import flag_set
from .point_symmetry_dense import dense_scores, rotation_lags
from .point_symmetry_folds import reflection_folds
from .point_symmetry_sums import add_ring, store_scores
from .polar_patch import polar_samples, spline_stencil

#: A patch whose weighted variance is at most this fraction of the image
#: variance counts as constant: all its scores are 0.
ZERO_VARIANCE = 1e-12
#: Rows/columns of image kept around the region read by the stencil when the
#: spline prefilter runs on a sub-image: the influence of a pixel on a spline
#: coefficient decays as 0.268**distance, below 1e-18 after 32 px.
PREFILTER_PAD = 32


def raw_scores(image, radius, n_r, n_t, sigma, rows, cols, stride=1, dense=None) -> np.ndarray:
    """Un-pooled scores at every point ``rows x cols`` (no max-pooling).

    Parameters
    ----------
    image : ndarray, 2-D float64
        The image.
    radius, n_r, n_t : int
        The polar patch (see `polar_grid_size`).
    sigma : ndarray, int64, shape (n_ops, n_t)
        Angle permutation of each operation (see `ring_permutations`).
    rows, cols : ndarray of int
        Centre pixels, `cols` equally spaced by `stride` (`rows` arbitrary);
        every stencil (``radius + 1`` around a centre) must lie inside the
        image.
    stride : int
        Spacing of `cols` (only used when there is a single column).
    dense : bool, optional
        Use the separable kernel of `point_symmetry_dense` (only for
        consecutive columns, stride 1) or the general one; by default the
        separable one whenever the stride is 1. Both give the same scores
        up to rounding.

    Returns
    -------
    ndarray, float32, shape (len(rows), len(cols), n_ops)
    """
    rows = np.asarray(rows, dtype=np.int64).reshape(-1)
    cols = np.asarray(cols, dtype=np.int64).reshape(-1)
    if len(cols) > 1:
        stride = int(cols[1] - cols[0])
        if stride < 1 or np.any(np.diff(cols) != stride):
            raise ValueError("cols must be increasing and equally spaced")
    h, w = image.shape
    reach = radius + 1
    r0, r1 = int(rows.min()) - reach, int(rows.max()) + reach + 1
    c0, c1 = int(cols[0]) - reach, int(cols[-1]) + reach + 1
    if r0 < 0 or c0 < 0 or r1 > h or c1 > w:
        raise ValueError("grid points too close to the border for this radius and pooling window")
    # Spline coefficients of the region read by the stencils, plus a pad so
    # that cutting the image changes nothing measurable (the image's own
    # borders keep scipy's "mirror" boundary). Pearson scores do not change
    # under affine intensity changes: centre and scale by the whole image.
    pr0, pr1 = max(0, r0 - PREFILTER_PAD), min(h, r1 + PREFILTER_PAD)
    pc0, pc1 = max(0, c0 - PREFILTER_PAD), min(w, c1 + PREFILTER_PAD)
    mean, scale = global_level(image)
    region = (image[pr0:pr1, pc0:pc1] - mean) / scale
    coef = scipy.ndimage.spline_filter(region, order=3, mode="mirror", output=np.float64)

    d_row, d_col, weight = polar_samples(radius, n_r, n_t)
    ring_weight = weight[::n_t] / weight.sum()
    ref = np.ascontiguousarray(region[rows[:, None] - pr0, cols[None, :] - pc0])
    if dense is None:
        dense = stride == 1
    if dense:
        if stride != 1:
            raise ValueError("the dense kernel needs consecutive columns (stride 1)")
        return dense_scores(coef, rows - pr0, int(cols[0]) - pc0, len(cols), d_row, d_col,
                            n_r, n_t, ring_weight, ring_terms(sigma), ref, ZERO_VARIANCE,
                            _block_size(n_t, len(cols)), rotation_lags(sigma),
                            reflection_folds(sigma))
    first_r, w_row = spline_stencil(d_row)
    first_c, w_col = spline_stencil(d_col)
    # De-interleave the coefficient columns by phase modulo the stride:
    # deci[ph, r, k] = coef[r, ph + k * stride]. The tap at column offset dc
    # of grid column b (image column cols[0] + b * stride) then reads
    # deci[ph, r, k + b] with (k, ph) = divmod(cols[0] - pc0 + dc, stride):
    # consecutive grid columns read consecutive memory.
    n_k = -(-coef.shape[1] // stride)
    deci = np.zeros((stride, coef.shape[0], n_k), dtype=np.float64)
    for ph in range(stride):
        part = coef[:, ph::stride]
        deci[ph, :, : part.shape[1]] = part
    tap_c = (int(cols[0]) - pc0) + first_c[:, None] + np.arange(4)[None, :]  # (n_s, 4)
    tap_r = (first_r[:, None] + np.arange(4)[None, :]) * n_k  # (n_s, 4), flat row offsets
    offsets = (tap_c // stride)[:, :, None] + tap_r[:, None, :]
    offsets += ((tap_c % stride) * (coef.shape[0] * n_k))[:, :, None]
    weights = w_col[:, :, None] * w_row[:, None, :]  # (n_s, 4 cols, 4 rows)
    out = np.empty((len(rows), len(cols), len(sigma)), dtype=np.float32)
    stop = stop_flag()
    _scores_kernel(
        deci.ravel(),
        (rows - pr0) * n_k,
        len(cols),
        n_t,
        np.ascontiguousarray(offsets.reshape(-1, 16), dtype=np.int64),
        np.ascontiguousarray(weights.reshape(-1, 16)),
        ring_weight,
        *ring_terms(sigma),
        ref,
        ZERO_VARIANCE,
        _block_size(n_t, len(cols)),
        out,
        stop,
    )
    raise_if_stopped(stop)
    return out


def global_level(image: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation (1 if 0) of the image.

    The same for every chunk of the grid, so chunks scale alike. On images
    above about 1 Mpx a regular subsample of about 1 Mpx is used (the
    values only condition the sums and set the zero-variance threshold).
    """
    step = max(1, int(np.sqrt(image.size / 2**20)))
    sample = image[::step, ::step]
    scale = float(sample.std())
    return float(sample.mean()), scale if scale > 0 else 1.0


def ring_terms(sigma: np.ndarray) -> tuple[np.ndarray, ...]:
    """Products needed for ``sum_j x_j x_sigma(j)`` of every operation.

    An involution (every reflection, the rotation by 180 degrees) pairs
    angles, so the sum is ``2 * sum_pairs x_j x_sigma(j) + sum_fixed x_j^2``:
    half the work. Returns ``first, second`` (int64, (n_ops, n_t)): the
    factors of term ``t``, of which the first ``n_pairs[o]`` count twice, and
    ``n_pairs, n_terms`` (int64, (n_ops,)).
    """
    n_ops, n_t = sigma.shape
    first = np.zeros((n_ops, n_t), dtype=np.int64)
    second = np.zeros((n_ops, n_t), dtype=np.int64)
    n_pairs = np.zeros(n_ops, dtype=np.int64)
    n_terms = np.zeros(n_ops, dtype=np.int64)
    j = np.arange(n_t)
    for o, sig in enumerate(sigma):
        if np.array_equal(sig[sig], j):
            pairs, fixed = j[j < sig], j[j == sig]
            terms = np.concatenate([pairs, fixed])
            n_pairs[o] = len(pairs)
        else:
            terms = j
        n_terms[o] = len(terms)
        first[o, : len(terms)] = terms
        second[o, : len(terms)] = sig[terms]
    return first, second, n_pairs, n_terms


def _block_size(n_t: int, n_cols: int) -> int:
    """Grid points per kernel block.

    At most enough that one ring of samples (``n_t x block`` float64) fits
    in about 256 kB, and the row split into blocks of (nearly) equal size.
    """
    largest = int(np.clip(32768 // n_t, 16, 512))
    n_blocks = -(-n_cols // largest)
    return -(-n_cols // n_blocks)


@numba.njit(cache=True, parallel=True)
def _scores_kernel(
    coef,
    row_offsets,
    n_cols,
    n_t,
    offsets,
    weights,
    ring_weight,
    first,
    second,
    n_pairs,
    n_terms,
    ref,
    eps,
    block,
    out,
    stop,
):  # pragma: no cover - compiled
    """Interpolate the polar samples of every grid point and score every operation.

    Sample ``s`` of grid point ``(a, b)`` is
    ``sum_q weights[s, q] * coef[row_offsets[a] + offsets[s, q] + b]``
    (``coef`` is the phase-de-interleaved coefficient image, flattened).
    Samples are produced ring by ring (``s = i * n_t + j``) for a block of
    grid points of one row, every inner loop running over the block
    (contiguous memory, vectorised; the 16 taps are spelled out so that each
    sample is one pass). Moments are accumulated about a reference value
    ``ref[a, b]`` (the centre pixel) to avoid cancellation: with
    ``d = x - ref``, ``mu = sum w d``, ``var = sum w d^2 - mu^2`` and
    ``cov_o = sum w d d_sigma - mu^2`` (``ring_weight`` sums to 1 over all
    samples, i.e. ``n_t * sum(ring_weight) = 1``). Within a ring,
    ``sum_j d_j d_sigma(j)`` is the sum over the terms of `ring_terms`.
    A job starts only while ``stop[0]`` is 0 (`progress.stop_flag`).
    """
    n_ops = first.shape[0]
    n_r = ring_weight.shape[0]
    n_blocks = -(-n_cols // block)
    for job in numba.prange(row_offsets.shape[0] * n_blocks):
        if flag_set(stop):
            continue
        a = job // n_blocks
        b0 = (job % n_blocks) * block
        nb = min(block, n_cols - b0)
        p = row_offsets[a] + b0
        rf = ref[a, b0 : b0 + nb]
        x = np.empty((n_t, block), dtype=np.float64)
        s1 = np.zeros(block, dtype=np.float64)
        s2 = np.zeros(block, dtype=np.float64)
        cov = np.zeros((n_ops, block), dtype=np.float64)
        r1 = np.empty(block, dtype=np.float64)
        r2 = np.empty(block, dtype=np.float64)
        rc = np.empty(block, dtype=np.float64)
        for i in range(n_r):
            r1[:] = 0.0
            r2[:] = 0.0
            for j in range(n_t):
                s = i * n_t + j
                xs = x[j]
                c0 = coef[p + offsets[s, 0] : p + offsets[s, 0] + nb]
                c1 = coef[p + offsets[s, 1] : p + offsets[s, 1] + nb]
                c2 = coef[p + offsets[s, 2] : p + offsets[s, 2] + nb]
                c3 = coef[p + offsets[s, 3] : p + offsets[s, 3] + nb]
                c4 = coef[p + offsets[s, 4] : p + offsets[s, 4] + nb]
                c5 = coef[p + offsets[s, 5] : p + offsets[s, 5] + nb]
                c6 = coef[p + offsets[s, 6] : p + offsets[s, 6] + nb]
                c7 = coef[p + offsets[s, 7] : p + offsets[s, 7] + nb]
                c8 = coef[p + offsets[s, 8] : p + offsets[s, 8] + nb]
                c9 = coef[p + offsets[s, 9] : p + offsets[s, 9] + nb]
                c10 = coef[p + offsets[s, 10] : p + offsets[s, 10] + nb]
                c11 = coef[p + offsets[s, 11] : p + offsets[s, 11] + nb]
                c12 = coef[p + offsets[s, 12] : p + offsets[s, 12] + nb]
                c13 = coef[p + offsets[s, 13] : p + offsets[s, 13] + nb]
                c14 = coef[p + offsets[s, 14] : p + offsets[s, 14] + nb]
                c15 = coef[p + offsets[s, 15] : p + offsets[s, 15] + nb]
                w0 = weights[s, 0]
                w1 = weights[s, 1]
                w2 = weights[s, 2]
                w3 = weights[s, 3]
                w4 = weights[s, 4]
                w5 = weights[s, 5]
                w6 = weights[s, 6]
                w7 = weights[s, 7]
                w8 = weights[s, 8]
                w9 = weights[s, 9]
                w10 = weights[s, 10]
                w11 = weights[s, 11]
                w12 = weights[s, 12]
                w13 = weights[s, 13]
                w14 = weights[s, 14]
                w15 = weights[s, 15]
                for k in range(nb):
                    d = (
                        w0 * c0[k]
                        + w1 * c1[k]
                        + w2 * c2[k]
                        + w3 * c3[k]
                        + w4 * c4[k]
                        + w5 * c5[k]
                        + w6 * c6[k]
                        + w7 * c7[k]
                        + w8 * c8[k]
                        + w9 * c9[k]
                        + w10 * c10[k]
                        + w11 * c11[k]
                        + w12 * c12[k]
                        + w13 * c13[k]
                        + w14 * c14[k]
                        + w15 * c15[k]
                    ) - rf[k]
                    xs[k] = d
                    r1[k] += d
                    r2[k] += d * d
            add_ring(x, nb, r1, r2, ring_weight[i], first, second, n_pairs, n_terms, s1, s2,
                      cov, rc)
        store_scores(s1, s2, cov, nb, eps, out[a, b0 : b0 + nb])

