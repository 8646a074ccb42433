"""The robustness scenarios of benchmarks/scenarios.py: shapes, determinism and real properties."""

import numpy as np
import pytest
from scipy import ndimage

from benchmarks import scenarios as s
from napari_symseg.core.samples import lattice, two_phase, two_phase_truth

SHAPE = (192, 192)

# name, generator(seed, counts), number of patterns
GENERATORS = [
    ("low_dose", lambda seed, c=10.0: s.low_dose(SHAPE, c, seed=seed), 2),
    ("low_dose gb", lambda seed, c=10.0: s.low_dose(SHAPE, c, "grain_boundary", seed), 2),
    ("thickness_wedge", lambda seed, c=100.0: s.thickness_wedge(SHAPE, counts=c, seed=seed), 2),
    ("scan_distortions", lambda seed, c=100.0: s.scan_distortions(SHAPE, counts=c, seed=seed),
     2),
    ("particle_on_support",
     lambda seed, c=100.0: s.particle_on_support(SHAPE, counts=c, seed=seed), 3),
    ("superlattice_precipitate",
     lambda seed, c=100.0: s.superlattice_precipitate(SHAPE, counts=c, seed=seed), 2),
    ("mirror_broken_basis",
     lambda seed, c=100.0: s.mirror_broken_basis(SHAPE, counts=c, seed=seed), 2),
    ("rotated_grains", lambda seed, c=100.0: s.rotated_grains(SHAPE, counts=c, seed=seed), 3),
    ("twin", lambda seed, c=100.0: s.twin(SHAPE, counts=c, seed=seed), 2),
]


def interior(truth, label, distance):
    """Pixels of `label` farther than `distance` px from any other label."""
    return ndimage.distance_transform_edt(truth == label) > distance


def centre_crop(image, truth, label, half):
    """A (2 half)^2 crop lying entirely inside `label` (and the image)."""
    dist = ndimage.distance_transform_edt(np.pad(truth == label, 1))[1:-1, 1:-1]
    ok = dist > half * np.sqrt(2) + 1
    ok[:half], ok[-half:], ok[:, :half], ok[:, -half:] = False, False, False, False
    r, c = np.argwhere(ok)[np.argmax(dist[ok])]
    return image[r - half : r + half, c - half : c + half]


def best_cyclic_match(x, y, upsample=8):
    """Largest Pearson correlation of periodic x with y over all (sub-pixel) cyclic shifts."""
    x = (x - x.mean()) / x.std()
    y = (y - y.mean()) / y.std()
    cross = np.fft.fftshift(np.fft.fft2(x) * np.conj(np.fft.fft2(y)))
    h, w = x.shape
    padded = np.zeros((h * upsample, w * upsample), dtype=complex)
    r0, c0 = (h * upsample - h) // 2, (w * upsample - w) // 2
    padded[r0 : r0 + h, c0 : c0 + w] = cross
    return np.fft.ifft2(np.fft.ifftshift(padded)).real.max() * upsample**2 / x.size


@pytest.mark.parametrize(("name", "make", "k"), GENERATORS, ids=[g[0] for g in GENERATORS])
def test_generators_are_seeded_haadf_like_with_labels(name, make, k):
    image, truth = make(0)
    assert image.shape == truth.shape == SHAPE
    assert image.dtype == np.float32 and truth.dtype == np.int32
    assert np.isfinite(image).all() and image.min() >= 0 and image.mean() > 0
    assert np.array_equal(image, np.round(image))  # Poisson counts
    assert sorted(np.unique(truth)) == list(range(k))
    again, truth_again = make(0)
    assert np.array_equal(image, again) and np.array_equal(truth, truth_again)
    other, _ = make(1)
    assert not np.array_equal(image, other)
    clean, truth_clean = make(0, None)
    assert clean.min() > 0 and not np.array_equal(clean, np.round(clean))
    assert np.array_equal(truth, truth_clean)  # the noise does not move the geometry


def test_apply_dose_has_poisson_statistics():
    flat = np.full((200, 200), 3.7)
    for counts in (5.0, 20.0):
        img = s.apply_dose(flat, counts, seed=1)
        # mean and variance of a Poisson variable are both `counts`
        assert abs(img.mean() - counts) < 4 * np.sqrt(counts / img.size)
        assert img.var() == pytest.approx(counts, rel=0.05)
    assert np.array_equal(s.apply_dose(flat, None), flat.astype(np.float32))
    with pytest.raises(ValueError, match="non-negative"):
        s.apply_dose(flat - 4, 10.0)


