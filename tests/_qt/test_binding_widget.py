"""Results bound to their image: hints, plots, sizes, deleting and renaming mid-run."""

import numpy as np

from napari_symseg.controller import METADATA_KEY
from napari_symseg.core.params import Params
from napari_symseg.core.samples import lattice, two_phase

from .helpers import TIMEOUT, choose, run_and_wait, set_fields, settled, suggest_and_wait

SMALL = {"patch_x": 8, "patch_y": 8, "window_x": 10, "window_y": 10, "stride": 4}


def single_crystal(shape=(160, 160)):
    return lattice(shape, 10.0) + np.random.default_rng(3).normal(0.0, 0.05, shape)


def test_switching_image_shows_that_images_hint_and_plots_or_none(qtbot, viewer_widget, errors):
    viewer, widget = viewer_widget
    a = viewer.add_image(two_phase((192, 192)), name="a")
    b = viewer.add_image(single_crystal(), name="b")
    c = viewer.add_image(two_phase((128, 128)), name="c")
    widget.image.value = a
    set_fields(widget, **SMALL, n_patterns=2)
    run_and_wait(qtbot, widget)
    widget.image.value = b
    set_fields(widget, **SMALL, n_patterns=3)
    run_and_wait(qtbot, widget)
    panel, dock = widget.hint_panel, widget.results_dock
    assert panel.hint.suggested == 1 and panel.used == 3
    assert not panel.use_button.native.isHidden()  # "use k = 1" for b
    b_ops = dock.separability_plot.separability.copy()
    choose(qtbot, widget, a)  # a's own hint: 2 patterns, used 2, nothing to click
    assert panel.used == 2 and panel.hint.suggested == 2
    assert panel.use_button.native.isHidden()
    assert panel.text.value.startswith("hint: 2 patterns")
    assert not np.array_equal(dock.separability_plot.separability, b_ops)
    np.testing.assert_allclose(dock.separability_plot.separability,
                               widget.controller.current().separability)
    choose(qtbot, widget, c)  # never run: no hint, no plots, never another image's "use k"
    assert not panel.visible and panel.hint is None
    assert dock.separability_plot.operations is None
    assert "no run or Suggest yet: default fields" in widget.status.value
    choose(qtbot, widget, b)
    assert panel.hint.suggested == 1 and panel.used == 3
    assert errors == []


def test_the_chosen_image_is_raised_when_another_image_covers_it(qtbot, viewer_widget,
                                                                errors):
    viewer, widget = viewer_widget
    a = viewer.add_image(two_phase((96, 96)), name="a")
    viewer.add_image(two_phase((96, 96), seed=1), name="b", translate=(200, 0))  # beside
    c = viewer.add_image(two_phase((64, 64)), name="c", translate=(40, 40))  # over a
    widget.image.value = c
    widget.image.value = a
    assert [layer.name for layer in viewer.layers] == ["b", "c", "a"]
    widget.image.value = viewer.layers["b"]  # covered by nothing: nothing moves
    assert [layer.name for layer in viewer.layers] == ["b", "c", "a"]
    widget.image.value = c
    assert [layer.name for layer in viewer.layers] == ["b", "a", "c"]
    assert errors == []


def test_another_images_probe_map_is_not_shown_beside_the_chosen_images_plots(
        qtbot, viewer_widget, errors):
    viewer, widget = viewer_widget
    a = viewer.add_image(two_phase((128, 128)), name="a")
    b = viewer.add_image(two_phase((96, 96), seed=1), name="b")
    widget.image.value = a
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    plot = widget.results_dock.probe_plot
    widget.probe.value = True
    qtbot.waitUntil(lambda: plot.cmap is not None, timeout=TIMEOUT)
    widget.probe.value = False  # the map stays while a is chosen
    assert plot.cmap is not None
    choose(qtbot, widget, b)  # never run: no plots, nor a's map
    qtbot.waitUntil(lambda: plot.cmap is None, timeout=TIMEOUT)
    assert errors == []


