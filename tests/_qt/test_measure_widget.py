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
    assert section.status.value.startswith("2 regions, 1 boundaries")
    assert viewer.layers.selection.active is viewer.layers["g regions"]  # clicks reach it
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
