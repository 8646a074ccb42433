import numpy as np
import pytest
from qtpy.QtCore import QTimer

from napari_symseg._qt.widget import METADATA_KEY, SymsegWidget
from napari_symseg.core.chunks import grid_for
from napari_symseg.core.descriptors.registry import COMMON_FIELDS, FAMILIES
from napari_symseg.core.samples import two_phase

from .helpers import TIMEOUT, run_and_wait, set_fields

SMALL = {"patch_x": 8, "patch_y": 8, "window_x": 10, "window_y": 10, "stride": 4}
SCALE = (0.02, 0.02)


def test_docks_from_manifest(viewer_widget):
    _, widget = viewer_widget
    assert isinstance(widget, SymsegWidget)
    assert widget.run_button.text == "Run"


def test_run_adds_result_layers(qtbot, viewer_widget, errors):
    viewer, widget = viewer_widget
    image = two_phase((256, 256))
    source = viewer.add_image(
        image, name="tp", scale=SCALE, translate=(1.0, 2.0), units=("nm", "nm")
    )
    widget.image.value = source
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    assert errors == []
    assert [layer.name for layer in viewer.layers] == [
        "tp",
        "tp patterns",
        "tp PCA",
        "tp confidence",
        "tp separability",
    ]
    labels, pca, confidence = (viewer.layers[f"tp {k}"] for k in ("patterns", "PCA", "confidence"))
    grid = grid_for(image.shape, widget.params())
    assert labels.data.shape == confidence.data.shape == image.shape
    assert labels.data.dtype == np.int32
    assert pca.data.shape == (5, *grid.shape)
    for layer in (labels, confidence):
        np.testing.assert_allclose(layer.scale, SCALE)
        np.testing.assert_allclose(layer.translate, (1.0, 2.0))
        assert [str(u) for u in layer.units] == ["nanometer", "nanometer"]
    np.testing.assert_allclose(pca.scale[1:], np.array(SCALE) * 4)
    np.testing.assert_allclose(
        pca.translate[1:], (1.0 + grid.rows[0] * 0.02, 2.0 + grid.cols[0] * 0.02)
    )
    meta = labels.metadata[METADATA_KEY]
    assert meta["params"]["stride"] == 4 and meta["params"]["patch_x"] == 8
    assert meta["random_state"] == 0 and meta["version"]
    # two phases: left and right halves get different labels
    left, right = labels.data[:, 30:110], labels.data[:, 146:226]
    assert np.bincount(left.ravel()).argmax() != np.bincount(right.ravel()).argmax()
    assert (left == np.bincount(left.ravel()).argmax()).mean() > 0.95
    assert (right == np.bincount(right.ravel()).argmax()).mean() > 0.95
    # every pattern is drawn: no pattern is napari's transparent background label 0
    assert set(np.unique(labels.data)) == {1, 2} and meta["label_offset"] == 1


def test_rerun_updates_layers_in_place(qtbot, viewer_widget):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((256, 256)), name="tp")
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    before = list(viewer.layers)
    set_fields(widget, stride=8, n_patterns=3)
    run_and_wait(qtbot, widget)
    assert list(viewer.layers) == before  # same objects, same order
    pca = viewer.layers["tp PCA"]
    assert pca.scale[-1] == 8
    assert viewer.layers["tp patterns"].metadata[METADATA_KEY]["params"]["n_patterns"] == 3
    assert len(np.unique(viewer.layers["tp patterns"].data)) == 3


def test_series_uses_current_frame(qtbot, viewer_widget):
    viewer, widget = viewer_widget
    series = np.stack([two_phase((128, 128), boundary=b) for b in (40, 90)])
    source = viewer.add_image(series, name="s", scale=(1.0, *SCALE))
    widget.image.value = source
    set_fields(widget, **SMALL)
    viewer.dims.set_current_step(0, 1)
    run_and_wait(qtbot, widget)
    labels = viewer.layers["s patterns"]
    assert labels.data.shape == (128, 128)
    assert labels.metadata[METADATA_KEY]["frame"] == 1
    row = labels.data[64]
    assert row[70] == row[20] != row[110]  # boundary of frame 1 is at column 90


