"""The controller without Qt: runs as generators, results bound to their image layer."""

import numpy as np
import pytest
from napari.components import ViewerModel

from napari_symseg.controller import LABEL_OFFSET, METADATA_KEY
from napari_symseg.controller.layers import (
    LayerSpec,
    apply_spec,
    layer_labels,
    layer_name,
    pca_composite,
)
from napari_symseg.controller.runs import Ready
from napari_symseg.controller.session import PREVIEW_STRIDE, Session
from napari_symseg.controller.sources import source_layers
from napari_symseg.core.params import Params
from napari_symseg.core.samples import moving_boundary_series, two_phase
from napari_symseg.errors import ExportError, InputError

PARAMS = Params(patch_x=6, patch_y=6, window_x=8, window_y=8, stride=4,
                n_selected_operations=10)


def drive(job, during=None):
    """Run `job` as the Qt runner does, on this thread; ``during(step_number)`` between steps.

    Returns the job's final status text.
    """
    steps = job.steps()
    number = 0
    while True:
        try:
            step = next(steps)
        except StopIteration as stop:
            job.returned(stop.value)
            break
        if isinstance(step, Ready):
            for _ in job.apply(step):
                pass
        else:
            job.progress(step)
        if during is not None:
            during(number)
        number += 1
    return job.session.job_done(job)


@pytest.fixture
def session():
    viewer = ViewerModel()
    return Session(viewer)


def add(session, data, name, **kwargs):
    layer = session.viewer.add_image(data, name=name, **kwargs)
    session.source = layer
    return layer


def names(session):
    return [layer.name for layer in session.viewer.layers]


def test_a_run_adds_its_layers_above_the_image_and_keeps_its_record(session):
    source = add(session, two_phase((128, 128)), "img", scale=(0.02, 0.02), units=("nm", "nm"))
    top = session.viewer.add_image(np.zeros((4, 4)), name="top")
    status = drive(session.start_run(PARAMS))
    # the image's group raised to the top: the new result is seen at once
    assert names(session) == ["top", "img", "img patterns", "img PCA components", "img confidence"]
    assert session.viewer.layers[0] is top
    record = session.current()
    assert status == record.summary and status.endswith(" %")
    results = session.results()
    assert results.layer_of(record) is session.viewer.layers["img patterns"]
    assert record.hint is not None and record.hint.suggested == 2
    meta = session.viewer.layers["img patterns"].metadata[METADATA_KEY]
    assert meta["pattern_count_hint"]["suggested"] == 2
    assert results.remembered.params == PARAMS and results.remembered.origin == "run"
    assert session.viewer.canvas.overlays["scale_bar"].visible
    assert source_layers(session.viewer.layers) == [top, source]  # results are not inputs


def test_results_belong_to_their_image(session):
    a = add(session, two_phase((128, 128)), "a")
    drive(session.start_run(PARAMS))
    b = add(session, two_phase((128, 128), boundary=40), "b")
    assert session.current() is None  # b has no result: nothing of a's is b's
    drive(session.start_run(PARAMS.replace(n_patterns=3)))
    assert session.current().params.n_patterns == 3
    assert session.current(a).params.n_patterns == 2
    assert session.results(a).layers["patterns"].name == "a patterns"
    assert session.results(b).layers["patterns"].name == "b patterns"


def test_deleting_the_image_mid_run_cancels_it_and_adds_nothing(session):
    source = add(session, two_phase((256, 256)), "img")
    job = session.start_run(PARAMS.replace(stride=2))

    def delete(number):
        if number == 1:
            session.viewer.layers.remove(source)

    status = drive(job, delete)
    assert job.cancelled and not job.complete
    assert status == "cancelled: the image layer 'img' was deleted"  # (no other image)
    assert names(session) == [] and session.job is None
    assert session.store.find(source) is None  # forgotten


def test_deleting_the_image_while_its_layers_go_in_leaves_none(session):
    source = add(session, two_phase((128, 128)), "img")
    job = session.start_run(PARAMS)
    steps = job.steps()
    step = next(steps)
    while not isinstance(step, Ready):
        step = next(steps)
    applying = job.apply(step)
    next(applying)  # the patterns layer is in
    assert "img patterns" in session.viewer.layers
    session.viewer.layers.remove(source)
    assert list(applying) == []  # stops
    assert names(session) == []


def test_renaming_the_image_mid_run_renames_its_results(session):
    source = add(session, two_phase((128, 128)), "img")
    drive(session.start_run(PARAMS))

    def rename(number):
        if number == 1:
            source.name = "renamed"

    drive(session.start_run(PARAMS.replace(n_patterns=3)), rename)
    assert names(session) == [
        "renamed", "renamed patterns", "renamed PCA components", "renamed confidence"]
    patterns = session.viewer.layers["renamed patterns"]
    assert patterns.metadata[METADATA_KEY]["source"] == "renamed"
    assert patterns.metadata[METADATA_KEY]["params"]["n_patterns"] == 3
    source.name = "again"  # after the run too
    assert names(session)[1:] == ["again patterns", "again PCA components", "again confidence"]


