import math

import numpy as np
import pytest
from scipy import ndimage

from napari_symseg import segment
from napari_symseg.core.lattice_estimate import _cell_extent
from napari_symseg.core.params import Params
from napari_symseg.core.samples import lattice, two_phase, two_phase_truth
from napari_symseg.core.suggest import (
    dominant_period,
    estimate_lattice,
    suggest_params,
    suggest_with_reasons,
)
from napari_symseg.core.validation import InputError

# (kind, lengths of the two shortest lattice vectors in units of the spacing)
KINDS = {"square": (1.0, 1.0), "hexagonal": (1.0, 1.0), "rectangular": (1.0, 1.5)}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("spacing", [8, 13, 21, 40])
@pytest.mark.parametrize("angle", [0, 17, 45])
def test_lattice_vectors_of_noisy_lattices(kind, spacing, angle):
    rng = np.random.default_rng(spacing + angle)
    image = lattice((384, 384), spacing, kind, angle=angle) + 0.5 * rng.normal(size=(384, 384))
    est = estimate_lattice(image)
    assert len(est.vectors) == 2
    np.testing.assert_allclose(np.sort(est.lengths), spacing * np.array(KINDS[kind]), rtol=0.04)
    a, b = est.vectors
    gamma = math.degrees(math.acos(abs(a @ b) / (np.hypot(*a) * np.hypot(*b))))
    assert gamma == pytest.approx(60 if kind == "hexagonal" else 90, abs=2)
    # they are vectors of the true lattice: integer coordinates in its basis
    t = np.deg2rad(angle)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    second = {"square": (0, 1), "hexagonal": (0.5, np.sqrt(3) / 2), "rectangular": (0, 1.5)}
    basis = spacing * rot @ np.array([[1.0, 0.0], second[kind]]).T  # columns, (col, row)
    coords = np.linalg.solve(basis, est.vectors[:, ::-1].T)
    np.testing.assert_allclose(coords, np.round(coords), atol=0.05)


def test_basis_low_dose_and_real_spacing_not_plane_spacing():
    rng = np.random.default_rng(1)
    two_atoms = lattice((320, 320), 16, "square", angle=10, basis=((0, 0, 1.0), (0.5, 0.5, 0.6)))
    np.testing.assert_allclose(estimate_lattice(two_atoms).lengths, 16, rtol=0.03)
    # equal atoms: a centred cell, whose primitive lattice is the 11.3 px diagonal one
    centred = lattice((320, 320), 16, "square", angle=10, basis=((0, 0, 1.0), (0.5, 0.5, 1.0)))
    np.testing.assert_allclose(estimate_lattice(centred).lengths, 16 / np.sqrt(2), rtol=0.03)
    dose = rng.poisson(5 * lattice((320, 320), 10, "hexagonal", angle=30)).astype(float)
    np.testing.assert_allclose(estimate_lattice(dose).lengths, 10, rtol=0.03)
    # the lattice constant, not the (10) plane spacing a*sqrt(3)/2 of the old estimate
    assert dominant_period(lattice((256, 256), 12.0, "hexagonal")) == pytest.approx(12, rel=0.02)


def test_no_lattice_is_an_error_and_stripes_are_one_direction():
    rng = np.random.default_rng(2)
    for image in (rng.normal(size=(256, 256)),
                  ndimage.gaussian_filter(rng.normal(size=(400, 400)), 3)):
        with pytest.raises(InputError, match="no clear lattice"):
            estimate_lattice(image)
        with pytest.raises(InputError, match="no clear lattice"):
            suggest_params(image)
    rows = np.arange(256)[:, None] * np.ones((1, 256))
    stripes = np.cos(2 * np.pi * rows / 9.0) + 0.3 * rng.normal(size=(256, 256))
    est = estimate_lattice(stripes)
    assert len(est.vectors) == 1 and est.lengths[0] == pytest.approx(9.0, rel=0.03)


def test_mesoscale_structure_is_not_the_lattice():
    """Particles / thickness blobs 100 px across on a 14 px lattice (like the Au image)."""
    rng = np.random.default_rng(3)
    blobs = ndimage.gaussian_filter(rng.normal(size=(512, 512)), 25)
    blobs = 3 * blobs / blobs.std()
    image = lattice((512, 512), 14, "square", angle=20) * (1 + 0.3 * blobs) + blobs
    np.testing.assert_allclose(estimate_lattice(image).lengths, 14, rtol=0.03)


