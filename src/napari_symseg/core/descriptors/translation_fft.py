"""Translation scores by per-pixel FFTs (Appendix B of Wang et al. 2021), exact.

The score of translation t = (m, n) at grid point p is the Pearson
correlation between the patch P(p) (rows p_r - patch_x .. p_r + patch_x,
columns p_c - patch_y .. p_c + patch_y) and the patch P(p + t) (paper eq. 3)::

    S_t(p)   = sum_{r in P} I(p + r) * I(p + r + t)                  (eq. B.3)
    mu(p)    = mean_P(I)(p),  var(p) = mean_P(I^2)(p) - mu(p)^2      (B.4, B.5)
    rho_t(p) = (S_t(p) / |P| - mu(p) mu(p + t)) / sqrt(var(p) var(p + t))

For every grid point, the sums S_t for *all* shifts of the bounding window
|m| <= w_x, |n| <= w_y (w = the largest requested |shift|) come from one
periodic cross-correlation (eqs. B.6-B.9): the patch A = P(p), of shape
(2 p_x + 1, 2 p_y + 1), and the window B around p, of shape
(2 (p_x + w_x) + 1, 2 (p_y + w_y) + 1), are zero-padded to a fast FFT size
W >= shape(B) (`scipy.fft.next_fast_len`) with their first pixel at index 0,
and ``irfft2(conj(rfft2(A)) * rfft2(B))`` holds S_t at lag (w_x + m, w_y + n);
as W covers B, no lag used wraps around. The requested shifts are picked
afterwards.

The 2-D transforms are separable and done one axis at a time, batched over
blocks of grid points with `scipy.fft` (``workers=-1``). Along axis 0 (down
an image column), the transform of a column segment serves every grid point
of a grid row whose window contains that column, so it is computed once per
grid row and image column. Per grid point remain the transforms along
axis 1 (of A and B), their product, the inverse along axis 1, and the
inverse along axis 0 for the requested column lags only.
The patch means and variances (the sums with A = 1 in Appendix B) are not
computed by FFT but, as the paper suggests, once for the whole region, from
separable cumulative sums in float64.

The cost per grid point is O(W_x W_y log W_y), whatever the number of
requested shifts, so this route pays off for large windows with many shifts;
the running-sum route of `translation` costs O(n_shifts) per pixel.

Numerics: the region read is centred and scaled to unit variance first
(Pearson's coefficient is invariant to this), and all sums are in float64.
A patch whose variance is at most `ZERO_VARIANCE` times the variance of that
region (the variance of the image itself when the whole grid is computed at
once) counts as constant and every score involving it is 0, never NaN; the
running-sum route uses the same rule. Scores are clipped to [-1, 1] against
rounding.
"""

from __future__ import annotations

import numpy as np
import scipy
from numpy.lib.stride_tricks import sliding_window_view

from .pearson import ZERO_VARIANCE, standardise

#: Approximate memory budget of one block of grid points, in bytes (blocks that
#: stay small were faster than 200 MB ones: less memory traffic).
CHUNK_BYTES = 32 * 2**20


