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


@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (1, 8), (3, 5), (1, 127), (1, 128), (1, 129),
                                   (17, 19), (255, 257), (2, 8193), (1024, 1024), (1000, 1031)])
def test_contiguous_float64_regions_take_numpys_sums_in_numpys_order(shape):
    # the numba path (`_standardise`): numpy's pairwise sums replayed, across the
    # block sizes of 8 and 128, odd lengths and a whole 1024² frame
    rng = np.random.default_rng(shape[0] * 10_000 + shape[1])
    for scale, offset in ((1.0, 0.0), (1e3, 5e4), (1e-3, -2.0)):
        image = rng.normal(size=shape) * scale + offset
        for region in (image, image[1:] if shape[0] > 1 else image):
            assert region.flags.c_contiguous
            scale = region.std()  # 0 for a single value
            expected = (region - region.mean()) / (scale if scale > 0 else 1.0)
            np.testing.assert_array_equal(standardise(region), expected)
    constant = np.full(shape, 2.5)
    np.testing.assert_array_equal(standardise(constant), np.zeros(shape))
    source = rng.normal(size=shape)
    kept = source.copy()
    standardise(source)
    np.testing.assert_array_equal(source, kept)  # the input is never modified
