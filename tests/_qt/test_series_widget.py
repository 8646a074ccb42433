"""Series mode of the dock widget: every frame of a (T, Y, X) layer with one model."""

import threading

import numpy as np
import pytest
from matplotlib.backend_bases import MouseEvent

from napari_symseg._qt.widget import ALL_FRAMES, CURRENT_FRAME, PLOTS_DOCK_NAME
from napari_symseg.controller import METADATA_KEY
from napari_symseg.controller import series as controller_series
from napari_symseg.controller.fields import SERIES_FIELDS
from napari_symseg.core.chunks import grid_for
from napari_symseg.core.descriptors.registry import COMMON_FIELDS, FAMILIES
from napari_symseg.core.params import Params
from napari_symseg.core.samples import moving_boundary_series, two_phase
from napari_symseg.core.series import segment_series

from .helpers import (
    TIMEOUT,
    choose,
    live_preview_and_wait,
    run_and_wait,
    set_fields,
    settled,
    shown,
)

SMALL = {"patch_x": 6, "patch_y": 6, "window_x": 9, "window_y": 9, "stride": 4,
         "n_selected_operations": 10}
SERIES = {"n_frames": 4, "shape": (96, 128), "start": 40, "step": 16}
PLACE = {"scale": (2.0, 0.02, 0.02), "translate": (10.0, 1.0, 2.0), "units": ("s", "nm", "nm"),
         "axis_labels": ("t", "y", "x")}


@pytest.fixture
def series_widget(viewer_widget):
    """A viewer with a calibrated 4-frame series chosen in "all frames" mode."""
    viewer, widget = viewer_widget
    series = moving_boundary_series(**SERIES)
    source = viewer.add_image(series, name="s", **PLACE)
    widget.image.value = source
    widget.segment.value = ALL_FRAMES
    set_fields(widget, **SMALL)
    return viewer, widget, source


def hold_after_first_frame(monkeypatch):
    """The series run waits after its first frame until the gate opens (mid-series cancel)."""
    real = controller_series.segment_series_steps
    gate = threading.Event()

    def held(series, params, out=None, **kwargs):
        steps = real(series, params, out, **kwargs)
        while True:
            try:
                progress = next(steps)
            except StopIteration as stop:
                return stop.value
            yield progress
            if progress.stage == "frames":
                gate.wait(TIMEOUT / 1000)

    monkeypatch.setattr(controller_series, "segment_series_steps", held)
    return gate, real


def cancel_after_first_frame(qtbot, widget, gate, check=None):
    """Click Run, wait for frame 1 of 4, (check), click Cancel; the run stops mid-series."""
    widget.run_button.changed.emit(True)  # same as a click
    assert widget.run_button.text == "Cancel"
    qtbot.waitUntil(lambda: widget.status.value == "frame 1/4", timeout=TIMEOUT)
    if check is not None:
        check()
    widget.run_button.changed.emit(True)
    gate.set()
    qtbot.waitUntil(lambda: widget.worker is None, timeout=TIMEOUT)
    assert widget.run_button.text == "Run" and widget.status.value == "cancelled"


def direct(viewer, name="s patterns"):
    """segment_series run directly with the parameters the widget recorded."""
    meta = viewer.layers[name].metadata[METADATA_KEY]
    return segment_series(viewer.layers["s"].data, Params.from_dict(meta["params"]))


# ----------------------------------------------------------------- the fields
def test_segment_choice_and_series_fields_only_for_series_layers(viewer_widget):
    viewer, widget = viewer_widget
    family = FAMILIES["local_correlation_map"]
    basic = {"descriptor_name", *family.fields, *COMMON_FIELDS}
    flat = viewer.add_image(two_phase((64, 64)), name="flat")
    stack = viewer.add_image(moving_boundary_series(**SERIES), name="stack")
    widget.image.value = flat
    assert widget.segment.native.isHidden()
    assert shown(widget) == set(widget.visible_fields()) == basic
    widget.image.value = stack
    assert not widget.segment.native.isHidden()
    assert widget.segment.value == CURRENT_FRAME  # the 2-D behaviour stays the default
    assert shown(widget) == basic
    widget.segment.value = ALL_FRAMES
    assert shown(widget) == set(widget.visible_fields()) == basic | set(SERIES_FIELDS)
    widget.image.value = flat  # a 2-D layer never shows them, whatever the choice
    assert widget.segment.native.isHidden()
    assert shown(widget) == basic
    assert not widget.series_mode()


