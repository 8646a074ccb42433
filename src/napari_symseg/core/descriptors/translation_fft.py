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

Only the transform along axis 0 (down an image column) is an FFT: the
transform of a column segment serves every grid point of a grid row whose
window contains that column, so it is computed once per grid row and image
column. Along axis 1 the product of the two spectra is summed over the
patch columns for each column shift wanted, a box sum kept running along
the grid row (as the direct route does in image space); the inverse
transform along axis 0 is a small matrix product for the row shifts wanted.
The patch means and variances (the sums with A = 1 in Appendix B) are not
computed by FFT but, as the paper suggests, once for the whole region, from
separable cumulative sums in float64.

The cost per grid row is O(W_x log W_x) per image column for the transforms
and O(n_col_shifts W_x) per image column for the running box sums; per grid
point O(n_col_shifts n_row_shifts W_x) for the inverse. The running-sum
route of `translation` costs O(n_shifts) per pixel of the patch product.

Numerics: the region read is centred and scaled to unit variance first
(Pearson's coefficient is invariant to this), and all sums are in float64.
A patch whose variance is at most `ZERO_VARIANCE` times the variance of that
region (the variance of the image itself when the whole grid is computed at
once) counts as constant and every score involving it is 0, never NaN; the
running-sum route uses the same rule. Scores are clipped to [-1, 1] against
rounding.
"""

from __future__ import annotations

import numba
import numpy as np
import scipy
from numpy.lib.stride_tricks import sliding_window_view

from ..pca import single_threaded_blas
from ..progress import raise_if_stopped, stop_flag
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
    n_fft = scipy.fft.next_fast_len(2 * hx + 1, real=True)  # real transforms along axis 0
    row_lags, row_pick = np.unique(shifts[:, 0], return_inverse=True)
    col_lags, col_pick = np.unique(shifts[:, 1], return_inverse=True)
    pr, pc = rows - r0, cols - c0  # grid point coordinates in the region
    step_c = int(abs(cols[1] - cols[0])) if len(cols) > 1 else 1
    n_lags = len(col_lags)
    n_r, n_c = _block_shape(len(rows), len(cols), step_c, geometry, n_fft, n_lags, chunk_bytes)
    area = (2 * patch_x + 1) * (2 * patch_y + 1)
    stop = stop_flag()  # read between blocks (`progress.stop_flag`)
    for a in range(0, len(rows), n_r):
        for b in range(0, len(cols), n_c):
            raise_if_stopped(stop)
            rr, cc = pr[a : a + n_r], pc[b : b + n_c]
            sums = _block_sums(region, rr, cc, geometry, n_fft, (row_lags, col_lags))
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
        shape = list(out.shape)
        shape[axis] += 1
        csum = np.empty(shape)  # the cumulative sums after a first line of zeros
        (csum[0] if axis == 0 else csum[:, 0])[...] = 0.0
        np.cumsum(out, axis=axis, out=csum[1:] if axis == 0 else csum[:, 1:])
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


def _block_shape(n_rows, n_cols, step_c, geometry, n_fft, n_lags, chunk_bytes) -> tuple:
    """Grid rows and columns per block so that one block needs about `chunk_bytes`."""
    _, patch_y, _, wy = geometry
    half = n_fft // 2 + 1
    per_point = n_lags * (16 * half + 8 * n_fft)  # lagged sums and their inverse transform
    per_strip_col = 16 * 3 * half  # column spectra of A and B (+ a temporary)

    def row_bytes(n_c):
        return n_c * per_point + per_strip_col * ((n_c - 1) * step_c + 2 * (patch_y + wy) + 1)

    n_c = n_cols
    while n_c > 1 and row_bytes(n_c) > chunk_bytes:
        n_c = (n_c + 1) // 2
    n_r = max(1, min(n_rows, int(chunk_bytes // row_bytes(n_c))))
    return n_r, n_c


def _block_sums(region, rr, cc, geometry, n_fft, lags) -> np.ndarray:
    """Shifted sums S (eq. B.6) for the grid points ``rr x cc`` of `region`.

    Along axis 0 by FFT: for the point p = (r, c) and an image column j, let
    a_j be the column segment of the patch rows (r - patch_x .. r + patch_x)
    and b_j that of the window rows (r - patch_x - wx .. r + patch_x + wx),
    both zero-padded to `n_fft` with their first pixel at index 0 (eq. B.7).
    Then ``irfft(conj(rfft(a_j)) * rfft(b_(j + n)))[wx + m]`` is the sum down
    column j of I(i, j) I(i + m, j + n) over the patch rows, with no
    wrap-around as `n_fft` covers b. The transforms of the column segments
    serve every grid point of a grid row, so they are computed once per grid
    row; S for the column shift n is the sum of those products over the
    patch columns j = c - patch_y .. c + patch_y, a box sum along axis 1
    that `_lagged_box_sums` keeps running along the grid row (as the direct
    route does in image space). One inverse transform per grid point and
    column shift remains, and only the row shifts needed are kept.

    Parameters
    ----------
    region : ndarray, 2-D float64
        The standardised image region.
    rr, cc : ndarray of int
        Region rows / columns of the grid points (equally spaced).
    geometry : (int, int, int, int)
        patch_x, patch_y, wx, wy.
    n_fft : int
        Transform length along axis 0, at least the window height 2 (patch_x + wx) + 1.
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
    first = int(cc.min()) - hy
    sub = region[:, first : int(cc.max()) + hy + 1]
    spec_a = _column_spectra(sub, rr - patch_x, 2 * patch_x + 1, n_fft)
    spec_b = _column_spectra(sub, rr - hx, 2 * hx + 1, n_fft)
    col_lags = np.asarray(lags[1], dtype=np.int64)
    part = np.empty((len(rr), len(cc), len(col_lags), spec_a.shape[3]), dtype=np.complex128)
    _lagged_box_sums(spec_a, spec_b, np.asarray(cc - first, dtype=np.int64), col_lags, patch_y,
                     part)
    flat = part.view(np.float64).reshape(-1, 2 * part.shape[-1])
    with single_threaded_blas():  # a tall, thin product: BLAS threads cost more than they give
        sums = flat @ _inverse_rows(n_fft, lags[0] + wx)
    return sums.reshape(*part.shape[:3], -1).transpose(0, 1, 3, 2)


def _inverse_rows(n: int, picked) -> np.ndarray:
    """``irfft(X, n)[picked]`` as a real matrix applied to X's interleaved (real, imag) parts.

    Only a few lags of each inverse transform are needed: a product with
    shape (2 (n // 2 + 1), len(picked)) costs less than the whole transform.
    As `irfft`, the imaginary parts of the zero (and Nyquist) bins are ignored.
    """
    half = n // 2 + 1
    k = np.arange(half)[:, None]
    weight = np.where((k == 0) | (2 * k == n), 1.0, 2.0) / n
    angle = 2 * np.pi * k * np.asarray(picked)[None, :] / n
    rows = np.empty((2 * half, len(picked)))
    rows[0::2] = weight * np.cos(angle)
    rows[1::2] = -weight * np.sin(angle)
    rows[1] = 0.0
    if n % 2 == 0:
        rows[-1] = 0.0
    return rows


def _column_spectra(sub, starts, length, n) -> np.ndarray:
    """rfft along axis 0 of the segments ``sub[s : s + length, :]``, zero-padded to `n`.

    Returns float64 (len(starts), sub.shape[1], 2, n // 2 + 1): for every
    segment and image column, the real parts of its spectrum, then the
    imaginary parts (contiguous runs over the frequencies for
    `_lagged_box_sums`).
    """
    segments = sliding_window_view(sub, length, axis=0)[starts]  # (k, width, length)
    spec = scipy.fft.rfft(segments, n=n, axis=-1, workers=-1)  # (k, width, n // 2 + 1)
    planar = np.empty((*spec.shape[:2], 2, spec.shape[2]))
    planar[:, :, 0] = spec.real
    planar[:, :, 1] = spec.imag
    return planar


@numba.njit(cache=True, parallel=True)
def _lagged_box_sums(spec_a, spec_b, centres, col_lags, half, out):  # pragma: no cover
    """``out[a, b, j, k] = sum_(|c - centres[b]| <= half) conj(A[a, c, k]) B[a, c + lag_j, k]``.

    `spec_a`, `spec_b` as `_column_spectra` (real and imaginary parts of
    each column's spectrum); `out` complex. One job per grid row and column
    shift, the running sums of all frequencies at once (the inner loops run
    over the frequencies, contiguous in memory). The box sum runs along the
    grid row (the products leaving the box are recomputed and subtracted),
    or starts afresh where the grid step exceeds the box (or goes backwards).
    """
    n_rows, n_freq = spec_a.shape[0], spec_a.shape[3]
    n_lags, n_cols = col_lags.shape[0], centres.shape[0]
    for job in numba.prange(n_rows * n_lags):
        a = job // n_lags
        j = job % n_lags
        lag = col_lags[j]
        re = np.zeros(n_freq)
        im = np.zeros(n_freq)
        for b in range(n_cols):
            lo, hi = centres[b] - half, centres[b] + half + 1
            prev_lo = centres[b - 1] - half if b > 0 else hi
            if not 0 <= lo - prev_lo <= 2 * half:  # first box, or no overlap with the last
                re[:] = 0.0
                im[:] = 0.0
                for c in range(lo, hi):
                    _add_product(spec_a[a, c], spec_b[a, c + lag], re, im, n_freq)
            else:
                prev_hi = prev_lo + 2 * half + 1
                for c in range(prev_lo, lo):
                    _subtract_product(spec_a[a, c], spec_b[a, c + lag], re, im, n_freq)
                for c in range(prev_hi, hi):
                    _add_product(spec_a[a, c], spec_b[a, c + lag], re, im, n_freq)
            target = out[a, b, j]
            for k in range(n_freq):
                target[k] = complex(re[k], im[k])


@numba.njit(cache=True, inline="always")
def _add_product(x, y, re, im, n):  # pragma: no cover - compiled
    """``(re + i im)[:n] += conj(x) * y`` for spectra `x`, `y` (real parts, imaginary parts)."""
    xr, xi, yr, yi = x[0], x[1], y[0], y[1]
    for k in range(n):
        re[k] += xr[k] * yr[k] + xi[k] * yi[k]
        im[k] += xr[k] * yi[k] - xi[k] * yr[k]


@numba.njit(cache=True, inline="always")
def _subtract_product(x, y, re, im, n):  # pragma: no cover - compiled
    """``(re + i im)[:n] -= conj(x) * y`` (as `_add_product`)."""
    xr, xi, yr, yi = x[0], x[1], y[0], y[1]
    for k in range(n):
        re[k] -= xr[k] * yr[k] + xi[k] * yi[k]
        im[k] -= xr[k] * yi[k] - xi[k] * yr[k]


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
