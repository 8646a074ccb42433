"""Plane-group guesses of regions (issue 14)."""

import numpy as np
import pytest
from benchmarks.scenarios import apply_dose

from napari_symseg.core.lattice import region_lattice
from napari_symseg.core.plane_group import guess_plane_group
from napari_symseg.core.samples import lattice

CHIRAL = ((0.0, 0.0, 1.0), (0.35, 0.15, 0.7), (0.6, 0.3, 0.4))  # no rotation, no mirror


@pytest.mark.parametrize(("kind", "basis", "expected"), [
    ("square", ((0.0, 0.0, 1.0),), "p4mm"),
    ("hexagonal", ((0.0, 0.0, 1.0),), "p6mm"),
    ("rectangular", ((0.0, 0.0, 1.0),), "p2mm"),
    ("square", CHIRAL, "p2"),
])
@pytest.mark.parametrize("counts", [None, 20])
def test_plane_group_guess(kind, basis, expected, counts):
    clean = lattice((220, 220), 10.0, kind, angle=-17.0, sigma=1.2, basis=basis) + 0.05
    image = apply_dose(clean, counts, seed=2)
    mask = np.ones(image.shape, bool)
    guess = guess_plane_group(image, mask, region_lattice(image, mask))
    assert guess.name == expected
    assert 0.0 < guess.score <= 1.0


def test_centred_rectangular_cell_is_c2mm():
    # a rhombic reduced cell (|a| = |b|, gamma 110 deg) with a round atom: mirrors along a +- b
    rows, cols = np.mgrid[0:220, 0:220].astype(float)
    a = np.array([0.0, 10.0])
    t = np.deg2rad(110)
    b = 10.0 * np.array([-np.sin(t), np.cos(t)])
    basis = np.stack([a, b])
    frac = np.stack([rows.ravel(), cols.ravel()], 1) @ np.linalg.inv(basis)
    image = np.zeros(rows.size)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            d = (frac - np.round(frac) + [di, dj]) @ basis
            image += np.exp(-(d ** 2).sum(1) / (2 * 1.3 ** 2))
    image = image.reshape(rows.shape)
    mask = np.ones(image.shape, bool)
    lat = region_lattice(image, mask)
    assert lat.gamma == pytest.approx(110.0, abs=0.3)
    assert guess_plane_group(image, mask, lat).name == "c2mm"


def test_unknown_without_a_lattice():
    image = np.random.default_rng(0).random((40, 40))
    guess = guess_plane_group(image, np.ones(image.shape, bool), None)
    assert guess.name == "" and np.isnan(guess.score)
