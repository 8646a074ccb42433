"""Local orientation and lattice spacing maps on the descriptor grid.

On a coarse subset of the grid points (about one window apart), the
Hann-windowed autocorrelation of the square window around the point is
computed (all windows in one batched FFT). Its strongest peak in the
annulus around the expected spacing -- the shortest lattice vector of the
point's region, or of the image's regions when it has none -- is located to
sub-pixel precision; its length is the local spacing and its angle
(counter-clockwise from x, y up) folded by the region's rotation symmetry
(60, 90 or 180 degrees) the local orientation. Values are brought to the
whole grid by nearest neighbour.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import fft as sfft

from .grid import Grid


def window_size(spacing: float) -> int:
    """Side of the square windows: an even FFT-friendly size holding about four spacings
    (24 .. 128 px).

    Parameters
    ----------
    spacing : float
        The longest expected shortest-lattice-vector length, px.
    """
    size = int(min(128, max(24, math.ceil(4 * spacing))))
    return sfft.next_fast_len(size + size % 2, real=True) // 2 * 2


def local_lattice_maps(image: np.ndarray, grid: Grid, grid_regions: np.ndarray,
                       spacing: dict, period: dict) -> tuple[np.ndarray, np.ndarray]:
    """Local orientation (degrees) and spacing (px) at every grid point.

    Parameters
    ----------
    image : ndarray, 2-D
        The image.
    grid : Grid
        The descriptor grid.
    grid_regions : ndarray of int, grid.shape
        Region id at every grid point.
    spacing : dict of int to float
        Shortest lattice vector length of every region id with a lattice.
    period : dict of int to float
        Rotation period (60, 90, 180) of every region id with a lattice.

    Returns
    -------
    orientation, spacing : ndarray of float32, grid.shape
        NaN where no region of the image has a lattice.
    """
    known = [s for s in spacing.values() if np.isfinite(s)]
    shape = grid.shape
    if not known:
        return np.full(shape, np.nan, np.float32), np.full(shape, np.nan, np.float32)
    size = window_size(max(known))
    half = size // 2
    step = max(1, round(size / grid.stride))
    gi = np.arange(0, shape[0], step)
    gj = np.arange(0, shape[1], step)
    h, w = image.shape
    rows = np.clip(grid.rows[gi], half, h - half) - half
    cols = np.clip(grid.cols[gj], half, w - half) - half
    img = np.asarray(image, np.float32)
    tiles = img[rows[:, None, None, None] + np.arange(size)[None, None, :, None],
                cols[None, :, None, None] + np.arange(size)[None, None, None, :]]
    tiles = tiles.reshape(-1, size, size)
    tiles = tiles - tiles.mean(axis=(1, 2), keepdims=True)
    hann = np.hanning(size).astype(np.float32)
    tiles *= hann[:, None] * hann[None, :]
    spec = sfft.rfft2(tiles)  # circular: the Hann window makes the wrap-around negligible
    acf = np.fft.fftshift(sfft.irfft2(spec * spec.conj(), (size, size)), axes=(1, 2))
    ids = grid_regions[np.ix_(gi, gj)].ravel()
    fallback = min(known)
    expected = np.array([spacing.get(int(r), math.nan) for r in ids])
    expected = np.where(np.isfinite(expected), expected, fallback)
    fold = np.array([period.get(int(r), 180.0) for r in ids])
    lag = np.arange(size) - half
    radius = np.hypot(lag[:, None], lag[None, :])
    inside = ((radius[None] >= 0.75 * expected[:, None, None])
              & (radius[None] <= 1.25 * expected[:, None, None]))
    flat = np.where(inside, acf, -np.inf).reshape(len(ids), -1)
    best = flat.argmax(axis=1)
    pr, pc = np.unravel_index(best, (size, size))
    k = np.arange(len(ids))
    dr = _vertex(acf, k, pr, pc, 1, 0)
    dc = _vertex(acf, k, pr, pc, 0, 1)
    vr, vc = pr - half + dr, pc - half + dc
    orient = (np.degrees(np.arctan2(-vr, vc)) % 180.0) % fold
    length = np.hypot(vr, vc)
    coarse_shape = (len(gi), len(gj))
    near_r = np.clip(np.round(np.arange(shape[0]) / step).astype(int), 0, len(gi) - 1)
    near_c = np.clip(np.round(np.arange(shape[1]) / step).astype(int), 0, len(gj) - 1)
    orient = orient.reshape(coarse_shape)[np.ix_(near_r, near_c)]
    length = length.reshape(coarse_shape)[np.ix_(near_r, near_c)]
    return orient.astype(np.float32), length.astype(np.float32)


def _vertex(acf, k, r, c, dr, dc) -> np.ndarray:
    """Sub-pixel offset of the parabola through three samples along (dr, dc)."""
    n = acf.shape[1]
    lo = acf[k, np.clip(r - dr, 0, n - 1), np.clip(c - dc, 0, n - 1)]
    mid = acf[k, r, c]
    hi = acf[k, np.clip(r + dr, 0, n - 1), np.clip(c + dc, 0, n - 1)]
    curv = lo + hi - 2 * mid
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.where(curv < 0, 0.5 * (lo - hi) / curv, 0.0)
    return np.clip(d, -0.5, 0.5)