def test_cancel_adds_no_layer(qtbot, viewer_widget):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((1024, 1024)), name="big")
    set_fields(widget, **{**SMALL, "stride": 1})
    widget.run_button.changed.emit(True)  # same as a click
    assert widget.worker is not None
    assert widget.run_button.text == "Cancel"
    qtbot.waitUntil(lambda: widget.status.value.startswith("descriptors"), timeout=TIMEOUT)
    import time

    start = time.perf_counter()
    widget.run_button.changed.emit(True)
    qtbot.waitUntil(lambda: widget.worker is None, timeout=TIMEOUT)
    # stops at the next chunk boundary: a fraction of a second
    assert time.perf_counter() - start < 1.0
    qtbot.wait(50)
    assert [layer.name for layer in viewer.layers] == ["big"]
    assert widget.run_button.text == "Run"
    assert widget.status.value == "cancelled"


def test_event_loop_runs_during_segmentation(qtbot, viewer_widget):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((512, 512)), name="tp")
    set_fields(widget, **{**SMALL, "stride": 1})
    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(widget.worker is not None))
    timer.start()
    try:
        run_and_wait(qtbot, widget)
    finally:
        timer.stop()
    assert sum(ticks) >= 5  # the timer ticked while the worker was running
    assert "tp patterns" in viewer.layers


def test_rgb_layer_gives_error_notification(viewer_widget, errors):
    viewer, widget = viewer_widget
    rng = np.random.default_rng(0)
    widget.image.value = viewer.add_image(rng.random((64, 64, 3)), rgb=True, name="rgb")
    assert widget.run() is None
    assert len(errors) == 1 and "RGB" in errors[0]
    assert len(viewer.layers) == 1
    assert widget.run_button.text == "Run"


def test_4d_layer_gives_error_notification(viewer_widget, errors):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(np.zeros((2, 2, 32, 32)), name="4d")
    assert widget.run() is None
    assert len(errors) == 1 and "4-D" in errors[0]


def test_error_in_worker_gives_notification(qtbot, viewer_widget, errors):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(np.ones((64, 64)), name="flat")
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    assert len(errors) == 1 and "constant" in errors[0]
    assert len(viewer.layers) == 1
    assert widget.run_button.text == "Run"


def test_invalid_params_give_notification(viewer_widget, errors):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((64, 64)), name="tp")
    set_fields(widget, descriptor_name="preselected_translations")
    assert widget.run() is None
    assert len(errors) == 1 and "preselected_translations" in errors[0]


@pytest.mark.parametrize("name", FAMILIES)
def test_descriptor_shows_its_fields(viewer_widget, name):
    _, widget = viewer_widget
    widget.fields["descriptor_name"].value = name
    expected = {"descriptor_name", *FAMILIES[name].fields, *COMMON_FIELDS}
    assert set(widget.visible_fields()) == expected
    shown = {n for n, w in widget.fields.items() if not w.native.isHidden()}
    assert shown == expected  # what the user actually sees
    widget.fields["preselected_translations"].value = "[[0, 8]]"
    assert widget.params().descriptor_name == name


def test_descriptor_choices_show_titles(viewer_widget):
    _, widget = viewer_widget
    combo = widget.fields["descriptor_name"]
    assert [combo.native.itemText(i) for i in range(combo.native.count())] == [
        f.title for f in FAMILIES.values()
    ]


def test_optional_and_tuple_fields(viewer_widget):
    _, widget = viewer_widget
    assert widget.params().pca_variance is None
    widget.fields["pca_variance"].value = 0.85
    widget.fields["preselected_translations"].value = "[[0, 8], [8, 0]]"
    widget.fields["rotation_angles"].value = "[90, 180]"
    params = widget.params()
    assert params.pca_variance == 0.85
    assert params.preselected_translations == ((0, 8), (8, 0))
    assert params.rotation_angles == (90, 180)


def test_image_choices_follow_layers(viewer_widget):
    viewer, widget = viewer_widget
    assert widget.image.choices == ()
    layer = viewer.add_image(np.zeros((8, 8)), name="a")
    viewer.add_labels(np.zeros((8, 8), dtype=int), name="not an image")
    assert widget.image.choices == (layer,)
    viewer.layers.remove(layer)
    assert widget.image.choices == ()


