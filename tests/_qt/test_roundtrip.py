"""Lossless round trips: every labels file the package writes reopens in napari as the layer.

Export results…, File > Save through the plugin's writer and the CLI's output all hold the
pattern index (0..k-1); napari's reader (this plugin, for ``*_labels.tif``) shows them as
pattern + 1 with the scale, translate, units, axis labels and the run's record they had.
A plain TIFF still opens with napari's own reader, without asking which reader to use.
"""

import numpy as np
import pytest
import tifffile

from napari_symseg import segment, segment_series
from napari_symseg.cli import main
from napari_symseg.controller import LABEL_OFFSET, METADATA_KEY
from napari_symseg.controller.layer_io import export_layer_result
from napari_symseg.core.samples import moving_boundary_series, two_phase
from napari_symseg.io.figure import label_colour_dict

SMALL = {"patch_x": 6, "patch_y": 6, "window_x": 8, "window_y": 8, "stride": 4}
NM = {"scale": (0.0127, 0.0127), "units": ("nm", "nm"), "translate": (1.27, -0.635),
      "axis_labels": ("y", "x")}


def _record(result, source, frame=None):
    return {METADATA_KEY: {"params": result.params.to_dict(), "version": "9.9.9",
                           "random_state": result.params.random_state, "source": source,
                           "frame": frame, "label_offset": LABEL_OFFSET}}


@pytest.fixture
def segmented(make_napari_viewer):
    """A calibrated image and its pattern layer as the widget adds them (pattern + 1)."""
    viewer = make_napari_viewer()
    image = two_phase((96, 112))
    source = viewer.add_image(image, name="img", **NM)
    result = segment(image, **SMALL)
    patterns = viewer.add_labels(result.labels + LABEL_OFFSET, name="img patterns",
                                 metadata=_record(result, "img"), **NM,
                                 colormap=label_colour_dict(2, LABEL_OFFSET))
    patterns.data[:5, :7] = 0  # erased by hand: no pattern
    return viewer, source, patterns, result


def _open(viewer, path):
    layers = viewer.open(str(path), plugin="napari-symseg")
    assert len(layers) == 1
    return layers[0]


def _assert_same_layer(reopened, layer):
    from napari.layers import Labels

    assert isinstance(reopened, Labels)
    np.testing.assert_array_equal(reopened.data, layer.data)
    np.testing.assert_allclose(reopened.scale, layer.scale, rtol=1e-12)
    np.testing.assert_allclose(reopened.translate, layer.translate, rtol=1e-12, atol=1e-12)
    assert [str(u) for u in reopened.units] == [str(u) for u in layer.units]
    assert tuple(reopened.axis_labels) == tuple(layer.axis_labels)
    ours, theirs = reopened.metadata[METADATA_KEY], layer.metadata[METADATA_KEY]
    assert ours["label_offset"] == LABEL_OFFSET
    for key in ("params", "version", "source", "frame"):
        assert ours[key] == theirs[key], key


def test_export_reopens_as_the_same_labels_layer(segmented, tmp_path):
    viewer, source, patterns, _ = segmented
    written = export_layer_result(tmp_path / "run", source, patterns)
    stored = tifffile.imread(written[0])
    assert stored.dtype == np.uint8 and stored[0, 0] == 255  # no pattern
    np.testing.assert_array_equal(stored[patterns.data > 0], patterns.data[patterns.data > 0] - 1)
    reopened = _open(viewer, written[0])
    assert reopened.name == "run_labels"
    _assert_same_layer(reopened, patterns)
    for label in (1, 2):  # the pattern colours
        np.testing.assert_allclose(reopened.get_color(label), patterns.get_color(label))


def test_file_save_with_the_plugin_writer_gives_the_export_file(segmented, tmp_path):
    viewer, source, patterns, _ = segmented
    exported = export_layer_result(tmp_path / "run", source, patterns)[0]
    viewer.layers.selection = {patterns}
    saved = tmp_path / "saved_labels.tif"
    written = viewer.layers.save(str(saved), selected=True, plugin="napari-symseg")
    assert written == [str(saved)]
    a, b = tifffile.imread(exported), tifffile.imread(saved)
    assert a.dtype == b.dtype
    np.testing.assert_array_equal(a, b)  # the same result saved two ways: the same file
    _assert_same_layer(_open(viewer, saved), patterns)


