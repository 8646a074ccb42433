"""What the two exact translation routes share: the standardised region, the zero variance.

Both routes (running box sums in `translation`, per-pixel FFTs in
`translation_fft`) work on the region centred and scaled to unit variance,
and score a patch whose variance is below `ZERO_VARIANCE` as 0.
"""

from __future__ import annotations

import numba
import numpy as np

#: Patches whose variance is below this fraction of the image variance
#: (the image is scaled to unit variance) count as constant: score 0.
ZERO_VARIANCE = 1e-10

#: numpy's pairwise summation: blocks of at most this many values are summed
#: with eight accumulators (``PW_BLOCKSIZE`` in numpy's ``loops_utils.h``)
_BLOCK = 128


def standardise(region: np.ndarray) -> np.ndarray:
    """Copy of `region` centred and scaled to unit variance (if not constant).

    Pearson scores are invariant to affine intensity changes; this keeps the
    sums of both translation routes small and well conditioned, and makes
    `ZERO_VARIANCE` a fraction of the region's variance. The result is that
    of ``(region - region.mean()) / region.std()`` bit for bit.

    Parameters
    ----------
    region : ndarray
        Image pixels.

    Returns
    -------
    ndarray, float64
    """
    if region.dtype == np.float64 and region.flags.c_contiguous and region.size:
        # one numba pass for the mean, one that writes the centred copy while it sums
        # the squares, one that scales: numpy's sums, in numpy's order (`_pairwise`)
        centred = np.empty_like(region)
        _standardise(region.reshape(-1), centred.reshape(-1))
        return centred
    # numpy's own std, step for step (same sums, same bits), sharing the centred copy:
    # five passes over the region instead of seven
    centred = region - region.mean()
    squares = np.multiply(centred, centred)
    scale = np.sqrt(squares.sum() / squares.size)
    del squares
    centred /= scale if scale > 0 else 1.0
    return centred


@numba.njit(cache=True, nogil=True)
def _standardise(x, out):  # pragma: no cover - compiled
    """`standardise` of the contiguous float64 values `x` into `out` (same length)."""
    n = x.shape[0]
    mean = _pairwise(x, out, 0, n, 0.0, False) / n
    scale = np.sqrt(_pairwise(x, out, 0, n, mean, True) / n)
    if not scale > 0:
        scale = 1.0
    for i in range(n):
        out[i] /= scale


@numba.njit(cache=True, nogil=True)
def _pairwise(x, out, lo, n, mean, centre):  # pragma: no cover - compiled
    """numpy's pairwise sum (``DOUBLE_pairwise_sum``) of ``x[lo:lo + n]``, or, with
    `centre`, of the squares of ``x - mean`` over that range, each centred value
    stored in `out` as it is used: the same additions in the same order as
    ``np.multiply(c, c).sum()`` with ``c = x - mean``.

    numpy recurses: a range above `_BLOCK` values is split at half its length
    (less that half's remainder modulo 8) and the two halves' sums are added.
    The same tree is walked here with an explicit stack (numba's cache cannot
    hold a recursive function)."""
    if n <= _BLOCK:
        return _block_sum(x, out, lo, n, mean, centre)
    starts = np.empty(64, np.int64)  # depth <= log2(n) + 1
    sizes = np.empty(64, np.int64)
    states = np.empty(64, np.int64)  # 0: new, 1: left half summed, 2: both halves
    sums = np.empty(64)
    starts[0] = lo
    sizes[0] = n
    states[0] = 0
    top = 1
    held = 0
    while top > 0:
        k = top - 1
        size = sizes[k]
        if size <= _BLOCK:
            sums[held] = _block_sum(x, out, starts[k], size, mean, centre)
            held += 1
            top -= 1
            continue
        half = size // 2
        half -= half % 8
        if states[k] == 0:
            states[k] = 1
            starts[top] = starts[k]
            sizes[top] = half
        elif states[k] == 1:
            states[k] = 2
            starts[top] = starts[k] + half
            sizes[top] = size - half
        else:  # both halves summed: their sum replaces them
            sums[held - 2] = sums[held - 2] + sums[held - 1]
            held -= 1
            top -= 1
            continue
        states[top] = 0
        top += 1
    return sums[0]


@numba.njit(cache=True, nogil=True)
def _block_sum(x, out, lo, n, mean, centre):  # pragma: no cover - compiled
    """numpy's sum of at most `_BLOCK` values: eight accumulators, then the rest."""
    if n < 8:
        res = -0.0
        for i in range(lo, lo + n):
            res += _term(x, out, i, mean, centre)
        return res
    r0 = _term(x, out, lo, mean, centre)
    r1 = _term(x, out, lo + 1, mean, centre)
    r2 = _term(x, out, lo + 2, mean, centre)
    r3 = _term(x, out, lo + 3, mean, centre)
    r4 = _term(x, out, lo + 4, mean, centre)
    r5 = _term(x, out, lo + 5, mean, centre)
    r6 = _term(x, out, lo + 6, mean, centre)
    r7 = _term(x, out, lo + 7, mean, centre)
    end = lo + n - n % 8
    for i in range(lo + 8, end, 8):
        r0 += _term(x, out, i, mean, centre)
        r1 += _term(x, out, i + 1, mean, centre)
        r2 += _term(x, out, i + 2, mean, centre)
        r3 += _term(x, out, i + 3, mean, centre)
        r4 += _term(x, out, i + 4, mean, centre)
        r5 += _term(x, out, i + 5, mean, centre)
        r6 += _term(x, out, i + 6, mean, centre)
        r7 += _term(x, out, i + 7, mean, centre)
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for i in range(end, lo + n):
        res += _term(x, out, i, mean, centre)
    return res


@numba.njit(cache=True, inline="always")
def _term(x, out, i, mean, centre):  # pragma: no cover - compiled
    if not centre:
        return x[i]
    c = x[i] - mean
    out[i] = c
    return c * c