def test_empty_reference_frames_means_the_current_frame(viewer_widget):
    viewer, widget = viewer_widget
    field = widget.fields["reference_frames"]
    # the empty field says what empty means, and that auto exists
    assert "current frame" in field.native.placeholderText()
    assert "auto" in field.native.placeholderText()
    assert field.value == ""  # the default: the frame shown now
    assert "empty = the current frame" in field.tooltip
    assert widget.params().reference_frames == (0,)  # no layer yet
    widget.image.value = viewer.add_image(moving_boundary_series(**SERIES), name="s")
    viewer.dims.set_current_step(0, 2)
    assert widget.params().reference_frames == (2,)
    field.value = "[0, 3]"
    assert widget.params().reference_frames == (0, 3)
    field.value = "1"
    assert widget.params().reference_frames == (1,)
    field.value = "auto"  # spread over the series (core.series.auto_reference_frames)
    assert widget.params().reference_frames == "auto"
    widget.set_params(widget.params())
    assert field.value == "auto" and "auto = 5 frames spread" in field.tooltip


# ----------------------------------------------------------------- the result
def test_all_frames_gives_one_series_layer_equal_to_segment_series(
    qtbot, series_widget, errors
):
    viewer, widget, _ = series_widget
    viewer.dims.set_current_step(0, 1)  # empty reference frames: this one
    run_and_wait(qtbot, widget)
    assert errors == []
    assert [layer.name for layer in viewer.layers] == ["s", "s patterns"]
    labels = viewer.layers["s patterns"]
    assert labels.data.shape == (4, 96, 128) and labels.data.dtype == np.uint8
    np.testing.assert_allclose(labels.scale, PLACE["scale"])
    np.testing.assert_allclose(labels.translate, PLACE["translate"])
    assert [str(u) for u in labels.units] == ["second", "nanometer", "nanometer"]
    assert tuple(labels.axis_labels) == ("t", "y", "x")
    meta = labels.metadata[METADATA_KEY]
    assert meta["reference_frames"] == [1] and meta["params"]["reference_frames"] == [1]
    assert meta["params"]["n_selected_operations"] == 10 and meta["complete"]
    assert meta["label_offset"] == 1 and meta["version"] and meta["random_state"] == 0
    assert meta["role"] == "patterns" and meta["frame"] is None
    expected = direct(viewer)
    assert expected.fit.reference_frames == (1,)
    # every frame, exactly: layer label = pattern + 1
    np.testing.assert_array_equal(labels.data, expected.labels.astype(int) + 1)
    assert meta["selected_operations"]["indices"] == expected.fit.selected.tolist()
    assert len(meta["selected_operations"]["values"]) == 10
    np.testing.assert_array_equal(meta["area_fraction"], expected.stats.area_fraction)
    # the boundary moves right 16 px per frame: column 70 flips from hexagonal to square
    assert [labels.data[t, 48, 70] for t in range(4)] == [2, 2, 1, 1]
    assert widget.run_button.text == "Run"
    mean = expected.stats.area_fraction.mean(axis=0)
    assert widget.status.value.endswith(
        f"4 frames · 2 patterns (mean over frames): {100 * mean[0]:.0f} % · "
        f"{100 * mean[1]:.0f} %")


def test_time_slider_shows_each_frames_segmentation(qtbot, series_widget):
    viewer, widget, _ = series_widget
    run_and_wait(qtbot, widget)
    labels = viewer.layers["s patterns"]
    for t in (3, 0, 2):
        viewer.dims.set_current_step(0, t)
        # the slice napari draws (private API, the only place the drawn slice is exposed)
        np.testing.assert_array_equal(labels._slice.image.raw, labels.data[t])
    assert not np.array_equal(labels.data[0], labels.data[2])


