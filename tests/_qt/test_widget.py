"""The dock widget on single images: fields, runs, layers, errors, live preview."""

import time

import numpy as np
import pytest
from qtpy.QtCore import QTimer

from napari_symseg._qt.widget import PREVIEW_STRIDE, SymsegWidget
from napari_symseg.controller import LABEL_OFFSET, METADATA_KEY
from napari_symseg.controller.fields import ADVANCED_FIELDS
from napari_symseg.controller.layers import layer_name
from napari_symseg.core.chunks import grid_for
from napari_symseg.core.descriptors.registry import COMMON_FIELDS, FAMILIES
from napari_symseg.core.params import Params
from napari_symseg.core.samples import two_phase

from .helpers import TIMEOUT, live_preview_and_wait, run_and_wait, set_fields, shown

SMALL = {"patch_x": 8, "patch_y": 8, "window_x": 10, "window_y": 10, "stride": 4}
SCALE = (0.02, 0.02)


def test_docks_from_manifest(viewer_widget):
    _, widget = viewer_widget
    assert isinstance(widget, SymsegWidget)
    assert widget.run_button.text == "Run"
    assert widget.worker is None and widget.controller.source is None
    assert LABEL_OFFSET == 1 and METADATA_KEY == "napari_symseg"


def test_run_adds_result_layers_above_the_image(qtbot, viewer_widget, errors):
    viewer, widget = viewer_widget
    image = two_phase((256, 256))
    source = viewer.add_image(image, name="tp", scale=SCALE, translate=(1.0, 2.0),
                              units=("nm", "nm"))
    other = viewer.add_image(np.zeros((8, 8)), name="on top")
    widget.image.value = source
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    assert errors == []
    # directly above the image, in this order; the image's group raised above the
    # layer that covered it (controller.stacking): the new result is seen at once
    assert [layer.name for layer in viewer.layers] == [
        "on top", "tp", "tp patterns", "tp PCA components", "tp confidence"]
    assert viewer.layers[0] is other
    labels, pca, confidence = (viewer.layers[layer_name("tp", k)]
                               for k in ("patterns", "PCA", "confidence"))
    grid = grid_for(image.shape, widget.params())
    assert labels.data.shape == confidence.data.shape == image.shape
    assert labels.data.dtype == np.uint8  # napari maps uint8 labels fastest
    # PCA: one RGB image of the first three components, hidden: no component slider
    assert pca.rgb and pca.data.shape == (*grid.shape, 3) and not pca.visible
    assert viewer.dims.ndim == 2
    assert tuple(pca.contrast_limits) == (0.0, 1.0) and tuple(confidence.contrast_limits) == (0, 1)
    assert 0.0 <= pca.data.min() and pca.data.max() <= 1.0
    for layer in (labels, confidence):
        np.testing.assert_allclose(layer.scale, SCALE)
        np.testing.assert_allclose(layer.translate, (1.0, 2.0))
        assert [str(u) for u in layer.units] == ["nanometer", "nanometer"]
    np.testing.assert_allclose(pca.scale, np.array(SCALE) * 4)
    np.testing.assert_allclose(pca.translate, (1.0 + grid.rows[0] * 0.02,
                                               2.0 + grid.cols[0] * 0.02))
    meta = labels.metadata[METADATA_KEY]
    assert meta["params"]["stride"] == 4 and meta["params"]["patch_x"] == 8
    assert meta["random_state"] == 0 and meta["version"] and meta["role"] == "patterns"
    assert meta["source"] == "tp" and meta["frame"] is None and not meta["preview"]
    assert pca.metadata[METADATA_KEY]["role"] == "PCA"
    assert confidence.metadata[METADATA_KEY]["role"] == "confidence"
    # every PCA component stays available through the controller
    record = widget.controller.current()
    assert record.pca_images.shape == (5, *grid.shape)
    assert record.separability.shape == (len(record.operations),)
    # two phases: left and right halves get different labels
    left, right = labels.data[:, 30:110], labels.data[:, 146:226]
    assert np.bincount(left.ravel()).argmax() != np.bincount(right.ravel()).argmax()
    assert (left == np.bincount(left.ravel()).argmax()).mean() > 0.95
    assert (right == np.bincount(right.ravel()).argmax()).mean() > 0.95
    # every pattern is drawn: no pattern is napari's transparent background label 0
    assert set(np.unique(labels.data)) == {1, 2} and meta["label_offset"] == 1


