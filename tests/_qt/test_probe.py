"""The probe in the viewer: layers on top, draggable at once (by the mouse too), its map
from a worker."""

import napari
import numpy as np
import pytest
from benchmarks.napari_window import canvas_drag

from napari_symseg._qt.probe import Probe
from napari_symseg.controller import METADATA_KEY
from napari_symseg.controller.probe import CIRCLE_SEGMENTS, probe_map
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


def test_enabling_adds_point_and_window_on_top_point_active_in_select_mode(qtbot, harness):
    viewer, probe = harness.viewer, harness.probe
    probe.enabled = True
    assert [layer.name for layer in viewer.layers][-1] == "tp probe"  # above the results
    point = viewer.layers["tp probe"]
    assert viewer.layers.selection.active is point and point.mode == "select"
    assert point.metadata[METADATA_KEY] == {"role": "probe", "source": "tp"}
    assert Probe.is_probe_layer(point) and not Probe.is_probe_layer(harness.source)
    np.testing.assert_allclose(point.data, [[64, 80]])  # the image centre (data coordinates)
    np.testing.assert_allclose(point.scale, SCALE)
    # the window, its outlines and the map come a turn later: two shorter freezes
    assert probe.busy and "tp probe window" not in viewer.layers
    harness.wait_idle(qtbot)
    names = [layer.name for layer in viewer.layers]
    assert names[-2:] == ["tp probe window", "tp probe"]  # the window just below the point
    window = viewer.layers["tp probe window"]
    assert isinstance(window, napari.layers.Vectors) and window.vector_style == "line"
    assert window.metadata[METADATA_KEY]["role"] == "probe"
    assert viewer.layers.selection.active is point
    # patch, then patch + shift window, on pixel edges, around the probe's pixel
    np.testing.assert_allclose(world_box(window, 0, "min"), world(64 - 6.5, 80 - 5.5))
    np.testing.assert_allclose(world_box(window, 1, "max"), world(64 + 14.5, 80 + 14.5))
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
    point, window = viewer.layers["tp probe"], viewer.layers["tp probe window"]
    before = len(harness.shown)
    for row in range(30, 60):  # a fast drag: 30 moves before the loop runs again
        point.data = np.array([[float(row), 120.0]])
    assert probe.busy  # one redraw, at the latest position, after FOLLOW_MS
    harness.wait_idle(qtbot)
    np.testing.assert_allclose(world_box(window, 0, "min"), world(59 - 6.5, 120 - 5.5))
    maps = harness.shown[before:]
    assert len(maps) == 1  # not 30: moves made meanwhile are merged
    cmap, pixel, _ = maps[-1]
    assert pixel == (59, 120)
    np.testing.assert_array_equal(cmap, correlation_map(harness.source.data, 6, 5, 8, 9,
                                                        59, 120))


def test_a_mouse_drag_moves_the_point_its_window_and_map_while_dragging(qtbot,
                                                                       make_napari_viewer):
    """Real mouse events on the canvas (napari holds the point's data events until the
    button is released): the window and the map follow during the drag, not at the end."""
    viewer = make_napari_viewer(show=True)
    source = viewer.add_image(two_phase((128, 160)), name="tp", scale=SCALE,
                              translate=TRANSLATE)
    params = Params(patch_x=6, patch_y=5, window_x=8, window_y=9)
    harness = Harness(viewer, source, params)
    harness.probe.enabled = True
    harness.wait_idle(qtbot)
    point, window = viewer.layers["tp probe"], viewer.layers["tp probe window"]
    start = np.array(point.data[0])  # a copy: napari moves the points in place
    path = [world(*(start + k * np.array([-2.0, 3.0]))) for k in range(11)]
    during = []  # the map shown and the point's pixel, before the button is released

    def between():  # a 60 Hz mouse, held still until the probe has caught up
        qtbot.wait(16)
        harness.wait_idle(qtbot)
        during.append((harness.shown[-1][1], tuple(np.round(point.data[0]).astype(int))))

    canvas_drag(viewer, path, between)
    harness.wait_idle(qtbot)
    # the point is under the mouse (within one screen pixel), away from the start
    per_screen_px = 1 / (viewer.scene.camera.zoom * np.asarray(SCALE))
    assert np.all(np.abs(point.data[0] - (start + np.array([-20.0, 30.0]))) <= per_screen_px)
    pixel = tuple(int(v) for v in np.round(point.data[0]))
    assert pixel != tuple(start.astype(int))
    # while dragging, the map shown was that of the point's pixel after each move
    assert len({p for p, _ in during}) >= 8 and all(p == q for p, q in during)
    np.testing.assert_allclose(world_box(window, 0, "min"), world(pixel[0] - 6.5,
                                                                 pixel[1] - 5.5))
    cmap, shown_pixel, _ = harness.shown[-1]
    assert shown_pixel == pixel
    np.testing.assert_array_equal(cmap, probe_map(source.data, params, *pixel))
    np.testing.assert_array_equal(cmap, correlation_map(source.data, 6, 5, 8, 9, *pixel))


def test_refresh_follows_parameters_and_the_chosen_image(qtbot, harness):
    viewer, probe = harness.viewer, harness.probe
    probe.enabled = True
    harness.wait_idle(qtbot)
    harness.params = Params(descriptor_name="rotational_symmetry_maximum_pooling", radius=7,
                            window_x=3, window_y=4)
    probe.refresh()
    window = viewer.layers["tp probe window"]
    # a circle of CIRCLE_SEGMENTS segments, then a rectangle of 4
    assert window.features["shape"].tolist() == [0] * CIRCLE_SEGMENTS + [1] * 4
    np.testing.assert_allclose(world_box(window, 0, "min"), world(64 - 7, 80 - 7))
    harness.wait_idle(qtbot)
    assert harness.shown[-1][0].shape == (7, 9)
    harness.params = ParamsError("bad field")  # invalid parameters: nothing changes
    probe.refresh()
    assert viewer.layers["tp probe window"].features["shape"].tolist() == \
        [0] * CIRCLE_SEGMENTS + [1] * 4
    # another image: the probe moves to its centre
    other = viewer.layers["other"]
    harness.source, harness.params = other, Params(patch_x=3, patch_y=3, window_x=4,
                                                   window_y=4)
    probe.refresh()
    assert "tp probe" not in viewer.layers and "tp probe window" not in viewer.layers
    np.testing.assert_allclose(viewer.layers["other probe"].data, [[16, 16]])
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
    assert harness.probe.point.ndim == 2
    np.testing.assert_array_equal(cmap, correlation_map(frames[1], 4, 4, 6, 6, *pixel))


def test_deleting_a_probe_layer_removes_both_and_close_stops(qtbot, harness):
    viewer, probe = harness.viewer, harness.probe
    probe.enabled = True
    harness.wait_idle(qtbot)
    viewer.layers.remove("tp probe")
    assert "tp probe window" not in viewer.layers and probe.point is None
    probe.refresh()  # still enabled: back at the centre
    assert "tp probe" in viewer.layers
    harness.wait_idle(qtbot)
    probe.close()
    assert "tp probe" not in viewer.layers
    n = len(harness.shown)
    probe.enabled = True  # closed: nothing happens any more
    probe.refresh()
    assert len(harness.shown) == n and "tp probe" not in viewer.layers