def test_frames_appear_in_layer_and_plot_as_they_finish(qtbot, series_widget):
    viewer, widget, _ = series_widget
    seen = []

    def look(progress):  # connected after the widget's own handler: sees its result
        if getattr(progress, "stage", None) != "frames":
            return
        data = viewer.layers["s patterns"].data
        labelled = [t for t in range(4) if data[t].min() > 0]
        unlabelled = [t for t in range(4) if data[t].max() == 0]
        lines = widget.results_dock.area_plot.lines
        plotted = np.isfinite(lines[0].get_ydata()) if lines else np.zeros(4, bool)
        seen.append((progress.frame, labelled, unlabelled, np.flatnonzero(plotted).tolist()))

    worker = widget.run()
    worker.yielded.connect(look)
    qtbot.waitUntil(lambda: widget.worker is None, timeout=TIMEOUT)
    # the worker writes a frame before yielding it: a frame may be in the layer early,
    # never late; the plot (drawn from the first frame on, a turn of the event loop
    # later) has no frame that is not reported yet, and every frame in the end
    assert [s[0] for s in seen] == [0, 1, 2, 3]
    for t, labelled, unlabelled, plotted in seen:
        assert list(range(t + 1)) == labelled[: t + 1]
        assert set(unlabelled).isdisjoint(range(t + 1))
        assert set(plotted) <= set(range(t + 1))
    assert seen[-1][3] == [0, 1, 2, 3] or np.isfinite(
        widget.results_dock.area_plot.lines[0].get_ydata()).all()


def test_progress_shows_reference_fit_then_frames(qtbot, series_widget):
    _, widget, _ = series_widget
    statuses = []
    worker = widget.run()
    worker.yielded.connect(lambda step: hasattr(step, "stage") and statuses.append(
        (widget.status.value, widget.progress.native.text())))
    qtbot.waitUntil(lambda: widget.worker is None, timeout=TIMEOUT)
    assert statuses[0][0].startswith("reference fit: 81 operations")
    assert "%" not in statuses[0][0]  # the percentage is the bar's
    assert statuses[0][1].startswith("reference fit")
    frames = [s for s in statuses if s[0].startswith("frame")]
    assert frames == [(f"frame {i}/4", f"frame {i}/4") for i in range(1, 5)]
    later = statuses[statuses.index(frames[0]):]  # the frames come after the reference fit
    assert later[-1] == frames[-1] and not any(s[0].startswith("reference") for s in later)
    # steps within each frame (so that Cancel stops there), before the frame is shown
    within = [s[0] for s in statuses if s[0].startswith("labelling")]
    assert sorted(set(within)) == [f"labelling frame {i}/4" for i in range(1, 5)]
    assert statuses.index(("labelling frame 2/4",) * 2) < statuses.index(frames[1])


def test_series_without_upsampling_is_placed_on_the_grid(qtbot, series_widget, errors):
    viewer, widget, _ = series_widget
    widget.fields["upsampling"].value = False
    run_and_wait(qtbot, widget)
    assert errors == []
    labels = viewer.layers["s patterns"]
    grid = grid_for(SERIES["shape"], widget.params())
    assert labels.data.shape == (4, *grid.shape)
    np.testing.assert_array_equal(labels.data, direct(viewer).labels.astype(int) + 1)
    np.testing.assert_allclose(labels.scale, (2.0, 0.08, 0.08))
    np.testing.assert_allclose(
        labels.translate, (10.0, 1.0 + grid.rows[0] * 0.02, 2.0 + grid.cols[0] * 0.02))


def test_separability_and_selected_operations_in_the_plots_dock(qtbot, series_widget):
    viewer, widget, _ = series_widget
    run_and_wait(qtbot, widget)
    expected = direct(viewer).fit
    plot = widget.results_dock.separability_plot
    # the full fit's separability: every operation of the descriptor, the selected marked
    assert len(plot.operations) == 81
    np.testing.assert_allclose(plot.separability, expected.separability)
    np.testing.assert_array_equal(plot.selected, expected.selected)
    meta = viewer.layers["s patterns"].metadata[METADATA_KEY]
    np.testing.assert_allclose(meta["separability"], expected.separability)
    # no heatmap or marks layers any more: the dock shows them
    assert [layer.name for layer in viewer.layers] == ["s", "s patterns"]


