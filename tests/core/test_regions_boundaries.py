"""Regions, boundaries and their measurement on label images with known geometry (issue 14)."""

import itertools

import numpy as np
import pytest
from benchmarks.measure_scenarios import PERIOD, angle_error, boundary_offset, two_grains

from napari_symseg.core.boundaries import (
    boundaries_table,
    misorientation,
    polyline_midpoint,
    trace_boundaries,
)
from napari_symseg.core.grid import Grid
from napari_symseg.core.measure import measure_frame
from napari_symseg.core.regions import label_regions, region_geometry


def test_misorientation_is_folded_by_the_lattice_symmetry():
    assert misorientation(10, 100, 90, 90) == pytest.approx(0)
    assert misorientation(5, 80, 90, 90) == pytest.approx(15)
    assert misorientation(5, 41, 60, 60) == pytest.approx(24)
    assert misorientation(170, 10, 180, 180) == pytest.approx(20)
    assert np.isnan(misorientation(np.nan, 10, 90, 90))


def test_regions_are_connected_components_of_each_pattern():
    labels = np.zeros((8, 10), int)
    labels[:, 5:] = 1
    labels[2:4, 1:3] = 1  # an island of pattern 1 inside pattern 0
    regions, pattern = label_regions(labels, 2)
    assert regions.max() == 3 and list(pattern) == [-1, 0, 1, 1]
    assert set(np.unique(regions[labels == 0])) == {1}


def test_geometry_on_a_grid_equals_the_upsampled_pixels():
    grid = Grid(np.array([2, 7, 12, 17]), np.array([1, 6, 11]), (20, 14), 5)
    rng = np.random.default_rng(0)
    grid_regions = rng.integers(1, 4, size=grid.shape)
    geometry, _ = region_geometry(grid_regions, 3, grid)
    full = grid.upsample(grid_regions)
    for rid in (1, 2, 3):
        r, c = np.nonzero(full == rid)
        i = rid - 1
        assert geometry["area_px"][i] == len(r)
        assert geometry["centroid_y_px"][i] == pytest.approx(r.mean())
        assert geometry["centroid_x_px"][i] == pytest.approx(c.mean())
        assert (geometry["bbox_y0"][i], geometry["bbox_y1"][i]) == (r.min(), r.max() + 1)
        assert (geometry["bbox_x0"][i], geometry["bbox_x1"][i]) == (c.min(), c.max() + 1)


def test_boundaries_between_three_regions():
    regions = np.ones((20, 30), np.int32)
    regions[:, 15:] = 2
    regions[5:10, 3:8] = 3  # an island in region 1
    boxes = np.array([[0, 0, 20, 15], [0, 15, 20, 30], [5, 3, 10, 8]])
    lines = trace_boundaries(regions, boxes, tolerance=0)
    assert sorted(lines) == [(1, 2), (1, 3)]
    (straight,) = lines[(1, 2)]
    assert np.allclose(straight[:, 1], 14.5)  # halfway between the pixels
    assert straight[:, 0].min() == 0 and straight[:, 0].max() == 19
    (ring,) = lines[(1, 3)]
    perimeter = np.hypot(*np.diff(ring, axis=0).T).sum()
    assert 16 <= perimeter <= 20  # a 5x5 square traced through the pixel-edge midpoints


def test_measure_frame_with_true_labels_meets_the_tolerances():
    g = two_grains((300, 300), kind="hexagonal", orientations=(5.0, 41.0), tilt=25.0)
    m = measure_frame(g.image, g.truth)
    regions, boundaries = m.regions, m.boundaries
    assert len(regions) == 2 and len(boundaries) == 1
    for i in range(2):
        grain = g.truth[int(regions["centroid_y_px"][i]), int(regions["centroid_x_px"][i])]
        assert angle_error(regions["orientation_deg"][i], g.orientations[grain], 60) < 0.5
        assert regions["a_px"][i] == pytest.approx(g.spacing, rel=0.01)
        assert regions["plane_group"][i] == "p6mm"
    assert boundaries["misorientation_deg"][0] == pytest.approx(24.0, abs=1.0)
    assert boundary_offset(m.boundary_lines[0], *g.boundary) < 1.0
    # the boundary crosses the whole image: its length is the chord
    assert boundaries["length_px"][0] == pytest.approx(300 / np.cos(np.deg2rad(25)), rel=0.03)
    assert m.orientation_map.shape == m.grid.shape == (300, 300)
    left = m.orientation_map[150, 20]
    assert angle_error(left, 5.0, PERIOD["hexagonal"]) < 2.0
    assert m.spacing_map[150, 20] == pytest.approx(9.0, rel=0.03)


