"""The widget's "Export results…", the pattern layer's features and napari's File > Save."""

import csv
import json

import numpy as np
import pytest
import tifffile
from PIL import Image

from napari_symseg._qt.widget import ALL_FRAMES, METADATA_KEY
from napari_symseg.core.params import Params
from napari_symseg.core.samples import moving_boundary_series, two_phase
from napari_symseg.core.stats import frame_statistics
from napari_symseg.io.figure import OKABE_ITO, overlay_rgb

from .helpers import run_and_wait, set_fields

SMALL = {"patch_x": 6, "patch_y": 6, "window_x": 8, "window_y": 8, "stride": 4}
NM = {"scale": (0.0127, 0.0127), "units": ("nm", "nm")}


def _resolution(path):
    with tifffile.TiffFile(path) as tif:
        x, y = tif.pages[0].get_resolution()
        return 1 / x, 1 / y, tif.imagej_metadata, tif.asarray()


@pytest.fixture
def segmented(qtbot, viewer_widget):
    """A calibrated two-phase image segmented by the widget."""
    viewer, widget = viewer_widget
    image = two_phase((120, 140))
    source = viewer.add_image(image, name="img", **NM)
    widget.image.value = source
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    return viewer, widget, image, viewer.layers["img patterns"]


def test_pattern_layer_colours_and_features(segmented):
    _, _, image, patterns = segmented
    for k in range(2):  # the overlay figures' palette
        np.testing.assert_allclose(np.asarray(patterns.get_color(k + 1))[:3] * 255,
                                   OKABE_ITO[k], atol=0.5)
    features = patterns.features
    labels = np.asarray(patterns.data) - 1
    fractions, regions, means = frame_statistics(labels, image, 2)
    assert list(features["index"]) == [1, 2]  # the layer's label values (pattern + 1)
    assert list(features["pattern"]) == [0, 1]
    np.testing.assert_allclose(features["area_fraction"], fractions)
    np.testing.assert_array_equal(features["regions"], regions)
    np.testing.assert_allclose(features["mean_intensity"], means)
    np.testing.assert_allclose(features["area_nm2"], fractions * 120 * 140 * 0.0127**2)
    assert sorted(np.unique(labels)) == [0, 1] and 0.3 < fractions[0] < 0.7


def test_export_writes_the_four_files(segmented, tmp_path, errors):
    _, widget, image, patterns = segmented
    written = widget.export(tmp_path / "run")
    assert [p.name for p in written] == ["run_labels.tif", "run_params.json", "run_stats.csv",
                                         "run_overlay.png"]
    assert not errors
    assert "run_labels.tif" in widget.status.value and "run_overlay.png" in widget.status.value
    labels = np.asarray(patterns.data) - 1
    sx, sy, meta, data = _resolution(written[0])
    assert (sx, sy) == (pytest.approx(0.0127), pytest.approx(0.0127)) and meta["unit"] == "nm"
    np.testing.assert_array_equal(data, labels)  # patterns 0..k-1, as the CLI writes them
    record = json.loads(meta["Info"])
    run_params = patterns.metadata[METADATA_KEY]["params"]
    assert record["params"] == run_params and record["source"] == "img"
    assert Params.from_json(written[1]) == Params.from_dict(run_params)
    rows = list(csv.DictReader(written[2].open()))
    fractions, regions, means = frame_statistics(labels, image, 2)
    assert [int(r["pattern"]) for r in rows] == [0, 1]
    for k, row in enumerate(rows):
        assert float(row["area_fraction"]) == pytest.approx(fractions[k])
        assert float(row["area_nm2"]) == pytest.approx(fractions[k] * 120 * 140 * 0.0127**2)
        assert int(row["regions"]) == regions[k]
        assert float(row["mean_intensity"]) == pytest.approx(means[k])
    rgb = np.asarray(Image.open(written[3]))
    assert rgb.shape == (120, 140, 3)
    # top left: the overlay itself, in the layer's colours (legend upper right, bar lower right)
    ref = overlay_rgb(image, labels, colours=np.array(OKABE_ITO[:2]))
    np.testing.assert_array_equal(rgb[:60, :70], ref[:60, :70])