def test_switching_image_restores_its_remembered_sizes(qtbot, viewer_widget, errors):
    viewer, widget = viewer_widget
    a = viewer.add_image(two_phase((256, 256)), name="a", scale=(0.02, 0.02),
                         units=("nm", "nm"))
    b = viewer.add_image(two_phase((128, 128)), name="b")
    widget.image.value = a
    suggest_and_wait(qtbot, widget)
    suggested = widget.params()
    widget.image.value = b  # nothing known about b: the defaults, and the status says so
    assert widget.params() == Params()
    assert widget.status.value == (
        "b: no run or Suggest yet: default fields (Suggest sizes fits them to its lattice)")
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    widget.image.value = a
    assert widget.params() == suggested
    assert "sizes suggested for this image" in widget.status.value
    assert widget.fields["reference_frames"].value == ""  # still "the current frame"
    widget.image.value = b  # b's last run
    assert widget.params().patch_x == SMALL["patch_x"]
    assert widget.status.value.startswith("b: ") and "fields as in its last run" in (
        widget.status.value)


def test_a_new_image_gets_the_defaults_not_another_images_descriptor(qtbot, viewer_widget,
                                                                   errors):
    viewer, widget = viewer_widget
    a = viewer.add_image(two_phase((96, 96)), name="a")
    b = viewer.add_image(two_phase((96, 96)), name="b")
    c = viewer.add_image(two_phase((96, 96)), name="c")
    widget.image.value = a
    set_fields(widget, descriptor_name="rotational_symmetry_maximum_pooling", radius=9,
               n_patterns=4)
    widget.image.value = b  # never run, never suggested: a new widget's fields
    assert widget.fields["descriptor_name"].value == Params().descriptor_name
    assert widget.params() == Params()
    assert "default fields" in widget.status.value
    set_fields(widget, n_patterns=3)
    widget.image.value = c
    widget.image.value = a  # a's fields as they were left, said so
    assert widget.fields["descriptor_name"].value == "rotational_symmetry_maximum_pooling"
    assert (widget.params().radius, widget.params().n_patterns) == (9, 4)
    assert widget.status.value == "a: fields as you left them for this image"
    widget.image.value = b
    assert widget.params().n_patterns == 3
    assert errors == []
    assert errors == []


def start_mid_run(qtbot, widget, source, stride):
    """Start a run of `source` at `stride` and wait until its descriptors are computing."""
    widget.image.value = source
    set_fields(widget, **{**SMALL, "stride": stride})
    widget.run()
    # computing: its status said so, or (several statuses delivered in one turn, the
    # "descriptors" one overwritten before a look) its progress bar moved
    qtbot.waitUntil(lambda: widget.worker is not None and (
        widget.status.value.startswith("descriptors") or widget.progress.value > 0),
        timeout=TIMEOUT)


def test_deleting_the_image_mid_run_cancels_and_adds_nothing(qtbot, viewer_widget, errors):
    viewer, widget = viewer_widget
    other = viewer.add_image(two_phase((64, 64)), name="other")
    big = viewer.add_image(two_phase((1024, 1024)), name="big")
    start_mid_run(qtbot, widget, big, stride=1)
    viewer.layers.remove(big)
    assert widget.image.value is other  # the chooser moves to an image, never to a result
    qtbot.waitUntil(lambda: widget.worker is None, timeout=TIMEOUT)
    qtbot.wait(100)
    assert [layer.name for layer in viewer.layers] == ["other"]
    assert widget.status.value == "cancelled: the image layer 'big' was deleted · other chosen"
    assert widget.run_button.text == "Run" and errors == []


def other_and_chosen(viewer, widget, other_shape=(128, 128)):
    """Add an image "other" and an image "img"; choose "img" with small run fields."""
    other = viewer.add_image(two_phase(other_shape), name="other")
    source = viewer.add_image(two_phase((128, 128)), name="img")
    widget.image.value = source
    set_fields(widget, **SMALL)
    return other, source


def test_deleting_the_image_as_its_layers_go_in_takes_them_out(qtbot, viewer_widget, errors,
                                                               monkeypatch):
    """Deleted as the run's last layer went in ("labels 1/1 (100 %)"), the run was kept as a
    run of the deleted image: "(shown when img is chosen)", its patterns over the other
    image (tester newuser9)."""
    import napari_symseg.controller.runs as runs

    viewer, widget = viewer_widget
    other, _ = other_and_chosen(viewer, widget, other_shape=(64, 64))
    real, added = runs.apply_spec, []

    def apply_spec(layers, src, spec, old):
        layer = real(layers, src, spec, old)
        added.append(spec.slot)
        if spec.slot == "confidence":  # the last layer is in: the image goes now
            layers.remove(src)
        return layer

    monkeypatch.setattr(runs, "apply_spec", apply_spec)
    run_and_wait(qtbot, widget)
    qtbot.wait(100)
    assert added == ["patterns", "PCA", "confidence"]  # (the deletion came after the last)
    assert [layer.name for layer in viewer.layers] == ["other"]
    assert widget.status.value == "cancelled: the image layer 'img' was deleted · other chosen"
    assert widget.image.value is other and errors == []


