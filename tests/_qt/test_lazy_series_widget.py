"""A lazy video in the widget: the patterns layer labels frames when they are looked at."""

import threading

import dask.array as da
import numpy as np
import pytest

from napari_symseg._qt.widget import ALL_FRAMES
from napari_symseg.controller import METADATA_KEY, lazy_series
from napari_symseg.core.params import Params
from napari_symseg.core.samples import moving_boundary_series
from napari_symseg.core.series import segment_series

from .helpers import TIMEOUT, run_and_wait, set_fields

SMALL = {"patch_x": 6, "patch_y": 6, "window_x": 9, "window_y": 9, "stride": 4,
         "n_selected_operations": 10}
PLACE = {"scale": (2.0, 0.02, 0.02), "units": ("s", "nm", "nm")}


@pytest.fixture
def lazy_widget(viewer_widget):
    """A viewer with a 5-frame series as a dask array (one chunk per frame), "all frames"."""
    viewer, widget = viewer_widget
    frames = moving_boundary_series(5, (96, 128), start=40, step=16)
    source = viewer.add_image(da.from_array(frames, chunks=(1, 96, 128)), name="s", **PLACE)
    widget.image.value = source
    widget.segment.value = ALL_FRAMES
    set_fields(widget, **SMALL)
    return viewer, widget, frames


def direct(viewer, frames):
    meta = viewer.layers["s patterns"].metadata[METADATA_KEY]
    return segment_series(frames, Params.from_dict(meta["params"]))


def test_lazy_series_run_gives_a_lazy_layer_with_the_series_labels(qtbot, lazy_widget):
    viewer, widget, frames = lazy_widget
    run_and_wait(qtbot, widget)
    layer = viewer.layers["s patterns"]
    assert isinstance(layer.data, da.Array) and layer.data.chunks[0] == (1,) * 5
    assert layer.scale[0] == 2.0 and str(layer.units[0]) == "second"
    expected = direct(viewer, frames)
    np.testing.assert_array_equal(layer.data.compute(), expected.labels + 1)
    meta = layer.metadata[METADATA_KEY]
    assert meta["complete"] and meta["n_frames"] == 5
    np.testing.assert_allclose(meta["area_fraction"], expected.stats.area_fraction)


def test_scrubbing_labels_the_shown_frame_before_the_background_run(qtbot, lazy_widget,
                                                                    monkeypatch):
    viewer, widget, frames = lazy_widget
    gate, jobs = threading.Event(), []
    real_fill = lazy_series.LazySeriesJob._fill

    def held(self, start):  # the background run waits after the first (shown) frame
        jobs.append(self)
        steps = real_fill(self, start)
        yield next(steps)
        gate.wait(TIMEOUT / 1000)
        return (yield from steps)

    monkeypatch.setattr(lazy_series.LazySeriesJob, "_fill", held)
    widget.run_button.changed.emit(True)  # same as a click
    qtbot.waitUntil(lambda: "s patterns" in viewer.layers, timeout=TIMEOUT)
    layer, lazy = viewer.layers["s patterns"], jobs[0].lazy
    assert isinstance(layer.data, da.Array)
    shown = jobs[0].first_frame
    assert lazy.done[shown], list(lazy.timings)
    target = 4 if shown != 4 else 0
    assert not lazy.done[target], list(lazy.timings)
    before = int(lazy.done.sum())
    viewer.dims.set_point(0, layer.data_to_world((target, 0, 0))[0])  # scrub
    assert lazy.done[target] and int(lazy.done.sum()) == before + 1
    # labelled while napari sliced it (the background run is held at the gate)
    assert [t for _, t, _ in lazy.timings][-1] == target
    truth = direct(viewer, frames).labels[target] + 1
    np.testing.assert_array_equal(np.asarray(layer._slice.image.raw), truth)
    gate.set()
    qtbot.waitUntil(lambda: widget.worker is None, timeout=TIMEOUT)
    assert lazy.done.all()
    assert sum(t == target for _, t, _ in lazy.timings) == 1  # labelled once, then cached
    assert layer.metadata[METADATA_KEY]["complete"]


def test_exporting_a_lazy_series_labels_nothing_on_the_gui_thread(qtbot, lazy_widget,
                                                                  monkeypatch, tmp_path):
    from napari_symseg.controller.layer_io import prepare_layer_export
    from napari_symseg.io.labels import read_labels

    viewer, widget, frames = lazy_widget
    gate, jobs = threading.Event(), []
    real_fill = lazy_series.LazySeriesJob._fill

    def held(self, start):  # the background run stops after the first (shown) frame
        jobs.append(self)
        steps = real_fill(self, start)
        yield next(steps)
        gate.wait(TIMEOUT / 1000)
        return (yield from steps)

    monkeypatch.setattr(lazy_series.LazySeriesJob, "_fill", held)
    widget.run_button.changed.emit(True)
    qtbot.waitUntil(lambda: "s patterns" in viewer.layers, timeout=TIMEOUT)
    lazy = jobs[0].lazy
    done = int(lazy.done.sum())
    write = prepare_layer_export(tmp_path / "video", viewer.layers["s"],
                                 viewer.layers["s patterns"])
    assert int(lazy.done.sum()) == done  # what runs on the GUI thread labels no frame
    gate.set()
    qtbot.waitUntil(lambda: widget.worker is None, timeout=TIMEOUT)
    write()  # the worker's part
    labels = read_labels(tmp_path / "video_labels.tif")
    labels = labels[0] if isinstance(labels, tuple) else labels
    np.testing.assert_array_equal(np.asarray(labels), direct(viewer, frames).labels)
