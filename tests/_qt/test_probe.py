"""The probe in the viewer: one layer on top, draggable at once (by the mouse too), its
map from a worker."""

import napari
import numpy as np
import pytest
from benchmarks.napari_window import canvas_drag

from napari_symseg._qt.probe import Probe
from napari_symseg.controller import METADATA_KEY
from napari_symseg.controller.probe import CIRCLE_SEGMENTS, MARK, probe_map, probe_marker
from napari_symseg.core.descriptors.translation import correlation_map
from napari_symseg.core.params import Params, ParamsError
from napari_symseg.core.samples import two_phase

from .helpers import TIMEOUT

SCALE = (0.02, 0.05)
TRANSLATE = (1.0, 2.0)


def world(row, col):
    """World coordinates of image data coordinates (row, col) of the "tp" image."""
    return np.asarray(TRANSLATE) + np.asarray(SCALE) * (row, col)


def world_box(layer, index, side):
    """The min or max corner of outline `index` of the window `layer` (its segments'
    start points), in world coordinates."""
    starts = layer.data[layer.features["shape"].to_numpy() == index, 0]
    corner = getattr(starts, side)(axis=0)
    return np.asarray(layer.translate) + np.asarray(layer.scale) * corner


class Harness:
    """What the widget gives the probe: the chosen image, the parameters, a display."""

    def __init__(self, viewer, source, params):
        self.viewer, self.source, self.params = viewer, source, params
        self.shown = []  # (cmap, pixel, source) in order
        self.probe = Probe(viewer, lambda: self.source, self.get_params, self.show)

    def get_params(self):
        if isinstance(self.params, Exception):
            raise self.params
        return self.params

    def show(self, cmap, pixel, source):
        self.shown.append((cmap, pixel, source))

    def wait_idle(self, qtbot):
        qtbot.waitUntil(lambda: not self.probe.busy, timeout=TIMEOUT)


@pytest.fixture
def harness(make_napari_viewer):
    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((32, 32)), name="other")
    source = viewer.add_image(two_phase((128, 160)), name="tp", scale=SCALE,
                              translate=TRANSLATE)
    viewer.add_labels(np.zeros((128, 160), int), name="tp patterns", scale=SCALE,
                      translate=TRANSLATE)
    return Harness(viewer, source, Params(patch_x=6, patch_y=5, window_x=8, window_y=9))


def mark_centre(layer):
    """World coordinates of the centre of the probe's mark (its 4 segments' middle)."""
    mark = layer.data[layer.features["shape"].to_numpy() == MARK]
    centre = (mark[:, 0] + mark[:, 1] / 2).mean(axis=0)
    return np.asarray(layer.translate) + np.asarray(layer.scale) * centre


def test_enabling_adds_one_layer_on_top_active_and_not_panning(qtbot, harness):
    viewer, probe = harness.viewer, harness.probe
    probe.enabled = True
    assert [layer.name for layer in viewer.layers] == ["other", "tp", "tp patterns", "tp probe"]
    layer = viewer.layers["tp probe"]
    assert isinstance(layer, napari.layers.Vectors) and layer.vector_style == "line"
    assert viewer.layers.selection.active is layer
    assert not layer.mouse_pan and not viewer.scene.camera.mouse_pan  # a drag moves the probe
    layer.mode = "transform"
    layer.mode = "pan_zoom"  # napari's modes turn panning on: the probe keeps it off
    assert not layer.mouse_pan
    assert layer.metadata[METADATA_KEY] == {"role": "probe", "source": "tp",
                                            "pixel": [64, 80]}
    assert Probe.is_probe_layer(layer) and not Probe.is_probe_layer(harness.source)
    np.testing.assert_allclose(layer.scale, SCALE)
    np.testing.assert_allclose(mark_centre(layer), world(64, 80))  # the image centre
    arm = max(8.0, 160 / 40)
    np.testing.assert_allclose(layer.data[layer.features["shape"].to_numpy() == MARK],
                               probe_marker(arm))
    # patch, then patch + shift window, on pixel edges, around the probe's pixel
    np.testing.assert_allclose(world_box(layer, 0, "min"), world(64 - 6.5, 80 - 5.5))
    np.testing.assert_allclose(world_box(layer, 1, "max"), world(64 + 14.5, 80 + 14.5))
    harness.wait_idle(qtbot)
    cmap, pixel, source = harness.shown[-1]
    assert pixel == (64, 80) and source is harness.source
    np.testing.assert_array_equal(cmap, correlation_map(source.data, 6, 5, 8, 9, 64, 80))
    probe.enabled = False
    assert [layer.name for layer in viewer.layers] == ["other", "tp", "tp patterns"]


