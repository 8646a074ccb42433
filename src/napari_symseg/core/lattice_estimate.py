"""The dominant lattice of an image from its power spectrum: Bragg peaks, the reduced
basis, the Wigner-Seitz cell's extent along the image axes (`estimate_lattice`; steps 1
and 2 of the rule in `core.suggest`, which sizes the descriptors from it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy

from .validation import InputError, as_image

#: largest image side used for the estimate (a central crop; FFT cost)
MAX_SIDE = 1024
#: peaks weaker than the strongest by more than this factor in power are ignored
PEAK_POWER_RATIO = 10.0
#: ... and so are peaks below this multiple of the median spectral maximum (pure
#: noise: the median maximum is ~3x the background and the largest ~10-15x)
NOISE_FACTOR = 5.0
#: sizing (``superlattice=False``): a half-order peak weaker than the peak it halves by
#: more than this factor in power is a superlattice over part of the image, not the
#: lattice's first order (a weak basis atom: ~16x; the L1_2 cuboids' ordered columns:
#: 140-740x; docs/robustness.md, issue 13, tenth session)
SUPERLATTICE_RATIO = 100.0


@dataclass(frozen=True)
class LatticeEstimate:
    """The dominant lattice of an image, in pixels.

    Attributes
    ----------
    vectors : ndarray, (n, 2)
        Reduced real-space basis vectors (row, col), shortest first;
        n = 2, or 1 for a one-directional (striped) pattern.
    peaks : ndarray, (n, 2)
        The reciprocal basis (row, col) in cycles per pixel.
    extent : (float, float)
        Width of the Wigner-Seitz cell along rows and columns (rule step 2).
    strength : float
        Power of the strongest peak over the spectrum's smooth background
        (pure noise gives about 10; clear lattices hundreds and more).
    """

    vectors: np.ndarray
    peaks: np.ndarray
    extent: tuple[float, float]
    strength: float

    @property
    def lengths(self) -> np.ndarray:
        """Lengths of the basis vectors (px)."""
        return np.hypot(self.vectors[:, 0], self.vectors[:, 1])

    def __str__(self) -> str:
        lengths = " x ".join(f"{v:.1f}" for v in self.lengths)
        if len(self.vectors) == 2:
            a, b = self.vectors
            cos = abs(a @ b) / (np.hypot(*a) * np.hypot(*b))
            gamma = np.degrees(np.arccos(np.clip(cos, 0.0, 1.0)))
            return f"lattice {lengths} px, {180 - gamma:.0f}°"
        return f"period {lengths} px (one direction)"


def _spectrum(img: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centred log power spectrum and the frequency of every bin (cycles/px).

    Images larger than `MAX_SIDE` are cut into tiles of at most that size
    (covering the whole image) whose power spectra are averaged (Welch).
    """
    h, w = min(img.shape[0], MAX_SIDE), min(img.shape[1], MAX_SIDE)
    window = np.outer(np.hanning(h), np.hanning(w))
    power = np.zeros((h, w))
    starts_r = np.linspace(0, img.shape[0] - h, -(-img.shape[0] // h)).round().astype(int)
    starts_c = np.linspace(0, img.shape[1] - w, -(-img.shape[1] // w)).round().astype(int)
    for r in starts_r:
        for c in starts_c:
            tile = img[r : r + h, c : c + w]
            power += np.abs(np.fft.fft2((tile - tile.mean()) * window)) ** 2
    fy = np.fft.fftshift(np.fft.fftfreq(h))
    fx = np.fft.fftshift(np.fft.fftfreq(w))
    return np.log(np.fft.fftshift(power) + 1e-30), fy, fx


def _peaks(img: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Bragg-peak candidates: frequencies (n, 2) and log prominences, strongest first,
    the strongest peak's power over the background, and the noise peaks' level (log)."""
    logp, fy, fx = _spectrum(img)
    h, w = logp.shape
    smooth = scipy.ndimage.gaussian_filter(logp, 0.7)
    background = scipy.ndimage.gaussian_filter(logp, max(3.0, min(h, w) / 48))
    prominence = smooth - background
    local_max = smooth == scipy.ndimage.maximum_filter(smooth, size=5)
    f = np.hypot(fy[:, None], fx[None, :])
    band = (f > 2.5 / min(h, w)) & (f < 0.4)
    half = (fy[:, None] > 0) | ((fy[:, None] == 0) & (fx[None, :] > 0))
    maxima = local_max & band & half
    # the noise level: the median of all maxima (Bragg peaks are a minority of them);
    # with too few maxima to tell (tiny or noise-free images) only the background counts
    level = prominence[maxima]
    noise = float(np.median(level)) if level.size >= 20 else 0.0
    # a peak must also carry real power: within 1e4 of the band's strongest bin (a
    # steeply falling spectrum, e.g. a low-pass filtered image, has "peaks" of nothing)
    valid = maxima & (smooth >= smooth[band].max() - math.log(1e4))
    rows, cols = np.nonzero(valid)
    order = np.argsort(prominence[rows, cols])[::-1][:40]
    rows, cols = rows[order], cols[order]
    freqs = np.stack([fy[rows], fx[cols]], axis=1)
    # refine each peak to sub-bin precision (centre of mass of the 3x3 power)
    power = np.exp(smooth - smooth.max())
    refined = []
    for r, c in zip(rows, cols, strict=True):
        win = power[max(r - 1, 0) : r + 2, max(c - 1, 0) : c + 2]
        rr, cc = np.mgrid[max(r - 1, 0) : r + 2, max(c - 1, 0) : c + 2]
        wsum = win.sum()
        refined.append([
            np.interp((rr * win).sum() / wsum, np.arange(h), fy),
            np.interp((cc * win).sum() / wsum, np.arange(w), fx),
        ])
    freqs = np.array(refined).reshape(-1, 2) if refined else freqs
    strength = float(np.exp(prominence[rows[0], cols[0]])) if len(rows) else 0.0
    return freqs, prominence[rows, cols], strength, noise


def _reduce(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lagrange-Gauss reduction: the two shortest vectors of the lattice of a, b."""
    if a @ a > b @ b:
        a, b = b, a
    for _ in range(100):
        m = round((a @ b) / (a @ a))
        if m == 0:
            break
        b = b - m * a
        if b @ b < a @ a:
            a, b = b, a
    return a, b


def _first_order(g: np.ndarray, peaks: np.ndarray, resolution: float,
                 prominence: np.ndarray | None = None) -> np.ndarray:
    """`g`, halved as long as one of `peaks` (or its mirror -p) lies at g/2.

    With `prominence` (the log prominences of `peaks`), only a half-order peak within
    `SUPERLATTICE_RATIO` in power of the peak at g counts (the fundamental lattice).
    """
    for _ in range(3):
        half = g / 2
        near = np.minimum(np.hypot(*(peaks - half).T), np.hypot(*(peaks + half).T))
        if not (near <= resolution).any():
            break
        if prominence is not None:
            at_g = np.minimum(np.hypot(*(peaks - g).T), np.hypot(*(peaks + g).T))
            if (at_g <= resolution).any() and prominence[near <= resolution].max() < (
                    prominence[at_g <= resolution].max() - math.log(SUPERLATTICE_RATIO)):
                break
        g = half
    return g


def _cell_extent(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Width along rows and columns of the Wigner-Seitz cell of the lattice a, b.

    The cell (points nearer the origin than any other lattice point) does not
    depend on the choice of basis, unlike the vectors' own components.
    """
    near = [m * a + n * b for m in range(-2, 3) for n in range(-2, 3) if m or n]
    lines = [(v, 0.5 * (v @ v)) for v in near]  # the cell: x . v <= |v|^2 / 2
    corners = []
    for i, (v, c) in enumerate(lines):
        for w, d in lines[i + 1 :]:
            m = np.array([v, w])
            if abs(np.linalg.det(m)) < 1e-9:
                continue
            x = np.linalg.solve(m, [c, d])
            if all(x @ u <= e + 1e-6 * (1 + e) for u, e in lines):
                corners.append(x)
    corners = np.abs(np.array(corners))
    return float(2 * corners[:, 0].max()), float(2 * corners[:, 1].max())


def estimate_lattice(image, superlattice: bool = True) -> LatticeEstimate:
    """Estimate the dominant lattice of a 2-D image from its power spectrum.

    Parameters
    ----------
    image : array_like, 2-D
        The image (larger than `MAX_SIDE`: spectra of tiles are averaged).
    superlattice : bool
        True (default): a basis vector is halved down to any half-order peak above
        1/1000 of the strongest (the image's full period, a weak superlattice
        included). False: only down to half-order peaks within `SUPERLATTICE_RATIO`
        of the peak they halve (the fundamental lattice, which sizes the
        descriptors: `core.suggest`).

    Returns
    -------
    LatticeEstimate

    Raises
    ------
    InputError
        If the image shows no periodic pattern at all.

    Examples
    --------
    >>> from napari_symseg.core.samples import lattice
    >>> est = estimate_lattice(lattice((256, 256), 12.0, "square", angle=20))
    >>> [round(float(v), 1) for v in est.lengths]
    [12.0, 12.0]
    """
    img = as_image(image)
    if min(img.shape) < 16:
        raise InputError(f"image of shape {img.shape} is too small to estimate a lattice")
    freqs, prominence, strength, noise = _peaks(img)  # (h, w below: the spectrum's)
    floor = noise + math.log(NOISE_FACTOR)
    if len(freqs) == 0 or prominence[0] < floor:
        raise InputError(
            "no clear lattice in the image: its spectrum has no peak well above the noise; "
            "choose patch and window sizes by hand"
        )
    strong = (prominence >= prominence[0] - math.log(PEAK_POWER_RATIO)) & (prominence >= floor)
    # periods over 3x the strongest one's are mesoscale structure (particles, bands,
    # thickness), not the lattice
    f = np.hypot(freqs[:, 0], freqs[:, 1])
    strong &= f >= f[0] / 3
    cand = freqs[strong]
    # the shortest strong frequency, then the shortest one not collinear with it
    cand = cand[np.argsort(np.hypot(cand[:, 0], cand[:, 1]), kind="stable")]
    g1 = cand[0]
    g2 = None
    for g in cand[1:]:
        cos = abs(g @ g1) / (np.hypot(*g) * np.hypot(*g1))
        if cos < math.cos(math.radians(20)):
            g2 = g
            break
    # a first-order peak weaker than the second order (form factors, a weak basis atom)
    # is still the lattice's: halve a chosen frequency while a peak sits at its half
    weak = prominence >= max(floor, prominence[0] - math.log(100 * PEAK_POWER_RATIO))
    resolution = 1.5 / min(img.shape[0], MAX_SIDE)
    ratio = None if superlattice else prominence[weak]
    g1 = _first_order(g1, freqs[weak], resolution, ratio)
    g2 = None if g2 is None else _first_order(g2, freqs[weak], resolution, ratio)
    if g2 is None:
        period = g1 / (g1 @ g1)  # one direction: its period vector
        vectors = period[None, :]
        peaks = g1[None, :]
    else:
        a = np.linalg.inv(np.array([g1, g2])).T  # rows a_i with a_i . g_j = delta_ij
        v1, v2 = _reduce(a[0], a[1])
        vectors = np.array([v1, v2])
        peaks = np.array([g1, g2])
    if len(vectors) == 2:
        extent = _cell_extent(vectors[0], vectors[1])
    else:  # stripes: the period along the stripe normal, at least half of it on both axes
        length = float(np.hypot(*vectors[0]))
        extent = tuple(max(abs(float(v)), 0.5 * length) for v in vectors[0])
    return LatticeEstimate(vectors, peaks, extent, strength)


def dominant_period(image) -> float:
    """Shortest lattice vector length of a 2-D image in pixels (see `estimate_lattice`).

    Parameters
    ----------
    image : array_like, 2-D
        The image.

    Returns
    -------
    float

    Examples
    --------
    >>> from napari_symseg.core.samples import lattice
    >>> round(dominant_period(lattice((256, 256), 12.0)))
    12
    """
    return float(estimate_lattice(image).lengths.min())
