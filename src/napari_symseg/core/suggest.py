"""Choose patch, window, radius, stride and number of shifts from the image itself.

The rule (also in docs/parameters.md):

1. **Lattice.** Bragg peaks are the local maxima of the image's power
   spectrum (Hann window, mean removed; log power minus a smooth
   background) between 2.5 cycles per image and 0.4 cycles/px, with at
   least 1e-4 of the power of the band's strongest bin. Strong peaks
   are within a factor 10 in power of the strongest and 5 times above the
   median of all spectral maxima (the noise level); with no strong peak
   the image has no clear lattice (an error asks for sizes by hand). Among
   the strong peaks the two shortest non-collinear frequency vectors
   g1, g2 are the reciprocal basis (each halved while a weaker peak, down
   to 1/1000 of the strongest, sits at its half: first orders), ignoring
   periods over 3 times that of the strongest peak (particles, bands and
   thickness changes are not the lattice); the real-space basis a1, a2
   (a_i . g_j = delta_ij) is reduced to the two shortest lattice vectors.
   One strong direction only (stripes): a1 is its period, a2 is left out.
2. **Per-axis cell extent** ``e_row``, ``e_col``: the width of the
   Wigner-Seitz cell (the unit cell of points nearer to one lattice point
   than to any other; independent of the basis chosen) along the image
   axes. It handles rectangular lattices and non-square pixels (e.g. STM
   scans with rows twice as dense as columns) without knowing which is
   which. Stripes (one direction): the period's components, at least half
   the period on both axes.
3. **Sizes.**
   - ``patch_x = ceil(1.5 e_row)``, ``patch_y = ceil(1.5 e_col)``: a patch
     spans about three cells per axis, enough for a full unit cell in any
     orientation and to average noise;
   - ``window_x/y = patch_x/y``: the shift window holds +-a1 and +-a2;
   - ``radius = ceil(1.5 |a|_max)`` for rotations/reflections (capped like
     the rest);
   - ``stride = max(1, round(min(e_row, e_col) / 3))``: about three grid
     points per cell;
   - ``max_num_points``: the translation grid spacing
     ``d = max(1, round(|a|_min / 4))`` samples every cell about four times
     per axis (at most half the window: at least 2 shifts each way);
     max_num_points is the size of that grid in the window;
   - ``smoothing = |a|_min``: every descriptor is averaged over about one
     cell (Gaussian sigma) before PCA, so the clusters follow what differs
     between regions, not the position inside the unit cell (needed for
     weak chemical order; docs/robustness.md).
   - reflections (max-pooled): ``window_x/y = ceil(0.6 e_row/col)``,
     ``stride = max(1, round(min(e_row, e_col) / 9))`` and at least 36
     reflection axes (``num_reflection_plane``, one every 5 degrees): the
     pooling spans about one cell (it always holds a symmetry centre, and
     little of the neighbouring region), its raw points lie a ninth of a cell
     apart and an axis lies within 2.5 degrees of every mirror of the
     lattice. The max-pooled score depends on how near the nearest raw point
     and axis come to a mirror; where that varies slowly over the image (a
     moire of the raw grid with the lattice, a lattice between two axes) it
     outweighed ~1 px displacements (docs/robustness.md, issue 13 fifth
     session: a sixth of a cell and 10 axes read the weakest polar perovskites
     at chance). Rotations keep the sizes above: the same rule helped
     them on design seeds but mistook carbon for vacuum next to a
     nanoparticle on 2 of 8 fresh seeds (docs/robustness.md).
4. Everything shrinks together if the image cannot hold the descriptor and
   at least 8 grid points per axis.
5. **Contrast channels** (``contrast_features``) on when at least 5 % of
   the image shows no lattice (vacuum, amorphous film), off otherwise
   (`coverage`); `suggest_with_reasons` says which and why.
6. **Family** (`family_for`; only with ``pick_family=True``: the CLI's
   ``--auto`` without ``--descriptor``, the widget's *Suggest* unless the
   descriptor was changed by hand since the last Suggest or run):
   translations (the default) become rotations when the contrast channels
   go on. Translation scores are ~0 on vacuum and on amorphous film alike,
   and their hundreds of features outweigh the two contrast channels: on
   the nanoparticle-on-carbon scenario translations + contrast merge vacuum
   and film (0.59-0.75); rotations + contrast reach 0.99-1.00
   (docs/robustness.md). Rotations do not see a grain's orientation:
   grains of one lattice next to vacuum need ``--descriptor
   local_correlation_map`` given explicitly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy

from .coverage import suggest_contrast
from .params import Params
from .validation import InputError, as_image

#: patch half size in cell widths (1.5: the patch spans about three cells)
PATCH_CELLS = 1.5
#: largest image side used for the estimate (a central crop; FFT cost)
MAX_SIDE = 1024
#: peaks weaker than the strongest by more than this factor in power are ignored
PEAK_POWER_RATIO = 10.0
#: ... and so are peaks below this multiple of the median spectral maximum (pure
#: noise: the median maximum is ~3x the background and the largest ~10-15x)
NOISE_FACTOR = 5.0
#: reflections: max-pooling half window in cell widths (1.2 cells wide)
POOL_CELLS = 0.6
#: ... and grid points (= max-pooled raw scores) per cell width
POOL_POINTS = 9
#: ... and at least this many reflection axes (every 5 degrees)
POOL_AXES = 36
#: the families sized so (not rotations: on fresh nanoparticle seeds their small window
#: mistook carbon for vacuum, 0.98 -> 0.67-0.71 on 2 of 8; docs/robustness.md)
FINE_POOLING = ("reflection_symmetry_maximum_pooling",)
#: rule step 6: the family ``--auto`` replaces, and by which
TRANSLATIONS, ROTATIONS = "local_correlation_map", "rotational_symmetry_maximum_pooling"


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


def _first_order(g: np.ndarray, peaks: np.ndarray, resolution: float) -> np.ndarray:
    """`g`, halved as long as one of `peaks` (or its mirror -p) lies at g/2."""
    for _ in range(3):
        half = g / 2
        near = np.minimum(np.hypot(*(peaks - half).T), np.hypot(*(peaks + half).T))
        if not (near <= resolution).any():
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


def estimate_lattice(image) -> LatticeEstimate:
    """Estimate the dominant lattice of a 2-D image from its power spectrum.

    Parameters
    ----------
    image : array_like, 2-D
        The image (larger than `MAX_SIDE`: spectra of tiles are averaged).

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
    g1 = _first_order(g1, freqs[weak], resolution)
    g2 = None if g2 is None else _first_order(g2, freqs[weak], resolution)
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


