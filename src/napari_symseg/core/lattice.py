"""The lattice of one region: autocorrelation peaks, a fitted and reduced basis, orientation.

The local correlation map of the paper tends to the autocorrelation of the
crystal for large patches; here the autocorrelation is taken over a whole
region at once (only the region's pixels count):

    acf(t) = sum_r M(r) f(r) M(r+t) f(r+t) / sum_r M(r) M(r+t)

with ``f`` the image minus the region's mean and ``M`` the region's mask,
both by FFT (zero-padded by the largest lag, so no wrap-around). Its
peaks away from the origin are the lattice translations. Every peak is
located to sub-pixel precision (a parabola through its 3 x 3 neighbourhood
along each axis), the two shortest non-collinear peaks index the others,
and a least-squares fit of all indexed peaks gives the basis (many orders
of peaks: the error of one peak divides by its order). Lagrange-Gauss
reduction then gives the reduced basis: ``|a| <= |b|``, ``|a.b| <= |a|^2/2``.

Vectors are (row, col) in pixels. Angles are counter-clockwise from the
image x axis with y pointing up (as a microscopist reads the screen):
``angle = atan2(-row, col)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy

from .lattice_metric import MAX_DISTORTION, metric_distortion, metric_period  # noqa: F401

#: peaks weaker than this fraction of the strongest one are not lattice translations
PEAK_FRACTION = 0.6
#: when the strong peaks all lie on one line (fringes much stronger along one direction),
#: the second direction is looked for among peaks down to this fraction of the strongest
WEAK_FRACTION = 0.3
#: lattices whose shortest vector is shorter than this (px) are not reported: a period of
#: 2 px is the sampling (Nyquist) limit, and a peak of the autocorrelation needs a few
#: pixels to be told from the central peak's shoulder (noise correlated by the optics or
#: by downsampling)
MIN_SPACING = 2.5
#: a lag counts only where the region overlaps its shifted copy on this fraction of its area
MIN_OVERLAP = 0.25
#: a region larger than this (px) along an axis is measured on a window of this size
#: around its centre (the autocorrelation of a few hundred cells is exact enough)
MAX_EXTENT = 512
#: lattice vectors whose lengths differ by less than this (relative) count as equally long
#: (the two short vectors of a rhombic cell, `Lattice.equivalent_orientations`)
EQUAL_LENGTH = 0.02


@dataclass(frozen=True)
class Lattice:
    """A reduced 2-D lattice basis.

    Attributes
    ----------
    a, b : ndarray, (2,)
        Basis vectors (row, col) in pixels: ``a`` the shortest lattice
        vector, pointing up (its angle in [0, 180)), ``b`` the shortest one
        not parallel to it, with ``gamma`` in [90, 120] degrees.
    """

    a: np.ndarray
    b: np.ndarray

    @property
    def a_length(self) -> float:
        """|a| in pixels."""
        return float(np.hypot(*self.a))

    @property
    def b_length(self) -> float:
        """|b| in pixels."""
        return float(np.hypot(*self.b))

    @property
    def gamma(self) -> float:
        """Angle between a and b in degrees."""
        cos = float(self.a @ self.b) / (self.a_length * self.b_length)
        return math.degrees(math.acos(max(-1.0, min(1.0, cos))))

    @property
    def orientation(self) -> float:
        """Angle of a from the image x axis, counter-clockwise (y up), folded by the
        lattice's rotation symmetry (`symmetry_period`): in [0, 90) for a square, [0, 60)
        for a hexagonal lattice (the angle of whichever of the equally short vectors lies
        there), [0, 180) otherwise."""
        return fold_angle(angle_of(self.a), self.symmetry_period)

    @property
    def equivalent_orientations(self) -> tuple[float, ...]:
        """Angles in [0, 180) of the lattice vectors the metric's symmetry makes equivalent
        to a: a, b and a + b for a hexagonal, a and b for a square metric (`symmetry_period`,
        distorted cells included); otherwise every vector as short as a within `EQUAL_LENGTH`
        (a, and b or a +- b when they are as short: a rhombic cell)."""
        period = self.symmetry_period
        if period == 60.0:
            return tuple(angle_of(v) for v in (self.a, self.b, self.a + self.b))
        if period == 90.0:
            return (angle_of(self.a), angle_of(self.b))
        limit = self.a_length * (1 + EQUAL_LENGTH)
        return tuple(angle_of(v) for v in (self.a, self.b, self.a + self.b, self.a - self.b)
                     if math.hypot(*v) <= limit)

    @property
    def symmetry_period(self) -> float:
        """Rotations (degrees) that map the lattice's metric onto itself: 60 for a hexagonal,
        90 for a square, 180 for any other lattice (used to fold angles)."""
        return metric_period(self.a_length, self.b_length, self.gamma)


def angle_of(vector) -> float:
    """Angle of a (row, col) vector from the x axis, counter-clockwise with y up, in [0, 180).

    Parameters
    ----------
    vector : array_like, (2,)
        (row, col) in pixels.
    """
    angle = math.degrees(math.atan2(-float(vector[0]), float(vector[1]))) % 180.0
    return 0.0 if angle > 180.0 - 1e-9 else angle  # -1e-12 is 0, not 179.999...


def fold_angle(angle: float, period: float) -> float:
    """`angle` modulo `period` (degrees), in [0, period): within 1e-6 of `period` is 0.

    Parameters
    ----------
    angle, period : float
        Degrees.
    """
    folded = angle % period
    return 0.0 if folded > period - 1e-6 else folded


def reduce_basis(a, b) -> tuple[np.ndarray, np.ndarray]:
    """Lagrange-Gauss reduction: the shortest basis of the lattice spanned by `a`, `b`.

    Parameters
    ----------
    a, b : array_like, (2,)
        Two non-parallel lattice vectors.

    Returns
    -------
    (ndarray, ndarray)
        ``|a| <= |b|`` and ``|a.b| <= |a|^2 / 2``.
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a @ a > b @ b:
        a, b = b, a
    for _ in range(100):
        mu = round(float(a @ b) / float(a @ a))
        b = b - mu * a
        if b @ b >= a @ a:
            break
        a, b = b, a
    return a, b


