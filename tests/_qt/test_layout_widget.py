"""The dock on a 1366x768 laptop: it scrolls, keeps its width, the plots dock comes back."""

from qtpy.QtCore import Qt
from qtpy.QtWidgets import QScrollArea

from napari_symseg._qt.widget import ALL_FRAMES, PLOTS_DOCK_NAME
from napari_symseg.core.samples import moving_boundary_series, two_phase

from .helpers import run_and_wait, set_fields

SMALL = {"patch_x": 6, "patch_y": 6, "window_x": 9, "window_y": 9, "stride": 4,
         "n_selected_operations": 10}


def test_everything_scrolls_inside_the_dock(viewer_widget):
    _, widget = viewer_widget
    assert isinstance(widget.scroll, QScrollArea) and widget.scroll.widgetResizable()
    content = widget.scroll.widget()
    for part in (widget.image, widget.fields["patch_x"], widget.run_button, widget.status,
                 widget.hint_panel, widget.live, widget.probe, widget.fields["method"]):
        assert content.isAncestorOf(part.native)
    assert content.isAncestorOf(widget.advanced)


def test_window_fits_1366x768_with_hint_and_plots_docked(qtbot, make_napari_viewer):
    viewer = make_napari_viewer(show=True)
    viewer.window._qt_window.resize(1366, 768)
    _, widget = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    source = viewer.add_image(moving_boundary_series(n_frames=3, shape=(96, 128), start=40,
                                                     step=16), name="s")
    widget.image.value = source
    widget.segment.value = ALL_FRAMES
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    widget.advanced.expand(animate=False)  # even with every expert field open
    qtbot.wait(100)
    assert widget.hint_panel.visible and widget.hint_panel.hint is not None
    assert PLOTS_DOCK_NAME in viewer.window.dock_widgets
    minimum = viewer.window._qt_window.minimumSizeHint()
    print(f"\nmain window minimum size with widget, hint and plots: "
          f"{minimum.width()} x {minimum.height()}")
    assert minimum.height() <= 768 and minimum.width() <= 1366
    # nothing is clipped at the right and there is no horizontal scroll bar
    scroll = widget.scroll
    assert scroll.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    assert scroll.widget().width() <= scroll.viewport().width()
    assert scroll.widget().minimumSizeHint().width() <= scroll.viewport().width()


def test_width_is_stable_when_texts_grow(qtbot, make_napari_viewer):
    viewer = make_napari_viewer(show=True)
    viewer.window._qt_window.resize(1366, 768)
    _, widget = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    # the size labels may widen the column once (by design: a length in nm with more
    # digits); texts without bound (hint, status, image names) must never widen it
    widget.image.value = viewer.add_image(two_phase((64, 64)), name="tp",
                                          scale=(0.0213, 0.0213), units=("nm", "nm"))
    set_fields(widget, patch_x=123, window_x=456)  # longer size labels (px and nm)
    qtbot.waitUntil(lambda: not widget.scroll.widget().layout().activate(), timeout=2000)
    qtbot.wait(200)
    width, minimum = widget.width(), widget.minimumSizeHint().width()
    widget.hint_panel.failed("not available " + "because of a very long reason " * 20)
    widget.status.value = "a long status line " * 30
    widget.image.value = viewer.add_image(two_phase((64, 64)), name="calibrated image " * 4,
                                          scale=(0.0213, 0.0213), units=("nm", "nm"))
    qtbot.wait(200)
    assert widget.width() == width
    assert widget.minimumSizeHint().width() == minimum


def test_width_does_not_jump_when_a_calibrated_image_is_chosen(qtbot, make_napari_viewer):
    viewer = make_napari_viewer(show=True)
    viewer.window._qt_window.resize(1366, 768)
    plain = viewer.add_image(two_phase((64, 64)), name="plain")
    _, widget = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    widget.image.value = plain
    set_fields(widget, patch_x=41, patch_y=41, window_x=121, window_y=121)
    # the dock takes its reserved width once laid out (within 0.4 s of opening)
    qtbot.waitUntil(lambda: widget.width() >= widget.minimumSizeHint().width(), timeout=2000)
    qtbot.wait(200)
    width, minimum = widget.width(), widget.minimumSizeHint().width()
    calibrated = viewer.add_image(two_phase((64, 64)), name="nm", scale=(0.0213, 0.0213),
                                  units=("nm", "nm"))
    widget.image.value = calibrated
    set_fields(widget, patch_x=41, patch_y=41, window_x=121, window_y=121)
    assert "= 5.18 nm" in widget.fields["window_x"].label  # the longest labels now
    qtbot.wait(200)
    assert widget.minimumSizeHint().width() == minimum
    assert widget.width() == width
    # Suggest may choose the rotations: a "pooling window", the longest field names
    widget.fields["descriptor_name"].value = "rotational_symmetry_maximum_pooling"
    set_fields(widget, window_x=121, window_y=121)
    assert widget.fields["window_x"].label.startswith("pooling window half-height (total 243")
    qtbot.wait(200)
    assert widget.minimumSizeHint().width() == minimum
    assert widget.width() == width


