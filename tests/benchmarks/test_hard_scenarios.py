"""The issue-13 scenario generators: seeded, Poisson, and the physics they claim."""

import numpy as np
import pytest
from scipy import ndimage

from benchmarks import fft_baseline as fb
from benchmarks import hard_scenarios as h

SHAPE = (160, 160)

GENERATORS = [
    ("nanoparticle", lambda seed, c=20.0: h.nanoparticle_on_carbon(SHAPE, c, seed), 3),
    ("l12", lambda seed, c=20.0: h.l12_cuboids((256, 256), c, seed), 2),
    ("perovskite", lambda seed, c=200.0: h.polar_perovskite(SHAPE, c, seed), 2),
    ("single", lambda seed, c=100.0: h.single_crystal_slow(SHAPE, c, "metal", seed), 1),
]


@pytest.mark.parametrize(("name", "make", "k"), GENERATORS, ids=[g[0] for g in GENERATORS])
def test_generators_are_seeded_poisson_with_labels(name, make, k):
    image, truth = make(0)
    assert image.dtype == np.float32 and truth.dtype == np.int32
    assert image.shape == truth.shape and image.min() >= 0
    assert np.array_equal(image, np.round(image))
    assert sorted(np.unique(truth)) == list(range(k))
    again, truth_again = make(0)
    assert np.array_equal(image, again) and np.array_equal(truth, truth_again)
    assert not np.array_equal(image, make(1)[0])
    _, truth_clean = make(0, None)
    assert np.array_equal(truth, truth_clean)


def test_nanoparticle_vacuum_is_darker_than_carbon_darker_than_particle():
    for seed in (0, 1):
        clean, truth = h.nanoparticle_on_carbon(SHAPE, None, seed)
        means = [clean[ndimage.binary_erosion(truth == k, iterations=8)].mean()
                 for k in range(3)]
        assert means[0] < 0.5 * means[1] and means[1] < 0.5 * means[2]


def test_l12_cuboids_have_dark_minority_columns_on_one_sublattice():
    # the noise-free image: inside the cuboids the column maxima split into a dark
    # quarter and a bright rest; in the matrix they do not
    clean, truth = h.l12_cuboids((256, 256), None, 0)
    peaks = (clean == ndimage.maximum_filter(clean, 5)) & (clean > np.percentile(clean, 60))
    inside = peaks & ndimage.binary_erosion(truth == 1, iterations=6)
    outside = peaks & ndimage.binary_erosion(truth == 0, iterations=6)
    def spread(mask):
        values = clean[mask]
        return np.percentile(values, 10) / np.median(values)
    assert spread(inside) < spread(outside) - 0.1


def test_polar_region_breaks_the_mirror_the_other_keeps():
    clean, truth = h.polar_perovskite((256, 256), None, 3)
    assert 0.2 < truth.mean() < 0.8
    # the two regions have the same mean intensity (same lattice and columns)
    m0, m1 = (clean[ndimage.binary_erosion(truth == k, iterations=20)].mean() for k in (0, 1))
    assert m0 == pytest.approx(m1, rel=0.05)


def test_twin_video_boundary_moves_and_drifts():
    series, truth = h.twin_video(6, (128, 128), 20.0, 0.3, seed=0)
    assert series.shape == truth.shape == (6, 128, 128)
    assert series.dtype == np.float32 and set(np.unique(truth)) == {0, 1}
    assert not np.array_equal(truth[0], truth[-1])  # the boundary (and the drift) moved
    _, truth_clean = h.twin_video(6, (128, 128), None, 0.3, seed=0)
    assert np.array_equal(truth, truth_clean)


def test_single_crystal_truth_is_one_pattern():
    _, truth = h.single_crystal_slow(SHAPE, 100.0, "hexagonal", 2)
    assert not truth.any()


def test_fft_baseline_separates_vacuum_from_a_lattice():
    rng = np.random.default_rng(0)
    clean, _ = h.nanoparticle_on_carbon(SHAPE, None, 0)
    labels = fb.fft_baseline(rng.poisson(clean / clean.mean() * 50).astype(float), 3, period=10.0)
    assert labels.shape == SHAPE and labels.dtype == np.int32
    video = fb.fft_baseline(np.stack([clean, clean]), 2, period=10.0, stride=8)
    assert video.shape == (2, *SHAPE)
    assert np.array_equal(video[0], video[1])  # the same frame, the same labels


