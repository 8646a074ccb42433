"""A measurement belongs to its image and its run: the table follows the chosen image, a
re-run removes the old measurement, its layers are hidden with the image's other results."""

from benchmarks.measure_scenarios import two_grains

from napari_symseg.controller.measure import TABLE_COLUMNS
from napari_symseg.controller.measure_stale import NOT_MEASURED, OUTDATED

from .helpers import TIMEOUT, choose, run_and_wait, set_fields


def _measure(qtbot, section):
    assert section.start() is not None
    qtbot.waitUntil(lambda: section.worker is None and section.button.enabled,
                    timeout=TIMEOUT)  # (the worker is forgotten once it has finished)
    qtbot.wait(50)


def _table(section):
    t = section.table
    return [[t.item(i, j).text() for j in range(t.columnCount())] for i in range(t.rowCount())]


def test_table_and_layers_follow_the_chosen_image_and_run(qtbot, viewer_widget, errors):
    viewer, widget = viewer_widget
    section = widget.measure
    a = viewer.add_image(two_grains((128, 128), orientations=(10.0, 40.0), tilt=0.0).image,
                         name="a")
    b = viewer.add_image(two_grains((128, 96), orientations=(0.0, 30.0), tilt=0.0).image,
                         name="b")
    widget.image.value = a
    set_fields(widget, patch_x=8, patch_y=8, window_x=10, window_y=10, stride=4, n_patterns=2)
    run_and_wait(qtbot, widget)
    # the patterns layer is the active one after a run, not the hidden confidence layer
    assert viewer.layers.selection.active is viewer.layers["a patterns"]
    _measure(qtbot, section)
    rows_a = _table(section)
    assert len(rows_a) >= 2 and rows_a == section.controller.rows()
    area = TABLE_COLUMNS.index("area_px")
    assert all(row[area].isdigit() for row in rows_a)  # pixel counts as integers
    assert sum(int(row[area]) for row in rows_a) == 128 * 128
    # image b: not measured, a's measurement layers hidden with a's other results
    choose(qtbot, widget, b)
    assert section.table.rowCount() == 0 and NOT_MEASURED in section.note.text()
    assert not viewer.layers["a regions"].visible
    assert not viewer.layers["a orientation"].visible
    set_fields(widget, patch_x=8, patch_y=8, window_x=10, window_y=10, stride=4, n_patterns=2)
    run_and_wait(qtbot, widget)
    _measure(qtbot, section)
    rows_b = _table(section)
    assert rows_b != rows_a and sum(int(r[area]) for r in rows_b) == 128 * 96
    # back to a: a's own rows only, a's layers shown again, b's hidden
    choose(qtbot, widget, a)
    assert _table(section) == rows_a
    assert viewer.layers["a regions"].visible and not viewer.layers["b regions"].visible
    assert section.controller.last.layers["regions"] is viewer.layers["a regions"]
    # a new run of a: its old measurement is removed, the table says so
    set_fields(widget, n_patterns=3)
    run_and_wait(qtbot, widget)
    assert section.table.rowCount() == 0 and OUTDATED in section.note.text()
    old = [viewer.layers[n] for n in ("a regions", "a orientation", "a boundaries")
           if n in viewer.layers]
    assert not any(layer.visible for layer in old)  # hidden at once, removed one per turn
    qtbot.waitUntil(lambda: not any(n in viewer.layers for n in (
        "a regions", "a orientation", "a boundaries")), timeout=10_000)
    assert "b regions" in viewer.layers  # b's measurement is b's run's: kept
    widget.image.value = b
    assert _table(section) == rows_b
    assert errors == []


def test_a_rename_keeps_the_measurement_an_undo_after_a_merge_says_not_measured(
        qtbot, viewer_widget, errors):
    """Names are not measured values (the table shows pattern numbers): a rename keeps
    the measurement; a merge removes it; the undo after it says "not measured yet"."""
    viewer, widget = viewer_widget
    section = widget.measure
    a = viewer.add_image(two_grains((128, 128), orientations=(10.0, 40.0), tilt=0.0).image,
                         name="a")
    widget.image.value = a
    set_fields(widget, patch_x=8, patch_y=8, window_x=10, window_y=10, stride=4, n_patterns=3)
    run_and_wait(qtbot, widget)
    _measure(qtbot, section)
    rows = _table(section)
    assert rows and section.status.value.startswith(f"{len(rows)} region")
    dock = widget.edit_patterns()
    dock.names.value = "x, y, z"
    dock.set_names()
    qtbot.wait(50)
    assert _table(section) == rows and "a regions" in viewer.layers
    assert section.controller.last is not None and viewer.layers["a regions"].visible
    dock.undo()  # the names back: the labels never changed
    qtbot.wait(50)
    assert _table(section) == rows and section.controller.last is not None
    dock.pattern_a.value, dock.pattern_b.value = 0, 1
    dock.merge()  # in a worker
    qtbot.waitUntil(lambda: dock.edit_worker is None, timeout=TIMEOUT)
    assert section.table.rowCount() == 0 and section.status.value == OUTDATED
    dock.undo()
    assert section.status.value == NOT_MEASURED and not section.status.native.isHidden()
    assert NOT_MEASURED in section.note.text()
    qtbot.waitUntil(lambda: "a regions" not in viewer.layers, timeout=10_000)
    assert errors == []