def test_cell_extent_is_the_wigner_seitz_width_whatever_the_basis():
    a, b = np.array([10.0, 0.0]), np.array([0.0, 10.0])
    assert _cell_extent(a, b) == pytest.approx((10, 10))
    assert _cell_extent(a, b + a) == pytest.approx((10, 10))  # another basis, same lattice
    r = 10 / np.sqrt(2)
    assert _cell_extent(np.array([r, r]), np.array([-r, r])) == pytest.approx((14.142, 14.142),
                                                                             rel=1e-3)
    s = np.sqrt(3) / 2
    hexa = _cell_extent(np.array([0, 12.0]), np.array([12 * s, 6.0]))
    assert hexa == pytest.approx((2 * 12 / np.sqrt(3), 12))
    assert _cell_extent(np.array([15.0, 0]), np.array([0, 10.0])) == pytest.approx((15, 10))


def test_suggested_sizes_follow_the_rule():
    image = lattice((300, 300), 10.0, "rectangular")  # 10 px along columns, 15 along rows
    est = estimate_lattice(image)
    assert est.extent == pytest.approx((15, 10), rel=0.02)
    p = suggest_params(image, Params(n_patterns=3, descriptor_name="power_spectrum"))
    assert (p.n_patterns, p.descriptor_name) == (3, "power_spectrum")  # the rest is kept
    assert (p.patch_x, p.patch_y) == (math.ceil(1.5 * est.extent[0]),
                                      math.ceil(1.5 * est.extent[1]))
    assert (p.window_x, p.window_y) == (p.patch_x, p.patch_y)
    assert p.radius == math.ceil(1.5 * est.lengths.max())
    assert p.stride == round(min(est.extent) / 3)
    step = min(round(est.lengths.min() / 4), min(p.window_x, p.window_y) // 2)
    assert p.max_num_points == (2 * (p.window_x // step) + 1) * (2 * (p.window_y // step) + 1)


def test_auto_params_segment_two_phase_image():
    image = two_phase((300, 300), boundary=140)
    params = suggest_params(image)
    labels = segment(image, params).labels
    truth = two_phase_truth((300, 300), 140)
    acc = max(np.mean(labels == truth), np.mean(labels != truth))
    assert acc > 0.97


def test_auto_shrinks_for_small_images():
    image = lattice((60, 60), 18.0) + 0.1 * np.random.default_rng(0).normal(size=(60, 60))
    p = suggest_params(image)
    assert p.patch_x < math.ceil(1.5 * 18)
    assert 2 * (p.patch_x + p.window_x) + 8 * p.stride <= 60
    segment(image, p)  # and it runs
    assert "too small for this lattice" in suggest_with_reasons(image)[1][0]


def test_a_crop_too_small_for_its_lattice_says_so():
    """Tester newuser10: Suggest on a 20 x 20 crop said "lattice 14.9 x 15.0 px" (true 10)
    and set patch and window to 2 x 2 without a word."""
    image = two_phase((128, 128), seed=1).astype(np.float32)
    params, reasons = suggest_with_reasons(image[:20, :20])
    assert params.patch_x == 2
    assert reasons[0].startswith("lattice 14.9 x 15.0 px")
    assert "the image (20 × 20 px) is too small for this lattice" in reasons[0]
    assert "1.3 periods across, so the spacing itself is uncertain" in reasons[0]
    crop = suggest_with_reasons(image[:60, :60])[1][0]  # 7 periods: sizes shrunk only
    assert "too small" in crop and "uncertain" not in crop
    for whole in (image, lattice((256, 256), 10.0, "hexagonal")):  # room enough: no note
        assert "too small" not in suggest_with_reasons(whole)[1][0]


def test_point_symmetry_sizes_pool_over_one_cell_on_a_fine_grid():
    image = lattice((300, 300), 10.0, "rectangular")
    est = estimate_lattice(image)
    p = suggest_params(image, Params(descriptor_name="reflection_symmetry_maximum_pooling"))
    assert (p.window_x, p.window_y) == (math.ceil(0.6 * est.extent[0]),
                                        math.ceil(0.6 * est.extent[1]))
    assert p.stride == round(min(est.extent) / 9)
    assert p.num_reflection_plane == 36  # an axis every 5 degrees
    assert p.radius == math.ceil(1.5 * est.lengths.max())
    more = suggest_params(image, Params(descriptor_name="reflection_symmetry_maximum_pooling",
                                        num_reflection_plane=60))
    assert more.num_reflection_plane == 60  # a larger count asked for is kept
    rot = suggest_params(image, Params(descriptor_name="rotational_symmetry_maximum_pooling"))
    assert (rot.window_x, rot.stride) == (rot.patch_x, round(min(est.extent) / 3))


@pytest.mark.parametrize("seed", [23, 25])
def test_reflections_with_auto_sizes_find_the_polar_region(seed):
    # issue 13: a perovskite whose B-O columns are displaced by ~1 px on one side; with
    # a 3-cell pooling window sampled every third of a cell, the raw points rarely hit a
    # mirror axis and the split was near chance
    from benchmarks.bench_robustness import accuracy, boundary_band
    from benchmarks.hard_scenarios import polar_perovskite

    image, truth = polar_perovskite((256, 256), 200.0, seed)
    p = suggest_params(image, Params(descriptor_name="reflection_symmetry_maximum_pooling"))
    est = estimate_lattice(image)
    keep = ~boundary_band(truth, float(est.lengths.max()))
    assert accuracy(segment(image, p).labels, truth, keep) > 0.97
    old = p.replace(window_x=p.patch_x, window_y=p.patch_y,
                    stride=round(min(est.extent) / 3), num_reflection_plane=10)
    assert accuracy(segment(image, old).labels, truth, keep) < 0.9


def test_reflections_weakest_polar_displacement_needs_the_fine_grid_and_axes():
    # issue 13, fifth session: development seed 11 of the polar perovskite (B-O weight 0.4,
    # ~1 px displacement, a lattice at 45 degrees): with raw points a sixth of a cell apart
    # and 10 reflection axes the max-pooled scores followed a moire of the raw grid with the
    # lattice and the split was near chance; a ninth of a cell and 36 axes find the region
    from benchmarks.bench_robustness import accuracy, boundary_band
    from benchmarks.hard_scenarios import polar_perovskite

    image, truth = polar_perovskite((256, 256), 200.0, 11)
    p = suggest_params(image, Params(descriptor_name="reflection_symmetry_maximum_pooling"))
    est = estimate_lattice(image)
    keep = ~boundary_band(truth, float(est.lengths.max()))
    assert accuracy(segment(image, p).labels, truth, keep) > 0.98  # 0.999 measured
    old = p.replace(stride=round(min(est.extent) / 6), num_reflection_plane=10)
    assert accuracy(segment(image, old).labels, truth, keep) < 0.8  # 0.687 measured


def _ordered_region(dark: float, everywhere: bool = False, d: float = 9.0) -> np.ndarray:
    """A square column lattice (spacing d) whose corner columns of the 2d x 2d cell are
    `dark` times as bright inside a 90 px square (an L1_2-like ordered cuboid) or
    everywhere; 20 counts/px."""
    ordered = lattice((320, 320), 2 * d, "square", angle=15, sigma=d / 6,
                      basis=((0, 0, dark), (0.5, 0, 1.0), (0, 0.5, 1.0), (0.5, 0.5, 1.0)))
    matrix = lattice((320, 320), d, "square", angle=15, sigma=d / 6)
    yy, xx = np.mgrid[:320, :320]
    inside = everywhere | ((abs(yy - 110) < 45) & (abs(xx - 120) < 45))
    return np.random.default_rng(0).poisson(20 * np.where(inside, ordered, matrix)).astype(float)


@pytest.mark.parametrize("dark", [0.5, 0.7])
def test_a_weak_superlattice_in_part_of_the_image_does_not_size_reflections(dark):
    img = _ordered_region(dark)
    # the image's full period is the superlattice's (2 d) ...
    np.testing.assert_allclose(estimate_lattice(img).lengths, 18, rtol=0.03)
    # ... but its half-order peaks are > 100x weaker than the fundamental ones: sizes from d
    np.testing.assert_allclose(estimate_lattice(img, superlattice=False).lengths, 9, rtol=0.03)
    fundamental, full = estimate_lattice(img, superlattice=False), estimate_lattice(img)
    ref = Params(n_patterns=2, descriptor_name="reflection_symmetry_maximum_pooling")
    params, reasons = suggest_with_reasons(img, ref)
    assert params.patch_x == math.ceil(1.5 * fundamental.extent[0]) < math.ceil(
        1.5 * full.extent[0])
    assert params.smoothing == pytest.approx(9, 0.03)
    assert "weak superlattice" in reasons[0] and "18.0" in reasons[0]
    assert not params.contrast_features  # the contrast rule: the full period's sizes
    # translations keep the full period's sizes (FUNDAMENTAL_SIZES: reflections only)
    assert suggest_params(img, Params(n_patterns=2)).patch_x == math.ceil(1.5 * full.extent[0])


def test_a_superlattice_everywhere_and_a_weak_basis_atom_keep_their_cell():
    # ordered everywhere (dark corner columns: the half-order peaks ~1/20 of the fundamental)
    img = _ordered_region(0.3, everywhere=True)
    np.testing.assert_allclose(estimate_lattice(img, superlattice=False).lengths, 18, rtol=0.03)
    ref = suggest_params(img, Params(descriptor_name="reflection_symmetry_maximum_pooling"))
    assert ref.patch_x == math.ceil(1.5 * estimate_lattice(img).extent[0])
    assert ref.smoothing == pytest.approx(18, 0.03)
    # a basis atom of 0.6 (first order ~1/16 of the second)
    two = lattice((320, 320), 16, "square", angle=10, basis=((0, 0, 1.0), (0.5, 0.5, 0.6)))
    np.testing.assert_allclose(estimate_lattice(two, superlattice=False).lengths, 16, rtol=0.03)