def test_region_too_small_has_no_lattice():
    g = two_grains((200, 200))
    labels = g.truth.copy()
    labels[10:20, 10:20] = 2  # a 100 px speck of a third pattern
    m = measure_frame(g.image, labels, maps=False)
    speck = m.regions["pattern"] == 2
    assert speck.sum() == 1 and m.regions["area_px"][speck][0] == 100
    assert np.isnan(m.regions["a_px"][speck][0]) and m.regions["plane_group"][speck][0] == ""
    assert np.isnan(m.boundaries["misorientation_deg"][
        (m.boundaries["region_b"] == np.flatnonzero(speck)[0] + 1)]).all()


def test_misorientation_does_not_depend_on_which_equally_short_vector_is_a():
    from napari_symseg.core.boundaries import lattice_misorientation
    from napari_symseg.core.lattice import canonical

    t = np.deg2rad(111.0)
    a = np.array([-np.sin(np.deg2rad(20.0)), np.cos(np.deg2rad(20.0))]) * 5.6
    b = 5.6 * np.array([-np.sin(np.deg2rad(20.0) + t), np.cos(np.deg2rad(20.0) + t)])
    one, other = canonical(a, b), canonical(a * 1.001, b)  # noise picks the other vector
    assert abs(one.orientation - other.orientation) > 60
    assert lattice_misorientation(one.equivalent_orientations,
                                  other.equivalent_orientations) == pytest.approx(0, abs=0.1)
    square = canonical(np.array([0.0, 8.0]), np.array([-8.0, 0.0]))
    assert sorted(square.equivalent_orientations) == pytest.approx([0.0, 90.0])
    assert lattice_misorientation((5.0, 95.0), (35.0, 125.0)) == pytest.approx(30.0)
    assert np.isnan(lattice_misorientation((), (10.0,)))


def _midpoint_reference(lines):
    """Slow reference: the mean of points spaced 1e-3 px apart along every segment."""
    points = []
    for line in lines:
        for p, q in itertools.pairwise(line):
            n = int(np.ceil(np.hypot(*(q - p)) / 1e-3))
            if n:
                t = (np.arange(n) + 0.5) / n
                points.append(p + t[:, None] * (q - p))
    return np.concatenate(points).mean(axis=0)


def test_boundary_midpoint_is_the_mean_along_the_line():
    rng = np.random.default_rng(3)
    for _ in range(5):
        lines = [np.cumsum(rng.normal(0, 5, size=(rng.integers(2, 7), 2)), axis=0)
                 for _ in range(rng.integers(1, 4))]
        assert polyline_midpoint(lines) == pytest.approx(_midpoint_reference(lines), abs=1e-3)
    point = [np.array([[3.0, 4.0], [3.0, 4.0]])]  # zero length: its vertex
    assert polyline_midpoint(point) == pytest.approx([3.0, 4.0])


@pytest.mark.parametrize("step_row", [40, 200])
def test_a_straight_boundary_with_one_step_has_its_midpoint_halfway(step_row):
    """Tester newuser10: a vertical boundary with one 3 px step read mid_y 178.5 or 145.5
    (the mean of its simplified polyline's few vertices), true about 127.5."""
    regions = np.ones((256, 256), np.int32)
    regions[:step_row, 100:] = 2
    regions[step_row:, 103:] = 2
    boxes = np.array([[0, 0, 256, 103], [0, 100, 256, 256]])
    pairs = [(1, 2)]
    lines = [trace_boundaries(regions, boxes, tolerance=0.5)[(1, 2)]]
    table = boundaries_table(0, pairs, lines, {})
    # the 3 px step at step_row moves the mean along the 258 px line by under 1.5 px
    assert table["mid_y_px"][0] == pytest.approx(127.5, abs=1.5)
    assert 100 <= table["mid_x_px"][0] <= 103