def test_status_line_summarises_the_run_and_scale_bar_is_on(qtbot, viewer_widget):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((256, 256)), name="tp", scale=SCALE,
                                          units=("nm", "nm"))
    set_fields(widget, **SMALL)
    assert not viewer.canvas.overlays["scale_bar"].visible
    run_and_wait(qtbot, widget)
    fractions = widget.controller.current().area_fraction
    np.testing.assert_allclose(fractions, viewer.layers["tp patterns"].features["area_fraction"])
    parts = widget.status.value.split(" · ")
    seconds = widget.controller.current().seconds
    assert seconds > 0
    assert parts[0] == "computed in " + (f"{seconds:.1f} s" if seconds >= 0.095
                                         else f"{1000 * seconds:.0f} ms")
    assert parts[1] == f"2 patterns: {100 * fractions[0]:.0f} %"
    assert parts[2] == f"{100 * fractions[1]:.0f} %"
    assert viewer.canvas.overlays["scale_bar"].visible  # calibrated: the bar shows nm


def test_uncalibrated_image_leaves_the_scale_bar_off(qtbot, viewer_widget):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((128, 128)), name="tp")
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    assert not viewer.canvas.overlays["scale_bar"].visible


def test_rerun_updates_layers_in_place(qtbot, viewer_widget):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((256, 256)), name="tp")
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    before = list(viewer.layers)
    set_fields(widget, stride=8, n_patterns=3)
    run_and_wait(qtbot, widget)
    assert list(viewer.layers) == before  # same objects, same order: no napari insert
    assert viewer.layers["tp PCA components"].scale[-1] == 8
    layer = viewer.layers["tp patterns"]
    assert layer.metadata[METADATA_KEY]["params"]["n_patterns"] == 3
    assert len(np.unique(layer.data)) == 3
    # the data a fresh run of the same parameters gives
    from napari_symseg import segment

    fresh = segment(np.asarray(viewer.layers["tp"].data),
                    Params.from_dict(layer.metadata[METADATA_KEY]["params"]))
    np.testing.assert_array_equal(layer.data, fresh.labels + LABEL_OFFSET)


def test_cancel_adds_no_layer(qtbot, viewer_widget):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((1024, 1024)), name="big")
    set_fields(widget, **{**SMALL, "stride": 1})
    widget.run_button.changed.emit(True)  # same as a click
    assert widget.worker is not None
    assert widget.run_button.text == "Cancel"
    qtbot.waitUntil(lambda: widget.status.value.startswith("descriptors"), timeout=TIMEOUT)
    start = time.perf_counter()
    widget.run_button.changed.emit(True)
    qtbot.waitUntil(lambda: widget.worker is None, timeout=TIMEOUT)
    # stops at the next chunk boundary: a fraction of a second
    assert time.perf_counter() - start < 1.0
    qtbot.wait(50)
    assert [layer.name for layer in viewer.layers] == ["big"]
    assert widget.run_button.text == "Run"
    assert widget.status.value == "cancelled"
    assert not widget.hint_panel.visible  # no run of this image, no hint


def test_closing_the_dock_mid_run_closes_the_widget(qtbot, viewer_widget, errors):
    """napari's close button deletes the dock but only takes the widget out of it: the
    widget must see that as its close (its run cancelled, no layer added later, the other
    docks' buttons free), not keep reacting (found by engineer slot9 for the Scribbles
    dock; the main dock had the same hole)."""
    from napari_symseg._qt.docks import dock_of

    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((1024, 1024)), name="big")
    set_fields(widget, **{**SMALL, "stride": 1})
    qtbot.wait(50)  # the widget finds its dock a turn after it is made
    assert widget.run() is not None
    viewer.window.remove_dock_widget(dock_of(widget))  # its close button
    qtbot.waitUntil(lambda: not widget.alive(), timeout=5000)
    assert widget.activity.kind is None
    qtbot.wait(1000)
    assert [layer.name for layer in viewer.layers] == ["big"]
    assert errors == []


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


def test_rgb_layer_gives_one_notification_and_the_status(viewer_widget, errors):
    viewer, widget = viewer_widget
    rng = np.random.default_rng(0)
    widget.image.value = viewer.add_image(rng.random((64, 64, 3)), rgb=True, name="rgb")
    assert widget.run() is None
    assert len(errors) == 1 and "RGB" in errors[0]
    assert "RGB" in widget.status.value
    assert len(viewer.layers) == 1
    assert widget.run_button.text == "Run"