def test_export_follows_the_layer_colours(segmented, tmp_path):
    _, widget, image, patterns = segmented
    patterns.colormap = {None: (0, 0, 0, 0), 1: (1.0, 0.0, 0.0, 1.0), 2: (0.0, 0.0, 1.0, 1.0)}
    written = widget.export(tmp_path / "red")
    rgb = np.asarray(Image.open(written[3]))
    ref = overlay_rgb(image, np.asarray(patterns.data) - 1,
                      colours=np.array([(255, 0, 0), (0, 0, 255)]))
    np.testing.assert_array_equal(rgb[:60, :70], ref[:60, :70])


def test_export_errors_are_messages(qtbot, viewer_widget, tmp_path, errors):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((120, 140)), name="img")
    assert widget.export(tmp_path / "run") is None
    assert "run a segmentation" in errors[-1] and "not exported" in widget.status.value
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    assert widget.export(tmp_path / "no" / "such" / "run") is None
    assert "folder does not exist" in errors[-1]
    assert list(tmp_path.iterdir()) == []


def test_load_parameters_fills_the_fields_from_an_export(segmented, tmp_path, errors):
    _, widget, _, _ = segmented
    written = widget.export(tmp_path / "run")
    set_fields(widget, patch_x=11, stride=7, n_patterns=4)
    assert widget.load_params(written[1])
    assert widget.fields["patch_x"].value == 6 and widget.fields["stride"].value == 4
    assert widget.fields["n_patterns"].value == 2 and not errors


def test_napari_file_save_writes_calibrated_labels(segmented, tmp_path):
    """napari's File > Save: whichever .tif writer napari picks (the order of plugins is not
    fixed) writes the labels; ours, chosen by name as in the Save dialog, keeps calibration
    and writes the patterns (layer value - 1), as Export does."""
    import tifffile

    viewer, _, _, patterns = segmented
    viewer.layers.selection = {patterns}
    plain = tmp_path / "plain.tif"
    assert viewer.layers.save(str(plain), selected=True) == [str(plain)]
    plain_data = tifffile.imread(plain)  # napari's writer: the layer; ours: the patterns
    assert any(np.array_equal(plain_data, patterns.data - k) for k in (0, 1))
    path = tmp_path / "saved_labels.tif"
    assert viewer.layers.save(str(path), selected=True, plugin="napari-symseg") == [str(path)]
    sx, sy, meta, data = _resolution(path)
    np.testing.assert_array_equal(data, patterns.data - 1)  # the patterns 0..k-1
    assert (sx, sy) == (pytest.approx(0.0127), pytest.approx(0.0127)) and meta["unit"] == "nm"
    assert json.loads(meta["Info"])["labels"]["label_offset"] == 1
    (reopened,) = viewer.open(str(path), plugin="napari-symseg")  # the plugin adds 1 back
    np.testing.assert_array_equal(reopened.data, patterns.data)


