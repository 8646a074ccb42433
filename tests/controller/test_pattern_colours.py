"""One colour per pattern in every plugin Labels layer; scribbles follow their image's name."""

import numpy as np
from napari.components import ViewerModel

from napari_symseg.controller import LABEL_OFFSET
from napari_symseg.controller.label_colormap import REGIONS_OPACITY, region_colormap
from napari_symseg.controller.measure import MeasureController
from napari_symseg.controller.scribbles import ScribbleSession
from napari_symseg.controller.session import Session
from napari_symseg.core.samples import two_phase

from .test_session import drive
from .test_stacking import PARAMS, _run, measure


def _colour(layer, value):
    return np.asarray(layer.colormap.map(np.asarray([value], layer.data.dtype)))[0]


def test_a_pattern_has_one_colour_in_patterns_regions_scribbles_and_scribbled_patterns():
    viewer = ViewerModel()
    session = Session(viewer)
    source = session.source = viewer.add_image(two_phase((96, 96)), name="img")
    drive(session.start_run(PARAMS))
    patterns = session.results().layers["patterns"]
    controller = MeasureController(viewer)
    measured = measure(viewer, controller, session)
    regions = measured.layers["regions"]
    # faint: the image shows through the patterns layer and the regions (was 0.7)
    assert regions.opacity == REGIONS_OPACITY <= 0.3
    table = measured.regions
    scribbles = ScribbleSession(viewer)
    strokes = scribbles.add_layer(source)
    data = np.zeros(strokes.data.shape, np.uint8)
    data[10:30, 10:30], data[60:80, 60:80] = 1, 2
    strokes.data = data
    scribbles.show(source, _run(scribbles.run_steps(source, scribbles.params_for(source,
                                                                                PARAMS))))
    scribbled = viewer.layers["img scribbled patterns"]
    assert scribbled.data.dtype == np.int32
    for pattern in range(PARAMS.n_patterns):
        value = pattern + LABEL_OFFSET
        colour = _colour(patterns, value)
        assert colour[3] == 1.0
        np.testing.assert_allclose(_colour(scribbled, value), colour)
        np.testing.assert_allclose(_colour(strokes, pattern + 1), colour)  # stroke i: i - 1
        for region in table["region"][table["pattern"] == pattern]:
            np.testing.assert_allclose(_colour(regions, int(region)), colour)
    assert len(table) >= 2
    np.testing.assert_allclose(_colour(regions, 0)[3], 0.0)  # background
    controller.close()


def test_region_colormap_by_pattern():
    cmap = region_colormap([1, 2, 3], [1, 0, 1])
    values = np.array([0, 1, 2, 3], np.int32)
    c = np.asarray(cmap.map(values))
    np.testing.assert_allclose(c[1], c[3])
    assert not np.allclose(c[1], c[2]) and c[0][3] == 0.0


def test_scribbles_layers_follow_their_image_s_new_name():
    viewer = ViewerModel()
    source = viewer.add_image(two_phase((96, 96)), name="img")
    other = viewer.add_image(two_phase((96, 96), seed=1), name="other")
    scribbles = ScribbleSession(viewer)
    strokes = scribbles.add_layer(source)
    theirs = scribbles.add_layer(other)
    data = np.zeros(strokes.data.shape, np.uint8)
    data[10:30, 10:30], data[60:80, 60:80] = 1, 2
    strokes.data = data
    scribbles.show(source, _run(scribbles.run_steps(source, scribbles.params_for(source,
                                                                                PARAMS))))
    source.name = "renamed"
    assert strokes.name == "renamed scribbles"
    assert "renamed scribbled patterns" in viewer.layers
    assert scribbles.scribbles_layer(source) is strokes  # still its own: no new layer
    assert theirs.name == "other scribbles"
    source.name = "again"
    assert strokes.name == "again scribbles"
    assert scribbles.add_layer(source) is strokes