def test_moves_are_merged_the_latest_position_is_drawn_and_its_map_computed(qtbot, harness):
    viewer, probe = harness.viewer, harness.probe
    probe.enabled = True
    harness.wait_idle(qtbot)
    layer = viewer.layers["tp probe"]
    before = len(harness.shown)
    for row in range(30, 60):  # a fast drag: 30 moves before the loop runs again
        probe.move_to(row, 120)
    assert probe.busy  # one redraw, at the latest position, after FOLLOW_MS
    harness.wait_idle(qtbot)
    np.testing.assert_allclose(world_box(layer, 0, "min"), world(59 - 6.5, 120 - 5.5))
    np.testing.assert_allclose(mark_centre(layer), world(59, 120))
    maps = harness.shown[before:]
    assert len(maps) == 1  # not 30: moves made meanwhile are merged
    cmap, pixel, _ = maps[-1]
    assert pixel == (59, 120)
    np.testing.assert_array_equal(cmap, correlation_map(harness.source.data, 6, 5, 8, 9,
                                                        59, 120))


@pytest.fixture
def shown(make_napari_viewer, qtbot):
    """A shown viewer (real mouse events), the probe on the "tp" image, idle."""
    viewer = make_napari_viewer(show=True)
    source = viewer.add_image(two_phase((128, 160)), name="tp", scale=SCALE,
                              translate=TRANSLATE)
    harness = Harness(viewer, source, Params(patch_x=6, patch_y=5, window_x=8, window_y=9))
    harness.probe.enabled = True
    harness.wait_idle(qtbot)
    return harness


def camera(viewer):
    return tuple(viewer.scene.camera.center), viewer.scene.camera.zoom


def test_a_mouse_drag_on_the_probe_moves_it_its_outlines_and_map_while_dragging(qtbot,
                                                                                 shown):
    """Real mouse events on the canvas: pressed on the probe, a drag takes it along, the
    outlines and the map follow during the drag, and the view does not pan."""
    viewer, harness, source = shown.viewer, shown, shown.source
    layer = viewer.layers["tp probe"]
    before = camera(viewer)
    start = np.array([66.0, 83.0])  # inside the probe's patch (it is at (64, 80))
    path = [world(*(start + k * np.array([-2.0, 3.0]))) for k in range(11)]
    during = []  # the map shown and the probe's pixel, before the button is released

    def between():  # a 60 Hz mouse, held still until the probe has caught up
        qtbot.wait(16)
        harness.wait_idle(qtbot)
        during.append((harness.shown[-1][1], harness.probe.pixel))

    canvas_drag(viewer, path, between)
    harness.wait_idle(qtbot)
    assert camera(viewer) == before  # no pan
    assert during[0][1] == (66, 83)  # the press put the probe under the mouse
    # the probe is under the mouse at the end (its pixel's centre within half a pixel)
    end = start + np.array([-20.0, 30.0])
    pixel = harness.probe.pixel
    assert np.all(np.abs(np.asarray(pixel) - end) <= 0.5 + 1e-9)
    np.testing.assert_allclose(mark_centre(layer), world(*pixel))
    # while dragging, the map shown was that of the probe's pixel after each move
    assert len({p for p, _ in during}) >= 8 and all(p == q for p, q in during)
    np.testing.assert_allclose(world_box(layer, 0, "min"), world(pixel[0] - 6.5,
                                                                pixel[1] - 5.5))
    cmap, shown_pixel, _ = harness.shown[-1]
    assert shown_pixel == pixel
    np.testing.assert_array_equal(cmap, probe_map(source.data, shown.params, *pixel))
    np.testing.assert_array_equal(cmap, correlation_map(source.data, 6, 5, 8, 9, *pixel))


def test_away_from_the_probe_a_drag_pans_and_a_click_moves_it_there(qtbot, shown):
    viewer, harness = shown.viewer, shown
    layer = viewer.layers["tp probe"]
    before = camera(viewer)
    path = [world(*(np.array([20.0, 20.0]) + k * np.array([3.0, 4.0]))) for k in range(8)]
    canvas_drag(viewer, path, lambda: qtbot.wait(16))
    harness.wait_idle(qtbot)
    assert camera(viewer)[0] != before[0]  # panned
    assert harness.probe.pixel == (64, 80) and not layer.mouse_pan  # the probe stayed
    canvas_drag(viewer, [world(30.0, 120.0)])  # a click: press and release
    harness.wait_idle(qtbot)
    assert harness.probe.pixel == (30, 120)
    np.testing.assert_allclose(mark_centre(layer), world(30, 120))
    assert harness.shown[-1][1] == (30, 120)