def test_plots_dock_closes_and_comes_back(qtbot, viewer_widget):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((128, 128)), name="tp")
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    dock = viewer.window.dock_widgets[PLOTS_DOCK_NAME]
    assert dock is widget.results_dock and dock.separability_plot.operations is not None
    viewer.window.remove_dock_widget(dock)  # what the dock's close button does
    assert PLOTS_DOCK_NAME not in viewer.window.dock_widgets
    set_fields(widget, n_patterns=3)
    run_and_wait(qtbot, widget)
    assert PLOTS_DOCK_NAME not in viewer.window.dock_widgets  # closed stays closed
    widget.plots_button.changed.emit(True)  # "Plots"
    assert viewer.window.dock_widgets[PLOTS_DOCK_NAME] is widget.results_dock
    assert widget.results_dock.separability_plot.operations is not None


def test_plots_dock_hidden_with_its_eye_button_comes_back_with_plots(qtbot, viewer_widget):
    from napari_symseg._qt.docks import dock_of

    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((128, 128)), name="tp")
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    holder = dock_of(widget.results_dock)
    holder.title.hide_button.click()  # napari's eye button in the dock's title bar
    assert holder.isHidden()
    set_fields(widget, n_patterns=3)
    run_and_wait(qtbot, widget)
    assert holder.isHidden()  # a run leaves it hidden, as it leaves a closed one closed
    widget.plots_button.changed.emit(True)  # "Plots"
    assert not holder.isHidden()
    assert viewer.window.dock_widgets[PLOTS_DOCK_NAME] is widget.results_dock


def test_plots_dock_is_made_ahead_and_docking_it_does_not_write_napari_settings(
        qtbot, viewer_widget, monkeypatch, tmp_path):
    from napari.settings import get_settings

    from napari_symseg._qt.runner import PLOTS_WARM

    viewer, widget = viewer_widget
    PLOTS_WARM.wait(60)
    qtbot.waitUntil(lambda: widget.plots.ready, timeout=20_000)  # made while idle
    assert PLOTS_DOCK_NAME not in viewer.window.dock_widgets  # made, not docked
    settings = get_settings()
    saved = []
    monkeypatch.setattr(type(settings), "save", lambda self, *a, **k: saved.append(a))
    monkeypatch.setattr(settings, "config_path", tmp_path / "settings.yaml")
    settings.application.plugin_widget_positions = {}  # any other change is saved
    assert len(saved) == 1
    dock = widget.show_plots()
    assert viewer.window.dock_widgets[PLOTS_DOCK_NAME] is dock
    assert len(saved) == 1  # docking wrote nothing: napari's next save keeps the area
    assert settings.application.plugin_widget_positions[PLOTS_DOCK_NAME] == "right"
    assert settings._save_on_change


