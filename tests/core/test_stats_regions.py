"""count_regions against scipy.ndimage.label, the obviously correct reference."""

import numpy as np
import pytest
import scipy.ndimage
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from napari_symseg.core.stats import count_regions


def reference(labels, n):
    return [scipy.ndimage.label(np.asarray(labels) == k)[1] for k in range(n)]


@settings(max_examples=300, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(0, 12), st.integers(0, 12)),
              elements=st.integers(0, 4)), st.integers(1, 5))
def test_counts_as_scipy_label_does(labels, n):
    assert count_regions(labels, n).tolist() == reference(labels, n)


@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.int64, np.uint16])
def test_large_random_and_nested_shapes(dtype):
    rng = np.random.default_rng(4)
    labels = (rng.random((300, 257)) < 0.45).astype(dtype)  # percolating clusters, many holes
    labels[100:200, 50:150] = 2
    labels[120:180, 70:130] = 3  # a region inside a region
    labels[140:160, 90:110] = 2  # and a region of 2 inside it
    got = count_regions(labels, 4)
    assert got.tolist() == reference(labels, 4)
    assert got[2] >= 2 and got[3] == 1
    assert got.dtype == np.int64


def test_arms_that_meet_late():
    # pattern 0: three arms that meet only in row 3 (union-find merges late); pattern 1:
    # the outer U and the inner cap, apart
    labels = np.zeros((5, 7), np.uint8)
    labels[:, 0] = labels[:, 6] = labels[4] = 1
    labels[0, 2:5] = 1
    labels[1:3, 2] = labels[1:3, 4] = 1
    assert count_regions(labels, 2).tolist() == reference(labels, 2) == [1, 2]


def test_ignores_labels_from_n_on_and_other_dimensions_go_to_scipy():
    labels = np.array([[0, 5, 0], [5, 5, 1]])
    assert count_regions(labels, 2).tolist() == [2, 1]
    line = np.array([0, 1, 1, 0, 1])
    assert count_regions(line, 2).tolist() == reference(line, 2) == [2, 2]
    cube = np.zeros((2, 3, 3), int)
    cube[0, 0, 0] = cube[1, 2, 2] = 1
    assert count_regions(cube, 2).tolist() == reference(cube, 2) == [1, 2]