def test_rerun_updates_series_layers_in_place(qtbot, series_widget):
    viewer, widget, _ = series_widget
    run_and_wait(qtbot, widget)
    before = list(viewer.layers)
    plot = widget.results_dock.area_plot
    set_fields(widget, n_selected_operations=4, n_patterns=3)
    run_and_wait(qtbot, widget)
    assert list(viewer.layers) == before  # same objects, same order
    labels = viewer.layers["s patterns"]
    assert set(np.unique(labels.data)) == {1, 2, 3}
    np.testing.assert_array_equal(labels.data, direct(viewer).labels.astype(int) + 1)
    assert len(widget.results_dock.separability_plot.selected) == 4
    # one plot, updated: three lines now; one plots dock
    assert widget.results_dock.area_plot is plot and len(plot.lines) == 3
    assert list(viewer.window.dock_widgets).count(PLOTS_DOCK_NAME) == 1


def test_current_frame_run_never_overwrites_the_series_result(qtbot, series_widget):
    viewer, widget, _ = series_widget
    run_and_wait(qtbot, widget)
    series_layer = viewer.layers["s patterns"]
    data = series_layer.data.copy()
    plotted = widget.results_dock.area_plot.area_fraction.copy()
    widget.segment.value = CURRENT_FRAME
    viewer.dims.set_current_step(0, 2)
    run_and_wait(qtbot, widget)
    assert viewer.layers["s patterns"] is series_layer  # kept, not replaced
    np.testing.assert_array_equal(series_layer.data, data)
    frame = viewer.layers["s patterns (frame 2)"]
    assert frame.data.shape == (96, 128) and frame.metadata[METADATA_KEY]["frame"] == 2
    assert {"s PCA components (frame 2)", "s confidence (frame 2)"} <= {
        la.name for la in viewer.layers}
    # the series' plot and time axis stay
    np.testing.assert_array_equal(widget.results_dock.area_plot.area_fraction, plotted)
    assert viewer.dims.ndim == 3 and viewer.dims.axis_labels[0] == "t"
    # another frame: the frame layers follow it, the series layer still untouched
    viewer.dims.set_current_step(0, 0)
    run_and_wait(qtbot, widget)
    assert "s patterns (frame 0)" in viewer.layers and "s patterns (frame 2)" not in viewer.layers
    assert viewer.layers["s patterns"] is series_layer
    # and an all-frames run again leaves the frame result alone
    frame = viewer.layers["s patterns (frame 0)"]
    frame_data = frame.data.copy()
    widget.segment.value = ALL_FRAMES
    run_and_wait(qtbot, widget)
    np.testing.assert_array_equal(frame.data, frame_data)


def test_the_segment_choice_shows_its_own_run_and_summary(qtbot, series_widget):
    """A frame's 2-D layers are drawn over every frame: with *all frames* they are
    hidden (and the all-frames layer shown), with *current frame* the other way round;
    the status line gives that mode's run (tester newuser10)."""
    viewer, widget, source = series_widget
    run_and_wait(qtbot, widget)
    series_layer = viewer.layers["s patterns"]
    widget.segment.value = CURRENT_FRAME
    viewer.dims.set_current_step(0, 2)
    run_and_wait(qtbot, widget)
    frame = viewer.layers["s patterns (frame 2)"]
    assert frame.visible and not series_layer.visible  # the run made is what is shown
    assert "frame 2" in widget.status.value
    viewer.layers.selection.active = frame
    widget.segment.value = ALL_FRAMES
    settled(qtbot, widget)
    assert series_layer.visible and not frame.visible
    assert "frame 2" not in widget.status.value and "4 frames" in widget.status.value
    # the layer controls act on what is shown, not on the hidden frame layer (newuser13)
    assert viewer.layers.selection.active is source
    widget.segment.value = CURRENT_FRAME
    settled(qtbot, widget)
    assert frame.visible and not series_layer.visible
    assert "frame 2" in widget.status.value
    # another image and back: the mode's run still the one shown
    other = viewer.add_image(two_phase((64, 64)), name="other")
    choose(qtbot, widget, other)
    assert not frame.visible and not series_layer.visible
    widget.segment.value = ALL_FRAMES
    choose(qtbot, widget, source)
    assert series_layer.visible and not frame.visible
    # a layer the user hid stays hidden
    series_layer.visible = False
    widget.segment.value = CURRENT_FRAME
    widget.segment.value = ALL_FRAMES
    settled(qtbot, widget)
    assert not frame.visible and not series_layer.visible