def test_4d_layer_gives_error_notification(viewer_widget, errors):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(np.zeros((2, 2, 32, 32)), name="4d")
    assert widget.run() is None
    assert len(errors) == 1 and "4-D" in errors[0]


def test_no_image_gives_error_notification(viewer_widget, errors):
    _, widget = viewer_widget
    assert widget.run() is None
    assert errors == ["Symmetry segmentation: choose an image layer first"]


def test_error_in_worker_gives_one_notification(qtbot, viewer_widget, errors):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(np.ones((64, 64)), name="flat")
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    assert len(errors) == 1 and "constant" in errors[0]
    assert widget.status.value.startswith("failed: ") and "constant" in widget.status.value
    assert len(viewer.layers) == 1
    assert widget.run_button.text == "Run"


def test_invalid_params_give_notification(viewer_widget, errors):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((64, 64)), name="tp")
    set_fields(widget, descriptor_name="preselected_translations")
    assert widget.run() is None
    assert len(errors) == 1 and "preselected_translations" in errors[0]


@pytest.mark.parametrize("name", FAMILIES)
def test_descriptor_shows_its_fields_essentials_first(viewer_widget, name):
    _, widget = viewer_widget
    widget.fields["descriptor_name"].value = name
    expected = {"descriptor_name", *FAMILIES[name].fields, *COMMON_FIELDS}
    assert set(widget.visible_fields()) == expected
    assert shown(widget) == expected  # what the user can see (some in the Advanced section)
    # the essentials are outside the collapsed section: sizes, patterns, stride
    essentials = {n for n in expected if n not in ADVANCED_FIELDS}
    assert {"descriptor_name", "n_patterns", "stride"} <= essentials
    advanced = widget.advanced.content()
    for n in expected:
        assert advanced.isAncestorOf(widget.fields[n].native) == (n in ADVANCED_FIELDS), n
    widget.fields["preselected_translations"].value = "[[0, 8]]"
    assert widget.params().descriptor_name == name


def test_advanced_section_is_collapsed_and_holds_files_live_and_probe(viewer_widget):
    _, widget = viewer_widget
    assert not widget.advanced.isExpanded()
    content = widget.advanced.content()
    for w in (widget.live, widget.probe):
        assert content.isAncestorOf(w.native)
    for w in (widget.image, widget.fields["patch_x"], widget.run_button, widget.status,
              widget.suggest_button, widget.export_button, widget.hint_panel):
        assert not content.isAncestorOf(w.native)
    assert {"method", "upsampling", "sort_labels_by_pattern_size", "pca_variance",
            "random_state", "smoothing", "max_num_points"} <= ADVANCED_FIELDS


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


def test_size_labels_say_half_size_total_and_length(viewer_widget):
    viewer, widget = viewer_widget
    plain = viewer.add_image(two_phase((64, 64)), name="plain")
    calibrated = viewer.add_image(two_phase((64, 64)), name="cal", scale=(0.02, 0.05),
                                  units=("nm", "nm"))
    widget.image.value = calibrated
    set_fields(widget, patch_x=12, patch_y=8, window_x=10, stride=5)
    label = widget.fields
    assert label["patch_x"].label == "patch half-height (total 25 px = 0.5 nm)"
    assert label["patch_y"].label == "patch half-width (total 17 px = 0.85 nm)"
    assert label["window_x"].label == "shift window half-height (total 21 px = 0.42 nm)"
    assert label["stride"].label == "stride (5 px = 0.1 × 0.25 nm)"  # rows × columns
    assert "rows" in label["patch_x"].tooltip and "patch_x" in label["patch_x"].tooltip
    widget.fields["patch_x"].value = 10  # follows the value
    assert label["patch_x"].label == "patch half-height (total 21 px = 0.42 nm)"
    widget.fields["descriptor_name"].value = "rotational_symmetry_maximum_pooling"
    set_fields(widget, radius=8)
    assert label["window_x"].label.startswith("pooling window half-height (total 21 px")
    assert label["radius"].label == "patch radius (⌀ 17 px = 0.34 × 0.85 nm)"
    widget.image.value = plain  # uncalibrated: pixels only (a new image: default fields)
    set_fields(widget, descriptor_name="rotational_symmetry_maximum_pooling", radius=8)
    assert label["radius"].label == "patch radius (⌀ 17 px)"
    assert label["stride"].label == "stride (px)"
    # a 2:1 aspect without a unit: pixels, not "25.5 pixel"; the status says what it means
    widget.image.value = viewer.add_image(two_phase((64, 32)), name="stm", scale=(2.0, 1.0))
    set_fields(widget, patch_x=12)
    assert label["patch_x"].label == "patch half-height (total 25 px)"
    assert "pixels 2:1 (height : width): the sizes count pixels along each axis" in (
        widget.status.value)
    assert Params().to_dict().keys() == widget.params().to_dict().keys()  # JSON names stay


