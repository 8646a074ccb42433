"""Issue 11: every result Image layer saved with napari's File > Save reopens as itself.

The widget runs on a calibrated image (nm, an origin); each result Image layer -- PCA (an
RGB composite on the descriptor grid: scale = stride x pixel), confidence, orientation,
spacing, polarisation -- is saved through napari's own save path with this plugin's writer,
under the name napari's save dialog proposes, and reopened with this plugin's reader: the
same values (float32), scale, translate, units, axis labels, name and run
record. Before, napari's TIFF writer was the only one for images: scale 1, unit "pixel".
"""

import numpy as np
import pytest
import tifffile
from benchmarks.measure_scenarios import two_grains
from benchmarks.polar_scenarios import ferroelectric_domains

from napari_symseg.controller import METADATA_KEY

from .helpers import TIMEOUT, run_and_wait, set_fields

NM = {"scale": (0.02, 0.02), "units": ("nm", "nm"), "translate": (0.4, -0.3)}


def _save_and_reopen(viewer, layer, path):
    viewer.layers.selection = {layer}
    assert viewer.layers.save(str(path), selected=True, plugin="napari-symseg") == [str(path)]
    viewer.layers.remove(layer)  # (napari would name the reopened layer "... [1]")
    [reopened] = viewer.open(str(path), plugin="napari-symseg")
    return reopened


def _assert_same_image(reopened, layer):
    from napari.layers import Image

    assert isinstance(reopened, Image) and reopened is not layer
    assert reopened.name == layer.name and reopened.rgb == layer.rgb
    data, back = np.asarray(layer.data), np.asarray(reopened.data)
    assert back.dtype == data.dtype and back.shape == data.shape
    np.testing.assert_array_equal(back, data)  # exact, NaN where NaN
    np.testing.assert_array_equal(reopened.scale, layer.scale)
    np.testing.assert_array_equal(reopened.translate, layer.translate)
    assert tuple(reopened.units) == tuple(layer.units)
    assert tuple(reopened.axis_labels) == tuple(layer.axis_labels)
    np.testing.assert_allclose(reopened.contrast_limits, layer.contrast_limits)
    assert reopened.colormap.name == layer.colormap.name
    ours, theirs = reopened.metadata[METADATA_KEY], layer.metadata[METADATA_KEY]
    for key in ("role", "source", "params", "version", "frame"):
        assert ours.get(key) == theirs.get(key), key


def _round_trip_all(viewer, names, tmp_path):
    reopened = {}
    for name in names:
        layer = viewer.layers[name]
        file_name = name  # as the save dialog proposes it (the PCA layer too, see below)
        reopened[name] = _save_and_reopen(viewer, layer, tmp_path / f"{file_name}.tif")
        _assert_same_image(reopened[name], layer)
        with tifffile.TiffFile(tmp_path / f"{file_name}.tif") as tif:  # what Fiji reads
            assert tif.is_imagej and tif.imagej_metadata["unit"] == "nm"
            x = tif.pages[0].get_resolution()[0]
            assert 1 / x == pytest.approx(layer.scale[-1], rel=1e-6)
    return reopened


def test_run_and_measure_layers_round_trip(qtbot, viewer_widget, tmp_path, errors):
    viewer, widget = viewer_widget
    g = two_grains((192, 192), orientations=(10.0, 40.0), tilt=0.0)
    widget.image.value = viewer.add_image(g.image, name="g", **NM)
    set_fields(widget, patch_x=8, patch_y=8, window_x=10, window_y=10, stride=4)
    run_and_wait(qtbot, widget)
    section = widget.measure
    assert section.start() is not None
    qtbot.waitUntil(lambda: section.controller.last is not None and section.button.enabled,
                    timeout=TIMEOUT)
    assert errors == []
    pca = viewer.layers["g PCA components"]
    assert pca.rgb and pca.data.dtype == np.float32
    np.testing.assert_allclose(pca.scale, (0.08, 0.08))  # on the grid: stride 4
    names = ["g PCA components", "g confidence", "g orientation", "g spacing"]
    reopened = _round_trip_all(viewer, names, tmp_path)
    assert reopened["g spacing"].metadata["value_unit"] == "nm"  # the values' unit


def test_polarisation_layer_round_trips(qtbot, viewer_widget, tmp_path, errors):
    viewer, widget = viewer_widget
    image = ferroelectric_domains((160, 160), "stripes90", 0.3, 200.0, 0)[0]
    widget.image.value = viewer.add_image(image, name="pto", **NM)
    set_fields(widget, descriptor_name="polarity", patch_x=12, patch_y=12, window_x=6,
               window_y=6, stride=4, smoothing=12.0)
    run_and_wait(qtbot, widget)
    assert errors == []
    [first] = _round_trip_all(viewer, ["pto polarisation"], tmp_path).values()
    # File > Open (napari's preferences, recorded when the widget opened): no reader dialog
    [again] = viewer.open(str(tmp_path / "pto polarisation.tif"), plugin=None)
    np.testing.assert_array_equal(again.data, first.data)
    assert again.metadata == first.metadata and tuple(again.units) == tuple(first.units)


def test_pca_name_as_the_dialog_proposes_it_is_claimed(tmp_path):
    """npe2 lower-cases the reader's patterns, not the file's name: ``g PCA.tif`` would match
    no pattern of a plugin, which is why the layer is ``g PCA components`` (its name as the
    save dialog proposes it is claimed) and ``g pca.tif`` is claimed too."""
    from napari.plugins import _npe2

    both = {"napari", "napari-symseg"}
    for name in ("g PCA components.tif", "g pca.tif", "g_confidence.tif",
                 "g_f5_PCA components.tif"):
        assert set(_npe2.get_readers(str(tmp_path / name))) == both, name
    assert list(_npe2.get_readers(str(tmp_path / "g PCA.tif"))) == ["napari"]
