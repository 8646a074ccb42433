"""One crystal under a saturating thickness wedge, at low and high dose (issue 13, hint13).

The number-of-patterns hint must read 1 on these: one lattice whose intensity
rises 4x along one direction (a sigmoid: a plateau, a ramp, a plateau), with
Poisson counts. At low dose the Pearson scores of the thin (dark) side shrink
with its counts, so the split changes scores by tenths although the crystal is
one (docs/robustness.md, hint9 "a low-dose wedge").

- ``wedge_cases(seeds, size)``: the **development** physics -- `samples.lattice`
  hexagonal and square (a = 11 px, atoms sigma a/5, random orientation), a 4x
  wedge at a random angle of steepness 6, 10 and 16 (the sigmoid's slope
  across the image: 6 a broad ramp, 16 a narrow one), 30, 60 and 600
  counts/px at the thick end: 18 images per seed.
- ``wedge_cases(seeds, size, variant=True)``: **held-out physics** -- a
  rectangular lattice (a = 13 px, b = 1.5 a) seen with a wider probe (atoms
  sigma a/3.5) under a 6x wedge, and a hexagonal lattice of a = 15 px with a
  second, weaker atom per cell (weight 0.5: a honeycomb-like basis) under a
  4x wedge; steepness 10 and 16, 20 and 100 counts/px: 8 images per seed.
"""

from __future__ import annotations

import numpy as np


def wedge_image(size: int, kind: str, spacing: float, counts: float, steepness: float,
                seed: int, ratio: float = 4.0, sigma: float | None = None,
                basis=((0.0, 0.0, 1.0),)) -> np.ndarray:
    """One crystal times a sigmoid thickness wedge at a random angle, Poisson counts.

    Parameters
    ----------
    size : int
        Image side (px).
    kind : str
        `samples.lattice` kind.
    spacing : float
        Lattice constant (px).
    counts : float
        Mean counts per pixel at the thick end (the image mean is lower).
    steepness : float
        Slope of the sigmoid across the image (6: a broad ramp; 16: a narrow one).
    seed : int
        Orientation, wedge angle and Poisson draw.
    ratio : float
        Thick over thin intensity.
    sigma : float, optional
        Atom (probe) width; default ``spacing / 5``.
    basis : tuple of (frac_a, frac_b, weight)
        Atoms per unit cell.

    Returns
    -------
    ndarray, float32
    """
    from napari_symseg.core.samples import lattice

    rng = np.random.default_rng(seed)
    clean = lattice((size, size), spacing, kind, angle=rng.uniform(0, 180), sigma=sigma,
                    basis=basis)
    clean = clean / clean.max()
    theta = rng.uniform(0, np.pi)
    rows, cols = np.mgrid[0:size, 0:size] / (size - 1) - 0.5
    u = rows * np.sin(theta) + cols * np.cos(theta)
    thickness = 1 / ratio + (1 - 1 / ratio) / (1 + np.exp(-u * steepness))
    return rng.poisson((clean + 0.15) * thickness * counts).astype(np.float32)


def wedge_cases(seeds, size: int = 256, variant: bool = False):
    """(name, n_true = 1, image maker) of every wedge of `seeds` (module docstring)."""
    for seed in seeds:
        if variant:
            specs = [(kind, a, c, st, r, w, b)
                     for kind, a, r, w, b in (
                         ("rectangular", 13.0, 6.0, 13.0 / 3.5, ((0.0, 0.0, 1.0),)),
                         ("hexagonal", 15.0, 4.0, None, ((0.0, 0.0, 1.0), (1 / 3, 1 / 3, 0.5))))
                     for st in (10.0, 16.0) for c in (20.0, 100.0)]
        else:
            specs = [(kind, 11.0, c, st, 4.0, None, ((0.0, 0.0, 1.0),))
                     for kind in ("hexagonal", "square") for st in (6.0, 10.0, 16.0)
                     for c in (30.0, 60.0, 600.0)]
        for kind, spacing, counts, steep, ratio, sigma, basis in specs:
            name = f"wedge-{kind}-{len(basis)}atom-c{counts:g}-s{steep:g}-{seed}"
            yield name, 1, (lambda k=kind, a=spacing, c=counts, st=steep, s=seed, r=ratio,
                            w=sigma, b=basis: wedge_image(size, k, a, c, st, s, r, w, b))
