"""Harder robustness scenarios (issue 13): HAADF physics where Pearson scores go blind.

Every generator returns ``(image, truth)`` like `benchmarks.scenarios` (float32
Poisson counts, int32 pattern labels), or ``(series, truth)`` for the video.
They are built independently of the issue-5 scenarios, from the projected
structures of real crystals (column positions of fcc [100] / [110], L1_2
[001], perovskite [001]), with the HAADF physics that matters here:

- column intensity ~ (number of atoms) x Z^1.7 (incoherent Z contrast), so a
  column's weight follows its composition and its thickness;
- a probe with a Gaussian core and long tails (`probe_tails`): part of every
  column's intensity is spread over tens of pixels, which lifts the
  background near bright regions and lowers the contrast;
- diffuse background (thermal diffuse scattering, amorphous surface layers)
  proportional to the local thickness;
- Poisson counts at a given mean dose per pixel (`benchmarks.scenarios.apply_dose`);
- sample drift for the video.

The seed draws the physics (lattice constant, zone axis, orientation,
composition, order, thickness, probe, shapes) as well as the noise: two
seeds are two different specimens.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from benchmarks.scenarios import apply_dose, render_atoms

#: Relative HAADF intensity exponent: a column of N atoms of number Z gives ~N Z^1.7.
Z_EXPONENT = 1.7


def z_weight(z: float, z_ref: float = 79.0) -> float:
    """HAADF intensity of one atom of number `z` relative to one of `z_ref`."""
    return (z / z_ref) ** Z_EXPONENT


def probe_tails(clean: np.ndarray, fraction: float, width: float) -> np.ndarray:
    """Spread `fraction` of the intensity with a broad probe tail.

    A real probe has a sharp core and tails reaching far (aberrations,
    source size, detector crosstalk). The core is already in the column
    widths; the tail is a sum of two Gaussians (``width`` and ``3 width``
    px), which gives the slow, roughly Lorentzian-looking fall-off.

    Parameters
    ----------
    clean : ndarray
        Noise-free image (core probe only).
    fraction : float
        Share of the intensity moved into the tail (0.1-0.3 is typical).
    width : float
        Width (px) of the tail's inner Gaussian.

    Returns
    -------
    ndarray, float64
    """
    near = ndimage.gaussian_filter(clean, width, mode="reflect")
    far = ndimage.gaussian_filter(clean, 3 * width, mode="reflect")
    return (1 - fraction) * clean + fraction * (0.6 * near + 0.4 * far)


def smooth_field(shape, scale: float, rng, amplitude: float = 1.0) -> np.ndarray:
    """A smooth random field of zero mean and standard deviation `amplitude`
    varying over about `scale` px (Gaussian-filtered white noise)."""
    field = ndimage.gaussian_filter(rng.standard_normal(shape), scale, mode="wrap")
    return amplitude * (field - field.mean()) / (field.std() + 1e-12)


def crystal_columns(shape, a1, a2, basis, offset, margin: float = 20.0):
    """Column positions of a 2-D projected crystal covering the image.

    Parameters
    ----------
    shape : (int, int)
        Image shape.
    a1, a2 : array_like (row, col)
        Lattice vectors (px).
    basis : sequence of (f1, f2)
        Fractional positions of the columns in the cell.
    offset : (float, float)
        Position (row, col) of the cell origin.
    margin : float
        Columns up to this far outside the image are kept (their tails).

    Returns
    -------
    positions : ndarray, (n, 2)
    cell : ndarray of int, (n, 2)
        Cell indices (i, j) of every column.
    site : ndarray of int, (n,)
        Basis index of every column.
    """
    a1, a2 = np.asarray(a1, float), np.asarray(a2, float)
    inv = np.linalg.inv(np.array([a1, a2]).T)
    corners = np.array([[0, 0], [0, shape[1]], [shape[0], 0], [shape[0], shape[1]]], float)
    frac = (inv @ (corners - offset).T).T
    lo = np.floor(frac.min(axis=0)) - 3 - margin / min(np.hypot(*a1), np.hypot(*a2))
    hi = np.ceil(frac.max(axis=0)) + 3 + margin / min(np.hypot(*a1), np.hypot(*a2))
    i, j = np.mgrid[int(lo[0]) : int(hi[0]) + 1, int(lo[1]) : int(hi[1]) + 1]
    i, j = i.ravel(), j.ravel()
    pos, cells, sites = [], [], []
    for k, (f1, f2) in enumerate(basis):
        p = offset + (i + f1)[:, None] * a1 + (j + f2)[:, None] * a2
        pos.append(p)
        cells.append(np.stack([i, j], axis=1))
        sites.append(np.full(len(i), k))
    pos, cells, sites = np.concatenate(pos), np.concatenate(cells), np.concatenate(sites)
    keep = ((pos[:, 0] > -margin) & (pos[:, 0] < shape[0] + margin)
            & (pos[:, 1] > -margin) & (pos[:, 1] < shape[1] + margin))
    return pos[keep], cells[keep], sites[keep]


def _rotation(angle_deg: float) -> np.ndarray:
    t = math.radians(angle_deg)
    return np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])


def fcc_projection(zone: str, a: float, angle: float):
    """Lattice vectors (row, col) and column basis of fcc seen along `zone`.

    ``"100"``: a square lattice of columns a/2 apart; ``"110"``: the centred
    rectangular lattice a x a/sqrt(2) (columns 0.61 a apart, {111} planes
    edge-on at +-54.7 degrees to [001]).
    """
    rot = _rotation(angle)
    if zone == "100":
        a1, a2, basis = np.array([0.0, a / 2]), np.array([a / 2, 0.0]), [(0.0, 0.0)]
    elif zone == "110":
        a1, a2, basis = np.array([0.0, a]), np.array([a / math.sqrt(2), 0.0]), \
            [(0.0, 0.0), (0.5, 0.5)]
    else:
        raise ValueError(f"zone must be '100' or '110'; got {zone!r}")
    return rot @ a1, rot @ a2, basis


# ------------------------------------------------------------------ nanoparticle
def nanoparticle_on_carbon(
    shape: tuple[int, int] = (384, 384),
    counts: float | None = 20.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """A faceted fcc metal nanoparticle on an amorphous carbon film, with vacuum.

    The film covers the part of the image below a wavy edge (its thickness
    varies slowly by +-25 %); it is a dense projection of light atoms
    (Z = 6), i.e. a fine speckle whose mean is 8-25 % of the particle's.
    The particle (Z = 79, a = 15-22 px, zone [100] or [110], random
    orientation) is a random convex polygon of 7-10 facets around the
    film edge, so it lies partly over vacuum and partly over carbon
    (intensities add); its column heights follow a sphere (thin edges).
    Probe tails (10-30 % of the intensity) and a diffuse background
    proportional to the thickness blur the boundaries as in a real image.

    Returns
    -------
    image : ndarray, float32
    truth : ndarray, int32
        0 vacuum, 1 carbon film, 2 particle.
    """
    rng = np.random.default_rng(seed)
    h, w = shape
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float64)
    a = rng.uniform(15.0, 22.0)
    zone = str(rng.choice(["100", "110"]))
    a1, a2, basis = fcc_projection(zone, a, rng.uniform(0, 180))
    sigma = a * rng.uniform(0.06, 0.08)
    # the film edge
    wave, phase, tilt = rng.uniform(0.5, 1.2), rng.uniform(0, 2 * np.pi), rng.uniform(-0.15, 0.15)
    mid = rng.uniform(0.45, 0.6)

    def edge_row(c):
        return h * (mid + 0.05 * np.sin(2 * np.pi * c / (w * wave) + phase)) + tilt * (c - w / 2)

    film = rows >= edge_row(cols)
    # the particle: a random convex polygon around a point of the film edge
    centre_col = rng.uniform(0.35, 0.65) * w
    centre = np.array([edge_row(centre_col) + rng.uniform(-0.05, 0.05) * h, centre_col])
    radius = rng.uniform(0.16, 0.24) * min(h, w)
    n_facets = int(rng.integers(7, 11))
    normals = np.sort(rng.uniform(0, 2 * np.pi, n_facets))
    normals += np.linspace(0, 2 * np.pi, n_facets, endpoint=False) - normals  # spread
    normals += rng.uniform(-0.2, 0.2, n_facets)
    dists = radius * rng.uniform(0.9, 1.05, n_facets)

    def inside(r, c):
        ok = np.ones(np.shape(r), dtype=bool)
        for ang, d in zip(normals, dists, strict=True):
            ok &= np.cos(ang) * (c - centre[1]) + np.sin(ang) * (r - centre[0]) <= d
        return ok

    particle = inside(rows, cols)
    pos, _, _ = crystal_columns(shape, a1, a2, basis, centre + rng.uniform(-a, a, 2))
    keep = inside(pos[:, 0], pos[:, 1])
    pos = pos[keep]
    r = np.hypot(pos[:, 0] - centre[0], pos[:, 1] - centre[1])
    height = np.sqrt(np.clip(1.0 - (r / (1.08 * radius)) ** 2, 0.06, None))
    metal = render_atoms(shape, pos, height, sigma)
    mean_particle = metal[particle].mean()
    # the carbon film: many light atoms, thickness varying slowly
    density = 0.25
    n = rng.poisson(density * h * w)
    cpos = rng.uniform(0, 1, (n, 2)) * (h, w)
    cpos = cpos[cpos[:, 0] >= edge_row(cpos[:, 1])]
    thick = 1 + smooth_field(shape, min(h, w) / 6, rng, 0.25 / 2)
    cw = thick[cpos[:, 0].astype(int).clip(0, h - 1), cpos[:, 1].astype(int).clip(0, w - 1)]
    carbon = render_atoms(shape, cpos, cw, rng.uniform(0.9, 1.4))
    carbon *= rng.uniform(0.08, 0.25) * mean_particle / carbon[film].mean()
    diffuse = ndimage.gaussian_filter(metal, 2 * a) * rng.uniform(0.05, 0.15)
    clean = 0.002 * mean_particle + metal + carbon + diffuse
    clean = probe_tails(clean, rng.uniform(0.1, 0.3), rng.uniform(5.0, 12.0))
    truth = np.where(particle, 2, film.astype(np.int32)).astype(np.int32)
    return apply_dose(clean, counts, rng), truth


# ------------------------------------------------------------------ L1_2 cuboids
def l12_column_spacing(seed: int) -> float:
    """The column spacing d (px) that `l12_cuboids` draws for `seed` (its first draw).

    The accuracy band of the cuboids is two column spacings (one superlattice
    period); taken from the image's estimated lattice it doubled on the seeds
    where the estimate found the superlattice (2 d) and then covered whole
    cuboids (issue 13, seventh session).
    """
    return float(np.random.default_rng(seed).uniform(7.0, 10.0))


def l12_cuboids(
    shape: tuple[int, int] = (384, 384),
    counts: float | None = 20.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Small ordered L1_2 cuboids coherent in a disordered fcc matrix, along [001].

    Columns form one square lattice (spacing d = a/2 = 7-10 px, random
    orientation) everywhere. Every column holds N atoms (N = 20-40, varying
    slowly by +-10 % with a thickness field) of a majority element A and a
    minority B of relative intensity z = 0.3-0.7 (Ni3Al: 0.27). In
    the matrix every site holds B with the matrix concentration c = 0.10-0.20
    (binomial per column). In a cuboid (a square aligned with the cube axes,
    40-110 px wide; 3-6 of them), the corner sublattice of the 2 d x 2 d
    superlattice cell holds B with probability 0.25 + 0.75 S and the other
    sites 0.25 - 0.25 S (long-range order S = 0.75-1.0); every cuboid picks
    its own anti-phase variant. So the cuboids differ from the matrix in a
    weak superlattice of dark minority columns and a slightly different
    mean intensity; the fundamental lattice is the same.

    Returns
    -------
    image : ndarray, float32
    truth : ndarray, int32
        0 matrix, 1 ordered cuboid.
    """
    rng = np.random.default_rng(seed)
    h, w = shape
    d = rng.uniform(7.0, 10.0)  # (`l12_column_spacing` repeats this draw)
    angle = rng.uniform(-45, 45)
    rot = _rotation(angle)
    a1, a2 = rot @ np.array([0.0, d]), rot @ np.array([d, 0.0])
    pos, cell, _ = crystal_columns(shape, a1, a2, [(0.0, 0.0)], rng.uniform(0, d, 2))
    # cuboids in lattice coordinates (u along a1 = cols, v along a2 = rows)
    inv = np.linalg.inv(np.array([a1, a2]).T)
    centre_uv = inv @ np.array([h / 2, w / 2])
    n_cub = int(rng.integers(3, 7))
    boxes = []
    for _ in range(2000):
        if len(boxes) == n_cub:
            break
        side = rng.uniform(40, 110) / d
        c = centre_uv + rng.uniform(-0.5, 0.5, 2) * np.array([h, w]).max() / d * 0.8
        box = (c[0] - side / 2, c[0] + side / 2, c[1] - side / 2, c[1] + side / 2)
        gap = 2.5
        if all(box[1] + gap < b[0] or b[1] + gap < box[0] or box[3] + gap < b[2]
               or b[3] + gap < box[2] for b in boxes):
            boxes.append(box)
    variants = rng.integers(0, 2, (len(boxes), 2))

    def which_box(u, v):
        out = np.full(np.shape(u), -1)
        for k, (u0, u1, v0, v1) in enumerate(boxes):
            out[(u >= u0) & (u < u1) & (v >= v0) & (v < v1)] = k
        return out

    uv = cell.astype(float)
    box_of = which_box(uv[:, 0], uv[:, 1])
    # keep only cuboids that show in the image
    rr, cc = np.mgrid[0:h, 0:w].astype(np.float64)
    fu, fv = np.tensordot(inv, np.stack([rr, cc]), axes=1)
    # (fu, fv) are the lattice coordinates of every pixel; a column's cell is its
    # nearest lattice point, so a pixel belongs to the cuboid of its nearest column
    truth_box = which_box(np.round(fu), np.round(fv))
    truth = (truth_box >= 0).astype(np.int32)
    z = rng.uniform(0.3, 0.7)
    c_matrix = rng.uniform(0.10, 0.20)
    order = rng.uniform(0.75, 1.0)
    n0 = rng.uniform(20, 40)
    thick = 1 + smooth_field(shape, min(h, w) / 4, rng, 0.1)
    n_atoms = np.round(n0 * thick[pos[:, 0].astype(int).clip(0, h - 1),
                                  pos[:, 1].astype(int).clip(0, w - 1)]).astype(int)
    p_b = np.full(len(pos), c_matrix)
    inside = box_of >= 0
    var = variants[box_of[inside]]
    corner = ((cell[inside, 0] + var[:, 0]) % 2 == 0) & ((cell[inside, 1] + var[:, 1]) % 2 == 0)
    p_b[inside] = np.where(corner, 0.25 + 0.75 * order, 0.25 - 0.25 * order)
    n_b = rng.binomial(n_atoms, p_b)
    weight = ((n_atoms - n_b) + z * n_b) / n0
    sigma = d * rng.uniform(0.13, 0.17)
    columns = render_atoms(shape, pos, weight, sigma)
    clean = columns + rng.uniform(0.05, 0.15) * thick + ndimage.gaussian_filter(columns, 3 * d) \
        * rng.uniform(0.05, 0.15)
    clean = probe_tails(clean, rng.uniform(0.1, 0.25), rng.uniform(4.0, 10.0))
    return apply_dose(clean, counts, rng), truth


