"""Scenarios for the number-of-patterns hint (issue 13): one crystal vs several patterns.

Every generator returns ``(image, n_true)``: a float32 image and the number
of patterns a microscopist would see in it. The **negatives** (one crystal)
and the **positives** (twin lamellae, two grains, two phases, ordered
precipitates) are built from the same crystals and the same slow physics, so
that only the boundary tells them apart:

Crystals (projected column positions along a zone axis, as ASE's
``ase.build`` structures give them; column weight ~ atoms x Z^1.7):

- ``perovskite``: SrTiO3-like [001]: Sr columns at the corners (Z 38), Ti-O
  columns at the centre (Z 22 + 8), pure O columns at the edge centres
  (Z 8), a = 12-20 px;
- ``metal``: fcc [110] (Cu / Ni / Au-like, one element): a centred
  rectangular lattice a x a/sqrt(2), a = 14-22 px;
- ``stm``: a graphite-like (0001) surface seen by STM: one bright site of
  the honeycomb per cell (the beta atoms), a weaker second one, a = 10-16 px.

Slow physics, drawn per seed: a thickness wedge (a 1.5-4x ramp at a
random angle; the diffuse background follows it), bending / illumination
(+-10-20 % over a third of the image), probe tails (10-30 % of the intensity
over 4-12 px), Poisson counts (20-500 per px). STM instead: tip blur (a
Gaussian of 0.15-0.3 a and sometimes a weaker double-tip ghost), a tilted
plane, scan-line noise (a random walk of per-line offsets and 0.3-0.8 px line
jitter), piezo creep along the slow axis and white noise.

Positives use the same crystal and physics with a boundary:

- ``twin``: lamellae mirrored across parallel planes (1-4 planes, lamellae
  at least 4 cells wide), plane direction random (not a mirror of the
  lattice, so the two variants differ);
- ``grains``: two grains rotated 12-40 deg about a point of a straight
  boundary;
- ``phases``: the crystal next to a different one (perovskite | metal |
  honeycomb of another lattice constant) across a straight boundary;
- ``precipitate``: 1-3 ordered ellipses (checkerboard of heavy and light
  columns, contrast 0.25-0.5) in a disordered matrix of the same square
  lattice (fcc [100]).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from benchmarks.hard_scenarios import (
    _rotation,
    crystal_columns,
    probe_tails,
    smooth_field,
    z_weight,
)
from benchmarks.scenarios import apply_dose, render_atoms

KINDS = ("perovskite", "metal", "stm")
POSITIVES = ("twin", "grains", "phases", "precipitate")


# ------------------------------------------------------------------ crystals
def crystal(kind: str, rng) -> tuple[np.ndarray, np.ndarray, list, float]:
    """Lattice vectors (row, col) at angle 0, sites ``[(frac, weight)]`` and the column width."""
    if kind == "perovskite":
        a = rng.uniform(12.0, 20.0)
        a1, a2 = np.array([0.0, a]), np.array([a, 0.0])
        ti_o = z_weight(22, 38) + z_weight(8, 38)
        sites = [((0.0, 0.0), 1.0), ((0.5, 0.5), ti_o), ((0.5, 0.0), z_weight(8, 38)),
                 ((0.0, 0.5), z_weight(8, 38))]
    elif kind == "metal":
        a = rng.uniform(14.0, 22.0)
        a1, a2 = np.array([0.0, a]), np.array([a / math.sqrt(2), 0.0])
        sites = [((0.0, 0.0), 1.0), ((0.5, 0.5), 1.0)]
    elif kind == "stm":
        a = rng.uniform(10.0, 16.0)
        a1, a2 = np.array([0.0, a]), np.array([a * math.sqrt(3) / 2, a / 2])
        sites = [((0.0, 0.0), 1.0), ((1 / 3, 1 / 3), rng.uniform(0.2, 0.5))]
    elif kind == "honeycomb":
        a = rng.uniform(10.0, 16.0)
        a1, a2 = np.array([0.0, a]), np.array([a * math.sqrt(3) / 2, a / 2])
        sites = [((0.0, 0.0), 1.0), ((1 / 3, 1 / 3), rng.uniform(0.4, 0.8))]
    else:
        raise ValueError(f"unknown crystal {kind!r}")
    return a1, a2, sites, a * rng.uniform(0.06, 0.09)


def _columns(shape, a1, a2, sites, rot, offset):
    pos, w = [], []
    for frac, weight in sites:
        p, _, _ = crystal_columns(shape, rot @ a1, rot @ a2, [frac], offset)
        pos.append(p)
        w.append(np.full(len(p), weight))
    return np.concatenate(pos), np.concatenate(w)


def _boundary(shape, rng):
    """A straight line through the middle third: (point, unit normal)."""
    h, w = shape
    point = np.array([rng.uniform(h / 3, 2 * h / 3), rng.uniform(w / 3, 2 * w / 3)])
    theta = rng.uniform(0, np.pi)
    return point, np.array([math.cos(theta), math.sin(theta)])


# ------------------------------------------------------------------ layouts
def layout(shape, kind: str, positive: str | None, rng):
    """Column positions and weights of one crystal (`positive` None) or of a positive."""
    a1, a2, sites, sigma = crystal(kind, rng)
    cell = float(min(np.hypot(*a1), np.hypot(*a2)))
    angle = rng.uniform(0, 180)
    rot = _rotation(angle)
    offset = rng.uniform(0, cell, 2)
    pos, w = _columns(shape, a1, a2, sites, rot, offset)
    if positive is None:
        return pos, w, sigma
    point, normal = _boundary(shape, rng)
    if positive == "twin":
        # parallel planes, lamellae >= 4 cells wide; odd lamellae mirrored across plane 0
        n_planes = int(rng.integers(1, 5))
        span = float(np.abs(normal) @ np.array(shape, float))
        width = max(4 * cell, span / (n_planes + 1))
        cuts = np.sort(rng.uniform(-span / 2, span / 2, n_planes))
        for i in range(1, n_planes):
            cuts[i] = max(cuts[i], cuts[i - 1] + min(width, 6 * cell))
        centre = np.array(shape, float) / 2
        mirror = np.eye(2) - 2 * np.outer(normal, normal)  # across plane 0
        q = centre + cuts[0] * normal
        pos_b, w_b = _columns(shape, a1, a2, sites, mirror @ rot, mirror @ (offset - q) + q)
        keep_a = np.searchsorted(cuts, (pos - centre) @ normal) % 2 == 0
        keep_b = np.searchsorted(cuts, (pos_b - centre) @ normal) % 2 == 1
        return np.concatenate([pos[keep_a], pos_b[keep_b]]), \
            np.concatenate([w[keep_a], w_b[keep_b]]), sigma
    side = (pos - point) @ normal > 0
    if positive == "grains":
        turn = rng.uniform(12, 40) * rng.choice([-1, 1])
        pos_b, w_b = _columns(shape, a1, a2, sites, _rotation(angle + turn), offset)
    elif positive == "phases":
        other = rng.choice([k for k in ("perovskite", "metal", "honeycomb") if k != kind])
        b1, b2, sites_b, _ = crystal(str(other), rng)
        pos_b, w_b = _columns(shape, b1, b2, sites_b, _rotation(rng.uniform(0, 180)), offset)
        w_b = w_b * (w.mean() / w_b.mean()) * rng.uniform(0.8, 1.25)  # similar brightness
    elif positive == "precipitate":
        return (*_precipitates(shape, cell, rot, offset, rng), sigma)
    else:
        raise ValueError(f"unknown positive {positive!r}")
    side_b = (pos_b - point) @ normal <= 0
    return np.concatenate([pos[side], pos_b[side_b]]), np.concatenate([w[side], w_b[side_b]]), \
        sigma


def _precipitates(shape, cell, rot, offset, rng):
    """Ordered ellipses (checkerboard of heavy / light columns) in a disordered square lattice."""
    a = cell * 0.75
    pos, cells, _ = crystal_columns(shape, rot @ np.array([0.0, a]), rot @ np.array([a, 0.0]),
                                    [(0.0, 0.0)], offset)
    contrast = rng.uniform(0.25, 0.5)
    weights = 1 + contrast * rng.choice([-1.0, 1.0], len(pos))
    ordered = np.zeros(len(pos), bool)
    for _ in range(int(rng.integers(1, 4))):
        c = rng.uniform(0.25, 0.75, 2) * shape
        r = rng.uniform(0.12, 0.25, 2) * min(shape)
        t = rng.uniform(0, np.pi)
        d = pos - c
        u = d @ np.array([math.cos(t), math.sin(t)])
        v = d @ np.array([-math.sin(t), math.cos(t)])
        ordered |= (u / r[0]) ** 2 + (v / r[1]) ** 2 < 1
    checker = np.where((cells.sum(axis=1) % 2) == 0, 1.0, -1.0)
    weights[ordered] = 1 + contrast * checker[ordered]
    return pos, weights


# ------------------------------------------------------------------ imaging
def haadf(shape, pos, w, sigma, rng) -> np.ndarray:
    """HAADF image of the columns under slow thickness, bending and probe physics (Poisson)."""
    h, wd = shape
    clean = render_atoms(shape, pos, w, sigma)
    rows, cols = np.mgrid[0:h, 0:wd].astype(np.float64)
    theta = rng.uniform(0, 2 * np.pi)
    u = np.cos(theta) * cols + np.sin(theta) * rows
    u = (u - u.min()) / (u.max() - u.min())
    ratio = rng.uniform(1.5, 4.0)
    bend = 1 + smooth_field(shape, min(shape) / 3, rng, rng.uniform(0.1, 0.2))
    thickness = (1 + (ratio - 1) * u) / ratio * bend
    clean = (clean + rng.uniform(0.05, 0.2)) * thickness
    clean = probe_tails(clean, rng.uniform(0.1, 0.3), rng.uniform(4.0, 12.0))
    return apply_dose(np.clip(clean, 0, None), float(np.exp(rng.uniform(np.log(20), np.log(500)))),
                      rng)


def stm(shape, pos, w, sigma, rng) -> np.ndarray:
    """Constant-current STM-like image: tip blur, tilt, scan lines, creep, white noise."""
    h, wd = shape
    blur = sigma * rng.uniform(2.0, 3.5)
    z = render_atoms(shape, pos, w, blur)
    if rng.random() < 0.5:  # double tip: a weaker, shifted copy
        shift = rng.uniform(-1, 1, 2) * 3 * sigma
        z = z + rng.uniform(0.2, 0.4) * ndimage.shift(z, shift, order=1, mode="nearest")
    z = z / z.std()
    # piezo creep along the slow axis: rows sampled on a slowly stretched grid
    rows = np.arange(h, dtype=np.float64)
    creep = rows + rng.uniform(0.02, 0.06) * h * (1 - np.exp(-rows / (0.2 * h)))
    creep = creep * (h - 1) / creep[-1]
    jitter = rng.normal(0, rng.uniform(0.3, 0.8), h)
    rr, cc = np.meshgrid(creep, np.arange(wd, dtype=np.float64), indexing="ij")
    z = ndimage.map_coordinates(z, [rr, cc + jitter[:, None]], order=1, mode="nearest")
    tilt = rng.normal(0, 1.0, 2) / np.array([h, wd]) * 3
    plane = np.add.outer(tilt[0] * rows, tilt[1] * np.arange(wd))
    lines = np.cumsum(rng.normal(0, rng.uniform(0.02, 0.08), h))
    noise = rng.normal(0, rng.uniform(0.1, 0.4), shape)
    slow = smooth_field(shape, min(shape) / 3, rng, rng.uniform(0.2, 0.6))
    return (z * (1 + 0.15 * slow) + plane + lines[:, None] + noise).astype(np.float32)


def make(kind: str, positive: str | None, seed: int, size: int = 320) -> tuple[np.ndarray, int]:
    """One scenario image and its true number of patterns.

    Parameters
    ----------
    kind : {'perovskite', 'metal', 'stm'}
        Crystal and imaging (STM for ``'stm'``, HAADF otherwise).
    positive : {'twin', 'grains', 'phases', 'precipitate'} or None
        None: one crystal (a negative control).
    seed : int
        Draws the crystal, layout, physics and noise.
    size : int
        Image side (px).

    Returns
    -------
    image : ndarray, float32
    n_true : int
        1 for one crystal, 2 for a positive.
    """
    rng = np.random.default_rng([seed, KINDS.index(kind),
                                 0 if positive is None else 1 + POSITIVES.index(positive)])
    shape = (size, size)
    pos, w, sigma = layout(shape, kind, positive, rng)
    image = stm(shape, pos, w, sigma, rng) if kind == "stm" else haadf(shape, pos, w, sigma, rng)
    return image, 1 if positive is None else 2
