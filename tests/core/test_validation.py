"""`as_image`'s non-finite check, read from the per-frame minimum and maximum."""

import numpy as np
import pytest

from napari_symseg.core.validation import as_image
from napari_symseg.errors import InputError


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("frame", [0, 2])
def test_one_non_finite_pixel_anywhere_in_a_series_is_found_and_counted(bad, frame):
    series = np.random.default_rng(1).normal(size=(3, 20, 30)).astype(np.float32)
    series[frame, 7, 29] = bad
    series[1, 0, 0] = 1e30  # large but allowed: the extremes must not hide the bad pixel
    before = series.copy()
    with pytest.raises(InputError, match="1 NaN or infinite"):
        as_image(series, allow_series=True)
    np.testing.assert_array_equal(series, before)


def test_nan_and_infinities_together_are_all_counted():
    image = np.arange(200.0).reshape(10, 20)
    image[0, 0], image[5, 5], image[9, 19] = np.nan, np.inf, -np.inf
    with pytest.raises(InputError, match="3 NaN or infinite"):
        as_image(image)


def test_finite_images_come_back_as_equal_float64_copies():
    image = np.random.default_rng(2).integers(-5, 5, size=(16, 17)).astype(np.int16)
    out = as_image(image)
    assert out.dtype == np.float64 and out.flags.c_contiguous and out is not image
    np.testing.assert_array_equal(out, image)
