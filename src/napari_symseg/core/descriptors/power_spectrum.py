"""Local power-spectrum descriptor (windowed FFT, after Borodinov et al. 2020).

Definition. For a grid point p = (r, c) and half sizes (w_x, w_y) =
(``window_x``, ``window_y``), let W be the window of the image centred
exactly on p, rows r - w_x .. r + w_x and columns c - w_y .. c + w_y, of
shape (N_x, N_y) = (2 w_x + 1, 2 w_y + 1). Then::

    h(i, j) = h_x(i) h_y(j),   h_N(i) = sin^2(pi (i + 1) / (N + 1)),  i = 0 .. N-1
    F(k)    = sum_{i,j} h(i, j) (W(i, j) - mean(W)) exp(-2 pi i (k_r i / N_x + k_c j / N_y))
    f_k(p)  = log(1 + |F(k)|^2 / sum_{i,j} h(i, j)^2)

``h_N`` is the symmetric Hann window of length N + 2 without its two zero
end points (``scipy.signal.windows.hann(N + 2)[1:-1]``): every pixel of the
window contributes, so even ``window_x = 1`` is meaningful. The
normalisation by ``sum h^2`` makes E|F(k)|^2 about the noise variance for
white noise (exactly, but for the removed mean), and ``log(1 + .)`` compresses the Bragg peaks. The
descriptor depends on the intensity scale: the pipeline passes the image
globally centred and scaled to unit variance.

Frequencies. A feature is a frequency index k = (k_r, k_c) of the window
FFT, |k_r| <= w_x, |k_c| <= w_y: k_r / N_x cycles per pixel along axis 0
(down the image) and k_c / N_y along axis 1. The power spectrum of a real window is
centrosymmetric, |F(k)| = |F(-k)|, and F(0) = 0 after the mean is removed,
so `operations` keeps one of each pair +-k and drops k = 0: the half plane
k_c > 0, or k_c = 0 and k_r > 0, in all (N_x N_y - 1) / 2 frequencies.
`compute` accepts any subset in any order, and k or -k alike.

Computation. Not one FFT per window (a window of 2 w + 1 = 43 px is a prime
length, slow for an FFT) but the DFT as two real matrix products, separable
like the taper: along axis 0 once per grid row for every image column, in
float64, then along axis 1 per grid point, in float32 (BLAS, one thread);
the window mean is taken off afterwards, ``F(k) - mean(W) H(k)``. The
features agree with float64 FFTs of each window to ~2e-6 (tests: 1e-5
against `numpy.fft.fft2` per window); the labels of `segment` on the
benchmark images were unchanged (docs/benchmarks.md).
"""

from __future__ import annotations

import numba
import numpy as np

from ...errors import ParamsError
from ..pca import single_threaded_blas
from ..progress import raise_if_stopped, stop_flag
from .operations import Operations

#: Approximate memory budget of one batch of windows, in bytes.
CHUNK_BYTES = 32 * 2**20


def margin(params) -> tuple[int, int]:
    """Rows/cols a grid point must keep from the border: the window half sizes."""
    return (params.window_x, params.window_y)


def frequencies(window_x: int, window_y: int) -> np.ndarray:
    """One frequency index of each pair +-k of the window FFT, DC excluded.

    Parameters
    ----------
    window_x, window_y : int
        Window half height / half width.

    Returns
    -------
    ndarray of int64, shape ((N_x N_y - 1) / 2, 2)
        (k_r, k_c) with k_c > 0, or k_c = 0 and k_r > 0, row-major over
        (k_r, k_c) with k_r from -window_x to window_x.
    """
    kr, kc = np.meshgrid(
        np.arange(-window_x, window_x + 1), np.arange(0, window_y + 1), indexing="ij"
    )
    keep = (kc > 0) | ((kc == 0) & (kr > 0))
    return np.stack([kr[keep], kc[keep]], axis=1).astype(np.int64)