@pytest.mark.parametrize("counts", [5.0, 20.0])
def test_low_dose_has_the_requested_mean_counts(counts):
    image, _ = s.low_dose((256, 256), counts, seed=3)
    assert abs(image.mean() - counts) < 4 * np.sqrt(counts / image.size)
    clean, _ = s.low_dose((256, 256), None, seed=3)
    scaled = clean * (counts / clean.mean())
    # pixel variance around the expected intensity is Poisson: equal to the mean
    assert np.mean((image - scaled) ** 2) == pytest.approx(counts, rel=0.05)


def test_two_phase_based_truth_is_the_boundary_of_the_lattices():
    clean, truth = s.low_dose(SHAPE, None, seed=2)
    boundary = int(np.argmax(truth[0]))
    assert 0.35 * SHAPE[1] <= boundary <= 0.65 * SHAPE[1]
    expected = two_phase(SHAPE, boundary, noise=0.0) + s.BACKGROUND
    np.testing.assert_allclose(clean, expected, rtol=1e-6)
    np.testing.assert_array_equal(truth, two_phase_truth(SHAPE, boundary))
    flat, _ = s.thickness_wedge(SHAPE, low=1.0, counts=None, seed=2)
    np.testing.assert_allclose(flat, expected, rtol=1e-6)  # no ramp: the same image


def test_thickness_wedge_ramps_five_fold_within_each_phase():
    clean, truth = s.thickness_wedge((256, 256), low=0.2, counts=None, seed=4)
    flat, _ = s.thickness_wedge((256, 256), low=1.0, counts=None, seed=4)
    ramp = clean / flat
    assert ramp.min() == pytest.approx(0.2, abs=0.01) and ramp.max() == pytest.approx(1.0)
    for k in (0, 1):  # each phase sees nearly the whole ramp
        assert np.ptp(ramp[truth == k]) > 0.5 * (1 - 0.2)


def test_scan_distortions_shear_and_jitter_the_boundary_with_the_lattice():
    clean, truth = s.scan_distortions(SHAPE, jitter=0.0, drift=(0.0, 0.0), counts=None, seed=5)
    boundary = int(np.argmax(truth[0]))
    np.testing.assert_allclose(
        clean, two_phase(SHAPE, boundary, noise=0.0) + s.BACKGROUND, rtol=1e-5, atol=1e-6
    )
    _, sheared = s.scan_distortions(SHAPE, jitter=0.0, drift=(0.0, 0.1), counts=None, seed=5)
    edge = np.argmax(sheared, axis=1)
    assert abs(abs(edge[-1] - edge[0]) - 0.1 * SHAPE[0]) <= 2
    _, ragged = s.scan_distortions(SHAPE, jitter=1.0, drift=(0.0, 0.0), counts=None, seed=5)
    steps = np.abs(np.diff(np.argmax(ragged, axis=1)))
    assert steps.max() >= 2 and np.mean(steps > 0) > 0.3  # ragged line by line


def test_particle_on_support_vacuum_amorphous_and_crystal():
    clean, truth = s.particle_on_support((256, 256), counts=None, seed=6)
    vacuum = interior(truth, 0, 8)
    np.testing.assert_allclose(clean[vacuum], s.VACUUM, atol=1e-4)  # only the detector offset
    means = [clean[interior(truth, k, 8)].mean() for k in range(3)]
    assert means[0] < means[1] < means[2]

    def lattice_order(label):
        """Best Pearson correlation of a 40 x 40 crop with itself shifted by 6-14 px
        (about one lattice constant): ~1 for a lattice, low for a disordered solid."""
        crop = centre_crop(clean, truth, label, 20)
        best = -1.0
        for dr in range(-14, 15):
            for dc in range(0, 15):
                if 6 <= np.hypot(dr, dc) <= 14:
                    a = crop[max(dr, 0) : 40 + min(dr, 0), dc:]
                    b = crop[max(-dr, 0) : 40 + min(-dr, 0), : 40 - dc]
                    best = max(best, np.corrcoef(a.ravel(), b.ravel())[0, 1])
        return best

    assert lattice_order(2) > 0.85 and lattice_order(1) < 0.5  # a lattice only in the particle


def test_superlattice_order_only_inside_the_precipitate():
    clean, truth = s.superlattice_precipitate((256, 256), 8.0, 0.2, counts=None, seed=7, angle=0)
    inside, outside = interior(truth, 1, 24), interior(truth, 0, 24)
    checker = np.roll(clean, (8, 8), axis=(0, 1))  # a superlattice vector (A -> A)
    stripe = np.roll(clean, 8, axis=1)  # a lattice vector (A -> B inside)
    np.testing.assert_allclose(clean[inside], checker[inside], rtol=1e-9)
    assert np.abs(clean - stripe)[inside].mean() > 0.05
    assert np.abs(clean - checker)[outside].mean() > 0.05  # disordered: no superlattice
    # same composition and fundamental lattice on both sides
    assert clean[inside].mean() == pytest.approx(clean[outside].mean(), rel=0.05)