def correlations_fft(
    image, shifts, patch_x, patch_y, rows, cols, *, chunk_bytes: int = CHUNK_BYTES
) -> np.ndarray:
    """Exact translation scores by per-grid-point FFTs (see module docstring).

    Parameters
    ----------
    image : ndarray, 2-D
        The image (float64 preferred).
    shifts : ndarray of int, shape (n, 2)
        Translations (row, col), any order, repeats allowed.
    patch_x, patch_y : int
        Patch half height / half width.
    rows, cols : ndarray of int
        Image rows / columns of the grid points; every patch and every
        shifted patch must lie inside the image.
    chunk_bytes : int, optional
        Approximate memory budget of one block of grid points.

    Returns
    -------
    ndarray, float32, shape (len(rows), len(cols), n)
        ``out[a, b, k]`` is the score of ``shifts[k]`` at ``(rows[a], cols[b])``.

    Raises
    ------
    ValueError
        If the image is not 2-D or a patch would leave the image.
    """
    image = np.asarray(image, dtype=np.float64)
    rows = np.asarray(rows, dtype=np.int64).ravel()
    cols = np.asarray(cols, dtype=np.int64).ravel()
    shifts = np.asarray(shifts, dtype=np.int64).reshape(-1, 2)
    patch_x, patch_y = int(patch_x), int(patch_y)
    out = np.zeros((len(rows), len(cols), len(shifts)), dtype=np.float32)
    if out.size == 0:
        return out
    if image.ndim != 2:
        raise ValueError(f"image must be 2-D; got shape {image.shape}")
    wx, wy = (int(v) for v in np.abs(shifts).max(axis=0))
    hx, hy = patch_x + wx, patch_y + wy  # half size of the window read per point
    r0, r1 = int(rows.min()) - hx, int(rows.max()) + hx + 1
    c0, c1 = int(cols.min()) - hy, int(cols.max()) + hy + 1
    if r0 < 0 or c0 < 0 or r1 > image.shape[0] or c1 > image.shape[1]:
        raise ValueError("grid points too close to the border for these patches and shifts")
    region = standardise(image[r0:r1, c0:c1])
    mean, inv_sd = _box_moments(region, patch_x, patch_y)
    geometry = (patch_x, patch_y, wx, wy)
    # real transforms along axis 0, complex ones along axis 1
    fft_shape = (
        scipy.fft.next_fast_len(2 * hx + 1, real=True),
        scipy.fft.next_fast_len(2 * hy + 1, real=False),
    )
    row_lags, row_pick = np.unique(shifts[:, 0], return_inverse=True)
    col_lags, col_pick = np.unique(shifts[:, 1], return_inverse=True)
    pr, pc = rows - r0, cols - c0  # grid point coordinates in the region
    step_c = int(abs(cols[1] - cols[0])) if len(cols) > 1 else 1
    n_r, n_c = _block_shape(len(rows), len(cols), step_c, geometry, fft_shape, chunk_bytes)
    area = (2 * patch_x + 1) * (2 * patch_y + 1)
    for a in range(0, len(rows), n_r):
        for b in range(0, len(cols), n_c):
            rr, cc = pr[a : a + n_r], pc[b : b + n_c]
            sums = _block_sums(region, rr, cc, geometry, fft_shape, (row_lags, col_lags))
            sums = sums[:, :, row_pick, col_pick]
            ir, ic = rr - patch_x, cc - patch_y
            out[a : a + n_r, b : b + n_c] = _pearson(sums, mean, inv_sd, ir, ic, shifts, area)
    return out


def _box_sum(values: np.ndarray, half_x: int, half_y: int) -> np.ndarray:
    """Sums over all (2 half_x + 1, 2 half_y + 1) boxes inside `values` ('valid').

    Separable cumulative sums in float64: the error of each sum is of the
    order of eps times one row or column of partial sums, not of the whole
    image.
    """
    out = values
    for axis, half in ((0, half_x), (1, half_y)):
        size = 2 * half + 1
        pad = [(0, 0), (0, 0)]
        pad[axis] = (1, 0)
        csum = np.pad(np.cumsum(out, axis=axis), pad)
        hi = [slice(None), slice(None)]
        lo = [slice(None), slice(None)]
        hi[axis], lo[axis] = slice(size, None), slice(None, -size)
        out = csum[tuple(hi)] - csum[tuple(lo)]
    return out


def _box_moments(region: np.ndarray, patch_x: int, patch_y: int) -> tuple:
    """Patch mean and inverse standard deviation for every patch centre in `region`.

    Entry ``[i, j]`` belongs to the patch centred at region pixel
    ``(i + patch_x, j + patch_y)``. The standard deviation is that of the
    population; the inverse is 0 for a patch of variance at most
    `ZERO_VARIANCE` (the region has unit variance), so that its scores are 0.
    """
    area = (2 * patch_x + 1) * (2 * patch_y + 1)
    mean = _box_sum(region, patch_x, patch_y) / area
    var = _box_sum(region * region, patch_x, patch_y) / area - mean * mean
    inv_sd = np.zeros_like(var)
    ok = var > ZERO_VARIANCE
    inv_sd[ok] = 1.0 / np.sqrt(var[ok])
    return mean, inv_sd


