import itertools

import numpy as np
import pytest

from napari_symseg.core.grid import Grid, ImageTooSmallError


@pytest.mark.parametrize(("size", "margin", "stride"), [(100, 10, 5), (101, 7, 3), (30, 14, 4)])
def test_grid_is_centred_inside_margin(size, margin, stride):
    g = Grid.for_margin((size, size + 3), (margin, margin + 1), stride)
    assert g.rows[0] >= margin and g.rows[-1] <= size - 1 - margin
    assert np.all(np.diff(g.rows) == stride)
    # the unused remainder is split evenly (differs by at most one pixel)
    left, right = g.rows[0] - margin, size - 1 - margin - g.rows[-1]
    assert abs(left - right) <= 1
    assert right < stride  # no room for another grid row
    assert g.cols[0] >= margin + 1


def test_too_small_image_says_what_is_needed():
    with pytest.raises(ImageTooSmallError, match="needs at least 83 px"):
        Grid.for_margin((82, 500), (41, 41), 5)


def test_upsample_takes_nearest_grid_point():
    g = Grid.for_margin((23, 17), (4, 3), 3)
    values = np.arange(g.size).reshape(g.shape)
    up = g.upsample(values)
    assert up.shape == (23, 17)
    rr, cc = np.mgrid[0:23, 0:17]
    # brute force: nearest grid point in each axis
    ri = np.abs(rr[..., None] - g.rows).argmin(-1)
    ci = np.abs(cc[..., None] - g.cols).argmin(-1)
    dist_r = np.abs(rr - g.rows[ri])
    assert np.all(np.abs(rr - g.rows[g.nearest_index()[0]][:, None]) <= dist_r)
    np.testing.assert_array_equal(up[g.rows][:, g.cols], values)
    # away from exact ties the brute force agrees exactly
    tie_free = (np.abs(rr - g.rows[ri]) * 2 != g.stride) & (
        np.abs(cc - g.cols[ci]) * 2 != g.stride
    )
    np.testing.assert_array_equal(up[tie_free], values[ri, ci][tie_free])


def test_row_chunks_cover_grid():
    g = Grid.for_margin((200, 50), (5, 5), 2)
    chunks = g.row_chunks(7)
    assert chunks[0].start == 0 and chunks[-1].stop == g.shape[0]
    assert all(a.stop == b.start for a, b in itertools.pairwise(chunks))