@pytest.mark.parametrize("name", ["img patterns.tif", "img patterns (frame 3).tiff"])
def test_file_save_under_the_name_napari_proposes_reopens_by_file_open(segmented, tmp_path,
                                                                       name):
    """napari's save dialog proposes the layer's name (``img patterns``): saved so through
    the plugin's writer, *File > Open* (napari's reader preferences, set by the widget)
    gives the same Labels layer, not napari's uncalibrated Image (tester newuser13)."""
    from napari.settings import get_settings

    viewer, _, patterns, _ = segmented
    settings = get_settings().plugins
    before = dict(settings.extension2reader)
    try:
        settings.extension2reader = {}
        viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
        viewer.layers.selection = {patterns}
        saved = tmp_path / name
        assert viewer.layers.save(str(saved), selected=True,
                                  plugin="napari-symseg") == [str(saved)]
        [reopened] = viewer.open(str(saved), plugin=None)  # as File > Open
        _assert_same_layer(reopened, patterns)
    finally:
        settings.extension2reader = before


def test_cli_output_reopens_calibrated(make_napari_viewer, tmp_path):
    image = two_phase((96, 112)).astype(np.float32)
    src = tmp_path / "img.tif"
    tifffile.imwrite(src, image, imagej=True, resolution=(1 / 0.0127, 1 / 0.0127),
                     metadata={"unit": "nm", "axes": "YX"})
    out = tmp_path / "cli_labels.tif"
    args = [f"--{k.replace('_', '-')}={v}" for k, v in SMALL.items()]
    assert main(["segment", str(src), "-o", str(out), "-q", *args]) == 0
    viewer = make_napari_viewer()
    layer = _open(viewer, out)
    expected = segment(image, **SMALL).labels
    np.testing.assert_array_equal(layer.data, expected + 1)
    np.testing.assert_allclose(layer.scale, (0.0127, 0.0127))
    assert [str(u) for u in layer.units] == ["nanometer", "nanometer"]
    assert layer.metadata[METADATA_KEY]["params"]["patch_x"] == 6


def test_series_with_time_in_seconds_round_trips(make_napari_viewer, tmp_path):
    viewer = make_napari_viewer()
    series = moving_boundary_series(n_frames=4, shape=(80, 96), start=30, step=8)
    calibration = {"scale": (0.5, 0.02, 0.02), "units": ("s", "nm", "nm"),
                   "axis_labels": ("t", "y", "x"), "translate": (2.0, 0.0, 0.0)}
    viewer.add_image(series, name="ser", **calibration)
    result = segment_series(series, **SMALL, n_selected_operations=10)
    data = (result.labels + LABEL_OFFSET).astype(np.uint8)
    data[3] = 0  # a frame not labelled yet
    patterns = viewer.add_labels(data, name="ser patterns", metadata=_record(result, "ser"),
                                 **calibration)
    viewer.layers.selection = {patterns}
    path = tmp_path / "ser_labels.tif"
    viewer.layers.save(str(path), selected=True, plugin="napari-symseg")
    with tifffile.TiffFile(path) as tif:  # Fiji's frame interval
        assert tif.series[0].axes == "TYX" and tif.imagej_metadata["finterval"] == 0.5
    reopened = _open(viewer, path)
    _assert_same_layer(reopened, patterns)
    assert [str(u) for u in reopened.units] == ["second", "nanometer", "nanometer"]
    assert reopened.data.shape == (4, 80, 96) and reopened.data[3].max() == 0


def test_plain_tiff_opens_with_napari_reader_without_asking(make_napari_viewer, tmp_path,
                                                            monkeypatch):
    from napari._qt.dialogs import qt_reader_dialog
    from napari.layers import Image
    from napari.plugins import _npe2

    asked = []
    monkeypatch.setattr(qt_reader_dialog.QtReaderDialog, "get_user_choices",
                        lambda self: (asked.append(self._extension), ("", False))[1])
    viewer = make_napari_viewer()
    plain = tmp_path / "plain.tif"
    tifffile.imwrite(plain, np.arange(20 * 30, dtype=np.uint16).reshape(20, 30))
    assert list(_npe2.get_readers(str(plain))) == ["napari"]
    viewer.window._qt_viewer._qt_open([str(plain)], stack=False)  # what File > Open does
    assert not asked
    [layer] = viewer.layers
    assert isinstance(layer, Image) and layer.data[1, 2] == 32
    # a *_labels.tif of another tool read through this plugin: what napari's reader gives
    other = tmp_path / "other_labels.tif"
    tifffile.imwrite(other, np.eye(8, dtype=np.uint8))
    assert set(_npe2.get_readers(str(other))) == {"napari", "napari-symseg"}
    layer = _open(viewer, other)
    assert isinstance(layer, Image) and layer.data.shape == (8, 8)


def test_remembered_plugin_choice_does_not_capture_plain_tiffs(make_napari_viewer, tmp_path):
    from napari.layers import Image
    from napari.settings import get_settings

    viewer = make_napari_viewer()
    plain = tmp_path / "plain.tif"
    tifffile.imwrite(plain, np.ones((6, 7), np.float32))
    settings = get_settings().plugins
    before = dict(settings.extension2reader)
    settings.extension2reader = {**before, "*.tif": "napari-symseg"}  # "remember this choice"
    try:
        with pytest.warns(RuntimeWarning, match="napari-symseg"):
            [layer] = viewer.open(str(plain), plugin=None)
    finally:
        settings.extension2reader = before
    assert isinstance(layer, Image) and layer.data.shape == (6, 7)


