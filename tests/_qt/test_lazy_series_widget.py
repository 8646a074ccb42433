"""A lazy video in the widget: the patterns layer labels frames when they are looked at."""

import threading
import time

import dask.array as da
import numpy as np
import pytest

from napari_symseg._qt.runner import napari_ready
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


@pytest.fixture
def held_fill(monkeypatch):
    """The background run waits after its first (shown) frame until ``gate`` is set.

    Returns ``(gate, jobs)``: the event that lets it go on, and the
    `LazySeriesJob` objects that ran.
    """
    gate, jobs = threading.Event(), []
    real_fill = lazy_series.LazySeriesJob._fill

    def held(self, start):
        jobs.append(self)
        steps = real_fill(self, start)
        first = next(steps)
        deadline = time.monotonic() + TIMEOUT / 1000
        while not napari_ready() and time.monotonic() < deadline:
            time.sleep(0.05)  # the layer comes with a frame once the warm-up let it
        yield first
        gate.wait(TIMEOUT / 1000)
        return (yield from steps)

    monkeypatch.setattr(lazy_series.LazySeriesJob, "_fill", held)
    return gate, jobs


def direct(viewer, frames, name="s"):
    meta = viewer.layers[f"{name} patterns"].metadata[METADATA_KEY]
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


def test_scrubbing_during_the_run_shows_0_at_once_and_the_worker_labels_it_next(
        qtbot, lazy_widget, held_fill):
    viewer, widget, frames = lazy_widget
    gate, jobs = held_fill
    widget.run_button.changed.emit(True)  # same as a click
    # added hidden, shown a turn later (its insert and first draw apart)
    qtbot.waitUntil(lambda: "s patterns" in viewer.layers and viewer.layers["s patterns"].visible,
                    timeout=TIMEOUT)
    layer, lazy = viewer.layers["s patterns"], jobs[0].lazy
    assert isinstance(layer.data, da.Array)
    shown = jobs[0].first_frame
    assert lazy.done[shown], list(lazy.timings)
    target = 4 if shown != 4 else 0
    assert not lazy.done[target], list(lazy.timings)
    truth = direct(viewer, frames).labels + 1
    viewer.dims.set_point(0, layer.data_to_world((target, 0, 0))[0])  # scrub
    # napari neither labelled it nor waited for the worker (held at the gate): 0 at once
    assert not lazy.done[target] and lazy.placeholder_reads >= 1
    assert not np.asarray(layer._slice.image.raw).any()
    gate.set()
    qtbot.waitUntil(lambda: widget.worker is None, timeout=TIMEOUT)
    assert lazy.done.all() and not lazy.placeholders
    order = [t for _, t, _ in lazy.timings]
    assert order[:2] == [shown, target] and sorted(order) == list(range(5))  # asked: next
    assert {name for name, _, _ in lazy.timings} != {"MainThread"}
    # refreshed when the worker had it; napari's dask cache kept no placeholder
    np.testing.assert_array_equal(np.asarray(layer._slice.image.raw), truth[target])
    for t in [*range(5), target]:  # every frame, as napari shows it after the scrubbing
        viewer.dims.set_point(0, layer.data_to_world((t, 0, 0))[0])
        np.testing.assert_array_equal(np.asarray(layer._slice.image.raw), truth[t])
    np.testing.assert_array_equal(layer.data.compute(), truth)
    assert layer.metadata[METADATA_KEY]["complete"]


def test_exporting_a_lazy_series_labels_nothing_on_the_gui_thread(qtbot, lazy_widget,
                                                                  held_fill, tmp_path):
    from napari_symseg.controller.layer_io import prepare_layer_export
    from napari_symseg.io.labels import read_labels

    viewer, widget, frames = lazy_widget
    gate, jobs = held_fill
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


@pytest.fixture
def npy_video(viewer_widget, tmp_path):
    """A 5-frame .npy video opened with *Open a video lazily…*'s `add_video`, "all frames"."""
    from napari_symseg._qt.open_video import add_video

    viewer, widget = viewer_widget
    frames = moving_boundary_series(5, (96, 128), start=40, step=16).astype(np.float32)
    path = tmp_path / "v.npy"
    np.save(path, frames)
    source = add_video(viewer, path)
    source.scale = PLACE["scale"]
    source.units = PLACE["units"]
    widget.image.value = source
    widget.segment.value = ALL_FRAMES
    widget.keep_labels.value = True
    set_fields(widget, **SMALL)
    return viewer, widget, frames, path