def operations(params) -> Operations:
    """The frequencies (k_r, k_c) behind the power-spectrum features."""
    return Operations("frequency", frequencies(params.window_x, params.window_y))


def taper(n: int) -> np.ndarray:
    """Hann taper of length `n` with no zero end points, ``hann(n + 2)[1:-1]``."""
    from scipy.signal import windows as sig_windows  # scipy.signal: ~0.5 s to import

    return sig_windows.hann(n + 2, sym=True)[1:-1]


def compute(image, params, operations: Operations, rows, cols, out=None) -> np.ndarray:
    """Power-spectrum features at the grid points ``rows x cols`` (see module docstring).

    Parameters
    ----------
    image : ndarray, 2-D
        The image (globally centred and scaled by the caller).
    params : Params
        Uses ``window_x`` and ``window_y``.
    operations : Operations
        Frequencies (``kind == "frequency"``), any subset of `operations`.
    rows, cols : ndarray of int
        Image rows / columns of the grid points, at least the window half
        sizes from the border.
    out : ndarray, float32, optional
        C-contiguous, shape (len(rows), len(cols), len(operations)): the
        features are written into it (no temporary of that size).

    Returns
    -------
    ndarray, float32, shape (len(rows), len(cols), len(operations))
        `out` when given.
    """
    if operations.kind != "frequency":
        raise ParamsError(f"power_spectrum needs frequency operations; got {operations.kind!r}")
    return power_spectrum_features(
        image, operations.values, params.window_x, params.window_y, rows, cols, out=out
    )