# ------------------------------------------------------------------ polar perovskite
def polar_perovskite(
    shape: tuple[int, int] = (384, 384),
    counts: float | None = 200.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Perovskite ABO3 along [001]: a centrosymmetric and a polar region.

    One lattice everywhere (a = 14-20 px, random orientation and origin):
    A columns at the cell corners (weight 1), B-O columns at the centre
    (weight 0.35-0.7), O columns at the edge centres (weight 0.03-0.08,
    nearly invisible as in HAADF). In the polar region (one side of a
    straight boundary at a random angle) the B-O columns are displaced by
    delta = 4-9 % of a along one of the cell axes or diagonals (random) and
    the O columns by -delta/2: the mirror perpendicular to the displacement
    is broken, the lattice is unchanged. Probe tails, diffuse background,
    Poisson counts.

    Returns
    -------
    image : ndarray, float32
    truth : ndarray, int32
        0 centrosymmetric (4mm), 1 polar (mirror broken).
    """
    rng = np.random.default_rng(seed)
    h, w = shape
    a = rng.uniform(14.0, 20.0)
    rot = _rotation(rng.uniform(0, 90))
    a1, a2 = rot @ np.array([0.0, a]), rot @ np.array([a, 0.0])
    offset = rng.uniform(0, a, 2)
    w_b, w_o = rng.uniform(0.35, 0.7), rng.uniform(0.03, 0.08)
    direction = [(1, 0), (0, 1), (1, 1), (1, -1)][int(rng.integers(4))]
    u = np.array(direction, float) / np.hypot(*direction)  # fractions (along a1, a2)
    delta = rng.uniform(0.04, 0.09)
    point = np.array([h, w]) * rng.uniform(0.4, 0.6, 2)
    theta = rng.uniform(0, np.pi)
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float64)

    def side(r, c):
        return np.cos(theta) * (c - point[1]) + np.sin(theta) * (r - point[0]) >= 0

    sigma = a * rng.uniform(0.055, 0.075)
    clean = np.zeros(shape)
    for frac, weight, shift in (((0.0, 0.0), 1.0, 0.0), ((0.5, 0.5), w_b, 1.0),
                                ((0.5, 0.0), w_o, -0.5), ((0.0, 0.5), w_o, -0.5)):
        pos, _, _ = crystal_columns(shape, a1, a2, [frac], offset)
        polar = side(pos[:, 0], pos[:, 1])
        move = (shift * delta * (u[0] * a1 + u[1] * a2))
        pos = pos + polar[:, None] * move
        clean += render_atoms(shape, pos, weight, sigma)
    clean += rng.uniform(0.05, 0.15) + ndimage.gaussian_filter(clean, 2 * a) * 0.1
    clean = probe_tails(clean, rng.uniform(0.1, 0.25), rng.uniform(4.0, 10.0))
    truth = side(rows, cols).astype(np.int32)
    return apply_dose(clean, counts, rng), truth


# ------------------------------------------------------------------ twin video
def twin_video(
    n_frames: int = 40,
    shape: tuple[int, int] = (512, 512),
    counts: float | None = 20.0,
    drift: float = 0.3,
    seed: int = 0,
    a_range: tuple[float, float] = (14.0, 20.0),
    appears: int = 0,
    defocus: float = 0.0,
    jitter: float = 0.0,
    flyback: float = 0.0,
    scan_drift: float = 0.0,
    thickness: float = 1.0,
    flicker: float = 0.0,
    planes: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """An in-situ video of a Sigma-3 twin boundary in fcc [110] migrating plane by plane.

    fcc along [110] (a = 14-20 px, random orientation): the coherent twin
    boundary is an edge-on {111} plane; the twin is the mirror image of the
    matrix across it. The boundary migrates by single {111} planes: a ledge
    (one plane high) runs along the boundary at a constant speed, and when
    it has crossed the field of view the boundary is one plane further and
    a new ledge starts (two to four planes over the video). The specimen
    drifts by `drift` px/frame in a random direction (with a small random
    walk), the truth moves with it. Probe tails, thickness-proportional
    background, Poisson counts per frame. ``defocus > 0``: the focus drifts
    over the video, the probe's width grows linearly to ``1 + defocus``
    times its first width by the last frame, and its tail fraction by the
    same factor (capped at 0.6).

    STEM scan physics (all off by default; see `scan_warp`): ``jitter``
    (px, standard deviation of a random fast-axis shift of every scan line,
    new every frame), ``flyback`` (px, a fast-axis displacement at the start
    of every line decaying over 40 px: the beam settling after flyback),
    ``scan_drift`` (px the specimen moves *during* one frame, along the
    drift direction with a random part: rows scanned later are displaced
    more, so every frame is sheared and stretched differently),
    ``thickness`` (the specimen's thickness, and with it the column and
    background intensity, ramps by this ratio across the frame at a random
    angle) and ``flicker`` (relative standard deviation of every frame's
    dose: beam current fluctuations). The truth is warped with the image:
    it is the pattern of the specimen point the beam was on. ``planes``:
    the boundary migrates by this many {111} planes over the video, sweeping
    across the middle of the frame (default: 2-4 planes near the centre).

    Returns
    -------
    series : ndarray, float32, (T, Y, X)
    truth : ndarray, int32, (T, Y, X)
        0 matrix, 1 twin.
    """
    rng = np.random.default_rng(seed)
    h, w = shape
    a = rng.uniform(*a_range)
    angle = rng.uniform(0, 180)
    a1, a2, basis = fcc_projection("110", a, angle)
    # the edge-on (1-11) plane: normal at 54.74 degrees from [001] (a1) towards [1-10] (a2)
    phi = math.atan(math.sqrt(2))
    n_hat = math.cos(phi) * a1 / np.hypot(*a1) + math.sin(phi) * a2 / np.hypot(*a2)
    t_hat = np.array([-n_hat[1], n_hat[0]])
    spacing = a / math.sqrt(3)  # {111} plane spacing
    centre = np.array([h / 2, w / 2])
    origin = centre + rng.uniform(-a, a, 2)  # a column on plane 0
    planes_moved = int(rng.integers(2, 5))
    k0 = int(rng.integers(-3, 2))  # the boundary plane at frame 0 (0 = through the centre)
    sign = rng.choice([-1, 1])  # which way it migrates
    if planes is not None:  # a long sweep, centred on the middle of the frame
        planes_moved, k0 = int(planes), -int(sign) * (int(planes) // 2)
    direction = rng.uniform(0, 2 * np.pi)
    steps = drift * np.array([np.sin(direction), np.cos(direction)])
    walk = np.cumsum(rng.normal(0, 0.08, (n_frames, 2)), axis=0)
    shifts = np.arange(n_frames)[:, None] * steps + walk
    reach = np.hypot(h, w) / 2 + 2 * a
    speed = planes_moved * 2 * reach / n_frames  # ledge speed along the boundary (px/frame)
    sigma = max(0.8, a * rng.uniform(0.06, 0.08))  # the probe: at least ~0.8 px
    tail = (rng.uniform(0.1, 0.25), rng.uniform(5.0, 10.0))
    bg = rng.uniform(0.05, 0.15)
    pos, _, _ = crystal_columns(shape, a1, a2, basis, origin, margin=3 * reach)
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float64)
    scan_rng = np.random.default_rng([seed, 13])  # the scan physics: the default video unchanged
    ramp_angle = scan_rng.uniform(0, 2 * np.pi)
    u = np.cos(ramp_angle) * cols + np.sin(ramp_angle) * rows
    thick = 1 + (thickness - 1) * (u - u.min()) / (u.max() - u.min())
    dose = np.clip(1 + flicker * scan_rng.standard_normal(n_frames), 0.2, None)
    series = np.empty((n_frames, h, w), np.float32)
    truth = np.empty((n_frames, h, w), np.int32)
    for t in range(n_frames):
        run = speed * t
        done, ledge = int(run // (2 * reach)), run % (2 * reach) - reach
        # boundary plane: k on the part the ledge has not reached, k + 1 behind it
        k = k0 + sign * done

        def plane_of(along, k=k, ledge=ledge):
            return np.where(along < ledge, k + sign, k) * spacing

        rel = pos - origin
        s, along = rel @ n_hat, rel @ t_hat
        cut = plane_of(along)
        if t < appears:  # not nucleated yet: the matrix everywhere
            cut = np.full_like(cut, sign * 1e9)
        matrix = pos[s * sign <= cut * sign + 1e-6]
        mirror = pos - 2 * ((s - cut)[:, None] * n_hat[None, :])
        # every mirrored column that lands on the twin side is a twin column
        ms, malong = (mirror - origin) @ n_hat, (mirror - origin) @ t_hat
        twin = mirror[(ms * sign > plane_of(malong) * sign + 1e-6)]
        frame_pos = np.concatenate([matrix, twin]) + shifts[t]
        keep = ((frame_pos[:, 0] > -30) & (frame_pos[:, 0] < h + 30)
                & (frame_pos[:, 1] > -30) & (frame_pos[:, 1] < w + 30))
        grow = 1.0 + defocus * t / max(n_frames - 1, 1)
        clean = (render_atoms(shape, frame_pos[keep], 1.0, sigma * grow) + bg) * thick
        clean = probe_tails(clean, min(0.6, tail[0] * grow), tail[1])
        wr, wc = rows, cols
        if jitter or flyback or scan_drift:
            unit = steps / drift if drift else np.array([0.0, 1.0])
            wr, wc = scan_warp(shape, scan_rng, jitter, flyback, scan_drift * unit)
            clean = ndimage.map_coordinates(clean, [wr, wc], order=1, mode="nearest")
        series[t] = apply_dose(clean, None if counts is None else counts * dose[t], rng)
        pr, pc = wr - origin[0] - shifts[t][0], wc - origin[1] - shifts[t][1]
        ps, palong = pr * n_hat[0] + pc * n_hat[1], pr * t_hat[0] + pc * t_hat[1]
        truth[t] = (ps * sign > plane_of(palong) * sign).astype(np.int32) * (t >= appears)
    return series, truth


def scan_warp(shape, rng, jitter: float = 0.0, flyback: float = 0.0,
              drift=(0.0, 0.0)) -> tuple[np.ndarray, np.ndarray]:
    """Where the beam really was for every pixel of a distorted STEM scan.

    Rows are scanned one after the other (slow axis), each from left to
    right (fast axis). Pixel (r, c) is recorded with the beam at
    ``(r + dr, c + dc)`` of the specimen, where ``dc`` adds a random shift
    per line (`jitter`, px standard deviation), a flyback transient
    ``flyback * exp(-c / 40)`` at the start of every line, and the specimen
    drift during the frame: ``drift`` (row, col) px over the whole frame,
    times r / h, plus a random walk of 5 % of it (slow-scan drift shears and
    stretches the frame).

    Returns
    -------
    rows, cols : ndarray, float64, `shape`
        Specimen coordinates of every pixel (the identity with no distortion).
    """
    h, w = shape
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float64)
    slow = np.arange(h)[:, None] / max(h - 1, 1)
    drift = np.asarray(drift, float)
    wobble = np.cumsum(rng.normal(0, 1, (h, 2)), axis=0)
    wobble *= 0.05 * np.hypot(*drift) / (np.abs(wobble).max() + 1e-12)
    dr = drift[0] * slow + wobble[:, :1]
    dc = drift[1] * slow + wobble[:, 1:] + jitter * rng.standard_normal((h, 1)) \
        + flyback * np.exp(-cols / 40.0)
    return rows + dr, cols + dc


# ------------------------------------------------------------------ negative controls
def single_crystal_slow(
    shape: tuple[int, int] = (384, 384),
    counts: float | None = 100.0,
    kind: str = "perovskite",
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """One crystal, no boundary, under slow intensity variations (a negative control).

    ``kind``: ``"perovskite"`` (ABO3 [001], a = 14-20 px), ``"metal"``
    (fcc [110], a = 14-20 px) or ``"hexagonal"`` (a MoS2-like honeycomb of
    two unequal sites, a = 12-18 px). The intensity is multiplied by a
    thickness wedge (a 1.5-4x ramp at a random angle) and a smooth bending
    / illumination field (+-15 % over a third of the image); the diffuse
    background follows the thickness. Truth: all zeros (one pattern).

    Returns
    -------
    image : ndarray, float32
    truth : ndarray, int32
    """
    rng = np.random.default_rng(seed)
    h, w = shape
    a = rng.uniform(14.0, 20.0) if kind != "hexagonal" else rng.uniform(12.0, 18.0)
    angle = rng.uniform(0, 180)
    rot = _rotation(angle)
    offset = rng.uniform(0, a, 2)
    sigma = a * rng.uniform(0.06, 0.08)
    if kind == "perovskite":
        a1, a2 = rot @ np.array([0.0, a]), rot @ np.array([a, 0.0])
        sites = [((0.0, 0.0), 1.0), ((0.5, 0.5), rng.uniform(0.35, 0.7)),
                 ((0.5, 0.0), 0.05), ((0.0, 0.5), 0.05)]
    elif kind == "metal":
        a1, a2, basis = fcc_projection("110", a, angle)
        sites = [(b, 1.0) for b in basis]
    elif kind == "hexagonal":
        a1 = rot @ np.array([0.0, a])
        a2 = rot @ np.array([a * math.sqrt(3) / 2, a / 2])
        sites = [((0.0, 0.0), 1.0), ((1 / 3, 1 / 3), rng.uniform(0.3, 0.6))]
    else:
        raise ValueError(f"kind must be perovskite, metal or hexagonal; got {kind!r}")
    clean = np.zeros(shape)
    for frac, weight in sites:
        pos, _, _ = crystal_columns(shape, a1, a2, [frac], offset)
        clean += render_atoms(shape, pos, weight, sigma)
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float64)
    theta = rng.uniform(0, 2 * np.pi)
    u = np.cos(theta) * cols + np.sin(theta) * rows
    u = (u - u.min()) / (u.max() - u.min())
    ratio = rng.uniform(1.5, 4.0)
    thickness = (1 + (ratio - 1) * u) / ratio * (1 + smooth_field(shape, min(h, w) / 3, rng, 0.15))
    clean = (clean + rng.uniform(0.05, 0.15)) * thickness
    clean = probe_tails(clean, rng.uniform(0.1, 0.25), rng.uniform(4.0, 10.0))
    return apply_dose(clean, counts, rng), np.zeros(shape, np.int32)