def test_image_choices_follow_layers_and_never_offer_results(qtbot, viewer_widget):
    viewer, widget = viewer_widget
    assert widget.image.choices == ()
    layer = viewer.add_image(two_phase((96, 96)), name="a")
    viewer.add_labels(np.zeros((8, 8), dtype=int), name="not an image")
    probe_like = viewer.add_image(np.zeros((8, 8)), name="a probe map",
                                  metadata={METADATA_KEY: {"role": "probe"}})
    assert widget.image.choices == (layer,)
    widget.image.value = layer
    set_fields(widget, patch_x=6, patch_y=6, window_x=8, window_y=8, stride=4)
    run_and_wait(qtbot, widget)
    assert "a PCA components" in viewer.layers and "a confidence" in viewer.layers
    assert widget.image.choices == (layer,)  # PCA and confidence are images, not inputs
    layer.name = "renamed"
    assert widget.image.native.currentText() == "renamed"
    viewer.layers.remove(probe_like)
    viewer.layers.remove(layer)
    assert widget.image.choices == () and widget.image.value is None


def test_save_and_load_parameters(tmp_path, viewer_widget, errors):
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
    assert "patch_x must be >= 1" in widget.status.value
    assert widget.params() == saved  # nothing changed by the failed load


def test_widget_is_in_the_layers_segment_menu():
    from npe2 import PluginManager

    pm = PluginManager.instance()
    pm.discover()
    items = pm.iter_menu("napari/layers/segment")
    assert any(getattr(i, "command", "") == "napari-symseg.make_widget" for i in items)


@pytest.mark.parametrize("key", ["two_phase", "grain_boundary", "insitu_series"])
def test_run_on_each_sample(qtbot, viewer_widget, errors, key):
    viewer, widget = viewer_widget
    (source,) = viewer.open_sample("napari-symseg", key)
    widget.image.value = source
    set_fields(widget, patch_x=8, patch_y=8, window_x=10, window_y=10, stride=6)
    run_and_wait(qtbot, widget)
    assert errors == []
    labels = widget.controller.results().layer_of(widget.controller.current())
    frame = None if source.ndim == 2 else widget.controller.frame_index(source)
    suffix = "" if frame is None else f" (frame {frame})"
    assert labels.name == f"{source.name} patterns{suffix}"
    assert labels.data.shape == source.data.shape[-2:]
    assert set(np.unique(labels.data)) == {1, 2}  # two patterns, both coloured
    np.testing.assert_allclose(labels.scale, source.scale[-2:])
    assert [str(u) for u in labels.units] == [str(u) for u in source.units[-2:]]


# ---------------------------------------------------------------------- live preview
def preview_params(viewer):
    return viewer.layers["tp preview"].metadata[METADATA_KEY]["params"]