def power_spectrum_features(
    image, freqs, window_x, window_y, rows, cols, *, chunk_bytes: int = CHUNK_BYTES, out=None
) -> np.ndarray:
    """log(1 + normalised |windowed FFT|^2) at the given frequencies.

    Computed as two real matrix products (see `_dft_rows`), separable like
    the taper: along axis 0 once per grid row for every image column of the
    grid's span, then along axis 1 per grid point; the window mean is taken
    off afterwards, ``F(k) -= mean(W) H(k)`` with H the transform of the
    taper. The slow per-window FFT is the test's reference.

    Parameters
    ----------
    image : ndarray, 2-D
        The image.
    freqs : ndarray of int, shape (n, 2)
        Frequency indices (k_r, k_c), |k_r| <= window_x, |k_c| <= window_y.
    window_x, window_y : int
        Window half sizes.
    rows, cols : ndarray of int
        Image rows / columns of the grid points (any contiguous chunk).
    chunk_bytes : int, optional
        Approximate memory budget of one batch of grid rows.
    out : ndarray, float32, optional
        C-contiguous, shape (len(rows), len(cols), n): written in place of a
        new array (every entry is written).

    Returns
    -------
    ndarray, float32, shape (len(rows), len(cols), n)
        `out` when given.
    """
    image = np.asarray(image, dtype=np.float64)
    rows = np.asarray(rows, dtype=np.int64).ravel()
    cols = np.asarray(cols, dtype=np.int64).ravel()
    wx, wy = int(window_x), int(window_y)
    picks = _spectrum_picks(freqs, wx, wy)
    shape = (len(rows), len(cols), len(picks[0]))
    if out is None:
        out = np.empty(shape, dtype=np.float32)
    elif out.shape != shape or out.dtype != np.float32 or not out.flags.c_contiguous:
        raise ValueError(f"out must be a C-contiguous float32 array of shape {shape}")
    if out.size == 0:
        return out
    if image.ndim != 2:
        raise ValueError(f"image must be 2-D; got shape {image.shape}")
    if (
        rows.min() < wx
        or cols.min() < wy
        or rows.max() + wx >= image.shape[0]
        or cols.max() + wy >= image.shape[1]
    ):
        raise ValueError("grid points too close to the border for this window")
    nx, ny = 2 * wx + 1, 2 * wy + 1
    along_x, along_y = _dft_rows(nx), _dft_rows(ny)
    energy = float(np.sum(taper(nx) ** 2) * np.sum(taper(ny) ** 2))
    taper_ft = _taper_transform(along_x, along_y, *picks)
    along_y = np.ascontiguousarray(along_y.T)
    c0, c1 = int(cols.min()) - wy, int(cols.max()) + wy + 1
    # centred once: the transform of (W - mean W) is unchanged by any offset, and
    # an offset as large as the signal would cost digits in F(k) - mean H(k)
    # (the offset is the same for every chunk of rows; only the rows read are copied)
    r0 = int(rows.min()) - wx
    region = image[r0 : int(rows.max()) + wx + 1, c0:c1] - image[:, c0:c1].mean()
    starts = cols - c0 - wy  # first column of each window in the region
    width = c1 - c0
    n_x, n_y = along_x.shape[0], along_y.shape[1]
    along_y = along_y.astype(np.float32)
    per_row = n_x * (8 * width + 4 * len(cols) * (ny + n_y))
    step = max(1, min(len(rows), int(chunk_bytes) // per_row))
    along_rows = np.empty((step, n_x, width))
    along_rows32 = np.empty((step, n_x, width), dtype=np.float32)
    windows = np.empty((step, n_x, len(cols), ny), dtype=np.float32)
    runs = _runs(*picks)
    stop = stop_flag()  # read between the blocks of rows (`progress.stop_flag`)
    with single_threaded_blas():  # small products: BLAS threads cost more than they give
        for a in range(0, len(rows), step):
            block = rows[a : a + step]
            nb = len(block)
            for i, r in enumerate(block):
                np.matmul(along_x, region[r - r0 - wx : r - r0 + wx + 1], out=along_rows[i])
            along_rows32[:nb] = along_rows[:nb]
            _gather_windows(along_rows32[:nb], starts, windows[:nb])
            spectra = windows[:nb].reshape(-1, ny) @ along_y
            spectra = spectra.reshape(nb, n_x, len(cols), n_y)
            _one_plus_power(spectra, runs, *taper_ft, nx * ny, energy, out[a : a + nb])
            raise_if_stopped(stop)
    # numpy's float32 log is vectorised, float64 log1p ~5x slower: log(1 + p) in float32
    # differs from the float64 log1p by at most a unit in the last place of the float32 value
    return np.log(out, out=out)


def _dft_rows(n: int) -> np.ndarray:
    """Tapered real DFT of length `n`, plus a row of ones: shape (n + 2, n) when n is odd.

    Rows 0 .. n // 2 are ``h(i) cos(2 pi k i / n)``, rows n // 2 + 1 ..
    2 (n // 2) + 1 are ``h(i) sin(2 pi k i / n)`` for k = 0 .. n // 2, the
    last row is 1 (the plain sum, for the window mean). With
    ``C = M_x W M_y^T`` for the window W, the transform of the tapered
    window at (k_r >= 0, k_c) is ``(C[c, c] - C[s, s]) - i (C[s, c] + C[c, s])``
    and at (-k_r, k_c) ``(C[c, c] + C[s, s]) - i (C[c, s] - C[s, c])``.
    """
    half = n // 2 + 1
    angle = 2 * np.pi * np.arange(half)[:, None] * np.arange(n)[None, :] / n
    h = taper(n)
    return np.concatenate([h * np.cos(angle), h * np.sin(angle), np.ones((1, n))])


def _spectrum_picks(freqs, window_x, window_y) -> tuple:
    """|k_r|, the sign of k_r (+1 or -1) and k_c >= 0 of each frequency (k or -k).

    -k is used for k in the left half plane (same power).
    """
    freqs = np.asarray(freqs, dtype=np.int64).reshape(-1, 2)
    if np.any(np.abs(freqs[:, 0]) > window_x) or np.any(np.abs(freqs[:, 1]) > window_y):
        raise ValueError(
            f"frequency indices must satisfy |k_r| <= {window_x} and |k_c| <= {window_y}"
        )
    flip = freqs[:, 1] < 0
    kr = np.where(flip, -freqs[:, 0], freqs[:, 0])
    sign = np.where(kr < 0, -1, 1).astype(np.int64)
    return np.abs(kr), sign, np.abs(freqs[:, 1])


def _taper_transform(along_x, along_y, kr, sign, kc) -> tuple:
    """Real and imaginary parts of the taper's transform H(k) at each picked frequency."""
    half_x, half_y = (along_x.shape[0] - 1) // 2, (along_y.shape[0] - 1) // 2
    cos_x = along_x[:half_x].sum(axis=1)[kr]
    sin_x = along_x[half_x : 2 * half_x].sum(axis=1)[kr] * sign
    cos_y = along_y[:half_y].sum(axis=1)[kc]
    sin_y = along_y[half_y : 2 * half_y].sum(axis=1)[kc]
    h = (cos_x - 1j * sin_x) * (cos_y - 1j * sin_y)
    return np.ascontiguousarray(h.real), np.ascontiguousarray(h.imag)


def _runs(kr, sign, kc) -> np.ndarray:
    """The picks as runs of consecutive k_c at one k_r.

    Rows: (first feature, |k_r|, sign of k_r, first k_c, length).

    `operations` gives whole runs (one per k_r), so the kernel's inner loop
    reads consecutive entries; any other subset still works, in shorter runs.
    """
    starts = [0]
    for f in range(1, len(kr)):
        if not (kr[f] == kr[f - 1] and sign[f] == sign[f - 1] and kc[f] == kc[f - 1] + 1):
            starts.append(f)
    starts = np.array(starts, dtype=np.int64)
    lengths = np.diff(np.append(starts, len(kr)))
    return np.stack([starts, kr[starts], sign[starts], kc[starts], lengths], axis=1)


@numba.njit(cache=True, parallel=True)
def _gather_windows(along_rows, starts, out):  # pragma: no cover
    """``out[a, x, b] = along_rows[a, x, starts[b] : starts[b] + out.shape[3]]``."""
    n = out.shape[3]
    for job in numba.prange(out.shape[0] * out.shape[1]):
        a, x = job // out.shape[1], job % out.shape[1]
        for b in range(starts.shape[0]):
            out[a, x, b, :] = along_rows[a, x, starts[b] : starts[b] + n]


@numba.njit(cache=True, parallel=True)
def _one_plus_power(spectra, runs, h_re, h_im, area, energy, out):  # pragma: no cover
    """``out[a, b, f] = 1 + |F(k_f) - mean H(k_f)|^2 / energy`` from the products.

    ``spectra[a, :, b, :]`` is ``C = M_x W M_y^T`` of the window of grid
    point (a, b) (`_dft_rows`); its last row and column hold the window's sum.
    One job per grid row and run, reading two rows of C for all grid points.
    """
    n_rows, n_cols = spectra.shape[0], spectra.shape[2]
    half_x, half_y = (spectra.shape[1] - 1) // 2, (spectra.shape[3] - 1) // 2
    n_runs = runs.shape[0]
    for job in numba.prange(n_rows * n_runs):
        a, q = job // n_runs, job % n_runs
        f0, x, sign, y0, length = runs[q, 0], runs[q, 1], runs[q, 2], runs[q, 3], runs[q, 4]
        sums = spectra[a, 2 * half_x, :, 2 * half_y]
        cos_x = spectra[a, x]
        sin_x = spectra[a, half_x + x]
        for b in range(n_cols):
            mean = np.float64(sums[b]) / area
            for f in range(f0, f0 + length):
                y = y0 + f - f0
                cc = np.float64(cos_x[b, y])
                cs = np.float64(cos_x[b, half_y + y])
                sc = np.float64(sin_x[b, y])
                ss = np.float64(sin_x[b, half_y + y])
                if sign > 0:
                    re, im = cc - ss, -(sc + cs)
                else:
                    re, im = cc + ss, sc - cs
                re -= mean * h_re[f]
                im -= mean * h_im[f]
                out[a, b, f] = 1.0 + (re * re + im * im) / energy