def _block_shape(n_rows, n_cols, step_c, geometry, fft_shape, chunk_bytes) -> tuple:
    """Grid rows and columns per block so that one block needs about `chunk_bytes`."""
    _, patch_y, _, wy = geometry
    wr, wc = fft_shape
    half = wr // 2 + 1
    per_point = 16 * half * (4 * wc + 2 * (2 * patch_y + wy + 1))  # spectra and copies
    per_strip_col = 16 * 3 * half  # shared column spectra of A and B (+ a temporary)

    def row_bytes(n_c):
        return n_c * per_point + per_strip_col * ((n_c - 1) * step_c + 2 * (patch_y + wy) + 1)

    n_c = n_cols
    while n_c > 1 and row_bytes(n_c) > chunk_bytes:
        n_c = (n_c + 1) // 2
    n_r = max(1, min(n_rows, int(chunk_bytes // row_bytes(n_c))))
    return n_r, n_c


def _block_sums(region, rr, cc, geometry, fft_shape, lags) -> np.ndarray:
    """Shifted sums S (eq. B.6) for the grid points ``rr x cc`` of `region`.

    For the point p = (r, c), A is the patch around p and B the window of
    half size (patch_x + wx, patch_y + wy) around p, both zero-padded to
    `fft_shape` with their first pixel at index 0 (eq. B.7); then
    ``S[m, n] = irfft2(conj(rfft2(A)) * rfft2(B))[wx + m, wy + n]`` (B.8),
    with no wrap-around because `fft_shape` covers B. The 2-D transforms are
    done one axis at a time: along axis 0, the transform of one image column
    segment serves every point of a grid row, so it is done once per grid row;
    the inverse along axis 0 is only done for the column lags needed.

    Parameters
    ----------
    region : ndarray, 2-D float64
        The standardised image region.
    rr, cc : ndarray of int
        Region rows / columns of the grid points (equally spaced).
    geometry : (int, int, int, int)
        patch_x, patch_y, wx, wy.
    fft_shape : (int, int)
        Periodic embedding size (W_x, W_y), at least the shape of B.
    lags : (ndarray, ndarray)
        Row shifts m_i and column shifts n_j wanted (|m_i| <= wx, |n_j| <= wy).

    Returns
    -------
    ndarray, float64, shape (len(rr), len(cc), len(lags[0]), len(lags[1]))
        ``S[a, b, i, j]`` for the point ``(rr[a], cc[b])`` and shift
        ``(lags[0][i], lags[1][j])``.
    """
    patch_x, patch_y, wx, wy = geometry
    hx, hy = patch_x + wx, patch_y + wy
    wr, wc = fft_shape
    first = int(cc.min()) - hy
    sub = region[:, first : int(cc.max()) + hy + 1]
    starts = cc - first - hy  # first column of each window B in `sub`
    spec_b = _row_spectra(_column_spectra(sub, rr - hx, 2 * hx + 1, wr), starts, 2 * hy + 1, wc)
    spec_a = _row_spectra(
        _column_spectra(sub, rr - patch_x, 2 * patch_x + 1, wr), starts + wy, 2 * patch_y + 1, wc
    )
    spec_b *= np.conjugate(spec_a, out=spec_a)
    del spec_a
    part = scipy.fft.ifft(spec_b, axis=-1, workers=-1, overwrite_x=True)[..., lags[1] + wy]
    sums = scipy.fft.irfft(part, n=wr, axis=1, workers=-1)[:, lags[0] + wx]
    return sums.transpose(0, 2, 1, 3)


def _column_spectra(sub, starts, length, n) -> np.ndarray:
    """rfft along axis 0 of the segments ``sub[s : s + length, :]``, zero-padded to `n`.

    Returns complex (len(starts), n // 2 + 1, sub.shape[1]).
    """
    segments = sliding_window_view(sub, length, axis=0)[starts]  # (k, width, length)
    spec = scipy.fft.rfft(segments, n=n, axis=-1, workers=-1)
    return np.ascontiguousarray(spec.transpose(0, 2, 1))


def _row_spectra(spec, starts, length, n) -> np.ndarray:
    """fft along the last axis of ``spec[..., s : s + length]`` for every s, zero-padded to `n`.

    Returns complex (spec.shape[0], spec.shape[1], len(starts), n).
    """
    padded = np.zeros((*spec.shape[:2], len(starts), n), dtype=spec.dtype)
    for j, start in enumerate(starts):
        padded[:, :, j, :length] = spec[:, :, start : start + length]
    return scipy.fft.fft(padded, axis=-1, workers=-1, overwrite_x=True)


def _pearson(sums, mean, inv_sd, ir, ic, shifts, area) -> np.ndarray:
    """Pearson scores from shifted sums and box moments, in place of `sums`.

    ``sums`` has shape (len(ir), len(ic), n_shifts); ``mean[ir[a], ic[b]]``
    and ``inv_sd[ir[a], ic[b]]`` are the moments of the unshifted patch of
    grid point (a, b). A zero inverse standard deviation (constant patch)
    gives 0.
    """
    ir = ir[:, None, None]
    ic = ic[None, :, None]
    ir_t = ir + shifts[:, 0]
    ic_t = ic + shifts[:, 1]
    rho = sums
    rho /= area
    rho -= mean[ir, ic] * mean[ir_t, ic_t]
    rho *= inv_sd[ir, ic]
    rho *= inv_sd[ir_t, ic_t]
    return np.clip(rho, -1.0, 1.0, out=rho)