def test_separability_heatmap_on_translation_grid_beside_image(qtbot, viewer_widget):
    viewer, widget = viewer_widget
    source = viewer.add_image(two_phase((256, 256)), name="tp", scale=SCALE, units=("nm", "nm"))
    widget.image.value = source
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    heat = viewer.layers["tp separability"]
    meta = heat.metadata[METADATA_KEY]
    shifts = np.array(meta["operations"]["values"])
    step = 3  # window 10, at most 100 shifts -> (3i, 3j), 7 x 7
    assert heat.data.shape == (7, 7)
    # the map is laid out on the shift grid: entry (i, j) is the shift (3(i-3), 3(j-3))
    for (m, n), value in zip(shifts, meta["separability"], strict=True):
        assert heat.data[m // step + 3, n // step + 3] == pytest.approx(value)
    assert heat.data[3, 3] == 0.0  # the zero shift is always 1: no separability
    # beside the image, not over it
    right_edge = source.translate[1] + 256 * SCALE[1]
    assert heat.translate[1] > right_edge
    assert heat.scale[0] * 7 <= 256 * SCALE[0]


def test_separability_of_rotations_is_one_row(qtbot, viewer_widget):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((160, 160)), name="tp")
    widget.descriptor_name.value = "rotational_symmetry_maximum_pooling"
    set_fields(widget, radius=8, window_x=4, window_y=4, stride=4)
    run_and_wait(qtbot, widget)
    heat = viewer.layers["tp separability"]
    assert heat.data.shape == (1, 4)
    assert np.all(np.isfinite(heat.data)) and heat.data.max() > 1


def test_save_and_load_parameters(tmp_path, viewer_widget, errors):
    from napari_symseg.core.params import Params

    _, widget = viewer_widget
    widget.fields["descriptor_name"].value = "preselected_translations"
    set_fields(widget, patch_x=7, stride=3, n_patterns=3)
    widget.fields["preselected_translations"].show_param([[0, 8], [8, 0]])
    widget.fields["pca_variance"].value = 0.85
    path = tmp_path / "p.json"
    assert widget.save_params(path)
    saved = Params.from_json(path)  # the CLI's --params format
    assert (saved.patch_x, saved.stride, saved.n_patterns) == (7, 3, 3)
    assert saved.preselected_translations == ((0, 8), (8, 0))
    assert saved.pca_variance == 0.85
    widget.set_params(Params())  # back to defaults, then load
    assert widget.params() == Params()
    assert widget.load_params(path)
    assert widget.params() == saved
    assert errors == []
    bad = tmp_path / "bad.json"
    bad.write_text('{"params": {"patch_x": 0}}')
    assert not widget.load_params(bad)
    assert len(errors) == 1 and "patch_x must be >= 1" in errors[0]
    assert widget.params() == saved  # nothing changed by the failed load


def test_widget_is_in_the_layers_segment_menu():
    from npe2 import PluginManager

    pm = PluginManager.instance()
    pm.discover()
    items = pm.iter_menu("napari/layers/segment")
    assert any(getattr(i, "command", "") == "napari-symseg.make_widget" for i in items)


def test_sizes_show_physical_length_for_calibrated_layers(viewer_widget):
    viewer, widget = viewer_widget
    plain = viewer.add_image(two_phase((64, 64)), name="plain")
    calibrated = viewer.add_image(
        two_phase((64, 64)), name="cal", scale=(0.02, 0.05), units=("nm", "nm")
    )
    widget.image.value = calibrated
    set_fields(widget, patch_x=8, patch_y=8)
    assert widget.fields["patch_x"].label == "patch x (= 0.16 nm)"
    assert widget.fields["patch_y"].label == "patch y (= 0.4 nm)"
    widget.fields["patch_x"].value = 10  # follows the value
    assert widget.fields["patch_x"].label == "patch x (= 0.2 nm)"
    widget.image.value = plain  # uncalibrated: pixels only
    assert widget.fields["patch_x"].label == "patch x"


