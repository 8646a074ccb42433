"""A second, independent L1_2-cuboid generator in physical units (issues 13 and 15).

`hard_scenarios.l12_cuboids` draws its physics in pixels (column spacing
7-10 px, cuboids 40-110 px, a binomial column composition of an abstract
minority element, a +-10 % thickness field varying over a quarter of the
image). This one is built from the crystal instead, independently of it:

- the L1_2 A3B cell (Pm-3m, e.g. Ni3Al) written by hand from its Wyckoff
  positions, B on 1a (0, 0, 0), A on 3c (0, 1/2, 1/2), (1/2, 0, 1/2),
  (1/2, 1/2, 0), and projected along [001] (`project_cell`): four columns
  per a x a cell, each one atom per a of depth; the fcc matrix is the same
  cell with every site drawn from the matrix composition (disordered);
- a = 0.357 nm (Ni3Al; the matrix coherent with it), pixel size 0.020-0.035
  nm (column spacing a/2 = 5.1-8.9 px), random in-plane orientation;
- cuboids 5-15 nm wide (cut at half the field of view), faces on {100},
  2-4 per image, each with its own anti-phase variant (one of the four
  translations of the B sublattice) and its own long-range order S;
- HAADF column weight = sum over the column's atoms of Z^1.7; elements drawn
  per site (Ni, Co, Cr, Al, Ti: matrix Ni + 10-25 % Cr + 0-15 % Co + 2-6 %
  Al; cuboid A sites Ni, B sites Al with 0-50 % Ti, antisites from S);
- a specimen 10-25 nm thick with a smooth, long-wavelength thickness change
  (a wedge of +-0-8 % across the field plus a field of +-3 % varying over the
  whole field): the number of atoms per column follows it;
- a probe of 0.07-0.10 nm FWHM (Gaussian core) with tails (10-25 % of the
  intensity over 0.15-0.35 nm and 3x that), thermal diffuse background
  proportional to the thickness, Poisson counts (20 per pixel).

The seed draws every physical quantity (pixel size, orientation, thickness,
compositions, order, cuboid sizes, positions and variants, probe) as well as
the noise.
"""

from __future__ import annotations

import math

import numpy as np

from benchmarks.hard_scenarios import (
    Z_EXPONENT,
    _rotation,
    crystal_columns,
    probe_tails,
    smooth_field,
)
from benchmarks.scenarios import apply_dose, render_atoms

#: atomic numbers
Z = {"Ni": 28, "Co": 27, "Cr": 24, "Al": 13, "Ti": 22}
#: L1_2 (Pm-3m) A3B: Wyckoff 1a holds B, 3c holds A (fractional x, y, z)
WYCKOFF_L12 = {"B": [(0.0, 0.0, 0.0)],
               "A": [(0.0, 0.5, 0.5), (0.5, 0.0, 0.5), (0.5, 0.5, 0.0)]}
A_NM = 0.357  # Ni3Al lattice constant


def project_cell(wyckoff: dict) -> dict:
    """Columns of a cubic cell seen along [001].

    Parameters
    ----------
    wyckoff : dict
        Sublattice name -> list of fractional (x, y, z) positions.

    Returns
    -------
    dict
        (x, y) projected fractional position -> {sublattice: atoms per cell depth}.
    """
    columns: dict = {}
    for name, sites in wyckoff.items():
        for x, y, _z in sites:
            key = (round(x % 1.0, 6), round(y % 1.0, 6))
            columns.setdefault(key, {}).setdefault(name, 0)
            columns[key][name] += 1
    return columns


def _column_weights(rng, n_atoms, probs: np.ndarray, elements: list[str]) -> np.ndarray:
    """Sum of Z^1.7 over each column's atoms, elements drawn per site (multinomial)."""
    counts = rng.multinomial(n_atoms, probs)
    zw = np.array([Z[e] ** Z_EXPONENT for e in elements])
    return counts @ zw