def test_frame_and_series_results_never_overwrite_each_other(session):
    source = add(session, moving_boundary_series(n_frames=3, shape=(64, 96), start=30, step=16),
                 "s")
    session.series_mode = True
    drive(session.start_run(PARAMS))
    series_layer = session.viewer.layers["s patterns"]
    assert series_layer.data.shape == (3, 64, 96)
    series = session.current()
    assert series.slot == "series" and series.area_fraction.shape == (3, 2)
    session.series_mode = False
    session.viewer.dims.set_current_step(0, 1)
    drive(session.start_run(PARAMS))
    assert session.viewer.layers["s patterns"] is series_layer
    assert "s patterns (frame 1)" in session.viewer.layers
    assert session.current().frame == 1 and session.results().series is series
    session.series_mode = True
    assert session.current() is series  # the mode says which run is "the" result
    assert source.ndim == 3


def test_a_preview_is_marked_and_never_exported(session, tmp_path):
    add(session, two_phase((128, 128)), "img")
    drive(session.start_run(PARAMS, preview=True))
    assert names(session) == ["img", "img preview"]
    preview = session.viewer.layers["img preview"]
    meta = preview.metadata[METADATA_KEY]
    assert meta["preview"] and meta["params"]["stride"] == PREVIEW_STRIDE
    assert session.current() is None and session.results().preview.preview
    with pytest.raises(ExportError, match="run a segmentation"):
        session.export(tmp_path / "x")
    drive(session.start_run(PARAMS))  # a full run: the preview goes, the run is exported
    assert "img preview" not in session.viewer.layers
    written = session.export(tmp_path / "run")
    assert written[0].name == "run_labels.tif"


def test_cancel_stops_at_the_next_step(session):
    add(session, two_phase((256, 256)), "img")
    job = session.start_run(PARAMS.replace(stride=2))
    status = drive(job, lambda number: number == 0 and job.cancel())
    assert status == "cancelled" and names(session) == ["img"]


def test_cancel_once_the_layers_are_computed_adds_none(session):
    """A cancel between the worker's `Ready` and the first layer (the layers go in one per
    turn, 1-1.5 s each on a loaded machine): nothing is added, the run stops at once."""
    add(session, two_phase((128, 128)), "img")
    job = session.start_run(PARAMS)
    steps = job.steps()
    step = next(steps)
    while not isinstance(step, Ready):
        step = next(steps)
    job.cancel()
    assert list(job.apply(step)) == []
    assert names(session) == ["img"] and job.applied.is_set()


def test_bad_input_raises_symseg_errors(session):
    with pytest.raises(InputError, match="choose an image layer first"):
        session.start_run(PARAMS)
    add(session, np.zeros((2, 2, 16, 16)), "4d")
    with pytest.raises(InputError, match="4-D"):
        session.start_run(PARAMS)


def test_suggest_remembers_the_sizes_for_the_image(session):
    add(session, two_phase((256, 256)), "img")
    job = session.start_suggest(PARAMS)
    steps = job.steps()
    suggested = next(steps)
    text = job.suggested(suggested)
    assert text.startswith("suggested from the image: patch ")
    remembered = session.results().remembered
    assert remembered.origin == "suggest" and remembered.params == suggested


def test_layer_helpers():
    assert layer_name("img", "patterns") == "img patterns"
    assert layer_name("img", "PCA", 5) == "img PCA components (frame 5)"
    assert layer_name("img", "series", None) == "img patterns"
    labels = layer_labels(np.array([[0, 1], [2, 0]], np.int32), 3)
    assert labels.dtype == np.uint8 and labels.tolist() == [[1, 2], [3, 1]]
    assert layer_labels(np.zeros((2, 2), np.int32), 300).dtype == np.uint16
    assert LABEL_OFFSET == 1
    pca = np.stack([np.arange(16.0).reshape(4, 4), -np.arange(16.0).reshape(4, 4)])
    rgb = pca_composite(pca)
    assert rgb.shape == (4, 4, 3) and rgb.min() >= 0 and rgb.max() <= 1
    assert rgb.dtype == np.float32  # saved to an ImageJ TIFF exactly (issue 11)
    np.testing.assert_array_equal(rgb[..., 1], rgb[..., 2])  # two components: the last repeats


def test_apply_spec_updates_in_place_or_adds_to_the_raised_group():
    viewer = ViewerModel()
    source = viewer.add_image(np.zeros((4, 4)), name="img")
    viewer.add_image(np.zeros((4, 4)), name="top")
    meta = {"metadata": {METADATA_KEY: {"source": "img"}}}
    spec = LayerSpec("patterns", "labels", np.ones((4, 4), np.uint8), {"opacity": 0.7, **meta})
    first = apply_spec(viewer.layers, source, spec)
    assert [la.name for la in viewer.layers] == ["top", "img", "img patterns"]
    apply_spec(viewer.layers, source,
               LayerSpec("PCA", "image", np.zeros((4, 4, 3)), {"rgb": True, **meta}))
    assert [la.name for la in viewer.layers] == [
        "top", "img", "img patterns", "img PCA components"]
    viewer.layers.move(0, 4)  # the user puts "top" on top again
    again = apply_spec(viewer.layers, source, LayerSpec(
        "patterns", "labels", np.full((4, 4), 2, np.uint8), {"opacity": 0.3, **meta}), first)
    assert again is first and first.opacity == 0.3 and first.data.max() == 2
    # updated in place: the group raised again, its order kept
    assert [la.name for la in viewer.layers] == [
        "top", "img", "img patterns", "img PCA components"]