def test_live_preview_segments_the_current_frame_only(qtbot, series_widget):
    viewer, widget, _ = series_widget
    viewer.dims.set_current_step(0, 2)
    live_preview_and_wait(qtbot, widget, "s")
    preview = viewer.layers["s preview"]
    assert preview.data.shape == (96, 128)
    assert preview.metadata[METADATA_KEY]["frame"] == 2
    assert "s patterns" not in viewer.layers
    widget.live.value = False


# --------------------------------------------------------------------- the plot
def test_plot_shows_area_fraction_in_pattern_colours(qtbot, series_widget, errors):
    viewer, widget, _ = series_widget
    run_and_wait(qtbot, widget)
    plot = widget.results_dock.area_plot
    assert viewer.window.dock_widgets[PLOTS_DOCK_NAME] is widget.results_dock
    labels = viewer.layers["s patterns"]
    stats = direct(viewer).stats.area_fraction
    assert len(plot.lines) == 2
    for k, line in enumerate(plot.lines):
        np.testing.assert_array_equal(line.get_ydata(), stats[:, k])
        np.testing.assert_allclose(line.get_xdata(), [10.0, 12.0, 14.0, 16.0])  # time (s)
        np.testing.assert_allclose(line.get_color(), labels.get_color(k + 1)[:3])
    assert plot.axes.get_xlabel() == "time (s)"
    assert plot.axes.get_ylabel() == "area fraction"
    # the square phase (pattern 0) grows as the boundary moves right
    assert np.all(np.diff(stats[:, 0]) > 0.05)
    # new label colours in the layer: the lines follow
    old = plot.lines[0].get_color()
    labels.new_colormap(seed=7)
    assert not np.allclose(labels.get_color(1)[:3], old)
    for k, line in enumerate(plot.lines):
        np.testing.assert_allclose(line.get_color(), labels.get_color(k + 1)[:3])
    assert errors == []


def test_plot_follows_and_moves_the_time_slider(qtbot, series_widget):
    viewer, widget, _ = series_widget
    run_and_wait(qtbot, widget)
    plot = widget.results_dock.area_plot
    viewer.dims.set_current_step(0, 2)
    assert list(plot.current.get_xdata()) == [14.0, 14.0]
    viewer.dims.set_current_step(0, 0)
    assert list(plot.current.get_xdata()) == [10.0, 10.0]
    # a click near t = 16 s (frame 3) in the plot moves the slider there
    plot.canvas.draw()
    x, y = plot.axes.transData.transform((15.8, 0.5))
    event = MouseEvent("button_press_event", plot.canvas, x, y, button=1)
    plot.canvas.callbacks.process("button_press_event", event)
    assert viewer.dims.current_step[0] == 3
    assert list(plot.current.get_xdata()) == [16.0, 16.0]


def test_uncalibrated_time_axis_counts_frames(qtbot, viewer_widget):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(moving_boundary_series(**SERIES), name="s")
    widget.segment.value = ALL_FRAMES
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    plot = widget.results_dock.area_plot
    assert plot.axes.get_xlabel() == "frame"
    np.testing.assert_allclose(plot.lines[0].get_xdata(), [0, 1, 2, 3])


# ---------------------------------------------------------------- cancel, errors
def test_cancel_during_frames_leaves_no_layer(qtbot, series_widget, errors, monkeypatch):
    viewer, widget, _ = series_widget
    gate, real = hold_after_first_frame(monkeypatch)

    def half_way():  # the first frame is in the layer and the plot, the last is not
        assert viewer.layers["s patterns"].data[0].min() == 1
        assert viewer.layers["s patterns"].data[3].max() == 0
        # docked in one turn of the event loop, the plot drawn in the next
        qtbot.waitUntil(lambda: PLOTS_DOCK_NAME in viewer.window.dock_widgets
                        and widget.results_dock.area_plot.state is not None, timeout=TIMEOUT)

    cancel_after_first_frame(qtbot, widget, gate, half_way)
    assert [layer.name for layer in viewer.layers] == ["s"]
    assert widget.results_dock.area_plot.state is None  # nothing of the run is shown
    assert errors == []
    monkeypatch.setattr(controller_series, "segment_series_steps", real)
    run_and_wait(qtbot, widget)  # usable again
    assert viewer.layers["s patterns"].data.min() == 1  # every frame labelled
    assert widget.results_dock.area_plot.state is not None
    assert errors == []


