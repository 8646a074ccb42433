"""The patterns colormap napari draws without numba: the same colours as napari's own."""

import numpy as np
import pytest

from napari_symseg.controller import LABEL_OFFSET
from napari_symseg.controller.label_colormap import kernel_free, label_colormap
from napari_symseg.io.figure import label_colour_dict


@pytest.mark.parametrize("n_patterns", [1, 3, 12])
def test_the_filled_table_equals_napari_s_mapping_of_every_uint8_value(n_patterns):
    from napari.utils.colormaps import DirectLabelColormap

    colours = label_colour_dict(n_patterns, LABEL_OFFSET)
    ours = label_colormap(colours, np.uint8)
    assert kernel_free(ours)
    values = np.arange(256, dtype=np.uint8).reshape(16, 16)
    napari_s = DirectLabelColormap(color_dict=colours)  # its table computed by napari
    assert not kernel_free(napari_s)
    np.testing.assert_array_equal(ours.map(values), napari_s.map(values))
    # and by value, as napari documents a direct colormap
    for value in (0, LABEL_OFFSET, LABEL_OFFSET + n_patterns - 1, 200):
        np.testing.assert_allclose(ours.map(values)[values == value][0],
                                   napari_s.map(np.uint8(value)), atol=1e-7)


def test_a_uint16_layer_keeps_napari_s_own_table():
    colours = label_colour_dict(3, LABEL_OFFSET)
    assert not kernel_free(label_colormap(colours, np.uint16))
