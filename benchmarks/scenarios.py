"""Robustness scenarios: synthetic HAADF-like images with ground truth.

Every generator returns ``(image, truth)``: a positive HAADF-like image
(float32; Poisson counts unless ``counts`` is None) and int32 pattern labels
per pixel. The seed draws both the geometry (boundary positions and angles,
lattice offsets, grain shapes) and the noise, so different seeds are
different images, not only different noise. Used by
``benchmarks/bench_robustness.py`` (docs/robustness.md) and the tests; the
package itself only ships the plain sample images
(`napari_symseg.core.samples`).
"""

from __future__ import annotations

import math

import numpy as np

from napari_symseg.core.samples import (
    grain_boundary,
    lattice,
    sample_lattice,
    two_phase,
    two_phase_truth,
)

#: Intensity under the atoms (amorphous surface layers, thermal diffuse
#: scattering) in units of the peak of a single atom.
BACKGROUND = 0.1
#: Intensity of vacuum in the same units (detector offset).
VACUUM = 0.02


def apply_dose(clean, counts: float | None, seed=0) -> np.ndarray:
    """Poisson counts of a non-negative image scaled to `counts` per pixel on average.

    Parameters
    ----------
    clean : array_like
        Noise-free, non-negative intensity (any scale).
    counts : float or None
        Mean electron counts per pixel; None returns `clean` unchanged
        (as float32).
    seed : int or numpy.random.Generator
        Seed (or generator) of the Poisson draw.

    Returns
    -------
    ndarray, float32
        Integer-valued counts with mean ``counts`` in expectation.
    """
    clean = np.asarray(clean, dtype=np.float64)
    if counts is None:
        return clean.astype(np.float32)
    if counts <= 0:
        raise ValueError(f"counts must be > 0; got {counts}")
    if clean.min() < 0 or clean.mean() <= 0:
        raise ValueError("a dose needs a non-negative image with a positive mean")
    rng = np.random.default_rng(seed)
    return rng.poisson(clean * (counts / clean.mean())).astype(np.float32)


def render_atoms(shape: tuple[int, int], positions, weights, sigma: float) -> np.ndarray:
    """Sum of Gaussian atoms at explicit positions (cut off at 4 sigma).

    Parameters
    ----------
    shape : (int, int)
        Image shape (rows, cols).
    positions : array_like, (n, 2)
        Atom centres (row, col) in pixels; atoms outside the image only add
        their tails.
    weights : array_like, (n,)
        Peak intensity of every atom.
    sigma : float
        Gaussian width in pixels.

    Returns
    -------
    ndarray, float64
    """
    pos = np.asarray(positions, dtype=np.float64).reshape(-1, 2)
    w = np.broadcast_to(np.asarray(weights, dtype=np.float64), (len(pos),))
    reach = math.ceil(4 * sigma)
    off = np.arange(-reach, reach + 1)
    centre = np.round(pos).astype(np.int64)
    frac = pos - centre
    g_row = np.exp(-((off[None, :] - frac[:, :1]) ** 2) / (2 * sigma**2))
    g_col = np.exp(-((off[None, :] - frac[:, 1:]) ** 2) / (2 * sigma**2))
    values = w[:, None, None] * g_row[:, :, None] * g_col[:, None, :]
    rr = np.broadcast_to(centre[:, 0, None, None] + off[None, :, None], values.shape)
    cc = np.broadcast_to(centre[:, 1, None, None] + off[None, None, :], values.shape)
    ok = (rr >= 0) & (rr < shape[0]) & (cc >= 0) & (cc < shape[1])
    flat = np.bincount(
        (rr[ok] * shape[1] + cc[ok]).ravel(), weights=values[ok].ravel(),
        minlength=shape[0] * shape[1],
    )
    return flat.reshape(shape)