def test_labels_kept_next_to_the_video_reopen_at_once_and_an_old_store_stays(qtbot, npy_video):
    from napari.layers import Labels

    viewer, widget, frames, path = npy_video
    old = path.with_name("v_labels.zarr")
    old.mkdir()
    (old / "mine.txt").write_text("an earlier store")  # never silently destroyed
    run_and_wait(qtbot, widget)
    store = path.with_name("v_2_labels.zarr")
    assert sorted(p.name for p in path.parent.iterdir()) == ["v.npy", "v_2_labels.zarr",
                                                             "v_labels.zarr"]  # no partial
    assert (old / "mine.txt").read_text() == "an earlier store"
    assert "labels kept in" in widget.status.value and "v_labels.zarr exists" in \
        widget.status.value
    layer = viewer.layers["v patterns"]
    assert layer.metadata[METADATA_KEY]["file"] == str(store)
    expected = direct(viewer, frames, "v")
    # the layer reads frames that left the cache from the renamed store
    np.testing.assert_array_equal(layer.data.compute(), expected.labels + 1)
    viewer.layers.remove(layer)
    [reopened] = viewer.open(str(store), plugin=None)  # File > Open: no reader dialog
    assert isinstance(reopened, Labels) and reopened.name == "v_2_labels"
    np.testing.assert_array_equal(np.asarray(reopened.data), expected.labels + 1)
    np.testing.assert_allclose(reopened.scale, PLACE["scale"])
    assert [str(u) for u in reopened.units] == ["second", "nanometer", "nanometer"]
    meta = reopened.metadata[METADATA_KEY]
    np.testing.assert_allclose(meta["area_fraction"], expected.stats.area_fraction)
    assert meta["params"] == layer.metadata[METADATA_KEY]["params"]
    # why the preference is needed: napari's own reader claims *.zarr folders too
    from napari.errors import MultipleReaderError
    from napari.settings import get_settings

    settings = get_settings().plugins
    before = dict(settings.extension2reader)
    settings.extension2reader = {}
    try:
        with pytest.raises(MultipleReaderError):
            viewer.open(str(store), plugin=None)
    finally:
        settings.extension2reader = before


def test_a_cancelled_run_keeps_no_store_and_leaves_the_old_one(qtbot, npy_video, held_fill):
    viewer, widget, _, path = npy_video
    gate, jobs = held_fill
    old = path.with_name("v_labels.zarr")
    old.mkdir()
    (old / "mine.txt").write_text("an earlier store")
    widget.run_button.changed.emit(True)
    qtbot.waitUntil(lambda: "v patterns" in viewer.layers, timeout=TIMEOUT)
    assert jobs[0].kept is not None and jobs[0].kept.tmp.is_dir()  # the hidden partial
    widget.cancel()
    gate.set()
    qtbot.waitUntil(lambda: widget.worker is None, timeout=TIMEOUT)
    assert sorted(p.name for p in path.parent.iterdir()) == ["v.npy", "v_labels.zarr"]
    assert sorted(p.name for p in old.iterdir()) == ["mine.txt"]
    assert "v patterns" not in viewer.layers


def test_an_in_memory_video_falls_back_to_the_temporary_store(qtbot, lazy_widget):
    viewer, widget, frames = lazy_widget
    widget.keep_labels.value = True
    run_and_wait(qtbot, widget)
    assert "not kept next to the video: the layer has no file" in widget.status.value
    np.testing.assert_array_equal(viewer.layers["s patterns"].data.compute(),
                                  direct(viewer, frames).labels + 1)


def test_the_lazy_run_applies_the_scribbles_layer(qtbot, lazy_widget):
    from napari_symseg.controller.scribbles import ScribbleSession

    viewer, widget, frames = lazy_widget
    params = Params(**SMALL, random_state=0, reference_frames=(0, 4))
    plain = segment_series(frames, params).labels
    strokes = ScribbleSession(viewer).add_layer(viewer.layers["s"])
    data = np.zeros(frames.shape, np.uint8)
    painted = np.zeros(plain.shape[1:], bool)
    painted[::16, ::16] = True  # a sparse grid of dots, each given the *other* pattern
    data[2][painted] = np.where(plain[2][painted] == 0, 2, 1)
    strokes.data = data
    set_fields(widget, random_state=0, reference_frames="[0, 4]")
    run_and_wait(qtbot, widget)
    layer = viewer.layers["s patterns"]
    guided = segment_series(frames, params, scribbles=data[2], scribbles_frame=2).labels
    assert (guided != plain).mean() > 0.5  # the strokes swap the patterns: they count
    np.testing.assert_array_equal(layer.data.compute(), guided + 1)
