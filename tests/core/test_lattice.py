"""Region lattices (issue 14): reduction, orientation convention, autocorrelation, accuracy."""

import math

import numpy as np
import pytest
from benchmarks.measure_scenarios import PERIOD, angle_error
from benchmarks.scenarios import apply_dose

from napari_symseg.core.lattice import (
    angle_of,
    canonical,
    masked_autocorrelation,
    metric_period,
    reduce_basis,
    region_lattice,
)
from napari_symseg.core.samples import lattice


def test_angles_are_counter_clockwise_from_x_with_y_up():
    assert angle_of((0.0, 5.0)) == 0.0
    assert angle_of((-1.0, 1.0)) == pytest.approx(45.0)  # up and right on screen
    assert angle_of((1.0, 1.0)) == pytest.approx(135.0)  # down-right = up-left, folded
    assert angle_of((-3.0, 0.0)) == pytest.approx(90.0)
    assert angle_of((1e-13, 4.0)) == 0.0


def test_reduction_finds_the_shortest_basis_of_a_skewed_one():
    a, b = np.array([0.0, 7.0]), np.array([-6.0, 2.0])
    ra, rb = reduce_basis(a + 3 * b, 2 * a + 7 * b)  # same lattice (det 1), long vectors
    det = lambda u, v: u[0] * v[1] - u[1] * v[0]  # noqa: E731
    assert abs(det(ra, rb)) == pytest.approx(abs(det(a, b)))
    assert sorted([np.hypot(*ra), np.hypot(*rb)]) == pytest.approx(
        sorted([np.hypot(*a), np.hypot(*b)]))
    assert abs(ra @ rb) <= ra @ ra / 2 + 1e-9


@pytest.mark.parametrize(("a", "b", "orientation", "gamma"), [
    ((0.0, 10.0), (-10.0, 0.0), 0.0, 90.0),           # square: a along x
    ((-5.0, 8.66), (-8.66, -5.0), 30.0, 90.0),        # square at 30 deg
    ((0.0, 8.0), (-8 * math.sin(math.pi / 3), 4.0), 0.0, 120.0),  # hexagonal
    ((0.0, 6.0), (-9.0, 0.0), 0.0, 90.0),             # rectangular
])
def test_canonical_basis_convention(a, b, orientation, gamma):
    lat = canonical(np.add(a, b), b)  # a non-reduced basis of the same lattice
    assert lat.orientation == pytest.approx(orientation, abs=0.01)
    assert lat.gamma == pytest.approx(gamma, abs=0.01)
    assert lat.a_length <= lat.b_length + 1e-9
    assert 90 - 1e-6 <= lat.gamma <= 120 + 1e-6


def test_metric_period():
    assert metric_period(8, 8, 90) == 90
    assert metric_period(8, 8.05, 120.5) == 60
    assert metric_period(8, 12, 90) == 180
    assert metric_period(8, 8, 100) == 180


def test_masked_autocorrelation_matches_the_definition():
    rng = np.random.default_rng(3)
    image = rng.random((23, 19))
    mask = np.zeros(image.shape, bool)
    mask[2:20, 3:17] = True
    mask[5:9, 5:9] = False
    lag = 4
    acf = masked_autocorrelation(image, mask, lag)
    f = np.where(mask, image - image[mask].mean(), 0.0)
    m = mask.astype(float)
    ref = np.full((2 * lag + 1, 2 * lag + 1), np.nan)
    h, w = image.shape
    for dr in range(-lag, lag + 1):
        for dc in range(-lag, lag + 1):
            num = den = 0.0
            for r in range(h):
                for c in range(w):
                    if 0 <= r + dr < h and 0 <= c + dc < w:
                        num += f[r, c] * f[r + dr, c + dc]
                        den += m[r, c] * m[r + dr, c + dc]
            ref[dr + lag, dc + lag] = num / den
    ref /= ref[lag, lag]
    ok = np.isfinite(acf)
    assert ok.sum() > 60
    np.testing.assert_allclose(acf[ok], ref[ok], atol=1e-5)


@pytest.mark.parametrize("counts", [None, 20])
@pytest.mark.parametrize(("kind", "orientation"), [("square", 23.0), ("hexagonal", 47.0),
                                                   ("square", 71.5)])
def test_region_lattice_within_the_issue_tolerances(kind, orientation, counts):
    # samples.lattice turns clockwise on screen: orientation (y up) = -angle
    clean = lattice((200, 220), 9.0, kind, angle=-orientation) + 0.05
    image = apply_dose(clean, counts, seed=1)
    mask = np.ones(image.shape, bool)
    mask[:, 150:] = False  # a region, not the whole image
    lat = region_lattice(image, mask)
    assert angle_error(lat.orientation, orientation % PERIOD[kind], PERIOD[kind]) < 0.5
    assert lat.a_length == pytest.approx(9.0, rel=0.01)
    assert lat.b_length == pytest.approx(9.0, rel=0.01)
    assert lat.gamma == pytest.approx(90.0 if kind == "square" else 120.0, abs=0.5)
    assert lat.symmetry_period == PERIOD[kind]


def test_rectangular_lattice_lengths():
    image = lattice((200, 200), 8.0, "rectangular", angle=-30.0)
    lat = region_lattice(image, np.ones(image.shape, bool))
    assert (lat.a_length, lat.b_length) == pytest.approx((8.0, 12.0), rel=0.005)
    assert lat.orientation == pytest.approx(30.0, abs=0.2)
    assert lat.symmetry_period == 180


def test_no_lattice_in_noise_or_a_tiny_region():
    rng = np.random.default_rng(0)
    noise = rng.random((64, 64))
    mask = np.ones(noise.shape, bool)
    lat = region_lattice(noise, mask)
    assert lat is None or lat.a_length > 0  # never an error
    assert region_lattice(noise, np.pad(np.ones((5, 5), bool), 20)) is None
