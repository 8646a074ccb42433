"""The probe's geometry and map, without Qt."""

import numpy as np
import pytest

from napari_symseg.controller.probe import (
    CIRCLE_SEGMENTS,
    probe_map,
    probe_marker,
    probe_outline,
    probe_patch,
    probe_pixel,
    probe_pixel_at,
    probe_shapes,
)
from napari_symseg.core.descriptors.translation import correlation_map
from napari_symseg.core.params import Params
from napari_symseg.core.samples import two_phase


def test_probe_patch_per_family():
    assert probe_patch(Params(patch_x=6, patch_y=5)) == (6, 5)
    assert probe_patch(Params(descriptor_name="rotational_symmetry_maximum_pooling",
                              radius=7)) == (7, 7)
    assert probe_patch(Params(descriptor_name="power_spectrum", window_x=9,
                              window_y=4)) == (4, 2)


def test_probe_shapes_translations_patch_and_shift_window():
    shapes, kinds = probe_shapes(64, 80, Params(patch_x=6, patch_y=5, window_x=8, window_y=9))
    assert kinds == ["rectangle", "rectangle"]
    np.testing.assert_allclose(shapes[0], [[64 - 6.5, 80 - 5.5], [64 + 6.5, 80 + 5.5]])
    np.testing.assert_allclose(shapes[1].max(0), (64 + 14.5, 80 + 14.5))


def test_probe_shapes_rotations_circle_and_pooling_reach():
    params = Params(descriptor_name="rotational_symmetry_maximum_pooling", radius=7,
                    window_x=3, window_y=4)
    shapes, kinds = probe_shapes(64, 80, params)
    assert kinds == ["ellipse", "rectangle"]
    np.testing.assert_allclose(shapes[0].min(0), (64 - 7, 80 - 7))
    np.testing.assert_allclose(shapes[1].max(0), (64 + 10.5, 80 + 11.5))


def test_probe_shapes_power_spectrum_is_the_window():
    shapes, kinds = probe_shapes(10, 20, Params(descriptor_name="power_spectrum", window_x=4,
                                                window_y=3))
    assert kinds == ["rectangle"]
    np.testing.assert_allclose(shapes[0], [[5.5, 16.5], [14.5, 23.5]])


@pytest.mark.parametrize("pixel", [(64, 80), (40, 120), (0, 0), (127, 159), (-5, 400)])
def test_probe_map_equals_the_whole_image_correlation_map(pixel):
    image = two_phase((128, 160))
    params = Params(patch_x=6, patch_y=5, window_x=8, window_y=9)
    cmap = probe_map(image, params, *pixel)
    assert cmap.shape == (17, 19) and cmap[8, 9] == pytest.approx(1.0)
    np.testing.assert_array_equal(cmap, correlation_map(image, 6, 5, 8, 9, *pixel))
    row, col = probe_pixel(image.shape, params, *pixel)
    assert 14 <= row <= 127 - 14 and 14 <= col <= 159 - 14
    np.testing.assert_array_equal(cmap, correlation_map(image, 6, 5, 8, 9, row, col))


def test_probe_map_reads_only_its_region():
    """An integer memory map or a lazy array is sliced, not converted whole."""

    class OnlySlices:
        shape = (4096, 4096)

        def __getitem__(self, key):
            rows, cols = key
            assert rows.stop - rows.start <= 29 and cols.stop - cols.start <= 29
            return np.add.outer(np.arange(rows.start, rows.stop) % 7,
                                np.arange(cols.start, cols.stop) % 5).astype(np.uint16)

    params = Params(patch_x=6, patch_y=6, window_x=8, window_y=8)
    cmap = probe_map(OnlySlices(), params, 2000, 2000)
    assert cmap.shape == (17, 17) and cmap[8, 8] == pytest.approx(1.0)
    assert cmap[8 + 7, 8] == pytest.approx(1.0)  # the period along rows


def test_probe_map_of_a_too_small_image_raises():
    with pytest.raises(ValueError, match="smaller than the probe"):
        probe_map(np.zeros((20, 20)), Params(patch_x=6, patch_y=6, window_x=8, window_y=8),
                  10, 10)


@pytest.mark.parametrize("params", [
    Params(patch_x=6, patch_y=5, window_x=8, window_y=9),
    Params(descriptor_name="rotational_symmetry_maximum_pooling", radius=7, window_x=3,
           window_y=4),
    Params(descriptor_name="power_spectrum", window_x=10, window_y=12),
])
def test_outline_draws_each_shape_closed_on_its_box(params):
    shapes, kinds = probe_shapes(30, 40, params)
    vectors, shape = probe_outline(30, 40, params)
    assert vectors.shape == (len(shape), 2, 2)
    for index, (corners, kind) in enumerate(zip(shapes, kinds, strict=True)):
        mine = vectors[shape == index]
        assert len(mine) == (4 if kind == "rectangle" else CIRCLE_SEGMENTS)
        ends = mine[:, 0] + mine[:, 1]
        np.testing.assert_allclose(ends, np.roll(mine[:, 0], -1, axis=0))  # closed, in turn
        low, high = corners.min(axis=0), corners.max(axis=0)
        np.testing.assert_allclose(mine[:, 0].min(axis=0), low)
        np.testing.assert_allclose(mine[:, 0].max(axis=0), high)
        if kind == "ellipse":  # every vertex on the circle
            radius = np.hypot(*(mine[:, 0] - (low + high) / 2).T)
            np.testing.assert_allclose(radius, (high - low)[0] / 2)


def test_probe_marker_is_a_cross_open_at_its_centre():
    mark = probe_marker(9.0)
    ends = mark[:, 0] + mark[:, 1]
    # the four arms run from 3 to 9 px away from the centre, along the two axes
    np.testing.assert_allclose(np.sort(np.abs(mark[:, 0]).max(axis=1)), [3, 3, 9, 9])
    np.testing.assert_allclose(np.sort(np.abs(ends).max(axis=1)), [3, 3, 9, 9])
    assert np.all((mark[:, 0] == 0).any(axis=1) & (ends == 0).any(axis=1))  # on an axis
    np.testing.assert_allclose(np.abs(mark[:, 1]).sum(axis=1), 6.0)  # each arm 6 px


@pytest.mark.parametrize("position, pixel", [((1.0 + 0.02 * 10.4, 2.0 + 0.05 * 7.6), (10, 8)),
                                             ((5.0, 1.0 + 0.02 * 3, 2.0 - 0.05 * 2), (3, -2))])
def test_probe_pixel_at_rounds_world_positions_to_the_last_two_axes(position, pixel):
    from napari.layers import Image

    source = Image(np.zeros((40, 50)), scale=(0.02, 0.05), translate=(1.0, 2.0))
    assert probe_pixel_at(source, position) == pixel
