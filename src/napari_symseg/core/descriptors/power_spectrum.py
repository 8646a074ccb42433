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
"""

from __future__ import annotations

import numpy as np
import scipy
from numpy.lib.stride_tricks import sliding_window_view

from ...errors import ParamsError
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


def compute(image, params, operations: Operations, rows, cols) -> np.ndarray:
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

    Returns
    -------
    ndarray, float32, shape (len(rows), len(cols), len(operations))
    """
    if operations.kind != "frequency":
        raise ParamsError(f"power_spectrum needs frequency operations; got {operations.kind!r}")
    return power_spectrum_features(
        image, operations.values, params.window_x, params.window_y, rows, cols
    )


def power_spectrum_features(
    image, freqs, window_x, window_y, rows, cols, *, chunk_bytes: int = CHUNK_BYTES
) -> np.ndarray:
    """log(1 + normalised |windowed FFT|^2) at the given frequencies.

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
        Approximate memory budget of one batch of windows.

    Returns
    -------
    ndarray, float32, shape (len(rows), len(cols), n)
    """
    image = np.asarray(image, dtype=np.float64)
    rows = np.asarray(rows, dtype=np.int64).ravel()
    cols = np.asarray(cols, dtype=np.int64).ravel()
    shape = (2 * int(window_x) + 1, 2 * int(window_y) + 1)
    index = _spectrum_index(freqs, window_x, window_y)
    out = np.zeros((len(rows), len(cols), len(index)), dtype=np.float32)
    if out.size == 0:
        return out
    if image.ndim != 2:
        raise ValueError(f"image must be 2-D; got shape {image.shape}")
    if (
        rows.min() < window_x
        or cols.min() < window_y
        or rows.max() + window_x >= image.shape[0]
        or cols.max() + window_y >= image.shape[1]
    ):
        raise ValueError("grid points too close to the border for this window")
    taper_2d = np.outer(taper(shape[0]), taper(shape[1]))
    energy = float(np.sum(taper_2d**2))
    views = sliding_window_view(image, shape)
    # gathered and centred windows, spectrum and power, picked features
    per_point = 16 * shape[0] * shape[1] + 24 * shape[0] * (window_y + 1) + 8 * len(index)
    step = max(1, int(chunk_bytes) // per_point)
    flat = out.reshape(-1, out.shape[-1])
    for start in range(0, flat.shape[0], step):
        idx = np.arange(start, min(start + step, flat.shape[0]))
        batch = views[rows[idx // len(cols)] - window_x, cols[idx % len(cols)] - window_y]
        flat[start : start + len(idx)] = _features(batch, taper_2d, energy, index)
    return out


def _spectrum_index(freqs, window_x, window_y) -> np.ndarray:
    """Flat positions of the frequencies in an ``rfft2`` output of the window.

    -k is used for k in the left half plane (same power); negative row
    indices wrap around.
    """
    freqs = np.asarray(freqs, dtype=np.int64).reshape(-1, 2)
    if np.any(np.abs(freqs[:, 0]) > window_x) or np.any(np.abs(freqs[:, 1]) > window_y):
        raise ValueError(
            f"frequency indices must satisfy |k_r| <= {window_x} and |k_c| <= {window_y}"
        )
    flip = freqs[:, 1] < 0
    kr = np.where(flip, -freqs[:, 0], freqs[:, 0]) % (2 * window_x + 1)
    kc = np.abs(freqs[:, 1])
    return kr * (window_y + 1) + kc


def _features(batch, taper_2d, energy, index) -> np.ndarray:
    """Features of a batch of windows, shape (k, N_x, N_y) -> (k, n)."""
    centred = batch - batch.mean(axis=(1, 2), keepdims=True)
    centred *= taper_2d
    spec = scipy.fft.rfft2(centred, axes=(1, 2), workers=-1, overwrite_x=True)
    power = spec.real**2 + spec.imag**2
    picked = np.take(power.reshape(len(power), -1), index, axis=1)
    picked /= energy
    return np.log1p(picked, out=picked)