def test_choose_descriptor_finds_reflections_on_the_mirror_broken_basis():
    # translations cannot tell the two bases apart (same autocorrelation): the
    # criterion must see that their split is not separated and the reflections' is
    from benchmarks import scenarios as s
    from napari_symseg import Params
    from napari_symseg.core.choose import choose_descriptor

    image, truth = s.mirror_broken_basis((256, 256), seed=3)
    picked = choose_descriptor(image, Params(n_patterns=2))
    assert picked.params.descriptor_name == "reflection_symmetry_maximum_pooling"
    far = ndimage.distance_transform_edt(truth == 0) + ndimage.distance_transform_edt(truth == 1)
    keep = far > 16
    agree = (picked.result.labels == truth)[keep].mean()
    assert max(agree, 1 - agree) > 0.95


def test_scan_warp_is_the_identity_without_distortion_and_shears_with_drift():
    rng = np.random.default_rng(0)
    rows, cols = h.scan_warp((40, 30), rng)
    assert np.array_equal(rows, np.mgrid[0:40, 0:30][0]) and np.array_equal(
        cols, np.mgrid[0:40, 0:30][1])
    rows, cols = h.scan_warp((40, 30), rng, jitter=1.0)
    shift = cols - np.arange(30)[None, :]
    assert np.allclose(shift, shift[:, :1])  # one shift per scan line
    assert 0.5 < shift[:, 0].std() < 1.5 and np.array_equal(rows, np.mgrid[0:40, 0:30][0])
    rows, cols = h.scan_warp((40, 30), rng, drift=(0.0, 6.0))
    late = (cols - np.arange(30)[None, :])[:, 0]
    assert abs(late[0]) < 0.5 and late[-1] == pytest.approx(6.0, abs=0.5)  # sheared


def test_twin_video_scan_physics_keeps_truth_with_the_image():
    plain, truth = h.twin_video(3, (96, 96), None, 0.3, seed=1)
    warped, truth_w = h.twin_video(3, (96, 96), None, 0.3, seed=1, jitter=1.0, flyback=3.0,
                                   scan_drift=6.0)
    assert not np.array_equal(plain, warped) and not np.array_equal(truth, truth_w)
    # the beam's specimen position moves by a few px at most: the labels mostly agree
    assert 0.9 < np.mean(truth == truth_w) < 1.0
    bright, _ = h.twin_video(3, (96, 96), None, 0.3, seed=1, thickness=2.0)
    ratio = bright[0] / plain[0]  # the thickness ramp: 1 at one side, 2 at the other
    # (the probe tails blur the ramp's two ends a little)
    assert ratio.min() == pytest.approx(1.0, abs=0.05) and ratio.max() == pytest.approx(2.0,
                                                                                        abs=0.05)
    counts = h.twin_video(8, (64, 64), 20.0, 0.3, seed=1, flicker=0.2)[0].mean(axis=(1, 2))
    assert counts.std() / counts.mean() > 0.05  # the dose changes from frame to frame


def test_cuboid_band_uses_the_generators_column_spacing_not_a_superlattice_estimate():
    from benchmarks.bench_hard import band_width, cases
    from benchmarks.bench_robustness import boundary_band

    from napari_symseg.core.suggest import estimate_lattice

    # the spacing helper repeats the generator's draw: a clean image's lattice says so
    clean, _ = h.l12_cuboids((256, 256), None, 1)
    assert estimate_lattice(clean).lengths.min() == pytest.approx(h.l12_column_spacing(1),
                                                                   rel=0.02)
    # seed 6202: the estimate finds the superlattice (2 d) and a band of 4 d hid every cuboid
    case = next(c for c in cases(1) if c.name.startswith("L1_2 cuboids in fcc"))
    image, truth = case.make(6202, 384)
    d = h.l12_column_spacing(6202)
    assert estimate_lattice(image).lengths.max() == pytest.approx(2 * d, rel=0.02)
    assert band_width(image, case, 6202) == pytest.approx(2 * d)
    assert np.any(truth[~boundary_band(truth, band_width(image, case, 6202))] == 1)


def test_scribble_benchmarks_take_the_cuboid_band_from_the_generator_too():
    from benchmarks.bench_hard import band_width

    from benchmarks import bench_scribbles as bs

    case = next(c for c in bs.cases() if c.name.startswith("L1_2 cuboids in fcc"))
    image, _ = case.make(6202, 384)
    d = h.l12_column_spacing(6202)
    # the estimate finds the superlattice (2 d) here; the band is still two column spacings
    assert band_width(image, case.hard_case(), 6202) == pytest.approx(2 * d)
    # the other cases keep the estimate (no generator spacing known)
    assert all(c.spacing is None for c in bs.cases() if "cuboids in fcc" not in c.name)