def test_probe_shows_patch_window_and_local_correlation_map(viewer_widget, errors):
    from napari_symseg.core.descriptors.translation import correlation_map

    viewer, widget = viewer_widget
    image = two_phase((128, 160))
    source = viewer.add_image(image, name="tp", scale=SCALE, translate=(1.0, 2.0))
    widget.image.value = source
    set_fields(widget, patch_x=6, patch_y=5, window_x=8, window_y=9)
    widget.probe.value = True
    point = viewer.layers["tp probe"]
    boxes = viewer.layers["tp probe window"]
    cmap = viewer.layers["tp local correlation map"]
    row, col = cmap.metadata[METADATA_KEY]["pixel"]
    assert (row, col) == (64, 80)  # starts at the image centre
    assert cmap.data.shape == (17, 19) and cmap.data[8, 9] == pytest.approx(1.0)
    np.testing.assert_allclose(cmap.data, correlation_map(image, 6, 5, 8, 9, row, col))
    # rectangles in data coordinates on the source's scale: patch, then patch + window
    np.testing.assert_allclose(boxes.scale, SCALE)
    np.testing.assert_allclose(boxes.data[0].min(0), (64 - 6.5, 80 - 5.5))
    np.testing.assert_allclose(boxes.data[1].max(0), (64 + 14.5, 80 + 14.5))
    # dragging the point (data coordinates) updates map and rectangles
    point.data = np.array([[40.0, 120.0]])
    assert cmap.metadata[METADATA_KEY]["pixel"] == [40, 120]
    np.testing.assert_allclose(cmap.data, correlation_map(image, 6, 5, 8, 9, 40, 120))
    np.testing.assert_allclose(boxes.data[0].min(0), (40 - 6.5, 120 - 5.5))
    # changing a size recomputes (same layers, new shape)
    widget.fields["window_x"].value = 4
    assert viewer.layers["tp local correlation map"] is cmap and cmap.data.shape == (9, 19)
    # the map sits beside the image, not over it
    assert cmap.translate[1] > source.translate[1] + 160 * SCALE[1]
    assert errors == []


@pytest.mark.parametrize("key", ["two_phase", "grain_boundary", "insitu_series"])
def test_run_on_each_sample(qtbot, viewer_widget, errors, key):
    viewer, widget = viewer_widget
    (source,) = viewer.open_sample("napari-symseg", key)
    widget.image.value = source
    set_fields(widget, patch_x=8, patch_y=8, window_x=10, window_y=10, stride=6)
    run_and_wait(qtbot, widget)
    assert errors == []
    labels = viewer.layers[f"{source.name} patterns"]
    assert labels.data.shape == source.data.shape[-2:]
    assert set(np.unique(labels.data)) == {1, 2}  # two patterns, both coloured
    np.testing.assert_allclose(labels.scale, source.scale[-2:])
    assert [str(u) for u in labels.units] == [str(u) for u in source.units[-2:]]


def test_probe_shows_circular_patch_for_rotations(viewer_widget, errors):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((128, 160)), name="tp")
    widget.probe.value = True
    assert list(viewer.layers["tp probe window"].shape_type) == ["rectangle", "rectangle"]
    widget.fields["descriptor_name"].value = "rotational_symmetry_maximum_pooling"
    set_fields(widget, radius=7, window_x=3, window_y=4)
    boxes = viewer.layers["tp probe window"]
    assert list(boxes.shape_type) == ["ellipse", "rectangle"]
    np.testing.assert_allclose(boxes.data[0].min(0), (64 - 7, 80 - 7))
    np.testing.assert_allclose(boxes.data[1].max(0), (64 + 10.5, 80 + 11.5))
    # the local correlation map uses the radius as patch and the pooling window
    from napari_symseg.core.descriptors.translation import correlation_map

    cmap = viewer.layers["tp local correlation map"]
    assert cmap.data.shape == (7, 9)
    np.testing.assert_allclose(
        cmap.data, correlation_map(viewer.layers["tp"].data, 7, 7, 3, 4, 64, 80))
    assert errors == []


def test_live_preview_reruns_on_changes_with_the_latest_parameters(qtbot, viewer_widget, errors):
    from napari_symseg._qt.widget import PREVIEW_STRIDE

    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((256, 256)), name="tp")
    set_fields(widget, **SMALL)
    assert "tp patterns" not in viewer.layers  # no preview unless asked for
    widget.live.value = True
    qtbot.waitUntil(lambda: "tp patterns" in viewer.layers, timeout=TIMEOUT)
    labels = viewer.layers["tp patterns"]

    def used():
        return labels.metadata[METADATA_KEY]["params"]

    assert used()["stride"] == max(SMALL["stride"], PREVIEW_STRIDE)
    for value in (7, 9, 6):  # quick changes: debounced, outdated runs cancelled
        widget.fields["patch_x"].value = value
        qtbot.wait(20)
    qtbot.waitUntil(lambda: used()["patch_x"] == 6 and widget.worker is None, timeout=TIMEOUT)
    assert viewer.layers["tp patterns"] is labels  # updated in place
    widget.live.value = False
    widget.fields["patch_x"].value = 8
    qtbot.wait(600)
    assert used()["patch_x"] == 6  # preview off: nothing re-runs
    assert errors == []
