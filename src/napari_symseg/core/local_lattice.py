"""Local orientation and lattice spacing maps on the descriptor grid.

On a coarse subset of the grid points (about one window apart), the
Hann-windowed autocorrelation of the square window around the point is
computed (all windows in one batched FFT). Its peaks (local maxima) in the
annulus around the expected spacing -- the shortest lattice vector of the
point's region, or of the image's regions when it has none -- are the
candidates for the local shortest vector. The same rule as the region
table's: of the candidates at least `NEAR_EQUAL` times as strong as the
strongest (the equally short vectors of a square-like or hexagonal cell,
whose order noise decides), the one whose direction is nearest the region's
own ``a`` is taken, so one crystal shows one orientation and not ``a`` in
one tile, ``b`` in the next. The autocorrelation is divided by the Hann
window's own (whose decreasing envelope would pull the peaks towards the
origin: about 3 % short). It is located to sub-pixel precision; its
length is the local spacing and its angle (counter-clockwise from x, y up)
folded by the region's rotation symmetry (60, 90 or 180 degrees) the local
orientation. A window without any peak in the annulus takes its strongest
value there. Values are brought to the whole grid by nearest neighbour.
"""

from __future__ import annotations

import math

import numpy as np
import scipy

from .grid import Grid

#: peaks at least this fraction of the strongest one in the annulus count as equally good
#: candidates for the shortest vector (the one nearest the region's a is taken)
NEAR_EQUAL = 0.8


def window_size(spacing: float) -> int:
    """Side of the square windows: an even FFT-friendly size holding about four spacings
    (24 .. 128 px).

    Parameters
    ----------
    spacing : float
        The longest expected shortest-lattice-vector length, px.
    """
    size = int(min(128, max(24, math.ceil(4 * spacing))))
    return scipy.fft.next_fast_len(size + size % 2, real=True) // 2 * 2


def local_lattice_maps(image: np.ndarray, grid: Grid, grid_regions: np.ndarray,
                       spacing: dict, period: dict, direction: dict | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
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
    direction : dict of int to float, optional
        Angle (degrees, [0, 180)) of the shortest vector a of every region id
        with a lattice: of equally strong candidates, the one nearest it is taken
        (the strongest one where the region has none).

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
    spec = scipy.fft.rfft2(tiles)  # circular: the Hann window makes the wrap-around negligible
    acf = np.fft.fftshift(scipy.fft.irfft2(spec * spec.conj(), (size, size)), axes=(1, 2))
    acf /= _window_acf(hann)[None]  # no pull towards the origin by the window's envelope
    ids = grid_regions[np.ix_(gi, gj)].ravel()
    fallback = min(known)
    expected = np.array([spacing.get(int(r), math.nan) for r in ids])
    expected = np.where(np.isfinite(expected), expected, fallback)
    fold = np.array([period.get(int(r), 180.0) for r in ids])
    lag = np.arange(size) - half
    radius = np.hypot(lag[:, None], lag[None, :])
    inside = ((radius[None] >= 0.75 * expected[:, None, None])
              & (radius[None] <= 1.25 * expected[:, None, None]))
    ref = np.array([(direction or {}).get(int(r), math.nan) for r in ids])
    best = _choose_peaks(acf, inside, lag, ref)
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


def _window_acf(hann: np.ndarray) -> np.ndarray:
    """Autocorrelation of the 2-D Hann window (lag 0 at the centre), normalised to 1 there.

    The windowed autocorrelation is the image's times this envelope, which
    decreases with the lag and so pulls every peak towards the origin (a
    9 px lattice measured 8.7 px in 36 px windows); dividing by it removes that
    bias. It is at least 0.1 where peaks are looked for (lags up to a third of
    the window).
    """
    size = len(hann)
    spec = scipy.fft.rfft(hann.astype(np.float64))
    line = np.fft.fftshift(scipy.fft.irfft(spec * spec.conj(), size))
    line /= line.max()
    return np.maximum(np.outer(line, line), 1e-3).astype(np.float32)


def _choose_peaks(acf: np.ndarray, inside: np.ndarray, lag: np.ndarray,
                  ref: np.ndarray) -> np.ndarray:
    """Flat index of the chosen peak of every window (see the module docstring).

    Parameters
    ----------
    acf : ndarray, (n, size, size)
        The windows' autocorrelations, lag 0 at the centre.
    inside : ndarray of bool, (n, size, size)
        The annulus of every window.
    lag : ndarray, (size,)
        Lag of every row (column) index.
    ref : ndarray, (n,)
        Angle (degrees) of the region's a for every window, NaN: none.
    """

    n = len(acf)
    values = np.where(inside, acf, -np.inf)
    fallback = values.reshape(n, -1).argmax(axis=1)
    peak = inside & (acf == scipy.ndimage.maximum_filter(acf, size=(1, 3, 3), mode="nearest"))
    peak[:, [0, -1], :] = peak[:, :, [0, -1]] = False
    heights = np.where(peak, acf, -np.inf).reshape(n, -1)
    top = heights.max(axis=1)
    good = heights >= np.where(top > 0, NEAR_EQUAL * top, top)[:, None]
    good &= np.isfinite(heights)
    angle = np.degrees(np.arctan2(-lag[:, None], lag[None, :])).ravel() % 180.0
    diff = np.abs(angle[None, :] - ref[:, None]) % 180.0
    diff = np.minimum(diff, 180.0 - diff)
    diff = np.where(np.isfinite(diff), diff, 0.0)  # no reference: the strongest
    # the nearest to the reference; ties (and no reference) by height
    cost = np.where(good, diff - 1e-6 * np.where(good, heights, 0.0), np.inf)
    chosen = cost.argmin(axis=1)
    return np.where(good.any(axis=1), chosen, fallback)


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
