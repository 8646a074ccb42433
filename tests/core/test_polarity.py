"""Polarity descriptors: exact against the slow reference, odd under inversion."""

import numpy as np
import pytest

from napari_symseg.core.descriptors import polarity
from napari_symseg.core.params import Params

from .polarity_reference import reference_polarity

SHIFTS = np.array([[0, 1], [1, 0], [2, -3], [3, 2], [1, -1]])


def _grid(shape, margin, stride):
    rows = np.arange(margin[0], shape[0] - margin[0], stride)
    cols = np.arange(margin[1], shape[1] - margin[1], stride)
    return rows, cols


@pytest.mark.parametrize("patch, stride, offset", [
    ((2, 3), 1, (0, 0)), ((4, 4), 3, (1, 2)), ((5, 2), 7, (0, 1)), ((1, 6), 2, (2, 0)),
])
def test_scores_match_reference(patch, stride, offset):
    rng = np.random.default_rng(sum(patch) + stride)
    image = rng.gamma(2.0, size=(41, 47)) * 100 + 5
    margin = (patch[0] + 3 + offset[0], patch[1] + 3 + offset[1])
    rows, cols = _grid(image.shape, margin, stride)
    got = polarity.polarity_scores(image, SHIFTS, *patch, rows, cols)
    want = reference_polarity(image, SHIFTS, *patch, rows, cols)
    assert got.dtype == np.float32 and got.shape == want.shape
    assert np.abs(want).max() > 0.05  # the scores are not trivially zero
    np.testing.assert_allclose(got, want, atol=2e-6 * max(1.0, np.abs(want).max()))


def test_grid_at_the_border_and_out_buffer():
    rng = np.random.default_rng(3)
    image = rng.normal(size=(30, 33))
    rows, cols = _grid(image.shape, (3 + 3, 4 + 3), 2)  # the tightest margin
    out = np.empty((len(rows), len(cols), len(SHIFTS)), np.float32)
    got = polarity.polarity_scores(image, SHIFTS, 3, 4, rows, cols, out)
    assert got is out
    np.testing.assert_allclose(got, reference_polarity(image, SHIFTS, 3, 4, rows, cols),
                               atol=2e-6)
    with pytest.raises(ValueError, match="border"):
        polarity.polarity_scores(image, SHIFTS, 3, 4, rows - 1, cols)


def test_constant_patch_scores_zero():
    image = np.zeros((30, 30))
    image[:, 20:] = np.random.default_rng(0).normal(size=(30, 10))
    rows, cols = _grid(image.shape, (7, 7), 1)
    got = polarity.polarity_scores(image, SHIFTS, 2, 2, rows, cols)
    assert np.isfinite(got).all()
    assert (got[:, cols + 2 + 3 < 20] == 0).all()


@pytest.mark.parametrize("stride", [1, 3])
def test_rotated_image_gives_negated_scores(stride):
    """Rotating the image by 180 degrees maps D_t at p to -D_t at the mirrored point."""
    rng = np.random.default_rng(7)
    image = rng.normal(size=(36, 40)) + np.linspace(0, 3, 40)
    rows, cols = _grid(image.shape, (7, 8), stride)
    got = polarity.polarity_scores(image, SHIFTS, 3, 4, rows, cols)
    turned = polarity.polarity_scores(image[::-1, ::-1].copy(), SHIFTS, 3, 4,
                                      image.shape[0] - 1 - rows[::-1],
                                      image.shape[1] - 1 - cols[::-1])
    assert np.abs(got).max() > 0.05
    np.testing.assert_allclose(turned[::-1, ::-1], -got, atol=2e-6)


def test_centrosymmetric_pattern_scores_zero():
    """A pattern with an inversion centre at every lattice point (a sum of
    cosines) scores 0 at every shift; shifting the atoms off-centre does not."""
    r, c = np.mgrid[0:60, 0:60].astype(float)
    centro = np.cos(2 * np.pi * r / 10) + np.cos(2 * np.pi * c / 10) + 0.5 * np.cos(
        2 * np.pi * (r + c) / 10)
    rows, cols = _grid(centro.shape, (10, 10), 5)
    # (9 px patches over a 10 px period: not exactly zero, the patch cuts the cell)
    zero = polarity.polarity_scores(centro, SHIFTS, 4, 4, rows, cols)
    polar = centro + 0.8 * np.cos(2 * np.pi * (r - 1.5) / 10) ** 3
    nonzero = polarity.polarity_scores(polar, SHIFTS, 4, 4, rows, cols)
    assert np.abs(zero).max() < 0.05 * np.abs(nonzero).max()


def test_operations_are_half_of_the_translation_grid():
    params = Params(descriptor_name="polarity", window_x=4, window_y=4, max_num_points=100)
    shifts = polarity.operations(params).values
    assert len(shifts) == (81 - 1) // 2
    as_set = {tuple(t) for t in shifts}
    assert all((-m, -n) not in as_set for m, n in as_set) and (0, 0) not in as_set


def test_polarisation_is_odd_and_rotates_with_the_shifts():
    shifts = np.array([[0, 1], [1, 0], [1, 1], [1, -1]])
    scores = np.array([0.2, -0.1, 0.05, 0.3])
    p = polarity.polarisation(scores, shifts)
    np.testing.assert_allclose(polarity.polarisation(-scores, shifts), -p)
    unit = shifts / np.linalg.norm(shifts, axis=1, keepdims=True)
    np.testing.assert_allclose(p, -(scores[:, None] * unit).sum(0) / 4, rtol=1e-6)


def test_region_polarisation_leaves_out_the_edges():
    p = np.zeros((10, 12, 2), np.float32)
    p[..., 1] = 1.0
    p[:, 4:6] = (0.0, -5.0)  # a wall with its own scores at the edge of region 2
    regions = np.ones((10, 12), int)
    regions[:, 4:] = 2
    cols = polarity.region_polarisation(p, regions, [1, 2, 3], reach=2)
    np.testing.assert_allclose(cols["polarisation_x"][:2], [1.0, 1.0])
    np.testing.assert_allclose(cols["polarisation_deg"][:2], [0.0, 0.0], atol=1e-6)
    assert np.isnan(cols["polarisation_magnitude"][2])
    everything = polarity.region_polarisation(p, regions, [2], reach=0)
    assert everything["polarisation_x"][0] < 0


@pytest.mark.parametrize("part", [slice(None), slice(3, 7), slice(0, 2)])
def test_family_scores_the_flattened_image_chunk_by_chunk(part):
    """`compute` on any block of grid rows = the reference on the whole image minus its
    blur over the patch size (the halo it cuts around a block is wide enough)."""
    from scipy import ndimage

    from napari_symseg.core.descriptors.operations import Operations

    rng = np.random.default_rng(11)
    image = rng.gamma(2.0, size=(90, 70)) + np.linspace(0, 30, 90)[:, None]
    params = Params(descriptor_name="polarity", patch_x=3, patch_y=2, window_x=3,
                    window_y=3)
    rows, cols = _grid(image.shape, (6, 5), 6)
    rows = rows[part]
    got = polarity.compute(image, params, Operations("polarity", SHIFTS[:4]), rows, cols)
    flat = image - ndimage.gaussian_filter(image, (3, 2), mode="reflect")
    want = reference_polarity(flat, SHIFTS[:4], 3, 2, rows, cols)
    np.testing.assert_allclose(got, want, atol=2e-6 * max(1.0, np.abs(want).max()))