def canonical(a, b) -> Lattice:
    """The reduced basis in the package's convention (see `Lattice`).

    Parameters
    ----------
    a, b : array_like, (2,)
        Any basis of the lattice.
    """
    a, b = reduce_basis(a, b)
    a = -a if _down(a) else a  # pointing up (y up): its angle is in [0, 180)
    # b: the shortest vector not parallel to a with gamma >= 90; ties (a hexagonal or
    # rhombic cell): gamma nearest 90, then counter-clockwise from a
    short = [s * v for v in (b, a + b, a - b) for s in (1, -1)]
    others = [v for v in short if abs(_cross(a, v)) > 1e-9 and a @ v <= 1e-9]
    length = min(math.hypot(*v) for v in others)
    b = min((v for v in others if math.hypot(*v) <= length * (1 + 1e-9)),
            key=lambda v: (round(_angle(a, v), 9), _cross(a, v) < 0))
    return Lattice(np.asarray(a, np.float64) + 0.0, np.asarray(b, np.float64) + 0.0)


def _cross(u, v) -> float:
    return float(u[0] * v[1] - u[1] * v[0])


def _down(v) -> bool:
    """True for a vector pointing down or left (y up), of a pair +-v."""
    row, col = round(float(v[0]), 9), round(float(v[1]), 9)
    return row > 0 or (row == 0 and col < 0)


def _angle(u, v) -> float:
    cos = float(u @ v) / (math.hypot(*u) * math.hypot(*v))
    return math.acos(max(-1.0, min(1.0, cos)))


# ---------------------------------------------------------------- autocorrelation
def masked_autocorrelation(image: np.ndarray, mask: np.ndarray, max_lag: int) -> np.ndarray:
    """Normalised autocorrelation of the masked image for lags up to `max_lag`.

    Parameters
    ----------
    image : ndarray, 2-D
        The image (or its crop around the region).
    mask : ndarray of bool, same shape
        The region.
    max_lag : int
        Largest lag (px) along each axis.

    Returns
    -------
    ndarray, float64, (2 * max_lag + 1, 2 * max_lag + 1)
        ``acf[max_lag + dr, max_lag + dc]``, 1 at lag 0; NaN where the region
        overlaps its shifted copy on less than `MIN_OVERLAP` of its area.
    """
    m = np.asarray(mask, dtype=np.float32)
    values = np.asarray(image)[mask]
    n = float(values.size)
    f = (np.asarray(image, dtype=np.float32) - np.float32(values.mean() if n else 0.0)) * m
    shape = [scipy.fft.next_fast_len(s + max_lag, real=True) for s in f.shape]
    spec_f = scipy.fft.rfft2(f, shape)
    spec_m = scipy.fft.rfft2(m, shape)
    num = scipy.fft.irfft2(spec_f * spec_f.conj(), shape)
    den = scipy.fft.irfft2(spec_m * spec_m.conj(), shape)
    idx = [np.arange(-max_lag, max_lag + 1) % s for s in shape]
    num = num[np.ix_(*idx)]
    den = den[np.ix_(*idx)]
    with np.errstate(invalid="ignore", divide="ignore"):
        acf = num.astype(np.float64) / den
    acf[den < MIN_OVERLAP * n] = np.nan
    centre = acf[max_lag, max_lag]
    return acf / centre if centre > 0 else np.full_like(acf, np.nan)