def test_deleting_an_image_hides_and_renames_its_results(qtbot, viewer_widget, errors):
    """After a deletion the layers of the image's earlier run stayed visible over the other
    images under their old names (tester newuser9): hidden, renamed, nothing removed."""
    viewer, widget = viewer_widget
    other, source = other_and_chosen(viewer, widget)
    run_and_wait(qtbot, widget)
    patterns = viewer.layers["img patterns"]
    data = np.array(patterns.data)
    assert patterns.visible
    viewer.layers.remove(source)
    assert [layer.name for layer in viewer.layers] == [
        "other", "img patterns (image deleted)", "img PCA components (image deleted)",
        "img confidence (image deleted)"]  # at once; hidden one per turn (issue 11)
    settled(qtbot, widget)
    assert not any(layer.visible for layer in list(viewer.layers)[1:])
    np.testing.assert_array_equal(patterns.data, data)  # nothing lost
    assert widget.image.value is other
    assert [layer.name for layer in widget.image.choices] == ["other"]
    widget.image.value = other  # choosing the image left does not bring them back
    assert not any(layer.visible for layer in list(viewer.layers)[1:])
    assert errors == []


def test_deleting_the_last_image_clears_its_summary(qtbot, viewer_widget, errors):
    """The status line kept the deleted image's run summary with no image chosen
    (tester newuser11)."""
    from napari_symseg.controller.text import NO_IMAGE

    viewer, widget = viewer_widget
    source = viewer.add_image(two_phase((128, 128)), name="img")
    widget.image.value = source
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    assert "computed in" in widget.status.value
    viewer.layers.remove(source)
    assert widget.image.value is None
    assert widget.status.value == NO_IMAGE and errors == []


def test_renaming_the_image_mid_run_follows_it(qtbot, viewer_widget, errors):
    viewer, widget = viewer_widget
    source = viewer.add_image(two_phase((512, 512)), name="img")
    start_mid_run(qtbot, widget, source, stride=2)
    source.name = "renamed"
    qtbot.waitUntil(lambda: widget.worker is None, timeout=TIMEOUT)
    assert [layer.name for layer in viewer.layers] == [
        "renamed", "renamed patterns", "renamed PCA components", "renamed confidence"]
    assert viewer.layers["renamed patterns"].metadata[METADATA_KEY]["source"] == "renamed"
    assert widget.image.value is source and widget.image.native.currentText() == "renamed"
    source.name = "later"  # after the run too
    assert "later patterns" in viewer.layers and errors == []


def test_renaming_the_chosen_top_image_keeps_it_chosen(qtbot, viewer_widget, errors):
    """Renaming the chosen image when it is the top layer chose the next image and hid its
    results (magicgui re-adds a renamed choice; tester newuser8)."""
    viewer, widget = viewer_widget
    a = viewer.add_image(two_phase((128, 128)), name="a")
    b = viewer.add_image(two_phase((128, 128)), name="b")
    widget.image.value = a
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)  # a and its results are raised to the top
    assert viewer.layers[-1].name.startswith("a ") and viewer.layers.index(a) > \
        viewer.layers.index(b)
    switched = []
    widget.image.changed.connect(switched.append)
    a.name = "a2"
    assert widget.image.value is a and widget.image.native.currentText() == "a2"
    assert switched == [] and viewer.layers["a2 patterns"].visible
    widget.image.value = b
    b.name = "b2"  # renaming the chosen lower image, too
    assert widget.image.value is b and errors == []


