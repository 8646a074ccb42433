"""Simulated HAADF images of ferroelectric perovskite domains along [001] (issue 18).

`ferroelectric_domains` renders an ABO3 perovskite (PbTiO3-like) seen along
[001], with exact truth:

- A columns at the cell corners (weight 1, Pb-like), B-O columns at the
  cell centre (weight 0.25-0.4, Ti+O), O columns at the edge centres
  (weight 0.03-0.06, nearly invisible as in HAADF);
- in every domain the B-O columns move by ``delta`` (Angstrom) along the
  domain's polarisation, one of +-[100] (image rows) and +-[010] (image
  columns), and the O columns by ``-delta / 2`` (the oxygen cage moves
  against the B cation, as in PbTiO3);
- a = 3.9 A; the pixel size (0.26-0.36 A, 11-15 px per cell), the lattice
  origin, the probe (Gaussian core 0.35-0.45 A, tails as in
  `hard_scenarios.probe_tails`), the diffuse background and the layout of
  the domains are drawn from the seed;
- a small linear scan drift (columns sheared by up to 1.5 px over the image);
- Poisson counts at `counts` per pixel on average.

Layouts (``kind``): ``"stripes180"`` (stripes of +P and -P, walls along the
polarisation, as 180-degree walls in PbTiO3), ``"wedge180"`` (a wedge of -P
in +P), ``"stripes90"`` (a-c-like head-to-tail 90-degree domains with walls
along a cell diagonal, P along +[100] and +[010]), ``"nonpolar"`` (one
centrosymmetric crystal, truth all 0).

The truth is given per pixel and per domain: a domain's pixels are those
whose nearest cell lies in it (the displacement is defined per cell).

Seeds: develop on `DEV_SEEDS`; numbers reported in docs/robustness.md are on
`HELD_OUT_SEEDS`, which were not looked at while developing.
"""

from __future__ import annotations

import numpy as np

from benchmarks.hard_scenarios import probe_tails, smooth_field
from benchmarks.scenarios import apply_dose, render_atoms

#: Lattice constant (Angstrom) of the cubic perovskite cell.
LATTICE = 3.9
DEV_SEEDS = (0, 1, 2)
HELD_OUT_SEEDS = (101, 102, 103, 104, 105)
KINDS = ("stripes180", "wedge180", "stripes90", "nonpolar")


def _layout(kind: str, rows, cols, shape, rng):
    """Domain index (int) and polarisation unit vector (row, col) at points (rows, cols)."""
    h, w = shape
    if kind == "nonpolar":
        index = np.zeros(np.shape(rows), np.int32)
        return index, np.zeros((2, 2))
    axis = int(rng.integers(2))  # 0: P along rows ([100]), 1: along columns ([010])
    p = np.zeros(2)
    p[axis] = 1.0
    if kind == "stripes180":
        # walls parallel to P: stripes across the other axis, 2 or 3 walls
        across = cols if axis == 0 else rows
        size = w if axis == 0 else h
        n_walls = int(rng.integers(2, 4))
        walls = (np.arange(n_walls) + 0.5 + rng.uniform(-0.2, 0.2, n_walls)) * size / n_walls
        index = (np.searchsorted(walls, across) % 2).astype(np.int32)
        return index, np.array([p, -p])
    if kind == "wedge180":
        apex = np.array([h, w]) * rng.uniform(0.35, 0.65, 2)
        angle = rng.uniform(0, 2 * np.pi)
        half = np.deg2rad(rng.uniform(20, 35))
        phi = np.arctan2(rows - apex[0], cols - apex[1])
        inside = np.abs(np.angle(np.exp(1j * (phi - angle)))) < half
        return inside.astype(np.int32), np.array([p, -p])
    if kind == "stripes90":
        # head-to-tail: P = +x on one side, +y on the other, walls along a diagonal
        offset = rng.uniform(-0.2, 0.2) * h
        period = rng.uniform(0.5, 0.7) * h
        along = (rows - cols) / np.sqrt(2) - offset
        index = (np.floor(along / (period / np.sqrt(2))) % 2).astype(np.int32)
        return index, np.array([[1.0, 0.0], [0.0, 1.0]])
    raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")


def ferroelectric_domains(
    shape: tuple[int, int] = (320, 320),
    kind: str = "stripes180",
    delta: float = 0.3,
    counts: float | None = 200.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Perovskite [001] HAADF image with polar domains and its exact truth.

    Parameters
    ----------
    shape : (int, int)
        Image shape (px).
    kind : str
        One of `KINDS` (see the module docstring).
    delta : float
        B-site displacement in Angstrom (O moves by -delta/2).
    counts : float or None
        Mean counts per pixel (Poisson); None: noise-free.
    seed : int
        Draws the pixel size, origin, probe, background, drift, layout and noise.

    Returns
    -------
    image : ndarray, float32
    truth : ndarray, int32
        Domain index per pixel.
    polar : ndarray, float64, (n_domains, 2)
        Unit polarisation (row, col) of every domain (B-site displacement
        direction); zeros for ``"nonpolar"``.
    cell : float
        The lattice constant in pixels.
    """
    rng = np.random.default_rng(seed)
    h, w = shape
    pixel = rng.uniform(0.26, 0.36)  # Angstrom per pixel
    a = LATTICE / pixel
    origin = rng.uniform(0, a, 2)
    n_r, n_c = int(h / a) + 3, int(w / a) + 3
    i, j = np.mgrid[-1:n_r - 1, -1:n_c - 1]
    corner = np.stack([origin[0] + i.ravel() * a, origin[1] + j.ravel() * a], axis=1)
    centre = corner + a / 2
    domain, polar = _layout(kind, centre[:, 0], centre[:, 1], shape, rng)
    move = polar[domain] * (delta / pixel) if kind != "nonpolar" else np.zeros_like(centre)
    w_b, w_o = rng.uniform(0.25, 0.4), rng.uniform(0.03, 0.06)
    sigma = rng.uniform(0.35, 0.45) / pixel
    drift = rng.uniform(-1.5, 1.5) / h  # column shift per row (px / px)
    clean = np.zeros(shape)
    for frac, weight, shift in (((0.0, 0.0), 1.0, 0.0), ((0.5, 0.5), w_b, 1.0),
                                ((0.5, 0.0), w_o, -0.5), ((0.0, 0.5), w_o, -0.5)):
        pos = corner + np.array(frac) * a + shift * move
        pos[:, 1] += drift * pos[:, 0]
        clean += render_atoms(shape, pos, weight, sigma)
    clean += rng.uniform(0.05, 0.15) * (1 + 0.3 * smooth_field(shape, 4 * a, rng))
    clean = np.clip(clean, 0, None)
    clean = probe_tails(clean, rng.uniform(0.1, 0.2), rng.uniform(3.0, 6.0))
    rr, cc = np.mgrid[0:h, 0:w].astype(np.float64)
    cc = cc - drift * rr
    nearest_i = np.floor((rr - origin[0]) / a).astype(int) + 1
    nearest_j = np.floor((cc - origin[1]) / a).astype(int) + 1
    truth = domain.reshape(n_r, n_c)[np.clip(nearest_i, 0, n_r - 1),
                                     np.clip(nearest_j, 0, n_c - 1)].astype(np.int32)
    return apply_dose(clean, counts, rng), truth, polar, float(a)
