"""Every case of DESIGN.md's bad-input policy, at the API level."""

import numpy as np
import pytest

from napari_symseg import InputError, ParamsError, segment
from napari_symseg.core.clustering import ClusteringError
from napari_symseg.core.grid import ImageTooSmallError
from napari_symseg.core.samples import two_phase

SMALL = {"patch_x": 4, "patch_y": 4, "window_x": 5, "window_y": 5, "stride": 3}


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.random.default_rng(0).random((64, 64, 3)), "RGB/RGBA"),
        (np.random.default_rng(0).random((64, 64, 4)), "RGB/RGBA"),
        (np.random.default_rng(0).random(100), "must be 2-D"),
        (np.random.default_rng(0).random((2, 3, 40, 40)), "must be 2-D"),
        (np.random.default_rng(0).random((5, 40, 40)), "series"),
        (np.full((64, 64), 3.0), "constant"),
        (np.zeros((0, 10)), "empty"),
        (np.ones((64, 64), dtype=bool), "real numbers"),
        (np.ones((64, 64), dtype=complex), "real numbers"),
    ],
)
def test_bad_images(image, message):
    with pytest.raises(InputError, match=message):
        segment(image, **SMALL)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf(bad):
    image = two_phase((64, 64)).astype(np.float64)
    image[5, 7] = bad
    image[10, 3] = bad
    before = image.copy()
    with pytest.raises(InputError, match="2 NaN or infinite"):
        segment(image, **SMALL)
    np.testing.assert_array_equal(image, before)  # nothing lost


def test_image_smaller_than_two_shift_windows():
    with pytest.raises(ImageTooSmallError, match=r"too small.*needs at least 43 px"):
        segment(two_phase((40, 200)))  # default window 21 (patches are clipped, not windows)


def test_too_many_patterns_for_the_grid():
    with pytest.raises(ClusteringError, match="larger than the number of descriptor grid"):
        segment(two_phase((30, 30)), n_patterns=100, **SMALL)


@pytest.mark.parametrize(
    "changes",
    [{"patch_x": 0}, {"window_x": -1}, {"stride": 0}, {"n_patterns": 0}, {"radius": -5}],
)
def test_zero_or_negative_sizes(changes):
    with pytest.raises(ParamsError):
        segment(two_phase((64, 64)), **{**SMALL, **changes})


def test_translation_outside_window():
    with pytest.raises(ParamsError, match="outside the shift window"):
        segment(two_phase((64, 64)), descriptor_name="preselected_translations",
                preselected_translations=[(0, 9)], **SMALL)