def l12_cuboids_physical(
    shape: tuple[int, int] = (512, 512),
    counts: float | None = 20.0,
    seed: int = 0,
    thickness_change: float | None = None,
    rough: float = 0.0,
    cuboid_nm: tuple[float, float] = (5.0, 15.0),
    px_nm: tuple[float, float] = (0.020, 0.035),
    ti: tuple[float, float] = (0.0, 0.5),
) -> tuple[np.ndarray, np.ndarray]:
    """Ordered L1_2 (Ni3Al-like) cuboids in a disordered fcc matrix along [001].

    See the module docstring for the physics. ``thickness_change``: the
    largest relative thickness change across the field (default: drawn,
    a wedge of 0-8 % plus a +-3 % field at the scale of the field of view).
    ``rough``: standard deviation of an extra relative thickness field
    varying over a quarter of the field of view (the short-wavelength field of
    `hard_scenarios.l12_cuboids` is ``rough=0.1``); drawn from its own stream,
    so the rest of the specimen is the same for every value. ``cuboid_nm``,
    ``px_nm``, ``ti``: the ranges of the cuboid width, the pixel size and the
    Ti share of the B sites (Ti is brighter than Al: a weaker superlattice).

    Returns
    -------
    image : ndarray, float32
    truth : ndarray, int32
        0 matrix, 1 ordered cuboid (the pattern of the nearest column).
    """
    rng = np.random.default_rng([seed, 1_2])
    h, w = shape
    px = rng.uniform(*px_nm)  # nm per pixel
    a = A_NM / px  # cubic cell (px); the projected column spacing is a / 2
    rot = _rotation(rng.uniform(0, 90))
    # the projected square lattice of columns (spacing a / 2), cell index (i, j)
    a1, a2 = rot @ np.array([0.0, a / 2]), rot @ np.array([a / 2, 0.0])
    pos, cell, _ = crystal_columns(shape, a1, a2, [(0.0, 0.0)], rng.uniform(0, a / 2, 2))
    columns = project_cell(WYCKOFF_L12)  # (x, y) -> {"A" or "B": 1}
    # which sublattice every column is, per anti-phase variant (shift of the 1a site)
    site_b = {v: np.zeros(len(pos), bool) for v in range(4)}
    shifts = [(0, 0), (1, 1), (1, 0), (0, 1)]  # in columns: the four B-sublattice variants
    for v, (si, sj) in enumerate(shifts):
        for (x, y), occ in columns.items():
            if "B" in occ:
                bi, bj = round(2 * x), round(2 * y)
                site_b[v] |= ((cell[:, 0] - bi - si) % 2 == 0) & ((cell[:, 1] - bj - sj) % 2 == 0)
    # cuboids, in lattice (column) coordinates u along a1, v along a2
    inv = np.linalg.inv(np.array([a1, a2]).T)
    rr, cc = np.mgrid[0:h, 0:w].astype(np.float64)
    fu, fv = np.tensordot(inv, np.stack([rr, cc]), axes=1)
    nu, nv = np.round(fu), np.round(fv)  # each pixel's nearest column
    field_nm = min(h, w) * px
    span = (fu.min(), fu.max(), fv.min(), fv.max())
    for _attempt in range(200):
        n_cub = int(rng.integers(2, 5))
        boxes = []
        for _ in range(500):
            if len(boxes) == n_cub:
                break
            side_nm = min(rng.uniform(*cuboid_nm), 0.5 * field_nm)
            aspect = rng.uniform(0.8, 1.25)
            su, sv = side_nm / (a / 2 * px), side_nm * aspect / (a / 2 * px)
            u0 = rng.uniform(span[0] - su / 3, span[1] - 2 * su / 3)
            v0 = rng.uniform(span[2] - sv / 3, span[3] - 2 * sv / 3)
            box = (u0, u0 + su, v0, v0 + sv)
            gap = 1.5 / (a / 2 * px)  # >= 1.5 nm of matrix between cuboids
            if all(box[1] + gap < b[0] or b[1] + gap < box[0] or box[3] + gap < b[2]
                   or b[3] + gap < box[2] for b in boxes):
                boxes.append(box)
        inside_px = np.zeros(shape, bool)
        for u0, u1, v0, v1 in boxes:
            inside_px |= (nu >= u0) & (nu < u1) & (nv >= v0) & (nv < v1)
        if 0.15 <= inside_px.mean() <= 0.6:
            break
    truth = inside_px.astype(np.int32)
    box_of = np.full(len(pos), -1)
    for k, (u0, u1, v0, v1) in enumerate(boxes):
        box_of[(cell[:, 0] >= u0) & (cell[:, 0] < u1) & (cell[:, 1] >= v0)
               & (cell[:, 1] < v1)] = k
    # thickness (nm): smooth, long wavelength
    t0 = rng.uniform(10.0, 25.0)
    change = rng.uniform(0.0, 0.08) if thickness_change is None else thickness_change
    theta = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(theta) * (cc - w / 2) + np.sin(theta) * (rr - h / 2)) / max(h, w)
    field = smooth_field(shape, max(h, w) / 2, rng, 0.03 if thickness_change is None else 0.0)
    if rough:
        field = field + smooth_field(shape, min(h, w) / 4, np.random.default_rng([seed, 99]),
                                     rough)
    thick = t0 * (1 + change * ramp + field)
    n_atoms = np.round(thick[pos[:, 0].astype(int).clip(0, h - 1),
                             pos[:, 1].astype(int).clip(0, w - 1)] / A_NM).astype(int)
    # compositions (site probabilities over ELEMENTS)
    elements = ["Ni", "Co", "Cr", "Al", "Ti"]
    x_cr, x_co, x_al = rng.uniform(0.10, 0.25), rng.uniform(0.0, 0.15), rng.uniform(0.02, 0.06)
    matrix = np.array([1 - x_cr - x_co - x_al, x_co, x_cr, x_al, 0.0])
    ti_share = rng.uniform(*ti)
    b_elem = np.array([0, 0, 0, 1 - ti_share, ti_share], float)
    a_elem = np.array([1, 0, 0, 0, 0], float)
    probs = np.tile(matrix, (len(pos), 1))
    for k in range(len(boxes)):
        order = rng.uniform(0.6, 1.0)  # long-range order S of this cuboid
        variant = int(rng.integers(4))
        here = box_of == k
        b_site = site_b[variant][here]
        p_b = np.where(b_site, 0.25 + 0.75 * order, 0.25 - 0.25 * order)  # B on this site
        probs[here] = p_b[:, None] * b_elem + (1 - p_b)[:, None] * a_elem
    weight = _column_weights(rng, n_atoms, probs, elements)
    weight = weight / weight.mean()
    # probe: Gaussian core (FWHM 0.07-0.10 nm) broadened a little by channelling
    fwhm = rng.uniform(0.07, 0.10)
    sigma = math.hypot(fwhm / 2.3548, 0.02) / px
    columns_img = render_atoms(shape, pos, weight, sigma)
    tds = rng.uniform(0.05, 0.15) * columns_img.mean() * thick / t0  # diffuse ~ thickness
    clean = columns_img + tds
    clean = probe_tails(clean, rng.uniform(0.10, 0.25), rng.uniform(0.15, 0.35) / px)
    return apply_dose(clean, counts, rng), truth
