"""A scribbled run is a run of its image: the ``scribbled`` slot of its `ResultSet` (issue 11)."""

import numpy as np
import tifffile
from napari.components import ViewerModel

from napari_symseg.controller.results import store_of
from napari_symseg.controller.scribbles import ScribbleSession
from napari_symseg.controller.session import Session
from napari_symseg.controller.visibility import ResultVisibility
from napari_symseg.core.params import Params
from napari_symseg.core.samples import two_phase

from .test_session import drive

PARAMS = Params(patch_x=6, patch_y=6, window_x=8, window_y=8, stride=4,
                n_selected_operations=10)


def _run(steps):
    try:
        while True:
            next(steps)
    except StopIteration as done:
        return done.value


def _scribbled_run(scribbles, image):
    """Paint two strokes (once) and run with them, as the dock does (here, no worker)."""
    strokes = scribbles.add_layer(image)
    if not np.any(strokes.data):
        data = np.zeros(strokes.data.shape, np.uint8)
        data[10:30, 10:30], data[60:80, 60:80] = 1, 2
        strokes.data = data
    scribbles.show(image, _run(scribbles.run_steps(image, scribbles.params_for(image,
                                                                                PARAMS))))
    return store_of(scribbles.viewer).find(image).scribbled


def test_the_scribbled_run_is_a_slot_and_the_last_run_made_is_the_result(tmp_path):
    viewer = ViewerModel()
    session = Session(viewer)
    other = viewer.add_image(two_phase((96, 96), seed=3), name="other")
    image = session.source = viewer.add_image(two_phase((96, 96)), name="img")
    drive(session.start_run(PARAMS))
    plain = session.current()
    scribbles = ScribbleSession(viewer)
    assert scribbles.store is session.store  # one store per viewer, shared by the docks
    changed = []
    session.events.changed.connect(lambda event: changed.append(event.layer))
    record = _scribbled_run(scribbles, image)
    results = session.results()
    layer = viewer.layers["img scribbled patterns"]
    assert record is not None and record.slot == "scribbled" and record.made > plain.made
    assert results.layers["scribbled"] is layer
    assert results.layers["scribbles"] is viewer.layers["img scribbles"]
    assert session.current() is record  # the last run made: hint, plots, Measure, Export
    assert changed and changed[-1] is image  # the main dock hears of it
    n = record.params.n_patterns
    np.testing.assert_allclose(record.area_fraction,
                               np.bincount(layer.data.ravel() - 1, minlength=n) / layer.data.size)
    assert record.summary.endswith("guided by the scribbles layer")
    assert not results.layers["patterns"].visible  # one labels layer shown

    # Export writes the scribbled run
    paths = session.export(tmp_path / "out")
    labels = next(p for p in paths if str(p).endswith("_labels.tif"))
    np.testing.assert_array_equal(tifffile.imread(labels), np.asarray(layer.data) - 1)

    # its edits change its record (status line, area fractions)
    scribbles.merge(0, 1)
    assert record.edited_patterns == 1 and record.summary.endswith("· edited")
    np.testing.assert_allclose(record.area_fraction, [1.0])
    scribbles.undo()
    assert record.edited_patterns is None

    # switching image hides it with the image's other results; renaming renames it
    visibility = ResultVisibility(session.store)
    visibility.follow(other)
    assert not layer.visible and not viewer.layers["img scribbles"].visible
    visibility.follow(image)
    assert layer.visible and viewer.layers["img scribbles"].visible
    image.name = "renamed"
    assert layer.name == "renamed scribbled patterns"
    assert viewer.layers["renamed scribbles"] is scribbles.scribbles_layer(image)
    assert layer.metadata["napari_symseg"]["source"] == "renamed"

    # a later plain run is the last run made: taken, and the scribbled layer hidden
    drive(session.start_run(PARAMS))
    assert session.current() is results.image and not layer.visible
    # a later scribbled run again; then its layer deleted: the plain run is the result
    again = _scribbled_run(scribbles, image)
    assert session.current() is again and layer.visible
    viewer.layers.remove(layer)
    assert results.scribbled is None and session.current() is results.image

    # deleting the image forgets its results, the scribbled run's included
    viewer.layers.remove(image)
    assert session.store.find(image) is None


def test_apply_makes_the_scribbled_run_of_the_target():
    viewer = ViewerModel()
    image = viewer.add_image(two_phase((96, 96)), name="img")
    target = viewer.add_image(two_phase((96, 96), boundary=30, seed=2), name="target")
    scribbles = ScribbleSession(viewer)
    _scribbled_run(scribbles, image)
    labels = _run(scribbles.apply_steps(target))
    layer = scribbles.show_applied(target, labels)
    results = store_of(viewer).find(target)
    record = results.current()
    assert record is results.scribbled and results.layers["scribbled"] is layer
    np.testing.assert_allclose(record.area_fraction,
                               np.bincount(labels.ravel(), minlength=2) / labels.size)
    assert record.summary.endswith("applied from img")