def test_choosing_an_image_shows_its_results_and_hides_the_others(qtbot, viewer_widget):
    """Results bound to their image: a's patterns never cover b while b is chosen."""
    viewer, widget = viewer_widget
    a = viewer.add_image(two_phase((128, 128)), name="a")
    b = viewer.add_image(two_phase((128, 128)), name="b")
    widget.image.value = a
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    a_patterns, a_pca = viewer.layers["a patterns"], viewer.layers["a PCA components"]
    assert a_patterns.visible and not a_pca.visible  # PCA hidden by default
    viewer.layers.selection.active = a_patterns
    choose(qtbot, widget, b)
    assert not a_patterns.visible and not a_pca.visible
    assert viewer.layers.selection.active is b  # not a's hidden patterns
    run_and_wait(qtbot, widget)
    b_patterns = viewer.layers["b patterns"]
    assert b_patterns.visible and not a_patterns.visible
    choose(qtbot, widget, a)  # a's come back, b's go
    assert a_patterns.visible and not a_pca.visible and not b_patterns.visible
    a_patterns.visible = False  # the user hides a's: it stays hidden
    widget.image.value = b
    choose(qtbot, widget, a)
    assert not a_patterns.visible and not b_patterns.visible
    choose(qtbot, widget, b)
    assert b_patterns.visible and a.visible and b.visible  # images themselves untouched


def _units(layer):
    return tuple(str(u) for u in layer.units)


def test_result_layers_carry_their_sources_units_exactly(qtbot, viewer_widget):
    """napari warns "Inconsistent units across layers" when one axis has units of different
    kinds (pixel and nm): a result layer never brings its own, in nm, in pixels, for a
    series (s, nm, nm), a preview and the probe."""
    from napari_symseg.core.samples import moving_boundary_series

    from .helpers import live_preview_and_wait

    viewer, widget = viewer_widget
    nm = viewer.add_image(two_phase((128, 128)), name="nm", scale=(0.02, 0.02),
                          units=("nm", "nm"))
    widget.image.value = nm
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    widget.probe.value = True
    qtbot.waitUntil(lambda: "nm probe" in viewer.layers, timeout=TIMEOUT)
    assert _units(viewer.layers["nm probe"]) == ("nanometer", "nanometer")
    widget.probe.value = False
    live_preview_and_wait(qtbot, widget, "nm")
    results = [layer for layer in viewer.layers if layer is not nm]
    assert {"nm patterns", "nm PCA components", "nm confidence", "nm preview"} <= {
        r.name for r in results}
    for layer in results:
        assert _units(layer) == ("nanometer", "nanometer"), layer.name
    assert viewer.layers.extent.units is not None  # napari's test for the warning
    widget.live.value = False
    for layer in list(viewer.layers):
        viewer.layers.remove(layer)
    series = viewer.add_image(moving_boundary_series(n_frames=3, shape=(64, 96)), name="s",
                              scale=(0.5, 0.1, 0.1), units=("s", "nm", "nm"))
    widget.image.value = series
    widget.segment.value = "all frames"
    set_fields(widget, **SMALL, n_selected_operations=10)
    run_and_wait(qtbot, widget)
    assert _units(viewer.layers["s patterns"]) == ("second", "nanometer", "nanometer")
    assert viewer.layers.extent.units is not None
    for layer in list(viewer.layers):
        viewer.layers.remove(layer)
    px = viewer.add_image(two_phase((96, 96)), name="px")
    widget.image.value = px
    widget.segment.value = "current frame"
    run_and_wait(qtbot, widget)
    assert all(_units(layer) == ("pixel", "pixel") for layer in viewer.layers)
    assert viewer.layers.extent.units is not None


def test_choosing_another_image_mid_run_keeps_the_run_hidden_and_says_whose(
        qtbot, viewer_widget, errors):
    """A tester chose another image during a run: the run's patterns showed over it and
    the status line gave the other image's run summary as if it were this one's."""
    viewer, widget = viewer_widget
    a = viewer.add_image(two_phase((512, 512)), name="a")
    b = viewer.add_image(two_phase((128, 128)), name="b")
    start_mid_run(qtbot, widget, a, stride=2)
    widget.image.value = b
    qtbot.waitUntil(lambda: widget.worker is None, timeout=TIMEOUT)
    settled(qtbot, widget)
    assert not viewer.layers["a patterns"].visible
    assert widget.status.value.startswith("a: ") and "shown when a is chosen" in (
        widget.status.value)
    choose(qtbot, widget, a)
    assert viewer.layers["a patterns"].visible and errors == []
