"""Where the plugin's layers go (`controller.stacking`), and outdated measurements."""

import numpy as np
from napari.components import ViewerModel

from napari_symseg.controller.measure import MeasureController
from napari_symseg.controller.measure_stale import OUTDATED
from napari_symseg.controller.probe import probe_placement
from napari_symseg.controller.scribbles import ScribbleSession
from napari_symseg.controller.session import Session
from napari_symseg.controller.stacking import covering, group_of, place, raise_if_covered
from napari_symseg.core.params import Params
from napari_symseg.core.samples import two_phase

from .test_session import drive

PARAMS = Params(patch_x=6, patch_y=6, window_x=8, window_y=8, stride=4,
                n_selected_operations=10)


def names(viewer):
    return [layer.name for layer in viewer.layers]


def measure(viewer, controller, session):
    """What the Measure button does, on this thread."""
    results = session.results()
    patterns = results.layers["patterns"]
    computed = controller.build(controller.compute(session.source, patterns))
    steps = controller.show_steps(computed)
    try:
        while True:
            next(steps)
    except StopIteration as done:
        measured = done.value
    controller.attach(results, measured, "patterns", results.shown("patterns"))
    return measured


def test_two_images_run_measure_probe_scribbles_keep_one_order():
    viewer = ViewerModel()
    session = Session(viewer)
    low = viewer.add_image(two_phase((96, 96)), name="low")
    high = viewer.add_image(two_phase((96, 96), seed=1), name="high")  # covers "low"
    session.source = low
    drive(session.start_run(PARAMS))
    # the run on the lower image: its group (image + results) raised above "high"
    assert names(viewer) == ["high", "low", "low patterns", "low PCA components", "low confidence"]
    # the probe: on top of everything
    probe = viewer.add_points([[48, 48]], name="low probe", **probe_placement(low))
    controller = MeasureController(viewer)
    measure(viewer, controller, session)
    assert names(viewer) == [
        "high", "low", "low spacing", "low orientation", "low patterns", "low PCA components",
        "low confidence", "low regions", "low boundaries", "low probe"]
    # another image's run: its group goes on top, below the probe; "low"'s stays whole
    session.source = high
    drive(session.start_run(PARAMS))
    assert names(viewer)[-5:] == [
        "high", "high patterns", "high PCA components", "high confidence", "low probe"]
    assert names(viewer)[:8] == [
        "low", "low spacing", "low orientation", "low patterns", "low PCA components",
        "low confidence", "low regions", "low boundaries"]
    # scribbles of the lower image: its group raised again, the new layer on its top
    scribbles = ScribbleSession(viewer)
    strokes = scribbles.add_layer(low)
    assert names(viewer)[-3:] == ["low boundaries", "low scribbles", "low probe"]
    assert names(viewer)[:4] == ["high", "high patterns", "high PCA components", "high confidence"]
    assert viewer.layers[-1] is probe
    assert [la.name for la in group_of(viewer.layers, low)][-1] == strokes.name


def test_place_moves_a_layer_in_and_leaves_a_top_group_alone():
    viewer = ViewerModel()
    source = viewer.add_image(np.zeros((4, 4)), name="img")
    other = viewer.add_image(np.zeros((4, 4)), name="other")
    moved = []
    viewer.layers.events.reordered.connect(lambda e: moved.append(1))
    from napari.layers import Labels

    mine = Labels(np.zeros((4, 4), np.uint8), name="img x",
                  metadata={"napari_symseg": {"source": "img"}})
    place(viewer.layers, mine, source)
    assert names(viewer) == ["other", "img", "img x"] and len(moved) == 1
    low = Labels(np.zeros((4, 4), np.uint8), name="img low",
                 metadata={"napari_symseg": {"source": "img"}})
    place(viewer.layers, low, source, low=True)
    assert names(viewer) == ["other", "img", "img low", "img x"] and len(moved) == 1
    place(viewer.layers, other, None)  # no image: on top
    assert names(viewer)[-1] == "other"


def test_a_scribbled_run_or_an_edit_outdates_the_measurement():
    viewer = ViewerModel()
    session = Session(viewer)
    session.source = viewer.add_image(two_phase((96, 96)), name="img")
    drive(session.start_run(PARAMS))
    controller = MeasureController(viewer)
    calls = []
    controller.on_stale = lambda: calls.append(1)
    measured = measure(viewer, controller, session)
    results = session.results()
    assert controller.follow(results) != OUTDATED and "img regions" in names(viewer)
    # a scribbled run of the same image (its layer added): outdated, removed on follow
    scribbles = ScribbleSession(viewer)
    strokes = scribbles.add_layer(session.source)
    assert not measured.stale and calls == []  # strokes alone change no result
    data = np.zeros(strokes.data.shape, np.uint8)
    data[10:30, 10:30], data[60:80, 60:80] = 1, 2
    strokes.data = data
    scribbles.show(session.source, _run(scribbles.run_steps(
        session.source, scribbles.params_for(session.source, PARAMS))))
    assert measured.stale and calls == [1]
    assert controller.follow(results) == OUTDATED
    assert not any(n.startswith("img ") and n.split(" ", 1)[1] in (
        "regions", "boundaries", "orientation", "spacing") for n in names(viewer))
    assert results.measured is None
    # measured again, then a later scribbled run (the layer's data replaced): outdated
    measured = measure(viewer, controller, session)
    scribbles.show(session.source, _run(scribbles.run_steps(
        session.source, scribbles.params_for(session.source, PARAMS))))
    assert measured.stale and calls == [1, 1]
    # an edit (what the dock's on_edit does)
    measured = measure(viewer, controller, session)
    controller.outdate(results)
    assert controller.follow(results) == OUTDATED and results.measured is None
    controller.close()


def _run(steps):
    try:
        while True:
            next(steps)
    except StopIteration as done:
        return done.value


def test_an_image_is_covered_by_a_shown_hiding_overlapping_image_above_its_group():
    viewer = ViewerModel()
    low = viewer.add_image(np.zeros((8, 8)), name="low")
    mine = viewer.add_labels(np.zeros((8, 8), np.uint8), name="low patterns",
                             metadata={"napari_symseg": {"source": "low"}})
    viewer.add_image(np.zeros((8, 8)), name="beside", translate=(0, 8))
    viewer.add_image(np.zeros((8, 8)), name="added", blending="additive")
    assert covering(viewer.layers, low) == []  # beside it, or additive: nothing hidden
    assert not raise_if_covered(viewer.layers, low)
    assert names(viewer) == ["low", "low patterns", "beside", "added"]
    top = viewer.add_image(np.zeros((4, 4)), name="top", translate=(6, 6))  # a corner over
    assert covering(viewer.layers, low) == [top]
    top.visible = False
    assert covering(viewer.layers, low) == []
    top.visible = True
    top.opacity = 0.0
    assert covering(viewer.layers, low) == []
    top.opacity = 1.0
    assert covering(viewer.layers, top) == []  # the top image is covered by nothing
    assert raise_if_covered(viewer.layers, low)
    assert names(viewer) == ["beside", "added", "top", "low", "low patterns"]
    assert mine in viewer.layers and covering(viewer.layers, low) == []