def canvas_key(viewer, kind):
    """A real Space key event (press or release) sent to the canvas's native widget."""
    from qtpy.QtCore import QEvent, Qt
    from qtpy.QtGui import QKeyEvent
    from qtpy.QtWidgets import QApplication

    event_type = QEvent.Type.KeyPress if kind == "press" else QEvent.Type.KeyRelease
    QApplication.sendEvent(viewer.window._qt_viewer.canvas.native,
                           QKeyEvent(event_type, Qt.Key.Key_Space,
                                     Qt.KeyboardModifier.NoModifier, " "))


def test_with_space_held_a_drag_on_the_probe_pans_and_the_probe_stays(qtbot, shown):
    viewer, harness = shown.viewer, shown
    layer = viewer.layers["tp probe"]
    path = [world(*(np.array([66.0, 83.0]) + k * np.array([-2.0, 3.0]))) for k in range(8)]
    canvas_key(viewer, "press")
    assert layer.mouse_pan
    before = camera(viewer)
    canvas_drag(viewer, path, lambda: qtbot.wait(16))  # starts on the probe's patch
    harness.wait_idle(qtbot)
    assert camera(viewer)[0] != before[0]  # panned
    assert harness.probe.pixel == (64, 80)  # not moved
    canvas_key(viewer, "release")
    assert not layer.mouse_pan
    before = camera(viewer)
    canvas_drag(viewer, path, lambda: qtbot.wait(16))  # Space released: the probe follows
    harness.wait_idle(qtbot)
    assert camera(viewer) == before and harness.probe.pixel == (66 - 14, 83 + 21)


def test_refresh_follows_parameters_and_the_chosen_image(qtbot, harness):
    viewer, probe = harness.viewer, harness.probe
    probe.enabled = True
    harness.wait_idle(qtbot)
    harness.params = Params(descriptor_name="rotational_symmetry_maximum_pooling", radius=7,
                            window_x=3, window_y=4)
    probe.refresh()
    layer = viewer.layers["tp probe"]
    # a circle of CIRCLE_SEGMENTS segments, then a rectangle of 4, then the mark
    rotations = [0] * CIRCLE_SEGMENTS + [1] * 4 + [MARK] * 4
    assert layer.features["shape"].tolist() == rotations
    np.testing.assert_allclose(world_box(layer, 0, "min"), world(64 - 7, 80 - 7))
    harness.wait_idle(qtbot)
    assert harness.shown[-1][0].shape == (7, 9)
    shown = len(harness.shown)
    harness.params = ParamsError("bad field")  # invalid parameters: outlines kept, no map
    probe.move_to(70, 90)
    harness.wait_idle(qtbot)
    assert layer.features["shape"].tolist() == rotations and len(harness.shown) == shown
    np.testing.assert_allclose(mark_centre(layer), world(70, 90))  # the probe moved
    # another image: the probe moves to its centre
    other = viewer.layers["other"]
    harness.source, harness.params = other, Params(patch_x=3, patch_y=3, window_x=4,
                                                   window_y=4)
    probe.refresh()
    assert "tp probe" not in viewer.layers
    np.testing.assert_allclose(mark_centre(viewer.layers["other probe"]), (16, 16))
    harness.wait_idle(qtbot)
    assert harness.shown[-1][2] is other and harness.shown[-1][1] == (16, 16)
    harness.source = None  # no image: no probe layers
    probe.refresh()
    assert [layer.name for layer in viewer.layers] == ["other", "tp", "tp patterns"]


def test_series_probe_follows_the_time_slider(qtbot, make_napari_viewer):
    viewer = make_napari_viewer()
    frames = np.stack([two_phase((96, 96)), np.rot90(two_phase((96, 96)))])
    source = viewer.add_image(frames, name="s")
    harness = Harness(viewer, source, Params(patch_x=4, patch_y=4, window_x=6, window_y=6))
    harness.probe.enabled = True
    harness.wait_idle(qtbot)
    viewer.dims.set_current_step(0, 1)
    harness.wait_idle(qtbot)
    cmap, pixel, _ = harness.shown[-1]
    assert harness.probe.layer.ndim == 2
    np.testing.assert_array_equal(cmap, correlation_map(frames[1], 4, 4, 6, 6, *pixel))


def test_deleting_a_probe_layer_removes_both_and_close_stops(qtbot, harness):
    viewer, probe = harness.viewer, harness.probe
    probe.enabled = True
    harness.wait_idle(qtbot)
    viewer.layers.remove("tp probe")
    assert probe.layer is None and probe.source is None
    probe.refresh()  # still enabled: back at the centre
    assert "tp probe" in viewer.layers
    harness.wait_idle(qtbot)
    probe.close()
    assert "tp probe" not in viewer.layers
    n = len(harness.shown)
    probe.enabled = True  # closed: nothing happens any more
    probe.refresh()
    assert len(harness.shown) == n and "tp probe" not in viewer.layers