def params_for_lattice(lattice: LatticeEstimate, image_shape, params: Params) -> Params:
    """`params` with the sizes the rule derives from `lattice` (module docstring)."""
    e_row, e_col = lattice.extent
    lengths = lattice.lengths
    patch = [math.ceil(PATCH_CELLS * e_row), math.ceil(PATCH_CELLS * e_col)]
    radius = math.ceil(PATCH_CELLS * lengths.max())
    stride = max(1, round(min(e_row, e_col) / 3))
    # shrink everything together if the image cannot hold it (8 grid points per axis)
    room = (min(image_shape) - 8 * stride) // 4
    scale = min(1.0, room / max(*patch, radius)) if room > 0 else 0.0
    patch = [max(2, math.floor(p * scale)) for p in patch]
    radius = max(2, math.floor(radius * scale))
    step = max(1, min(round(lengths.min() / 4), min(patch) // 2))  # >= 2 shifts per side
    points = (2 * (patch[0] // step) + 1) * (2 * (patch[1] // step) + 1)
    window = patch
    if params.descriptor_name in FINE_POOLING:
        window = [max(1, min(p, math.ceil(POOL_CELLS * e))) for p, e in zip(patch, (e_row, e_col),
                                                                           strict=True)]
        stride = max(1, min(stride, round(min(e_row, e_col) * scale / POOL_POINTS)))
        params = params.replace(num_reflection_plane=max(params.num_reflection_plane, POOL_AXES))
    return params.replace(
        patch_x=patch[0], patch_y=patch[1], window_x=window[0], window_y=window[1],
        radius=radius, stride=stride, max_num_points=int(min(points, 10_000)),
        smoothing=round(float(lengths.min()), 1),
    )


def suggest_with_reasons(image, params: Params | None = None,
                         pick_family: bool = False) -> tuple[Params, tuple[str, ...]]:
    """`suggest_params` and one line per choice that is not a plain size (why).

    Parameters
    ----------
    image : array_like, 2-D
        The image.
    params : Params, optional
        Everything else (descriptor, number of patterns, ...) is kept.
    pick_family : bool
        Rule step 6: translations become rotations when the contrast
        channels go on (the CLI's ``--auto``).

    Returns
    -------
    (Params, tuple of str)
        The parameters and the reasons (the lattice found, the contrast rule,
        the family when it changed).
    """
    params = Params() if params is None else params
    img = as_image(image)
    lattice = estimate_lattice(img)
    sized = params_for_lattice(lattice, img.shape, params)
    contrast, why = suggest_contrast(img, sized, float(lattice.lengths.min()))
    reasons = (str(lattice), why)
    family = family_for(params.descriptor_name, contrast, pick_family)
    if family != params.descriptor_name:
        sized = sized.replace(descriptor_name=family)
        reasons += (f"descriptor: rotations ({ROTATIONS}), not translations: their scores "
                    "are ~0 on vacuum and amorphous film alike",)
    return sized.replace(contrast_features=contrast, edge_smoothing=contrast), reasons


def family_for(descriptor: str, contrast: bool, pick_family: bool) -> str:
    """Rule step 6 (module docstring), the one rule of the CLI and the widget: the
    descriptor family a suggestion uses.

    Parameters
    ----------
    descriptor : str
        The family the parameters have now.
    contrast : bool
        The contrast channels go on (part of the image has no lattice).
    pick_family : bool
        The family may be changed: not chosen by the user (the CLI's
        ``--auto`` without ``--descriptor``; the widget's Suggest when the
        descriptor field was not changed by hand since the last Suggest or run).

    Returns
    -------
    str
        Rotations instead of translations when `contrast` and `pick_family`,
        else `descriptor`.
    """
    if pick_family and contrast and descriptor == TRANSLATIONS:
        return ROTATIONS
    return descriptor


def suggest_params(image, params: Params | None = None, pick_family: bool = False) -> Params:
    """`params` with patch, window, radius, stride, max_num_points, smoothing and the
    contrast channels chosen from the image (module docstring).

    Parameters
    ----------
    image : array_like, 2-D
        The image.
    params : Params, optional
        Everything else (descriptor, number of patterns, ...) is kept.
    pick_family : bool
        Rule step 6 (module docstring): translations become rotations when
        the contrast channels go on.

    Returns
    -------
    Params

    Examples
    --------
    >>> from napari_symseg.core.samples import lattice
    >>> p = suggest_params(lattice((256, 256), 10.0, "rectangular"))  # 10 x 15 px cells
    >>> (p.patch_x, p.patch_y, p.stride, p.max_num_points)
    (23, 16, 3, 165)
    """
    return suggest_with_reasons(image, params, pick_family)[0]