def test_live_preview_is_its_own_marked_layer_with_the_latest_parameters(
        qtbot, viewer_widget, errors):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((256, 256)), name="tp")
    set_fields(widget, **SMALL)
    assert "tp preview" not in viewer.layers  # no preview unless asked for
    live_preview_and_wait(qtbot, widget, "tp")
    preview = viewer.layers["tp preview"]
    meta = preview.metadata[METADATA_KEY]
    assert meta["preview"] and meta["role"] == "preview" and preview.contour == 1
    # white outlines, every pattern: not taken for a run's filled, coloured patterns
    np.testing.assert_allclose(preview.colormap.map(np.array([1, 2])), [[1.0] * 4] * 2)
    assert preview_params(viewer)["stride"] == max(SMALL["stride"], PREVIEW_STRIDE)
    assert widget.status.value.startswith(f"preview, stride {PREVIEW_STRIDE} · ")
    assert "tp patterns" not in viewer.layers  # a preview is not a run
    assert widget.controller.current() is None and not widget.hint_panel.visible
    for value in (7, 9, 6):  # quick changes: debounced, outdated runs cancelled
        widget.fields["patch_x"].value = value
        qtbot.wait(20)
    qtbot.waitUntil(lambda: preview_params(viewer)["patch_x"] == 6 and widget.worker is None,
                    timeout=TIMEOUT)
    assert viewer.layers["tp preview"] is preview  # updated in place
    widget.fields["patch_x"].value = 8
    widget.live.value = False  # off: nothing re-runs, the preview goes
    qtbot.wait(600)
    assert "tp preview" not in viewer.layers and widget.worker is None
    assert errors == []


def test_a_full_run_replaces_the_preview_and_export_never_takes_it(
        qtbot, viewer_widget, tmp_path, errors):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((256, 256)), name="tp")
    set_fields(widget, **SMALL)
    live_preview_and_wait(qtbot, widget, "tp")
    assert widget.export(tmp_path / "p") is None  # only a preview: nothing to export
    assert "run a segmentation" in errors[-1] and list(tmp_path.iterdir()) == []
    widget.live.value = False
    run_and_wait(qtbot, widget)
    assert "tp preview" not in viewer.layers and "tp patterns" in viewer.layers
    widget.live.value = True  # a preview after the run: the run is still what is exported
    qtbot.waitUntil(lambda: "tp preview" in viewer.layers and widget.worker is None,
                    timeout=TIMEOUT)
    written = widget.export(tmp_path / "run")
    import json

    record = json.loads(written[1].read_text())
    assert record["params"]["stride"] == SMALL["stride"] != PREVIEW_STRIDE
    widget.live.value = False


def test_buttons_follow_the_one_activity_of_both_docks(qtbot, viewer_widget):
    from napari_symseg.controller.activity import BUTTONS, ENABLED_WHILE

    viewer, widget = viewer_widget
    viewer.add_image(two_phase((64, 64)), name="tp")
    _, scribbles = viewer.window.add_plugin_dock_widget("napari-symseg", "Scribbles")
    buttons = {"run": widget.run_button, "suggest": widget.suggest_button,
               "export": widget.export_button, "edit": widget.edit_button,
               "measure": widget.measure_button, "scribbles": scribbles.run_button}
    assert all(b.enabled for b in buttons.values())
    for kind in ENABLED_WHILE:  # what each dock's code starts (see the controller's test)
        assert widget.activity.start(kind)
        assert {n for n in BUTTONS if buttons[n].enabled} == set(ENABLED_WHILE[kind])
        # refused from code too, saying what goes on
        assert widget.measure.start() is None and widget.status.value.startswith("measure: ")
        assert widget.suggest() is None and "is going on" in widget.status.value
        assert widget.run() is None and "is going on" in widget.status.value
        assert scribbles.run() is None and "is going on" in scribbles.status.value
        # the Scribbles dock's edit buttons too (a 2-D merge during a run was accepted,
        # then overwritten by the run's result)
        edits = (scribbles.merge_button, scribbles.split_button, scribbles.undo_button,
                 scribbles.add_button, scribbles.names_button, scribbles.apply_button)
        assert not any(b.enabled for b in edits)
        assert scribbles.cancel_button.enabled == (kind == "edit")
        assert scribbles.merge() is None and "is going on" in scribbles.status.value
        scribbles.undo()
        assert scribbles.status.value.startswith("undo: ")
        widget.activity.stop(kind)
        assert all(b.enabled for b in buttons.values())
        assert all(b.enabled for b in edits if b is not scribbles.undo_button)
        assert not scribbles.cancel_button.enabled
    # a real run: only its Cancel works meanwhile; idle again when it ended
    set_fields(widget, **SMALL)
    worker = widget.run()
    assert worker is not None and widget.activity.kind == "run"
    assert widget.run_button.enabled and not widget.export_button.enabled
    assert not scribbles.run_button.enabled and not widget.suggest_button.enabled
    qtbot.waitUntil(lambda: widget.worker is None, timeout=60_000)
    assert widget.activity.kind is None and all(b.enabled for b in buttons.values())