def test_series_export_features_and_current_frame_overlay(qtbot, viewer_widget, tmp_path):
    viewer, widget = viewer_widget
    series = moving_boundary_series(n_frames=4, shape=(96, 128), start=40, step=16)
    source = viewer.add_image(series, name="s", scale=(0.5, 0.1, 0.1),
                              units=("s", "nm", "nm"), axis_labels=("t", "y", "x"))
    widget.image.value = source
    widget.segment.value = ALL_FRAMES
    set_fields(widget, **SMALL, n_selected_operations=10)
    run_and_wait(qtbot, widget)
    patterns = viewer.layers["s patterns"]
    labels = np.asarray(patterns.data) - 1
    stats = [frame_statistics(labels[t], series[t], 2) for t in range(4)]
    features = patterns.features  # means over the frames
    np.testing.assert_allclose(features["area_fraction"], np.mean([s[0] for s in stats], 0))
    np.testing.assert_allclose(features["regions_per_frame"], np.mean([s[1] for s in stats], 0))
    assert "regions" not in features  # a float mean is not a number of regions
    viewer.dims.set_current_step(0, 2)
    written = widget.export(tmp_path / "s")
    sx, _, meta, data = _resolution(written[0])
    np.testing.assert_array_equal(data, labels)
    assert sx == pytest.approx(0.1) and meta["finterval"] == pytest.approx(0.5)
    rows = list(csv.DictReader(written[2].open()))
    assert len(rows) == 8 and [float(r["time_s"]) for r in rows[::2]] == [0, 0.5, 1.0, 1.5]
    for row in rows:
        t, k = int(row["frame"]), int(row["pattern"])
        assert float(row["area_fraction"]) == pytest.approx(stats[t][0][k])
    rgb = np.asarray(Image.open(written[3]))
    ref = overlay_rgb(series[2], labels[2], colours=np.array(OKABE_ITO[:2]))
    np.testing.assert_array_equal(rgb[:48, :64], ref[:48, :64])
    assert not np.array_equal(ref[:48, :64], overlay_rgb(series[0], labels[0],
                                                         colours=np.array(OKABE_ITO[:2]))
                              [:48, :64])


def test_export_button_writes_in_a_worker_with_the_values_at_the_click(segmented, qtbot,
                                                                       tmp_path, errors,
                                                                       monkeypatch):
    import threading

    from napari_symseg.controller import layer_io

    _, widget, _, patterns = segmented
    labels = np.asarray(patterns.data) - 1
    go, threads = threading.Event(), []
    real = layer_io.export_result

    def held(*args, **kwargs):  # the writing waits until the test has painted
        threads.append(threading.current_thread())
        assert go.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(layer_io, "export_result", held)
    worker = widget.start_export(tmp_path / "bg")
    assert worker is not None and widget.export_worker is worker
    assert not widget.export_button.enabled and "exporting" in widget.status.value
    patterns.data = np.ones_like(patterns.data)  # painted after the click: not exported
    go.set()
    qtbot.waitUntil(lambda: widget.export_worker is None, timeout=20_000)
    assert threads and threads[0] is not threading.main_thread()
    assert widget.export_button.enabled and not errors
    assert "bg_labels.tif" in widget.status.value and "bg_overlay.png" in widget.status.value
    np.testing.assert_array_equal(_resolution(tmp_path / "bg_labels.tif")[3], labels)
    # a failure in the worker: one message, the button back, nothing written
    go.clear()
    go.set()
    assert widget.start_export(tmp_path / "no" / "such" / "bg") is not None
    qtbot.waitUntil(lambda: widget.export_worker is None, timeout=20_000)
    assert "folder does not exist" in errors[-1] and "not exported" in widget.status.value
    assert widget.export_button.enabled
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bg_labels.tif", "bg_overlay.png", "bg_params.json", "bg_stats.csv"]


def test_export_edit_and_measure_wait_for_a_running_run(segmented, qtbot, monkeypatch, errors):
    # tester newuser6: pressed during a run they failed with "run a segmentation of the
    # chosen image first"; they now say that a run is going on, and open nothing
    from qtpy.QtWidgets import QFileDialog

    viewer, widget, _, _ = segmented
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: asked.append(a) or ("", "")))
    layers = len(viewer.layers)
    worker = widget.run()
    assert worker is not None
    for action, press in (("export", lambda: widget.export_button.changed.emit(True)),
                          ("edit", widget.edit_patterns),
                          ("measure", widget.measure.start)):
        press()
        assert widget.status.value.startswith(f"{action}: a run is going on"), action
    assert asked == [] and not errors
    qtbot.waitUntil(lambda: widget.worker is None, timeout=60_000)
    assert len(viewer.layers) == layers  # no Scribbles or Measure layers appeared
