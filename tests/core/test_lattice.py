"""Region lattices (issue 14): reduction, orientation convention, autocorrelation, accuracy."""

import math

import numpy as np
import pytest
from benchmarks.measure_scenarios import PERIOD, angle_error
from benchmarks.scenarios import apply_dose

from napari_symseg.core.lattice import (
    MAX_DISTORTION,
    angle_of,
    canonical,
    masked_autocorrelation,
    metric_distortion,
    metric_period,
    reduce_basis,
    region_lattice,
)
from napari_symseg.core.samples import lattice, sample_lattice


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


def _scanned(kind, spacing, angle, specimen, shape=(240, 240)):
    """A lattice image whose pixel (r, c) sees the specimen at ``specimen @ (r, c)`` (a scan
    distortion: drift along the slow axis shears and stretches it), and the image's true
    reduced lattice (the specimen's basis mapped back by ``inv(specimen)``)."""
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float64)
    pos = np.tensordot(np.asarray(specimen, np.float64), np.stack([rows, cols]), axes=1)
    image = sample_lattice(pos[0], pos[1], spacing, kind, angle=angle) + 0.05
    t = math.radians(angle)
    second = {"square": (0.0, 1.0), "hexagonal": (0.5, math.sqrt(3) / 2),
              "rectangular": (0.0, 1.5)}[kind]
    rot = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    vectors = [spacing * rot @ np.array(v) for v in ((1.0, 0.0), second)]  # (x, y)
    inv = np.linalg.inv(specimen)
    truth = canonical(*(inv @ np.array([v[1], v[0]]) for v in vectors))  # (row, col)
    return image, truth


def _drift(shear=0.0, stretch=0.0):
    """Pixel (r, c) sees the specimen at (r (1 + stretch), c + shear r)."""
    return np.array([[1.0 + stretch, 0.0], [shear, 1.0]])


@pytest.mark.parametrize(("kind", "angle", "specimen", "period"), [
    ("hexagonal", 17.0, _drift(shear=0.03), 60),
    ("hexagonal", -47.0, _drift(shear=0.06), 60),
    ("hexagonal", 80.0, _drift(stretch=0.07), 60),
    ("hexagonal", 5.0, _drift(shear=0.04, stretch=-0.04), 60),
    ("square", -23.0, _drift(shear=0.06), 90),
    ("square", 71.5, _drift(stretch=0.06), 90),
    ("rectangular", -30.0, _drift(shear=0.03), 180),
    ("square", 0.0, _drift(stretch=0.25), 180),  # a 1.25:1 rectangle
    ("square", 10.0, np.array([[1.0, 0.0], [-0.36, 1.0]]), 180),  # rhombic, gamma ~110
    ("hexagonal", 0.0, np.array([[1.0, 0.0], [0.3, 1.15]]), 180),  # oblique
])
def test_a_scan_distorted_lattice_keeps_its_rotation_period(kind, angle, specimen, period):
    """Tester newuser10: the MoS2 image's hexagonal cell has gamma 116-118 degrees (scan
    drift), outside the old 2-degree tolerance, so its orientations folded by 180 not 60."""
    image, truth = _scanned(kind, 9.0, angle, specimen)
    lat = region_lattice(image, np.ones(image.shape, bool))
    exact = metric_distortion(truth.a_length, truth.b_length, truth.gamma,
                              90.0 if period == 90 else 120.0)
    fitted = metric_distortion(lat.a_length, lat.b_length, lat.gamma,
                               90.0 if period == 90 else 120.0)
    assert fitted == pytest.approx(exact, abs=0.01)
    assert lat.symmetry_period == truth.symmetry_period == period
    if period < 180:  # the cases stay clear of the tolerance on either side
        assert exact <= MAX_DISTORTION - 0.015
    else:
        assert min(metric_distortion(truth.a_length, truth.b_length, truth.gamma, g)
                   for g in (90.0, 120.0)) >= MAX_DISTORTION + 0.05


def test_one_distorted_hexagonal_crystal_shows_one_orientation():
    """Its quadrants report different short vectors as a (noise decides between cells 2 %
    apart), yet fold to one orientation (circularly, period 60) with no misorientation."""
    from napari_symseg.core.boundaries import lattice_misorientation

    image, _ = _scanned("hexagonal", 9.0, -1.0, _drift(shear=0.05, stretch=0.02),
                        shape=(320, 320))
    image = apply_dose(image, 20, seed=4)
    found = []
    for rows in (slice(0, 160), slice(160, 320)):
        for cols in (slice(0, 160), slice(160, 320)):
            mask = np.zeros(image.shape, bool)
            mask[rows, cols] = True
            found.append(region_lattice(image, mask))
    assert all(lat.symmetry_period == 60 for lat in found)
    for one in found:
        for other in found:
            assert angle_error(one.orientation, other.orientation, 60) < 3.0
            assert lattice_misorientation(one.equivalent_orientations,
                                          other.equivalent_orientations) < 1.0


def test_metric_distortion():
    assert metric_distortion(8, 8, 90, 90) == pytest.approx(0, abs=1e-12)
    assert metric_distortion(8, 8, 120, 120) == pytest.approx(0, abs=1e-12)
    assert metric_distortion(8, 8.4, 90, 90) == pytest.approx(0.05)  # stretched by 5 %
    # the MoS2 image's cell (tester newuser10): a hexagonal one distorted by 6.6 %
    assert metric_distortion(23.03, 23.57, 117.06, 120) == pytest.approx(0.066, abs=0.001)
    assert metric_distortion(5.55, 5.58, 111.2, 120) > 0.15  # the HEA's rhombic lamellae
    assert metric_period(23.03, 23.57, 117.06) == 60
    assert metric_period(5.55, 5.58, 111.2) == 180
    assert metric_period(14.04, 14.31, 91.9) == 90
    assert metric_period(8, 8, math.nan) == 180