def test_cancelled_rerun_keeps_the_previous_result(qtbot, series_widget, errors, monkeypatch):
    viewer, widget, _ = series_widget
    run_and_wait(qtbot, widget)
    labels = viewer.layers["s patterns"]
    data, meta, layers = labels.data.copy(), dict(labels.metadata), list(viewer.layers)
    plot = widget.results_dock.area_plot
    plotted = plot.area_fraction.copy()
    gate, _ = hold_after_first_frame(monkeypatch)
    set_fields(widget, n_patterns=3)
    cancel_after_first_frame(qtbot, widget, gate)
    assert list(viewer.layers) == layers  # same layers, same order
    np.testing.assert_array_equal(labels.data, data)
    assert labels.metadata == meta and labels.metadata[METADATA_KEY]["params"]["n_patterns"] == 2
    assert widget.results_dock.area_plot is plot
    np.testing.assert_array_equal(plot.area_fraction, plotted)
    assert len(plot.lines) == 2
    np.testing.assert_array_equal(plot.lines[1].get_ydata(), plotted[:, 1])
    assert widget.hint_panel.hint is not None  # the previous run's hint is back
    assert errors == []


def test_bad_reference_frame_gives_notification(qtbot, series_widget, errors):
    viewer, widget, _ = series_widget
    widget.fields["reference_frames"].value = "[7]"  # the series has 4 frames
    run_and_wait(qtbot, widget)
    assert len(errors) == 1
    assert "reference frame(s) [7] do not exist" in errors[0] and "4 frames" in errors[0]
    assert [layer.name for layer in viewer.layers] == ["s"]
    assert widget.run_button.text == "Run"
    widget.fields["reference_frames"].value = "[-1]"  # caught before the run starts
    assert widget.run() is None
    assert len(errors) == 2 and "reference_frames" in errors[1]
    widget.fields["reference_frames"].value = "[0, 0]"
    assert widget.run() is None
    assert len(errors) == 3 and "duplicates" in errors[2]
    widget.fields["reference_frames"].value = "zero"
    assert widget.run() is None
    assert len(errors) == 4 and "[0, 40]" in errors[3]
    assert [layer.name for layer in viewer.layers] == ["s"]


def test_constant_reference_frame_gives_notification(qtbot, viewer_widget, errors):
    viewer, widget = viewer_widget
    series = moving_boundary_series(**SERIES)
    series[0] = 1.0  # a blanked frame cannot be the reference
    widget.image.value = viewer.add_image(series, name="s")
    viewer.dims.set_current_step(0, 0)
    widget.segment.value = ALL_FRAMES
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    assert len(errors) == 1 and "frame 0" in errors[0] and "constant" in errors[0]
    assert [layer.name for layer in viewer.layers] == ["s"]


def test_bad_frame_mid_series_gives_notification_and_no_layer(qtbot, viewer_widget, errors):
    viewer, widget = viewer_widget
    series = moving_boundary_series(**SERIES)
    series[2, 10, 10] = np.nan  # found only when frame 2 is labelled
    widget.image.value = viewer.add_image(series, name="s")
    widget.segment.value = ALL_FRAMES
    set_fields(widget, **SMALL, reference_frames="[0]")
    labelled = []
    worker = widget.run()
    worker.yielded.connect(lambda p: getattr(p, "stage", "") == "frames"
                           and labelled.append(p.frame))
    qtbot.waitUntil(lambda: widget.worker is None, timeout=TIMEOUT)
    assert labelled == [0, 1]  # the layer was there, half-written...
    assert len(errors) == 1 and "frame 2" in errors[0] and "NaN" in errors[0]
    assert [layer.name for layer in viewer.layers] == ["s"]  # ... and is gone
    assert widget.results_dock.area_plot.state is None
    assert widget.run_button.text == "Run" and widget.status.value.startswith("failed: ")
