"""The windowed-FFT baseline of issue 13 (for comparison only; not part of the package).

Absolute log power spectrum of Hann windows 4 lattice spacings wide, PCA to
10 components, k-means; for a video, every frame's windows are clustered
together (one PCA, one k-means). "Absolute": the window is not centred or
normalised, so the zero frequency carries the local mean intensity and the
power its local contrast -- what Pearson scores throw away.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.cluster import KMeans

from napari_symseg.core.pca import CovarianceAccumulator
from napari_symseg.core.suggest import dominant_period


def _grid(size: int, half: int, stride: int) -> np.ndarray:
    n = (size - 2 * half - 1) // stride + 1
    start = half + ((size - 2 * half - 1) - (n - 1) * stride) // 2
    return start + stride * np.arange(n)


def spectra(image: np.ndarray, half: int, stride: int) -> tuple[np.ndarray, tuple]:
    """log(|FFT|^2 / n^2 + floor) of the Hann-windowed (2 half + 1)^2 window at every grid point.

    Returns
    -------
    features : ndarray, (n_rows, n_cols, n_freq) float32
    grid : (rows, cols)
    """
    img = np.asarray(image, dtype=np.float64)
    img = img / (img.mean() + 1e-12)
    floor = 1e-4 * img.var() + 1e-12  # log of the power, not of 1 + power: noise levels count
    rows, cols = _grid(img.shape[0], half, stride), _grid(img.shape[1], half, stride)
    n = 2 * half + 1
    hann = np.hanning(n + 2)[1:-1]
    taper = np.outer(hann, hann)
    views = sliding_window_view(img, (n, n))
    out = None
    for i, r in enumerate(rows):
        batch = views[r - half, cols - half] * taper  # (n_cols, n, n)
        power = np.abs(np.fft.rfft2(batch)) ** 2
        feats = np.log(power.reshape(len(cols), -1) / taper.size + floor)
        if out is None:
            out = np.empty((len(rows), len(cols), feats.shape[1]), np.float32)
        out[i] = feats
    return out, (rows, cols)


def _upsample(grid_labels, rows, cols, shape) -> np.ndarray:
    ri = np.clip(np.searchsorted(rows, np.arange(shape[0]) - (rows[1] - rows[0]) / 2), 0,
                 len(rows) - 1) if len(rows) > 1 else np.zeros(shape[0], int)
    ci = np.clip(np.searchsorted(cols, np.arange(shape[1]) - (cols[1] - cols[0]) / 2), 0,
                 len(cols) - 1) if len(cols) > 1 else np.zeros(shape[1], int)
    return grid_labels[ri][:, ci]


def fft_baseline(frames, n_patterns: int, period: float | None = None, stride: int | None = None,
                 n_components: int = 10, seed: int = 0) -> np.ndarray:
    """Labels of an image (Y, X) or a video (T, Y, X) by the windowed-FFT baseline.

    Parameters
    ----------
    frames : ndarray
        One image or a series (all frames clustered together).
    n_patterns : int
        k of k-means.
    period : float, optional
        Lattice spacing (px); default `dominant_period` of the (first) image.
    stride : int, optional
        Grid spacing; default about a third of the period.
    n_components : int
        PCA components (10).
    seed : int
        k-means seed.

    Returns
    -------
    ndarray of int32, the shape of `frames`
    """
    frames = np.asarray(frames)
    single = frames.ndim == 2
    frames = frames[None] if single else frames
    period = dominant_period(frames[0]) if period is None else period
    half = max(2, round(2 * period))  # window side ~ 4 spacings
    stride = max(1, round(period / 3)) if stride is None else stride
    acc = None
    for f in frames:  # two passes (covariance, projection): a video never sits in memory
        x, grid = spectra(f, half, stride)
        acc = CovarianceAccumulator(x.shape[-1]) if acc is None else acc
        acc.add(x)
    pca = acc.fit(n_components)
    z = np.stack([pca.transform(spectra(f, half, stride)[0]) for f in frames])
    grid_shape = z.shape[1:3]
    z = z.reshape(-1, pca.n_components)
    rng = np.random.default_rng(seed)
    sample = z[rng.choice(len(z), min(len(z), 20000), replace=False)]
    km = KMeans(n_patterns, n_init=4, random_state=seed).fit(sample)
    labels = km.predict(z).reshape(len(frames), *grid_shape)
    out = np.stack([_upsample(lab, *grid, frames.shape[1:]) for lab in labels]).astype(np.int32)
    return out[0] if single else out