def test_all_docks_fit_a_laptop_and_run_stays_in_view(qtbot, make_napari_viewer):
    from benchmarks.measure_scenarios import two_grains

    from napari_symseg._qt.docks import TABBED

    viewer = make_napari_viewer(show=True)
    window = viewer.window._qt_window
    window.showNormal()
    window.resize(1366, 740)  # a 768 px laptop screen less its title and task bars
    source = viewer.add_image(two_grains((128, 128), orientations=(10.0, 40.0),
                                         tilt=0.0).image, name="g")
    _, widget = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    viewer.window.add_plugin_dock_widget("napari-symseg", "Scribbles")
    widget.image.value = source
    # 5 patterns: the hint (2) disagrees, its answer wraps to 3 lines and its button shows
    set_fields(widget, patch_x=8, patch_y=8, window_x=10, window_y=10, stride=4, n_patterns=5)
    run_and_wait(qtbot, widget)
    qtbot.waitUntil(lambda: widget.hint_panel.use_button.visible, timeout=10_000)
    section = widget.measure
    assert section.start() is not None
    qtbot.waitUntil(lambda: section.controller.last is not None and section.button.enabled,
                    timeout=60_000)
    # plots, Scribbles and the region table are tabs of one group
    docks = [d for d in window.findChildren(type(section._dock)) if d.windowTitle() in TABBED]
    assert len(docks) == 3
    assert all(window.tabifiedDockWidgets(d) for d in docks)
    from napari_symseg._qt.docks import dock_of

    assert not window.tabifiedDockWidgets(dock_of(widget))  # the main dock: no tab
    # the hint's answer and chart are kept in view only when the window has room for them:
    # in a window 740 px high (a 768 px screen's title bar and task bar) the minimum stays
    # within it (was 790 px with this disagreeing hint, and 756 px in 1 of 3 CI runs: the
    # chart made while a dock pushed the window taller, that height taken as room)
    qtbot.wait(100)
    assert window.minimumSizeHint().height() <= 740
    # ... also after the window was grown for a moment by a minimum (a dock added, not yet
    # a tab): Qt's forced height is not room the user gave
    kept = widget.scroll.minimumHeight()  # the essentials, not the hint (740 px: no room)
    window.setMinimumHeight(900)
    qtbot.waitUntil(lambda: window.height() >= 900, timeout=5_000)
    window.setMinimumHeight(0)
    qtbot.wait(200)
    assert widget.scroll.minimumHeight() == kept  # the chart was not kept (was: +104 px)
    assert window.minimumSizeHint().height() <= 740
    for width, height in ((1366, 768), (1920, 1080)):
        window.resize(width, height)
        qtbot.wait(200)
        run = widget.run_button.native
        assert not run.visibleRegion().isEmpty()
        top_left = run.mapTo(window, run.rect().topLeft())
        bottom_right = run.mapTo(window, run.rect().bottomRight())
        assert window.rect().contains(top_left) and window.rect().contains(bottom_right)


def test_essentials_summary_and_hint_answer_in_view_at_1366x768(qtbot, make_napari_viewer):
    """After Run and Measure, with the plots and the region table docked below."""
    from qtpy.QtCore import QPoint

    viewer = make_napari_viewer(show=True)
    window = viewer.window._qt_window
    window.resize(1366, 768)
    _, widget = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    widget.image.value = viewer.add_image(two_phase((128, 128)), name="tp")
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    assert widget.measure.start() is not None
    qtbot.waitUntil(lambda: widget.measure.status.value.startswith("2 regions"),
                    timeout=60_000)
    widget.status.value = "frame 3 · computed in 1.0 s · 2 patterns: 50 % · 50 % · " * 5  # wraps
    window.resize(1366, 768)
    qtbot.wait(300)
    assert window.height() <= 768  # nothing made the window grow past the screen
    scroll = widget.scroll
    assert scroll.verticalScrollBar().value() == 0
    viewport = scroll.viewport()
    for part in (widget.image, widget.fields["descriptor_name"], widget.fields["patch_x"],
                 widget.fields["window_y"], widget.fields["n_patterns"],
                 widget.fields["stride"], widget.suggest_button, widget.run_button,
                 widget.status, widget.measure.status, widget.hint_panel.text):
        bottom = part.native.mapTo(viewport, QPoint(0, part.native.height())).y()
        assert part.native.isVisible() and bottom <= viewport.height(), part.name
    # the hint's chart whole when the window has room (after Measure it was a cut strip)
    chart = widget.hint_panel.chart
    assert chart.isVisible() and chart.height() == 100
    widget.status.value = "computed in 1.0 s"
    window.resize(1366, 768)
    qtbot.wait(300)
    assert window.height() <= 768
    assert chart.mapTo(viewport, QPoint(0, chart.height())).y() <= viewport.height()
    # and they stay so whatever the docks below want: the dock's minimum height holds them
    answer = widget.hint_panel.text.native
    needed = answer.mapTo(scroll.widget(), QPoint(0, answer.height())).y()
    assert scroll.minimumHeight() >= needed


def test_the_scroll_area_fills_the_dock_when_a_text_grows(qtbot, make_napari_viewer):
    """A status line grown to two lines (an export's file list) took height from the column
    and napari's dock gave it to a stretch it had added under the scroll area: a blank band
    hid the hint's chart. The area fills its dock and napari adds no stretch."""
    viewer = make_napari_viewer(show=True)
    viewer.window._qt_window.resize(1366, 768)
    _, widget = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    widget.image.value = viewer.add_image(two_phase((96, 96)), name="tp")
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    host = widget.scroll.parentWidget()
    assert host.layout().count() == 1  # the scroll area alone: no stretch of napari's
    widget.status.value = "exported " + ", ".join(f"a_long_base_name_{k}.tif" for k in range(6))
    qtbot.wait(300)
    assert widget.status.native.height() > 30  # (wrapped: two lines or more)
    assert widget.scroll.height() == host.height()
