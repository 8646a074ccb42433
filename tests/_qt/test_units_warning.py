"""napari's "Inconsistent units across layers" warning: said once, not again for each result
layer the plugin adds (tester newuser9: three more per run of an uncalibrated image in a
viewer that also holds a calibrated one)."""

import numpy as np
from napari.layers import Labels

from napari_symseg._qt.units_warning import quiet_repeats
from napari_symseg.controller import METADATA_KEY

UNITS = "Inconsistent units"


def _warnings(monkeypatch):
    """Every message of napari's `show_warning` as the canvas calls it."""
    import napari._vispy.canvas as canvas

    said = []
    monkeypatch.setattr(canvas, "show_warning", said.append)
    return said


def _ours(name):
    return Labels(np.zeros((16, 16), np.uint8), name=name,
                  metadata={METADATA_KEY: {"source": "plain", "role": "patterns"}})


def test_result_layers_do_not_repeat_the_units_warning(make_napari_viewer, monkeypatch):
    said = _warnings(monkeypatch)
    viewer = make_napari_viewer()
    canvas = viewer.window._qt_viewer.canvas
    viewer.add_image(np.zeros((16, 16)), name="calibrated", scale=(0.1, 0.1), units="nm")
    viewer.add_image(np.zeros((16, 16)), name="plain")  # pixels: napari warns, once
    canvas.on_draw()
    assert sum(UNITS in m for m in said) == 1
    quiet_repeats(viewer)
    quiet_repeats(viewer)  # once per viewer
    for slot in ("patterns", "PCA", "confidence"):  # a run's three layers, a draw each
        viewer.layers.append(_ours(f"plain {slot}"))
        canvas.on_draw()
    assert sum(UNITS in m for m in said) == 1
    viewer.add_image(np.zeros((16, 16)), name="the user's")  # not ours: napari's to say
    canvas.on_draw()
    assert sum(UNITS in m for m in said) == 2
    assert "_update_world_units" not in vars(canvas)  # napari's own check is back


def test_a_first_disagreement_is_still_said(make_napari_viewer, monkeypatch):
    said = _warnings(monkeypatch)
    viewer = make_napari_viewer()
    quiet_repeats(viewer)
    viewer.add_image(np.zeros((16, 16)), name="plain")
    layer = _ours("plain patterns")
    layer.scale, layer.units = (0.1, 0.1), ("nm", "nm")  # ours, but the first in nm
    viewer.layers.append(layer)
    viewer.window._qt_viewer.canvas.on_draw()
    assert sum(UNITS in m for m in said) == 1


def test_a_series_added_after_the_hook_gets_its_axes(make_napari_viewer, monkeypatch):
    """The hook reads the units before each insertion without filling napari's extent
    cache (filled then, it lacked the new layer: adding a (T, Y, X) image failed in
    napari's axis labels)."""
    _warnings(monkeypatch)
    viewer = make_napari_viewer()
    quiet_repeats(viewer)
    viewer.add_image(np.zeros((16, 16)), name="calibrated", scale=(0.1, 0.1), units="nm")
    viewer.add_image(np.zeros((16, 16)), name="plain")
    series = viewer.add_image(np.zeros((3, 16, 16)), name="series")
    assert viewer.dims.ndim == 3
    assert viewer.layers.extent.world[1][0] == series.extent.world[1][0]
