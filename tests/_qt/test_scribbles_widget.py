"""The Scribbles dock: painting (programmatic), a run, merge/split/undo, lasso and hover."""

import numpy as np
import pytest

from napari_symseg.core.samples import two_phase, two_phase_truth

SMALL = {"patch_x": 8, "patch_y": 8, "window_x": 10, "window_y": 10, "stride": 4}
SHAPE, BOUNDARY = (96, 160), 64


@pytest.fixture
def dock(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    image = viewer.add_image(two_phase(SHAPE, boundary=BOUNDARY), name="img", scale=(0.5, 0.5))
    _, widget = viewer.window.add_plugin_dock_widget("napari-symseg", "Scribbles")
    widget.image.value = image
    return viewer, widget, image


def _run(widget, qtbot, params=None):
    from napari_symseg import Params

    widget.session.params_for = lambda source, base=None: Params(n_patterns=2, **SMALL)
    worker = widget.run()
    assert worker is not None  # (not waitSignal: a short run may be finished already)
    qtbot.waitUntil(lambda: widget.worker is None, timeout=60_000)


def edited(qtbot, widget, worker):
    """Wait for a series edit's worker (an image's edit returns None: done already)."""
    if worker is not None:  # (not waitSignal: a short edit may be finished already)
        qtbot.waitUntil(lambda: widget.edit_worker is None, timeout=90_000)


def test_paint_run_merge_split_undo(dock, qtbot):
    viewer, widget, _ = dock
    layer = widget.add_layer()
    assert layer.data.shape == SHAPE and tuple(layer.scale) == (0.5, 0.5)
    assert layer.mode == "paint" and layer.selected_label == 1
    assert widget.add_layer() is layer  # one per image
    assert widget.status.value.startswith(f"paint strokes on '{layer.name}'")
    data = np.zeros(SHAPE, np.uint8)  # painting = setting the layer's data
    data[40:56, 120:124] = 1  # class 1 on the right (hexagonal) phase
    data[40:56, 20:24] = 2
    layer.data = data
    _run(widget, qtbot)
    assert widget.scatter.empty.isHidden() and not widget.scatter.canvas.isHidden()
    assert widget.status.value.startswith(  # the route, in words (the detail: tooltip)
        "run with scribbles (patterns learnt from your strokes, then refined on the whole "
        "image): 2 patterns")
    assert "semi-supervised EM" in widget.status.tooltip
    out = viewer.layers["img scribbled patterns"]
    truth = two_phase_truth(SHAPE, BOUNDARY)
    assert (out.data == np.where(truth == 1, 1, 2)).mean() > 0.97  # layer = pattern + 1
    assert tuple(out.scale) == (0.5, 0.5)
    assert list(out.features["name"]) == ["pattern 0", "pattern 1"]

    widget.names.value = "hexagonal, square"
    widget.set_names()
    assert list(out.features["name"]) == ["hexagonal", "square"]
    assert out.metadata["napari_symseg"]["pattern_names"] == ["hexagonal", "square"]

    before = out.data.copy()
    widget.pattern_a.value, widget.pattern_b.value = 0, 1
    edited(qtbot, widget, widget.merge())  # an image's merge: in a worker too
    assert set(np.unique(out.data)) == {1}
    worker = widget.split()  # an image's split: k-means in a worker
    assert worker is not None
    edited(qtbot, widget, worker)
    assert set(np.unique(out.data)) == {1, 2}
    agree = (out.data == before).mean()
    assert max(agree, 1 - agree) > 0.95  # the split finds the two phases again
    widget.undo()
    assert set(np.unique(out.data)) == {1}
    widget.undo()
    np.testing.assert_array_equal(out.data, before)
    assert list(out.features["name"]) == ["hexagonal", "square"]
    widget.undo()  # the names
    assert list(out.features["name"]) == ["pattern 0", "pattern 1"]
    assert not widget.undo_button.enabled


def test_a_scribbled_run_counts_as_a_running_worker(dock, qtbot):
    """The warm-up's one full collection waits for the Scribbles dock's run too
    (`runner.any_running`): it landed in a scribbled run (a 491 ms gap of a 625 ms stall)."""
    from napari_symseg import Params
    from napari_symseg._qt import runner

    _, widget, _ = dock
    _paint(widget)
    qtbot.waitUntil(lambda: not runner.any_running(), timeout=60_000)
    widget.session.params_for = lambda source, base=None: Params(n_patterns=2, **SMALL)
    assert widget.run() is not None
    assert runner.any_running()  # its end is a queued signal: not seen before this turn
    qtbot.waitUntil(lambda: widget.worker is None, timeout=60_000)
    qtbot.waitUntil(lambda: not runner.any_running(), timeout=5_000)


def test_run_without_scribbles_says_so(dock):
    _, widget, _ = dock
    # before a run: a short text, not an empty plot
    assert not widget.scatter.empty.isHidden() and widget.scatter.canvas.isHidden()
    assert "run with scribbles" in widget.scatter.empty.text()
    assert widget.run() is None
    assert "no scribbles for img" in widget.status.value


def test_lasso_paints_or_highlights_and_hover_marks(dock, qtbot):
    viewer, widget, _ = dock
    layer = widget.add_layer()
    data = np.zeros(SHAPE, np.uint8)
    data[40:56, 120:124] = 1
    data[40:56, 20:24] = 2
    layer.data = data
    _run(widget, qtbot)
    scatter = widget.scatter
    result = widget.session.result
    assert len(scatter.xy) == result.grid.size  # small grid: every point shown
    # a lasso around the points of pattern 1 (the left phase): a polygon around them
    mine = scatter.xy[result.grid_labels.ravel()[scatter.index] == 1]
    lo, hi = mine.min(0) - 1e-3, mine.max(0) + 1e-3
    box = [(lo[0], lo[1]), (hi[0], lo[1]), (hi[0], hi[1]), (lo[0], hi[1])]
    chosen = scatter.select(box)
    assert (result.grid_labels.ravel()[chosen] == 1).mean() > 0.9 and len(chosen) >= len(mine)
    widget.lasso(chosen)  # highlight
    points = viewer.layers["img lasso"]
    assert len(points.data) == len(chosen)
    r, c = np.unravel_index(chosen[0], result.grid.shape)
    np.testing.assert_allclose(points.data[0], [result.grid.rows[r] * 0.5,
                                                result.grid.cols[c] * 0.5])
    widget.paint_lasso.setChecked(True)
    layer.selected_label = 3
    widget.lasso(chosen)  # paint: every pixel of the chosen cells becomes 3
    cells = result.grid.upsample(np.isin(np.arange(result.grid.size),
                                         chosen).reshape(result.grid.shape))
    assert (layer.data[cells] == 3).all() and (layer.data[~cells] == data[~cells]).all()
    # hover: the grid point under the cursor is ringed in the plot
    world = (result.grid.rows[3] * 0.5, result.grid.cols[5] * 0.5)
    index = widget.session.point_at(world)
    assert index == 3 * result.grid.shape[1] + 5
    assert scatter.mark(index)
    np.testing.assert_allclose(np.ravel(scatter.marker.get_data()),
                               scatter.xy[scatter.index == index][0])
    assert widget.session.point_at((-100.0, 5.0)) is None


@pytest.fixture
def docks_after_a_run(make_napari_viewer, qtbot):
    """An image "img", the main dock and the Scribbles dock on it, one main run (2
    patterns): viewer, main dock, Scribbles dock."""
    from tests._qt.helpers import run_and_wait, set_fields

    viewer = make_napari_viewer()
    image = viewer.add_image(two_phase(SHAPE, boundary=BOUNDARY), name="img")
    _, main = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    _, dock = viewer.window.add_plugin_dock_widget("napari-symseg", "Scribbles")
    main.image.value = dock.image.value = image
    set_fields(main, n_patterns=2, **SMALL)
    run_and_wait(qtbot, main)
    return viewer, main, dock


def _paint(dock):
    """Strokes: class 1 on the right phase, class 2 on the left."""
    strokes = dock.add_layer()
    data = np.zeros(SHAPE, np.uint8)
    data[40:56, 120:124] = 1
    data[40:56, 20:24] = 2
    strokes.data = data


def test_the_main_dock_run_uses_the_scribbles_layer(docks_after_a_run, qtbot):
    from tests._qt.helpers import run_and_wait

    viewer, main, dock = docks_after_a_run
    truth = two_phase_truth(SHAPE, BOUNDARY)
    plain = np.array(viewer.layers["img patterns"].data)
    assert (plain == truth + 1).mean() > 0.97  # size order: the left (smaller) phase first
    assert "scribbles" not in main.status.value
    _paint(dock)  # class 1 on the right phase: pattern 0 on the right
    run_and_wait(qtbot, main)
    guided = np.array(viewer.layers["img patterns"].data)
    assert (guided == 2 - truth).mean() > 0.97
    assert main.status.value.endswith(" · guided by the scribbles layer")  # same fields, why
    _run(dock, qtbot)  # the dock's own run: its layer shows, the main one hides (no colour mix)
    assert viewer.layers["img scribbled patterns"].visible
    assert not viewer.layers["img patterns"].visible


def test_a_main_run_with_fewer_patterns_than_the_strokes_says_what_to_do(
        docks_after_a_run, qtbot, errors):
    """After a 3-class scribbled run the main dock's fields still say 2: its Run failed in
    the worker ("scribbles use class 3 but n_patterns is 2", tester newuser9). It is refused
    before anything starts, the status names both ways out, and each of them works."""
    from tests._qt.helpers import run_and_wait, set_fields

    viewer, main, dock = docks_after_a_run
    _paint(dock)
    strokes = viewer.layers["img scribbles"]
    data = np.array(strokes.data)
    data[70:80, 60:64] = 3
    strokes.data = data
    before = np.array(viewer.layers["img patterns"].data)
    assert main.run() is None  # refused: no worker, the last result untouched
    assert main.worker is None and main.run_button.text == "Run"
    assert main.status.value == (
        "the strokes in 'img scribbles' paint 3 patterns but n patterns is 2: set n patterns "
        "to 3 to run with them, or delete (or clear) 'img scribbles' to run without them")
    assert len(errors) == 1 and "set n patterns to 3" in errors[0]
    np.testing.assert_array_equal(viewer.layers["img patterns"].data, before)
    set_fields(main, n_patterns=3)  # the first way out
    run_and_wait(qtbot, main)
    assert main.status.value.endswith(" · guided by the scribbles layer")
    assert len(np.unique(viewer.layers["img patterns"].data)) == 3
    set_fields(main, n_patterns=2)
    viewer.layers.remove(strokes)  # the second
    run_and_wait(qtbot, main)
    assert "scribbles" not in main.status.value and len(errors) == 1
    assert len(np.unique(viewer.layers["img patterns"].data)) == 2


def test_apply_to_another_image_and_a_series_keeps_the_numbers(dock, qtbot):
    from napari_symseg.core.samples import moving_boundary_series, moving_boundary_truth

    viewer, widget, _ = dock
    layer = widget.add_layer()
    data = np.zeros(SHAPE, np.uint8)
    data[40:56, 120:124] = 1  # class 1 = the right (hexagonal) phase
    data[40:56, 20:24] = 2
    layer.data = data
    _run(widget, qtbot)
    other = viewer.add_image(two_phase(SHAPE, boundary=110, seed=3), name="other")
    series = viewer.add_image(moving_boundary_series(3, SHAPE, start=40, step=20),
                              name="series", scale=(1.0, 0.5, 0.5))
    for target, truth in [(other, two_phase_truth(SHAPE, 110)),
                          (series, moving_boundary_truth(3, SHAPE, start=40, step=20))]:
        widget.target.value = target
        assert widget.apply() is not None
        qtbot.waitUntil(lambda: widget.apply_worker is None, timeout=60_000)
        out = viewer.layers[f"{target.name} scribbled patterns"]
        assert out.data.shape == truth.shape
        assert tuple(out.scale) == tuple(target.scale)
        assert (out.data == 2 - truth).mean() > 0.97  # layer 1 = pattern 0 = hexagonal


def test_scribbles_on_one_frame_of_a_series_fit_and_label_every_frame(make_napari_viewer,
                                                                       qtbot):
    from napari_symseg.core.samples import moving_boundary_series, moving_boundary_truth

    viewer = make_napari_viewer()
    shape = (64, 96)
    truth = moving_boundary_truth(3, shape, start=30, step=16)
    series = viewer.add_image(moving_boundary_series(3, shape, start=30, step=16),
                              name="video", scale=(1.0, 0.5, 0.5))
    _, widget = viewer.window.add_plugin_dock_widget("napari-symseg", "Scribbles")
    widget.image.value = series
    layer = widget.add_layer()
    assert layer.data.shape == (3, *shape) and tuple(layer.scale) == (1.0, 0.5, 0.5)
    data = np.zeros(layer.data.shape, np.uint8)
    data[2, 24:40, 84:90] = 1  # painted on frame 2 only: class 1 = the right (hexagonal)
    data[2, 24:40, 4:10] = 2
    layer.data = data
    from napari_symseg import Params

    widget.session.params_for = lambda source, base=None: Params(
        n_patterns=2, reference_frames=(0,), n_selected_operations=10, **SMALL)
    assert widget.run() is not None
    qtbot.waitUntil(lambda: widget.worker is None, timeout=90_000)
    out = viewer.layers["video scribbled patterns"]
    assert out.data.shape == truth.shape and tuple(out.scale) == (1.0, 0.5, 0.5)
    assert (out.data == 2 - truth).mean() > 0.97  # every frame in the scribbled numbers
    assert widget.session.frame == 2  # the painted frame is the one edited and plotted
    widget.pattern_a.value, widget.pattern_b.value = 0, 1
    edited(qtbot, widget, widget.merge())  # an edit relabels every frame (a worker)
    assert set(np.unique(out.data)) == {1}
    widget.undo()
    assert (out.data == 2 - truth).mean() > 0.97


def test_edit_from_the_main_dock_and_export_writes_the_edited_result(make_napari_viewer, qtbot,
                                                                      tmp_path):
    """Edit… in the main dock: merge / rename in the Scribbles dock change the
    '<image> patterns' layer; Export writes them; our reader gives them back."""
    import csv

    from napari_symseg._reader import read_labels_file
    from tests._qt.helpers import run_and_wait, set_fields

    viewer = make_napari_viewer()
    image = viewer.add_image(two_phase(SHAPE, boundary=BOUNDARY), name="img")
    _, main = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    main.image.value = image
    assert main.edit_patterns() is None and "run a segmentation" in main.status.value
    set_fields(main, n_patterns=3, **SMALL)
    run_and_wait(qtbot, main)
    patterns = viewer.layers["img patterns"]
    before = np.array(patterns.data)  # 1..3
    assert set(np.unique(before)) == {1, 2, 3}
    dock = main.edit_patterns()
    assert dock is not None and dock.session.shown_layer() is patterns
    dock.names.value = "a, b, c"
    dock.set_names()
    dock.pattern_a.value, dock.pattern_b.value = 1, 2
    array = patterns.data
    edited(qtbot, dock, dock.merge())  # patterns 1 and 2 -> 1: names a, b (in a worker)
    expected = np.where(before == 3, 2, before)  # layer values: pattern + 1
    np.testing.assert_array_equal(patterns.data, expected)
    assert patterns.data is array  # written into the layer's own array
    assert patterns.metadata["napari_symseg"]["params"]["n_patterns"] == 2
    assert list(patterns.features["name"]) == ["a", "b"]
    # the hint, status line and numbers follow the edit (issue 15)
    from napari_symseg.controller.hints import hint_about

    record = main.controller.current()
    merged = [(expected == v).mean() for v in (1, 2)]
    np.testing.assert_allclose(record.area_fraction, merged, atol=1e-9)
    assert record.edited_patterns == 2 and record.summary.endswith("· edited")
    assert main.status.value == record.summary
    assert "2 patterns:" in record.summary and "3 patterns" not in record.summary
    assert "before its edits (now 2 patterns)" in hint_about(record)

    written = main.export(tmp_path / "edited")
    assert written
    [(data, kwargs, kind)] = read_labels_file(str(tmp_path / "edited_labels.tif"))
    assert kind == "labels"
    np.testing.assert_array_equal(data, expected)
    assert kwargs["metadata"]["napari_symseg"]["pattern_names"] == ["a", "b"]
    with open(tmp_path / "edited_stats.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["pattern"], r["name"]) for r in rows] == [("0", "a"), ("1", "b")]
    fraction = [float(r["area_fraction"]) for r in rows]
    np.testing.assert_allclose(fraction, [(expected == v).mean() for v in (1, 2)], atol=1e-9)
    dock.undo()  # back to three patterns; a new export says so
    main.export(tmp_path / "undone")
    [(data, _, _)] = read_labels_file(str(tmp_path / "undone_labels.tif"))
    np.testing.assert_array_equal(data, before)
    assert patterns.data is array
    assert record.edited_patterns == 3  # the names are still an edit
    dock.undo()
    assert record.edited_patterns is None and "edited" not in record.summary
    assert "before its edits" not in hint_about(record)


def test_the_main_dock_all_frames_run_uses_the_painted_frame(make_napari_viewer, qtbot):
    from napari_symseg._qt.widget import ALL_FRAMES
    from napari_symseg.controller.layers import layer_name
    from napari_symseg.core.samples import moving_boundary_series, moving_boundary_truth
    from tests._qt.helpers import run_and_wait, set_fields

    viewer = make_napari_viewer()
    shape = (64, 96)
    truth = moving_boundary_truth(3, shape, start=30, step=16)
    series = viewer.add_image(moving_boundary_series(3, shape, start=30, step=16), name="v")
    _, main = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    _, dock = viewer.window.add_plugin_dock_widget("napari-symseg", "Scribbles")
    main.image.value = dock.image.value = series
    main.segment.value = ALL_FRAMES
    set_fields(main, n_patterns=2, n_selected_operations=10, **SMALL)
    main.fields["reference_frames"].value = "[0]"
    strokes = dock.add_layer()
    data = np.zeros(strokes.data.shape, np.uint8)
    data[2, 24:40, 84:90] = 1  # frame 2 only; class 1 = the right (hexagonal) phase
    data[2, 24:40, 4:10] = 2
    strokes.data = data
    run_and_wait(qtbot, main)
    out = np.array(viewer.layers[layer_name("v", "series")].data)
    assert (out == 2 - truth).mean() > 0.97  # unsupervised would put the smaller first


def all_frames_run(make_napari_viewer, qtbot, data):
    """A viewer with series `data` ("v") run on all frames (3 patterns): viewer, main
    dock, the series' patterns layer."""
    from napari_symseg._qt.widget import ALL_FRAMES
    from napari_symseg.controller.layers import layer_name
    from tests._qt.helpers import run_and_wait, set_fields

    viewer = make_napari_viewer()
    series = viewer.add_image(data, name="v")
    _, main = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    main.image.value = series
    main.segment.value = ALL_FRAMES
    set_fields(main, n_patterns=3, n_selected_operations=10, **SMALL)
    main.fields["reference_frames"].value = "[0]"
    run_and_wait(qtbot, main)
    return viewer, main, viewer.layers[layer_name("v", "series")]


def test_edit_an_all_frames_run_merge_split_undo_and_export(make_napari_viewer, qtbot,
                                                           tmp_path):
    """Edit… on an all-frames run: merge / split / undo change every frame of the
    series layer, its per-frame area fractions (the plots' data) and the export."""
    from napari_symseg._reader import read_labels_file
    from napari_symseg.core.samples import moving_boundary_series

    viewer, main, layer = all_frames_run(make_napari_viewer, qtbot,
                                         moving_boundary_series(3, (64, 96), start=30,
                                                                step=16))
    before = np.array(layer.data)
    assert set(np.unique(before)) == {1, 2, 3}
    viewer.dims.set_current_step(0, 1)
    dock = main.edit_patterns()
    assert dock is not None and dock.session.shown_layer() is layer and dock.session.frame == 1
    dock.pattern_a.value, dock.pattern_b.value = 0, 2
    edited(qtbot, dock, dock.merge())  # patterns 0 and 2 -> 0 on every frame, exactly
    expected = np.where(before == 3, 1, before)
    np.testing.assert_array_equal(layer.data, expected)
    record = main.controller.current()
    assert record.slot == "series" and record.edited_patterns == 2
    per_frame = [[(expected[t] == v).mean() for v in (1, 2)] for t in range(3)]
    np.testing.assert_allclose(record.area_fraction, per_frame, atol=1e-9)
    np.testing.assert_allclose(main._view.plot_args()[1], per_frame, atol=1e-9)  # the plots
    np.testing.assert_allclose(layer.features["area_fraction"], np.mean(per_frame, 0))
    main.export(tmp_path / "merged")
    [(data, _, _)] = read_labels_file(str(tmp_path / "merged_labels.tif"))
    np.testing.assert_array_equal(data, expected)

    edited(qtbot, dock, dock.split())  # re-cluster pattern 0 of frame 1: every frame again
    split = np.array(layer.data)
    assert set(np.unique(split)) == {1, 2, 3} and record.edited_patterns == 3
    assert ((split == 2) == (expected == 2)).mean() > 0.95  # the other pattern stays
    dock.undo()
    dock.undo()
    np.testing.assert_array_equal(layer.data, before)
    assert record.edited_patterns is None


def test_series_edits_run_in_a_worker_cancel_and_undo_exactly(make_napari_viewer, qtbot,
                                                              monkeypatch):
    """Edit… on an all-frames run: the GUI thread never relabels or counts the frames;
    merge and split give what labelling every frame with the edited model gives (the
    old synchronous route); a cancelled split changes nothing; undo gives back the
    very arrays shown before."""
    import threading

    from napari_symseg.controller import series_edits
    from napari_symseg.core.progress import run
    from napari_symseg.core.samples import moving_boundary_series
    from napari_symseg.core.series import label_frames_steps

    threads = []

    def recorded(name):
        original = getattr(series_edits, name)

        def steps(*args, **kwargs):
            threads.append((name, threading.current_thread() is threading.main_thread()))
            return (yield from original(*args, **kwargs))

        monkeypatch.setattr(series_edits, name, steps)

    for name in ("merged_frames", "relabelled_frames", "series_table_steps"):
        recorded(name)
    data = moving_boundary_series(4, (64, 96), start=30, step=12)
    _, main, layer = all_frames_run(make_napari_viewer, qtbot, data)
    shown = [layer.data]
    dock = main.edit_patterns()

    dock.pattern_a.value, dock.pattern_b.value = 1, 2
    worker = dock.merge()
    assert worker is not None and not dock.merge_button.enabled \
        and not dock.split_button.enabled and dock.cancel_button.enabled
    assert dock.merge() is None  # one edit at a time
    edited(qtbot, dock, worker)
    assert dock.merge_button.enabled and not dock.cancel_button.enabled
    old_route = run(label_frames_steps(dock.session.result.model, data))[0] + 1
    np.testing.assert_array_equal(layer.data, old_route)
    np.testing.assert_array_equal(layer.data, np.where(shown[0] == 3, 2, shown[0]))
    shown.append(layer.data)

    dock.pattern_a.value = 0
    worker = dock.split()
    dock.cancel_edit()  # at once: the worker stops before its next frame
    edited(qtbot, dock, worker)
    assert layer.data is shown[-1] and dock.session.result.model.n_patterns == 2
    assert "cancelled" in dock.status.value and dock.merge_button.enabled

    edited(qtbot, dock, dock.split())
    old_route = run(label_frames_steps(dock.session.result.model, data))[0] + 1
    np.testing.assert_array_equal(layer.data, old_route)
    assert set(np.unique(layer.data)) == {1, 2, 3}
    assert {name for name, _ in threads} == {"merged_frames", "relabelled_frames",
                                            "series_table_steps"}
    assert not any(on_gui for _, on_gui in threads), threads

    dock.undo()
    assert layer.data is shown[1]
    dock.undo()
    assert layer.data is shown[0]
    assert main.controller.current().edited_patterns is None


def test_series_undo_copies_beyond_the_budget_go_to_disk_and_come_back():
    import os

    from napari_symseg.controller.series_edits import SeriesState, spill_old

    rng = np.random.default_rng(0)
    states = [SeriesState(rng.integers(1, 4, (3, 8, 8)).astype(np.uint8)) for _ in range(4)]
    kept = [np.array(s.data) for s in states]
    spill_old(states, budget=2 * 3 * 8 * 8)  # room for two saved arrays
    assert [s.path is not None for s in states] == [True, False, False, False]
    for state, values in zip(states, kept, strict=True):
        np.testing.assert_array_equal(state.data, values)
    path = states[0].path
    assert os.path.exists(path)
    states[0].drop()
    assert not os.path.exists(path)


def test_a_lazily_labelled_series_is_not_edited():
    from types import SimpleNamespace

    import dask.array as da

    from napari_symseg.controller.scribbles import ScribbleSession
    from napari_symseg.errors import ScribbleError

    layer = SimpleNamespace(name="v patterns", data=da.zeros((4, 8, 8), chunks=(1, 8, 8)),
                            metadata={})
    source = SimpleNamespace(name="v", data=np.zeros((4, 8, 8)))
    with pytest.raises(ScribbleError, match="labelled lazily"):
        ScribbleSession(None).adopt(source, layer, None, SimpleNamespace(model=None), 0)


def test_long_texts_and_layer_names_do_not_widen_the_dock(dock, qtbot):
    """A tester saw the docks widen from 587 to 809 px after a scribbled run (the status
    line and the long layer names in the choosers), leaving a 211 px wide canvas."""
    viewer, widget, _ = dock
    viewer.window.show()  # hidden widgets' layouts do not follow their contents
    content = widget.scroll.widget()
    qtbot.wait(50)
    before = content.minimumSizeHint().width()
    viewer.add_image(np.zeros((8, 8)), name="a very long layer name " * 6)
    widget.image.reset_choices()
    widget.target.reset_choices()
    widget.status.value = "guided: strokes + EM on 8 PCA components, " * 8
    qtbot.wait(50)
    assert content.minimumSizeHint().width() <= before + 5


def test_measure_takes_the_scribbled_patterns_the_user_sees(docks_after_a_run, qtbot):
    """A tester measured after a scribbled run: the hidden run's patterns were measured,
    and their regions covered the scribbled result. Measure (like Export) takes the last
    run made, a scribbled one too, whether its layer is hidden or not."""
    from tests._qt.helpers import run_and_wait

    viewer, main, dock = docks_after_a_run
    assert main.measure.patterns_layer() is viewer.layers["img patterns"]
    _paint(dock)
    _run(dock, qtbot)
    scribbled = viewer.layers["img scribbled patterns"]
    assert main.measure.patterns_layer() is scribbled  # shown, the run's patterns hidden
    worker = main.measure.start()
    assert worker is not None
    qtbot.waitUntil(lambda: main.activity.kind is None, timeout=60_000)
    regions = viewer.layers["img regions"]
    assert np.array_equal(regions.data > 0, np.asarray(scribbled.data) > 0)
    scribbled.visible = False  # hiding a layer does not make another run the result
    assert main.measure.patterns_layer() is scribbled
    run_and_wait(qtbot, main)  # a later plain run is the last run made
    assert main.measure.patterns_layer() is viewer.layers["img patterns"]


def test_a_scribbled_run_reaches_the_main_dock_and_follows_a_rename(docks_after_a_run,
                                                                     qtbot, tmp_path):
    """Hint, status and Export of the main dock take the scribbled run (the last one made);
    renaming the image renames its scribbled layers, switching image hides them."""
    from napari_symseg.io.labels import LABEL_OFFSET
    from tests._qt.helpers import choose

    viewer, main, dock = docks_after_a_run
    other = viewer.add_image(two_phase(SHAPE, boundary=100, seed=5), name="other")
    main.image.value = dock.image.value = viewer.layers["img"]
    _paint(dock)
    _run(dock, qtbot)
    scribbled = viewer.layers["img scribbled patterns"]
    record = main.controller.current()
    assert record.slot == "scribbled"
    # the hint panel speaks of this run (not the plain run's hint, nor another image's)
    qtbot.waitUntil(lambda: "your strokes" in main.hint_panel.text.value, timeout=5_000)
    assert main.measure.start() is not None
    qtbot.waitUntil(lambda: main.activity.kind is None, timeout=60_000)
    paths = main.export(tmp_path / "scribbled")
    labels = next(p for p in paths if str(p).endswith("_labels.tif"))
    import tifffile

    np.testing.assert_array_equal(tifffile.imread(labels),
                                  np.asarray(scribbled.data) - LABEL_OFFSET)
    reopened = viewer.open(str(labels), plugin="napari-symseg")[0]
    np.testing.assert_array_equal(reopened.data, scribbled.data)
    qtbot.wait(300)  # reopening the export is no new scribbled run: the measurement stays
    assert "img regions" in viewer.layers and main.measure.controller.last is not None
    viewer.layers.remove(reopened)
    choose(qtbot, main, other)  # another image: the scribbled run hides with img's results
    assert not scribbled.visible and not viewer.layers["img scribbles"].visible
    choose(qtbot, main, viewer.layers["img"])
    assert scribbled.visible
    assert main.status.value.startswith("img: ") and "guided by the scribbles" in \
        main.status.value
    viewer.layers["img"].name = "renamed"
    assert scribbled.name == "renamed scribbled patterns"
    assert dock.session.scribbles_layer(viewer.layers["renamed"]).name == "renamed scribbles"
    assert main.controller.current() is record


def test_closing_the_dock_mid_run_adds_nothing_and_the_thaw_waits(dock, qtbot):
    """The dock closed while its run computes: no error, no layer later, and the worker
    still counts for the warm-up's thaw (`runner.any_running`) until it ends."""
    import threading

    from napari_symseg import Params
    from napari_symseg._qt import runner
    from napari_symseg._qt.docks import dock_of

    viewer, widget, image = dock
    _paint(widget)
    qtbot.waitUntil(lambda: not runner.any_running(), timeout=60_000)
    widget.session.params_for = lambda source, base=None: Params(n_patterns=2, **SMALL)
    gate = threading.Event()
    run_steps = widget.session.run_steps

    def held(source, params):
        steps = run_steps(source, params)

        def waiting():
            gate.wait(60)
            return (yield from steps)

        return waiting()

    widget.session.run_steps = held
    assert widget.run() is not None
    viewer.window.remove_dock_widget(dock_of(widget.native))  # its close button
    qtbot.wait(300)  # the dock deleted (deleteLater)
    assert widget.activity.kind is None  # the closed dock's run no longer blocks the others
    assert runner.any_running()  # ... but its worker still counts until it ends
    gate.set()
    qtbot.waitUntil(lambda: not runner.any_running(), timeout=60_000)
    qtbot.wait(200)
    assert "img scribbled patterns" not in viewer.layers
    assert widget.session.store.find(image).scribbled is None
    viewer.add_image(np.zeros((8, 8)), name="later")  # its choosers no longer follow


@pytest.mark.parametrize("budget", [None, 0])
def test_the_confidence_layer_follows_merge_split_and_undo(make_napari_viewer, qtbot,
                                                           monkeypatch, budget):
    """An edit moves the centres, so the margin between the nearest two changes: the
    run's confidence layer shows the edited result's; undo gives the run's back exactly,
    also when the history kept no confidence image (budget 0: computed again)."""
    import napari_symseg.controller.series_edits as series_edits
    from tests._qt.helpers import run_and_wait, set_fields

    if budget is not None:
        monkeypatch.setattr(series_edits, "CONFIDENCE_BYTES", budget)

    viewer = make_napari_viewer()
    image = viewer.add_image(two_phase(SHAPE, boundary=BOUNDARY), name="img")
    _, main = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    main.image.value = image
    set_fields(main, n_patterns=3, **SMALL)
    run_and_wait(qtbot, main)
    confidence = viewer.layers["img confidence"]
    first = np.array(confidence.data)
    dock = main.edit_patterns()
    run = dock.session.result
    np.testing.assert_array_equal(first, run.confidence_image.astype(np.float32))
    dock.pattern_a.value, dock.pattern_b.value = 0, 1
    edited(qtbot, dock, dock.merge())
    merged = dock.session.result
    assert merged.model.n_patterns == 2
    np.testing.assert_array_equal(confidence.data, merged.confidence_image.astype(np.float32))
    assert not np.array_equal(confidence.data, first)
    dock.pattern_a.value = 0
    edited(qtbot, dock, dock.split())
    split = dock.session.result
    np.testing.assert_array_equal(confidence.data, split.confidence_image.astype(np.float32))
    dock.undo()
    np.testing.assert_array_equal(confidence.data, merged.confidence_image.astype(np.float32))
    dock.undo()
    np.testing.assert_array_equal(confidence.data, first)


def test_the_main_status_line_says_a_scribbled_run_is_shown(docks_after_a_run, qtbot):
    """A tester saw the main dock's status line keep the plain run's summary after a
    scribbled run (until the image was chosen again): it says what the shown run is, and
    the plain run's again once the scribbled layer is deleted."""
    viewer, main, dock = docks_after_a_run
    plain = main.controller.current().summary
    assert main.status.value == plain and "scribbles" not in plain
    _paint(dock)
    _run(dock, qtbot)
    qtbot.waitUntil(lambda: main.controller.current().slot == "scribbled", timeout=5_000)
    assert main.status.value == main.controller.current().summary
    assert "guided by the scribbles" in main.status.value
    viewer.layers.remove(viewer.layers["img scribbled patterns"])
    assert main.status.value == plain


def test_a_deleted_images_strokes_are_not_taken_over_by_a_new_image_of_its_name(dock):
    """The strokes of a deleted image are kept (hidden, renamed, marked orphaned); a new
    image given the same name starts without them (life10's note)."""
    viewer, widget, image = dock
    strokes = widget.session.add_layer(image)
    strokes.data[5:10, 5:10] = 1
    viewer.layers.remove(image)
    assert strokes in viewer.layers and not strokes.visible
    again = viewer.add_image(two_phase(SHAPE, boundary=BOUNDARY), name="img")
    assert widget.session.scribbles_layer(again) is None
