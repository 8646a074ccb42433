"""The physical L1_2-cuboid generator: its cell, seeding, dose and the contrast it claims."""

import numpy as np
from scipy import ndimage

from benchmarks import cuboid_scenarios as cs

SHAPE = (256, 256)


def test_l12_cell_projects_to_four_columns_one_of_them_b():
    columns = cs.project_cell(cs.WYCKOFF_L12)
    assert sorted(columns) == [(0.0, 0.0), (0.0, 0.5), (0.5, 0.0), (0.5, 0.5)]
    assert columns[(0.0, 0.0)] == {"B": 1}  # 1a alone: the minority column
    assert all(columns[k] == {"A": 1} for k in columns if k != (0.0, 0.0))


def test_generator_is_seeded_poisson_with_both_patterns():
    image, truth = cs.l12_cuboids_physical(SHAPE, 20.0, 0)
    assert image.dtype == np.float32 and truth.dtype == np.int32
    assert np.array_equal(image, np.round(image)) and image.min() >= 0
    assert abs(image.mean() - 20.0) < 0.5
    assert 0.15 <= truth.mean() <= 0.6
    again, truth_again = cs.l12_cuboids_physical(SHAPE, 20.0, 0)
    assert np.array_equal(image, again) and np.array_equal(truth, truth_again)
    assert not np.array_equal(image, cs.l12_cuboids_physical(SHAPE, 20.0, 1)[0])
    assert np.array_equal(truth, cs.l12_cuboids_physical(SHAPE, None, 0)[1])


def test_cuboids_have_dark_minority_columns_and_are_darker_than_the_matrix():
    # noise-free: inside the cuboids a quarter of the column maxima (the Al/Ti
    # sublattice) are dark; the Ni-Cr matrix has no such sublattice and more Z
    clean, truth = cs.l12_cuboids_physical(SHAPE, None, 0)
    peaks = (clean == ndimage.maximum_filter(clean, 3)) & (clean > np.percentile(clean, 70))
    inside = ndimage.binary_erosion(truth == 1, iterations=6)
    outside = ndimage.binary_erosion(truth == 0, iterations=6)

    def spread(mask):
        values = clean[peaks & mask]
        return np.percentile(values, 10) / np.median(values)

    assert spread(inside) < spread(outside) - 0.1
    assert clean[inside].mean() < clean[outside].mean()