def acf_peaks(acf: np.ndarray, min_radius: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Sub-pixel positions (row, col lags) and heights of the local maxima of `acf`.

    Parameters
    ----------
    acf : ndarray, (2L+1, 2L+1)
        From `masked_autocorrelation`.
    min_radius : float
        Maxima closer to the origin are left out (the central peak).

    Returns
    -------
    positions : ndarray, (n, 2)
    heights : ndarray, (n,)
        Strongest first.
    """
    lag = acf.shape[0] // 2
    values = np.where(np.isfinite(acf), acf, -np.inf)
    peak = (values == scipy.ndimage.maximum_filter(values, size=3, mode="constant", cval=-np.inf))
    peak &= np.isfinite(values)
    peak[[0, -1], :] = peak[:, [0, -1]] = False
    r, c = np.nonzero(peak)
    keep = np.hypot(r - lag, c - lag) >= min_radius
    r, c = r[keep], c[keep]
    centre = values[r, c]
    offsets = []
    for (dr, dc) in ((1, 0), (0, 1)):
        lo, hi = values[r - dr, c - dc], values[r + dr, c + dc]
        curv = lo + hi - 2 * centre
        with np.errstate(invalid="ignore", divide="ignore"):
            d = np.where(np.isfinite(lo + hi) & (curv < 0), 0.5 * (lo - hi) / curv, 0.0)
        offsets.append(np.clip(d, -0.5, 0.5))
    pos = np.stack([r - lag + offsets[0], c - lag + offsets[1]], axis=1)
    order = np.argsort(-centre, kind="stable")
    return pos[order], centre[order]


def lattice_from_acf(acf: np.ndarray) -> Lattice | None:
    """The reduced lattice whose translations are the strong peaks of `acf`.

    Parameters
    ----------
    acf : ndarray, (2L+1, 2L+1)
        From `masked_autocorrelation`.

    Returns
    -------
    Lattice or None
        None when fewer than two non-parallel strong peaks are found.
    """
    pos, heights = acf_peaks(acf)
    if len(pos) < 2 or heights[0] <= 0:
        return None
    for fraction in (PEAK_FRACTION, WEAK_FRACTION):
        strong = pos[heights >= fraction * heights[0]]
        strong = strong[np.argsort(np.hypot(strong[:, 0], strong[:, 1]), kind="stable")]
        a = strong[0]
        b = next((v for v in strong[1:]
                  if abs(_cross(a, v)) > 0.2 * np.hypot(*a) * np.hypot(*v)), None)
        if b is not None:
            break
    if b is None:
        return None
    a, b = reduce_basis(a, b)
    for _ in range(2):  # index every strong peak by the basis, refit the basis on all of them
        basis = np.stack([a, b])  # rows a, b: position = (i, j) @ basis
        frac = strong @ np.linalg.inv(basis)
        ij = np.round(frac)
        good = (np.abs(frac - ij).max(axis=1) < 0.2) & (np.abs(ij).sum(axis=1) > 0)
        if good.sum() < 2 or np.linalg.matrix_rank(ij[good]) < 2:
            break
        fitted, *_ = np.linalg.lstsq(ij[good], strong[good], rcond=None)
        a, b = fitted
    return canonical(a, b)


def region_lattice(image: np.ndarray, mask: np.ndarray, max_lag: int = 64) -> Lattice | None:
    """The lattice of the masked region of `image` (see the module docstring): the first
    half of `lattice_and_note`, whose parameters it takes.

    Returns
    -------
    Lattice or None
        None when the region shows no two non-parallel periodicities, or its
        shortest one is under `MIN_SPACING` (`lattice_and_note` says which).
    """
    return lattice_and_note(image, mask, max_lag)[0]


def lattice_and_note(image: np.ndarray, mask: np.ndarray, max_lag: int = 64
                     ) -> tuple[Lattice | None, str]:
    """`region_lattice` and, when it finds none, why (one short phrase).

    Parameters
    ----------
    image : ndarray, 2-D
        The image (or a crop holding the region).
    mask : ndarray of bool, same shape
        The region.
    max_lag : int
        Largest lag searched, px.

    Returns
    -------
    lattice : Lattice or None
    note : str
        Empty when a lattice was found.
    """
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if len(rows) < 8 or len(cols) < 8:
        return None, "region narrower than 8 px"
    sl = (_window(rows, mask.shape[0]), _window(cols, mask.shape[1]))
    lag = int(min(max_lag, (sl[0].stop - sl[0].start) // 2, (sl[1].stop - sl[1].start) // 2))
    if lag < 4:
        return None, "region narrower than 8 px"
    lattice = lattice_from_acf(masked_autocorrelation(image[sl], mask[sl], lag))
    if lattice is None:
        return None, ("no two non-parallel periodicities (fringes along one direction "
                      "only, or no lattice)")
    if lattice.a_length < MIN_SPACING:
        return None, (f"shortest period {lattice.a_length:.2f} px is below the sampling "
                      f"limit ({MIN_SPACING:g} px)")
    return lattice, ""


def _window(indices: np.ndarray, size: int) -> slice:
    """The region's extent along one axis, at most `MAX_EXTENT` around its median."""
    lo, hi = int(indices[0]), int(indices[-1]) + 1
    if hi - lo <= MAX_EXTENT:
        return slice(lo, hi)
    mid = int(np.median(indices))
    lo = max(lo, min(mid - MAX_EXTENT // 2, hi - MAX_EXTENT))
    return slice(lo, lo + MAX_EXTENT)
