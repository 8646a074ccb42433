"""The dock's Measure section (issue 14): measure after a run, docked table, row <-> region."""

from benchmarks.measure_scenarios import two_grains

from .helpers import TIMEOUT, run_and_wait, set_fields


def test_measure_after_a_run(qtbot, viewer_widget, errors):
    viewer, widget = viewer_widget
    g = two_grains((192, 192), orientations=(10.0, 40.0), tilt=0.0)
    source = viewer.add_image(g.image, name="g")
    widget.image.value = source
    set_fields(widget, patch_x=8, patch_y=8, window_x=10, window_y=10, stride=4)
    section = widget.measure
    # the table's dock and rows come a turn after the layers are in and the regions layer
    # made active (napari's controls): not in the same freeze (issue 11)
    inside, filled_inside = [], []
    shown, refresh = section._shown, section.refresh

    def watched_shown(*args):
        inside.append(True)
        try:
            shown(*args)
        finally:
            inside.pop()

    def watched_refresh():
        if section.table.rowCount() == 0:
            filled_inside.append(bool(inside))
        refresh()

    section._shown, section.refresh = watched_shown, watched_refresh
    # the button is in the row of Run (not in Advanced); its status line under the dock's,
    # hidden while it has nothing to say
    assert section.button is widget.measure_button
    assert widget.run_button.native.parentWidget() is section.button.native.parentWidget()
    assert not widget.advanced.isAncestorOf(section.button.native)
    column = widget.status.native.parentWidget().layout()
    assert column.indexOf(section.status.native) == column.indexOf(widget.status.native) + 1
    assert section.status.native.isHidden()
    section.start()
    assert "run a segmentation" in section.status.value
    assert not section.status.native.isHidden()
    run_and_wait(qtbot, widget)
    worker = section.start()
    assert worker is not None
    qtbot.waitUntil(lambda: section.controller.last is not None and section.button.enabled,
                    timeout=TIMEOUT)
    assert errors == []
    for name in ("g regions", "g orientation", "g spacing", "g boundaries"):
        assert name in viewer.layers
    assert section.status.value.startswith("2 regions, 1 boundary")
    assert viewer.layers.selection.active is viewer.layers["g regions"]  # clicks reach it
    assert filled_inside and not any(filled_inside)  # the table: a turn after `_shown`
    table = section.table
    assert table.rowCount() >= 2 and section._dock is not None  # docked
    section.table.selectRow(1)
    regions = section.controller.last.layers["regions"]
    assert regions.show_selected_label
    assert regions.selected_label == section.controller.last.regions["region"][1]
    # a click on a region selects its row
    region = int(regions.data[96, 5])

    class Click:
        position = (96.0, 5.0)

    section._on_click(regions, Click())
    assert section.table.currentRow() == section.controller.row_of(region)
    # renaming the image renames every layer of its run and measurement (a KeyError on
    # "spacing" stopped the renaming half-way, and left "g spacing" and "g boundaries")
    source.name = "h"
    assert errors == []
    for slot in ("patterns", "regions", "orientation", "spacing", "boundaries"):
        assert f"h {slot}" in viewer.layers and f"g {slot}" not in viewer.layers


def test_closing_the_dock_stops_a_series_measurement(qtbot, viewer_widget, errors):
    """A series measurement stops before its next frame once the dock closes (a worker still
    running after napari's Qt objects are gone aborted the process: new-user report)."""
    import numpy as np
    from benchmarks.measure_scenarios import migrating_boundary

    from napari_symseg._qt.widget import ALL_FRAMES

    viewer, widget = viewer_widget
    series, _ = migrating_boundary(n_frames=40, shape=(96, 128), start=40, rate=1)
    source = viewer.add_image(series.astype(np.float32), name="v")
    widget.image.value = source
    widget.segment.value = ALL_FRAMES
    set_fields(widget, patch_x=8, patch_y=8, window_x=8, window_y=8, stride=4, n_patterns=2,
               reference_frames="0")
    run_and_wait(qtbot, widget)
    section = widget.measure
    frames = []
    compute = section.controller.compute

    def slow(image_layer, patterns_layer, result=None, cancelled=None):
        class Watched:  # the measurement's frames, closing the dock after the third
            def is_set(self):
                frames.append(1)
                if len(frames) == 3:
                    widget._close()  # what the dock's destroyed signal calls
                return cancelled.is_set()
        return compute(image_layer, patterns_layer, result, Watched())

    section.controller.compute = slow
    assert section.start() is not None
    qtbot.waitUntil(lambda: section.worker is None, timeout=TIMEOUT)
    assert len(frames) == 3  # stopped at the check after the close, not after 40 frames
    assert errors == [] and "v regions" not in viewer.layers
    assert "failed" not in section.status.value
    # the closed dock's widgets are not touched (they may be deleted: that aborted napari)
    assert not section.button.enabled