def test_kite_bases_share_the_autocorrelation_but_not_the_mirror():
    a_basis, b_basis = s.kite_bases()
    a = lattice((128, 128), 16.0, sigma=16 / 13, basis=a_basis)  # 8 x 8 periods
    b = lattice((128, 128), 16.0, sigma=16 / 13, basis=b_basis)
    power_a, power_b = np.abs(np.fft.fft2(a)) ** 2, np.abs(np.fft.fft2(b)) ** 2
    # equal power spectra = equal autocorrelations (up to pixel aliasing, ~1e-4)
    assert np.abs(power_a - power_b).max() < 1e-3 * power_a.max()
    assert best_cyclic_match(a, a[:, ::-1]) > 0.999  # vertical mirror axis
    assert best_cyclic_match(a, a[::-1]) < 0.85
    assert best_cyclic_match(b, b[::-1]) > 0.999  # horizontal instead
    assert best_cyclic_match(b, b[:, ::-1]) < 0.85
    assert best_cyclic_match(a, np.rot90(b)) < 0.9  # not a rotated copy
    assert best_cyclic_match(a, b) < 0.9


def test_mirror_broken_basis_regions_have_one_lattice_and_the_kite_symmetries():
    clean, truth = s.mirror_broken_basis((256, 256), 16.0, counts=None, seed=8)
    for k in (0, 1):  # both regions are periodic with the same lattice
        far = interior(truth, k, 4)
        both = far[:-16, :-16] & far[16:, 16:]
        np.testing.assert_allclose(clean[:-16, :-16][both], clean[16:, 16:][both], rtol=1e-6)
    crops = [centre_crop(clean, truth, k, 32) for k in (0, 1)]  # exactly 4 x 4 periods
    a, b = crops
    assert best_cyclic_match(a, a[:, ::-1]) > 0.99 and best_cyclic_match(a, a[::-1]) < 0.85
    assert best_cyclic_match(b, b[::-1]) > 0.99 and best_cyclic_match(b, b[:, ::-1]) < 0.85
    power_a, power_b = (np.abs(np.fft.fft2(x - x.mean())) ** 2 for x in crops)
    assert np.abs(power_a - power_b).max() < 2e-3 * power_a.max()


def test_rotated_grains_differ_only_in_orientation():
    clean, truth = s.rotated_grains((256, 256), 3, 9.0, 15.0, counts=None, seed=9)
    window = np.outer(*[np.hanning(48)] * 2)
    angles = np.arange(0, 90, 0.5)
    refs = [np.abs(np.fft.fft2((x - x.mean()) * window))
            for x in (lattice((48, 48), 9.0, angle=t) for t in angles)]
    found = []
    for k in range(3):
        crop = centre_crop(clean, truth, k, 24)
        spec = np.abs(np.fft.fft2((crop - crop.mean()) * window))
        found.append(angles[np.argmax([np.sum(spec * ref) for ref in refs])])
        assert crop.mean() == pytest.approx(clean.mean(), rel=0.1)  # same lattice density
    for i in range(3):
        for j in range(i):
            d = abs(found[i] - found[j]) % 90
            assert min(d, 90 - d) >= 13


def test_twin_plane_is_a_mirror_plane_of_the_image():
    clean, truth = s.twin((256, 256), 1, 8.0, counts=None, seed=10)
    clean = clean.astype(np.float64)
    # the plane: a line fitted through the pixels on both sides of the boundary
    side0 = (truth == 0) & ndimage.binary_dilation(truth == 1)
    side1 = (truth == 1) & ndimage.binary_dilation(truth == 0)
    pts = np.argwhere(side0 | side1).astype(float)
    centre = pts.mean(axis=0)
    direction = np.linalg.svd(pts - centre)[2][0]

    def mirror_correlation(direction):
        normal = np.array([-direction[1], direction[0]])
        near = np.argwhere(interior(truth, 0, 2) & ~interior(truth, 0, 16)).astype(float)
        mirrored = near - 2 * ((near - centre) @ normal)[:, None] * normal
        ok = np.all((mirrored >= 0) & (mirrored <= 255), axis=1)
        here = clean[tuple(near[ok].astype(int).T)]
        there = ndimage.map_coordinates(clean, mirrored[ok].T, order=3)
        return np.corrcoef(here, there)[0, 1]

    assert mirror_correlation(direction) > 0.95
    turn = np.deg2rad(8)  # a slightly wrong plane is not a mirror plane: the test is sharp
    rot = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    assert mirror_correlation(rot @ direction) < 0.5
    widths = [ndimage.distance_transform_edt(truth == k).max() for k in (0, 1)]
    assert min(widths) >= 2 * 8.0  # lamellae at least four lattice constants wide