def test_with_the_widget_open_file_open_needs_no_reader_choice(segmented, tmp_path):
    """The widget records the reader choice for *_labels.tif only, once, never over the user's."""
    from napari.settings import get_settings

    from napari_symseg.controller.layer_io import OWN_LABELS_PATTERNS, prefer_own_labels_reader
    from napari_symseg.io.images import IMAGE_PATTERNS

    viewer, source, patterns, _ = segmented
    settings = get_settings().plugins
    before = dict(settings.extension2reader)
    try:
        settings.extension2reader = {"*_labels.tiff": "napari"}  # the user's own choice
        viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
        assert settings.extension2reader == {"*_labels.tiff": "napari",
                                             "*_labels.tif": "napari-symseg",
                                             "*_labels.zarr/": "napari-symseg",
                                             "*/labels.tif": "napari-symseg",
                                             "*/labels.tiff": "napari-symseg",
                                             **dict.fromkeys(OWN_LABELS_PATTERNS[5:],
                                                             "napari-symseg"),
                                             # the image files (issue 11)
                                             **dict.fromkeys(IMAGE_PATTERNS, "napari-symseg")}
        assert prefer_own_labels_reader() == []
        [path] = [p for p in export_layer_result(tmp_path / "run", source, patterns)
                  if p.name.endswith("_labels.tif")]
        [reopened] = viewer.open(str(path), plugin=None)  # as File > Open: preferences
        _assert_same_layer(reopened, patterns)
    finally:
        settings.extension2reader = before
    assert set(OWN_LABELS_PATTERNS) == {"*_labels.tif", "*_labels.tiff", "*_labels.zarr/",
                                        "*/labels.tif", "*/labels.tiff",
                                        "*[_ ]patterns.tif", "*[_ ]patterns.tiff",
                                        "*[_ ]patterns (frame *).tif",
                                        "*[_ ]patterns (frame *).tiff"}


def test_a_script_opening_labels_tif_never_gets_an_image_layer(segmented, tmp_path):
    """``viewer.open("labels.tif")`` without ``plugin=`` (the README's ``-o labels.tif``):
    the Labels layer once the widget has recorded its reader preference, else napari's
    error naming both readers; and why no manifest pattern can do it without preferences."""
    from napari.errors import MultipleReaderError
    from napari.plugins import _npe2
    from napari.settings import get_settings
    from npe2.manifest.contributions import ReaderContribution

    viewer, source, patterns, _ = segmented
    folder = tmp_path / "out"
    folder.mkdir()
    [written] = [p for p in export_layer_result(folder / "run", source, patterns)
                 if p.name.endswith("_labels.tif")]
    path = written.rename(folder / "labels.tif")
    # napari never ranks readers: any *.tif name (*.symseg.tif too) matches its own reader
    for name in ("labels.tif", "run_labels.tif", "run.symseg.tif"):
        assert "napari" in _npe2.get_readers(str(tmp_path / name))
    assert set(_npe2.get_readers(str(path))) == {"napari", "napari-symseg"}
    assert set(ReaderContribution.model_fields) == {"command", "filename_patterns",
                                                    "accepts_directories"}  # no priority
    settings = get_settings().plugins
    before = dict(settings.extension2reader)
    try:
        settings.extension2reader = {}  # a fresh napari: no preference recorded yet
        with pytest.raises(MultipleReaderError):
            viewer.open(str(path), plugin=None)
        viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
        [reopened] = viewer.open(str(path), plugin=None)
        _assert_same_layer(reopened, patterns)
    finally:
        settings.extension2reader = before


def test_choosing_the_reader_once_records_it_without_the_widget(segmented, tmp_path):
    """Before the widget is opened, File > Open of labels.tif asks once (napari's dialog:
    MultipleReaderError); the reader chosen there records the preference itself."""
    from napari.errors import MultipleReaderError
    from napari.settings import get_settings

    viewer, source, patterns, _ = segmented
    [written] = [p for p in export_layer_result(tmp_path / "run", source, patterns)
                 if p.name.endswith("_labels.tif")]
    settings = get_settings().plugins
    before = dict(settings.extension2reader)
    try:
        settings.extension2reader = {}  # a fresh napari, the widget never opened
        with pytest.raises(MultipleReaderError):
            viewer.open(str(written), plugin=None)
        _assert_same_layer(_open(viewer, written), patterns)  # the dialog's choice
        assert settings.extension2reader.get("*_labels.tif") == "napari-symseg"
        [again] = viewer.open(str(written), plugin=None)  # no question any more
        _assert_same_layer(again, patterns)
    finally:
        settings.extension2reader = before