def _lattice_sites(shape, spacing: float, angle: float, offset, margin: float) -> np.ndarray:
    """Integer indices (i, j) and positions (row, col) of a square lattice's sites
    within `margin` px of the image."""
    t = np.deg2rad(angle)
    a1 = spacing * np.array([np.sin(t), np.cos(t)])  # (row, col) of the first vector
    a2 = spacing * np.array([np.cos(t), -np.sin(t)])
    n = int(np.ceil(np.hypot(*shape) / spacing)) + 2
    i, j = np.mgrid[-n : n + 1, -n : n + 1]
    pos = np.asarray(offset) + i[..., None] * a1 + j[..., None] * a2
    keep = (
        (pos[..., 0] > -margin) & (pos[..., 0] < shape[0] + margin)
        & (pos[..., 1] > -margin) & (pos[..., 1] < shape[1] + margin)
    )
    return np.stack([i[keep], j[keep]], axis=1), pos[keep]


def _hard_core_points(shape, min_distance: float, density: float, rng) -> np.ndarray:
    """Random points (row, col) no closer than `min_distance` (greedy dart throwing):
    an amorphous arrangement, with `density` candidates per px before rejection."""
    n = rng.poisson(density * shape[0] * shape[1])
    cand = rng.uniform(0, 1, (n, 2)) * np.asarray(shape, dtype=np.float64)
    cell = min_distance
    grid: dict[tuple[int, int], list[int]] = {}
    kept = []
    for k, (r, c) in enumerate(cand):
        gi, gj = int(r // cell), int(c // cell)
        near = (
            grid.get((gi + di, gj + dj), ()) for di in (-1, 0, 1) for dj in (-1, 0, 1)
        )
        if any(np.hypot(*(cand[m] - (r, c))) < min_distance for ids in near for m in ids):
            continue
        grid.setdefault((gi, gj), []).append(k)
        kept.append(k)
    return cand[kept]


def _random_boundary_col(shape, rng) -> int:
    """A vertical boundary column in the middle 30 % of the image."""
    return int(rng.integers(round(0.35 * shape[1]), round(0.65 * shape[1]) + 1))


def low_dose(
    shape: tuple[int, int] = (384, 384),
    counts: float | None = 10.0,
    base: str = "two_phase",
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """A two-pattern lattice image at a low electron dose (Poisson noise).

    Parameters
    ----------
    shape : (int, int)
        Image shape.
    counts : float or None
        Mean counts per pixel (5-20 is a low HAADF dose); None: noise-free.
    base : {"two_phase", "grain_boundary"}
        ``"two_phase"``: `two_phase` (square 8 px | hexagonal 10 px) with
        the vertical boundary at a random column in the middle 30 %;
        ``"grain_boundary"``: `grain_boundary` (one square lattice, grains
        rotated by +-15 degrees, diagonal boundary; only the noise depends
        on the seed).
    seed : int
        Seed of the geometry and of the Poisson noise.

    Returns
    -------
    image : ndarray, float32
        Counts; `BACKGROUND` is added under the atoms.
    truth : ndarray, int32
        0 left phase / lower-left grain, 1 the other.
    """
    rng = np.random.default_rng(seed)
    if base == "two_phase":
        boundary = _random_boundary_col(shape, rng)
        clean = two_phase(shape, boundary, noise=0.0).astype(np.float64)
        truth = two_phase_truth(shape, boundary)
    elif base == "grain_boundary":
        clean = grain_boundary(shape, noise=0.0).astype(np.float64)
        rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
        truth = (rows * shape[1] <= cols * shape[0]).astype(np.int32)
    else:
        raise ValueError(f"base must be 'two_phase' or 'grain_boundary'; got {base!r}")
    return apply_dose(clean + BACKGROUND, counts, rng), truth.astype(np.int32)


def thickness_wedge(
    shape: tuple[int, int] = (384, 384),
    low: float = 0.2,
    counts: float | None = 100.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """`two_phase` under a thickness wedge: intensity ramps from `low` to 1.

    HAADF intensity grows with specimen thickness, atoms and background
    alike, so the clean image is multiplied by a linear ramp. The ramp runs
    at a random angle within 30 degrees of the (vertical) phase boundary,
    so both phases span the whole ramp: intensity alone cannot tell them
    apart, but it can split each phase into a bright and a dark half.

    Parameters
    ----------
    shape : (int, int)
        Image shape.
    low : float
        Relative thickness at the thin end (1 at the thick end).
    counts : float or None
        Mean counts per pixel over the image; None: noise-free.
    seed : int
        Seed of the boundary column, the ramp direction and the noise.

    Returns
    -------
    image : ndarray, float32
    truth : ndarray, int32
        0 square phase (left), 1 hexagonal phase (right).
    """
    rng = np.random.default_rng(seed)
    boundary = _random_boundary_col(shape, rng)
    clean = two_phase(shape, boundary, noise=0.0).astype(np.float64) + BACKGROUND
    theta = np.deg2rad(90 + rng.uniform(-30, 30)) * rng.choice([-1, 1])
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    u = np.cos(theta) * cols + np.sin(theta) * rows
    u = (u - u.min()) / (u.max() - u.min())
    clean *= low + (1 - low) * u
    return apply_dose(clean, counts, rng), two_phase_truth(shape, boundary)


def scan_distortions(
    shape: tuple[int, int] = (384, 384),
    jitter: float = 0.7,
    drift: tuple[float, float] = (0.03, 0.08),
    counts: float | None = 100.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """`two_phase` lattices seen through a distorted raster scan.

    Row ``r`` (the slow scan axis) samples the specimen at row
    ``r * (1 + drift[0])`` and its pixels are displaced along the fast scan
    axis by ``+-drift[1] * (r - rows / 2)`` (sample drift: a shear, sign
    drawn from the seed) plus a random line jitter ``N(0, jitter^2)`` per
    row (flyback/line-sync noise). The ground truth is distorted in the
    same way, so the boundary is sheared and ragged like the lattice.

    Parameters
    ----------
    shape : (int, int)
        Image shape.
    jitter : float
        Standard deviation (px) of the per-line shift along the fast axis.
    drift : (float, float)
        Slow-axis stretch and fast-axis shear, as fractions.
    counts : float or None
        Mean counts per pixel; None: noise-free.
    seed : int
        Seed of the boundary column, drift sign, jitter and noise.

    Returns
    -------
    image : ndarray, float32
    truth : ndarray, int32
        0 square phase (left), 1 hexagonal phase (right).
    """
    rng = np.random.default_rng(seed)
    boundary = _random_boundary_col(shape, rng)
    shear = drift[1] * rng.choice([-1, 1])
    line_shift = jitter * rng.standard_normal(shape[0])
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    y = rows * (1 + drift[0])
    x = cols + shear * (rows - shape[0] / 2) + line_shift[:, None]
    square = sample_lattice(y, x, 8.0, "square")
    hexagonal = sample_lattice(y, x, 10.0, "hexagonal", offset=(3.0, 5.0))
    right = x >= boundary
    clean = np.where(right, hexagonal, square) + BACKGROUND
    return apply_dose(clean, counts, rng), right.astype(np.int32)


def particle_on_support(
    shape: tuple[int, int] = (384, 384),
    spacing: float = 9.0,
    counts: float | None = 100.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """A crystalline particle on the edge of an amorphous support, with vacuum.

    The support (lower part of the image, wavy edge) is a hard-core random
    arrangement of light atoms (weight 0.35, at least ``0.8 * spacing``
    apart, no lattice); the particle is a hexagon of a square lattice
    (weight 1, random orientation) centred on the support edge, so part of
    it lies over vacuum and part over the support (intensities add, as in
    a projection).

    Parameters
    ----------
    shape : (int, int)
        Image shape.
    spacing : float
        Lattice constant of the particle (px).
    counts : float or None
        Mean counts per pixel; None: noise-free.
    seed : int
        Seed of the geometry, the amorphous atoms and the noise.

    Returns
    -------
    image : ndarray, float32
    truth : ndarray, int32
        0 vacuum, 1 amorphous support, 2 crystalline particle.
    """
    rng = np.random.default_rng(seed)
    h, w = shape
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float64)
    wave, phase = rng.uniform(0.6, 1.2), rng.uniform(0, 2 * np.pi)

    def edge_row(c):
        return h * (0.5 + 0.04 * np.sin(2 * np.pi * c / (w * wave) + phase))

    support = rows >= edge_row(cols)
    sigma = spacing / 5
    points = _hard_core_points(shape, 0.8 * spacing, 0.05, rng)
    points = points[points[:, 0] >= edge_row(points[:, 1])]
    amorphous = render_atoms(shape, points, 0.35, sigma)

    centre_col = rng.uniform(0.4, 0.6) * w
    centre = np.array([edge_row(centre_col), centre_col])
    radius = 0.22 * min(h, w)
    turn = rng.uniform(0, np.pi / 3)
    inside = np.ones(shape, dtype=bool)
    for k in range(6):  # hexagon: six half planes at the apothem
        a = turn + k * np.pi / 3
        inside &= (np.cos(a) * (cols - centre[1]) + np.sin(a) * (rows - centre[0])
                   <= radius * np.cos(np.pi / 6))
    angle, offset = rng.uniform(0, 90), tuple(rng.uniform(0, spacing, 2))
    crystal = lattice(shape, spacing, "square", angle=angle, offset=offset)
    clean = VACUUM + support * BACKGROUND + amorphous + inside * crystal
    truth = np.where(inside, 2, support.astype(np.int32)).astype(np.int32)
    return apply_dose(clean, counts, rng), truth


def superlattice_precipitate(
    shape: tuple[int, int] = (384, 384),
    spacing: float = 8.0,
    contrast: float = 0.2,
    counts: float | None = 100.0,
    seed: int = 0,
    angle: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """An ordered precipitate in a disordered matrix of the same square lattice.

    Every site of one square lattice holds an atom of weight
    ``1 + contrast`` or ``1 - contrast``: in a random ellipse (the
    precipitate) they alternate in a checkerboard (chemical order, a
    superlattice with a sqrt(2) larger cell); everywhere else each site is
    drawn at random (same composition, no order). The mean intensity and
    the fundamental lattice are the same in both patterns.

    Parameters
    ----------
    shape : (int, int)
        Image shape.
    spacing : float
        Lattice constant (px).
    contrast : float
        Relative intensity difference of the two species (weak: 0.1-0.3).
    counts : float or None
        Mean counts per pixel; None: noise-free.
    seed : int
        Seed of the lattice angle/offset, the ellipse, the disorder and the
        noise.
    angle : float, optional
        Lattice orientation (degrees); default: drawn from the seed.

    Returns
    -------
    image : ndarray, float32
    truth : ndarray, int32
        0 disordered matrix, 1 ordered precipitate.
    """
    rng = np.random.default_rng(seed)
    h, w = shape
    drawn = rng.uniform(0, 90)
    angle = drawn if angle is None else angle
    ij, pos = _lattice_sites(shape, spacing, angle, rng.uniform(0, spacing, 2), 4 * spacing)
    centre = np.array([h, w]) * rng.uniform(0.4, 0.6, 2)
    semi = min(h, w) * rng.uniform(0.18, 0.28, 2)
    tilt = rng.uniform(0, np.pi)

    def in_ellipse(r, c):
        dr, dc = r - centre[0], c - centre[1]
        u = np.cos(tilt) * dc + np.sin(tilt) * dr
        v = -np.sin(tilt) * dc + np.cos(tilt) * dr
        return (u / semi[0]) ** 2 + (v / semi[1]) ** 2 <= 1

    ordered = in_ellipse(pos[:, 0], pos[:, 1])
    sign = np.where(ordered, 1 - 2 * ((ij[:, 0] + ij[:, 1]) % 2), rng.choice([-1, 1], len(pos)))
    clean = BACKGROUND + render_atoms(shape, pos, 1 + contrast * sign, spacing / 5)
    truth = in_ellipse(*np.mgrid[0:h, 0:w]).astype(np.int32)
    return apply_dose(clean, counts, rng), truth


#: Fractional offsets (along a1 = col, a2 = row) and weight ratio of the kite
#: bases of `mirror_broken_basis`.
KITE = (0.22, 0.14, 0.6)


def kite_bases(
    dx: float = KITE[0], dy: float = KITE[1], c: float = KITE[2]
) -> tuple[tuple[tuple[float, float, float], ...], tuple[tuple[float, float, float], ...]]:
    """Two homometric four-atom bases, one with a vertical, one with a horizontal mirror.

    With ``v`` the two-atom motif {0: 1, (dx, dy): c} and ``m`` the mirror
    col -> -col, basis A is ``(v o m) * v`` (``*``: convolution of point
    sets) and basis B is ``(v o m) * (v o -1)``. Their Fourier amplitudes
    are equal, ``|V(m k)| |V(k)|``, so the two periodic images have the same
    power spectrum, hence the same autocorrelation (Patterson function):
    translations cannot tell them apart. A is symmetric under col -> -col
    (vertical mirror axis), B under row -> -row (horizontal axis), and for
    ``dx != dy`` neither is a rotation of the other.

    Parameters
    ----------
    dx, dy : float
        Offset of the second atom of ``v`` in fractions of the lattice
        constant along columns / rows.
    c : float
        Weight of the second atom of ``v``.

    Returns
    -------
    basis_a, basis_b : tuple of (frac_col, frac_row, weight)
        Bases for `lattice` / `sample_lattice` (square lattice).
    """
    basis_a = ((0.0, 0.0, 1.0), (dx, dy, c), (-dx, dy, c), (0.0, 2 * dy, c * c))
    basis_b = ((0.0, 0.0, 1.0), (-dx, dy, c), (-dx, -dy, c), (-2 * dx, 0.0, c * c))
    return basis_a, basis_b


def mirror_broken_basis(
    shape: tuple[int, int] = (384, 384),
    spacing: float = 16.0,
    counts: float | None = 100.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Two regions of one square lattice whose bases differ only in point symmetry.

    Both regions share the lattice (same spacing, orientation and origin);
    their four-atom bases (`kite_bases`) have identical autocorrelations,
    but region 0 has a vertical mirror axis that region 1 breaks (region 1
    has a horizontal one instead). The boundary is a straight line through
    the middle third of the image at a random angle.

    Parameters
    ----------
    shape : (int, int)
        Image shape.
    spacing : float
        Lattice constant (px); atoms have sigma ``spacing / 13``.
    counts : float or None
        Mean counts per pixel; None: noise-free.
    seed : int
        Seed of the lattice offset, the boundary and the noise.

    Returns
    -------
    image : ndarray, float32
    truth : ndarray, int32
        0 vertical-mirror basis, 1 mirror-broken (horizontal-mirror) basis.
    """
    rng = np.random.default_rng(seed)
    h, w = shape
    basis_a, basis_b = kite_bases()
    offset = tuple(rng.uniform(0, spacing, 2))
    sigma = spacing / 13
    a = lattice(shape, spacing, "square", sigma=sigma, offset=offset, basis=basis_a)
    b = lattice(shape, spacing, "square", sigma=sigma, offset=offset, basis=basis_b)
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float64)
    point = np.array([h, w]) * rng.uniform(0.4, 0.6, 2)
    theta = rng.uniform(0, np.pi)
    side = np.cos(theta) * (cols - point[1]) + np.sin(theta) * (rows - point[0]) >= 0
    clean = BACKGROUND + np.where(side, b, a)
    return apply_dose(clean, counts, rng), side.astype(np.int32)


def _spread_angles(n: int, period: float, min_gap: float, rng) -> np.ndarray:
    """`n` random angles in [0, period) pairwise at least `min_gap` apart (mod period)."""
    for _ in range(1000):
        angles = rng.uniform(0, period, n)
        diff = np.abs(angles[:, None] - angles[None, :]) % period
        diff = np.minimum(diff, period - diff) + np.eye(n) * period
        if diff.min() >= min_gap:
            return angles
    raise ValueError(f"cannot place {n} angles {min_gap} apart in a period of {period}")


def rotated_grains(
    shape: tuple[int, int] = (384, 384),
    n_grains: int = 3,
    spacing: float = 9.0,
    min_misorientation: float = 15.0,
    counts: float | None = 100.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Grains of one square lattice that differ only in orientation.

    Voronoi grains around random centres (at least a third of the image
    apart); each grain has its own random orientation (pairwise at least
    `min_misorientation` degrees apart, modulo the 90 degree symmetry of
    the square lattice) and offset.

    Parameters
    ----------
    shape : (int, int)
        Image shape.
    n_grains : int
        Number of grains (= patterns).
    spacing : float
        Lattice constant (px).
    min_misorientation : float
        Smallest misorientation between two grains (degrees).
    counts : float or None
        Mean counts per pixel; None: noise-free.
    seed : int
        Seed of the grain centres, orientations, offsets and noise.

    Returns
    -------
    image : ndarray, float32
    truth : ndarray, int32
        Grain number 0 .. n_grains - 1.
    """
    rng = np.random.default_rng(seed)
    h, w = shape
    gap = min(h, w) / 3
    for _ in range(1000):
        centres = rng.uniform(0.1, 0.9, (n_grains, 2)) * (h, w)
        dist = np.hypot(*(centres[:, None] - centres[None, :]).transpose(2, 0, 1))
        if (dist + np.eye(n_grains) * gap).min() >= gap:
            break
    else:
        raise ValueError(f"cannot place {n_grains} grains in an image of {shape}")
    angles = _spread_angles(n_grains, 90.0, min_misorientation, rng)
    rows, cols = np.mgrid[0:h, 0:w]
    d2 = [(rows - r) ** 2 + (cols - c) ** 2 for r, c in centres]
    truth = np.argmin(np.stack(d2), axis=0).astype(np.int32)
    clean = np.full(shape, BACKGROUND)
    for k, angle in enumerate(angles):
        grain = lattice(shape, spacing, "square", angle, offset=tuple(rng.uniform(0, spacing, 2)))
        clean += np.where(truth == k, grain, 0.0)
    return apply_dose(clean, counts, rng), truth


def twin(
    shape: tuple[int, int] = (384, 384),
    n_boundaries: int = 3,
    spacing: float = 8.0,
    angle: float = 35.26,
    counts: float | None = 100.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Twin lamellae: a rectangular lattice mirrored across parallel twin planes.

    Lamella 0 holds a rectangular lattice (a, 1.5 a) at `angle` to the twin
    planes; every next lamella is the mirror image of its neighbour across
    the plane between them (a coherent, mirror-related twin, as in fcc
    twins where the variants are about 70 degrees apart). The twin plane
    direction and the lamella widths (at least four lattice constants)
    are random.

    Parameters
    ----------
    shape : (int, int)
        Image shape.
    n_boundaries : int
        Number of twin planes crossing the image.
    spacing : float
        Shorter lattice constant (px).
    angle : float
        Angle between the lattice and the twin planes (degrees); 0 or 90
        make both variants the same.
    counts : float or None
        Mean counts per pixel; None: noise-free.
    seed : int
        Seed of the plane direction, positions, lattice offset and noise.

    Returns
    -------
    image : ndarray, float32
    truth : ndarray, int32
        0 for the variant of lamella 0 (and every second lamella), 1 for
        the mirrored variant.
    """
    rng = np.random.default_rng(seed)
    h, w = shape
    phi = rng.uniform(0, np.pi)
    normal = np.array([np.cos(phi), -np.sin(phi)])  # (x=col, y=row), normal to the planes
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float64)
    x, y = cols - w / 2, rows - h / 2
    s = normal[0] * x + normal[1] * y
    lo, hi = s.min() + 2 * spacing, s.max() - 2 * spacing
    min_width = 4 * spacing
    for _ in range(1000):
        planes = np.sort(rng.uniform(lo, hi, n_boundaries))
        if np.diff(np.concatenate([[lo], planes, [hi]])).min() >= min_width:
            break
    else:
        raise ValueError(f"cannot fit {n_boundaries} twin planes in an image of {shape}")
    lamella = np.searchsorted(planes, s)
    # unfold: reflect every pixel back across the planes between it and lamella 0
    s0 = s.copy()
    for k in range(n_boundaries, 0, -1):
        here = lamella >= k
        s0[here] = 2 * planes[k - 1] - s0[here]
    x0, y0 = x + (s0 - s) * normal[0], y + (s0 - s) * normal[1]
    # the planes run along (sin phi, cos phi) = angle 90 - phi in `lattice`'s convention
    lattice_angle = 90 - np.rad2deg(phi) + angle
    clean = BACKGROUND + sample_lattice(
        y0, x0, spacing, "rectangular", lattice_angle, offset=tuple(rng.uniform(0, spacing, 2))
    )
    return apply_dose(clean, counts, rng), (lamella % 2).astype(np.int32)
