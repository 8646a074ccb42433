"""standardise: the same bits as numpy's (region - mean) / std."""

import numpy as np
import pytest

from napari_symseg.core.descriptors.pearson import standardise


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_standardise_is_bit_identical_to_numpy_std(dtype):
    rng = np.random.default_rng(0)
    image = (rng.normal(size=(300, 520)) * 40 + 17).astype(dtype)
    for region in (image, image[3:250, 7:511], image[:1, :1], np.full((9, 9), 3, dtype)):
        scale = region.std()
        expected = (region - region.mean()) / (scale if scale > 0 else 1.0)
        got = standardise(region)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
