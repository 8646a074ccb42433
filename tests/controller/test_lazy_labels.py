"""LazyLabels: a fitted model's labels of a series, each frame labelled once, memory bounded."""

import threading

import dask.array as da
import numpy as np
import pytest

from napari_symseg.controller.lazy_labels import LazyLabels
from napari_symseg.controller.lazy_series import is_lazy
from napari_symseg.core.params import Params
from napari_symseg.core.samples import moving_boundary_series
from napari_symseg.core.series import segment_series

PARAMS = Params(patch_x=4, patch_y=4, window_x=6, window_y=6, stride=4, n_patterns=2,
                reference_frames=(0, 5), random_state=0)


@pytest.fixture(scope="module")
def fitted():
    frames = moving_boundary_series(6, (48, 64), start=16, step=8)
    return frames, segment_series(frames, PARAMS)


def test_frames_are_the_series_labels_plus_one_and_labelled_once(fitted):
    frames, result = fitted
    lazy = LazyLabels(result.model, da.from_array(frames, chunks=(1, 48, 64)),
                      cache_frames=2)
    data = lazy.as_dask()
    assert isinstance(data, da.Array) and not lazy.done.any()  # nothing labelled yet
    np.testing.assert_array_equal(data[4].compute(), result.labels[4] + 1)
    assert lazy.done.tolist() == [False] * 4 + [True, False]
    np.testing.assert_array_equal(data.compute(), result.labels + 1)
    assert len(lazy.cached()) == 2  # the cache keeps the last 2 frames read
    # no store: a frame that left the cache is labelled again
    gone = next(t for t in range(6) if t not in lazy.cached())
    np.testing.assert_array_equal(lazy.frame(gone), result.labels[gone] + 1)
    assert [t for _, t, _ in lazy.timings].count(gone) == 2
    np.testing.assert_allclose(lazy.stats.area_fraction, result.stats.area_fraction)


def test_a_store_gives_back_frames_that_left_the_cache(fitted, tmp_path):
    frames, result = fitted
    lazy = LazyLabels(result.model, frames, store=tmp_path / "c.zarr", cache_frames=1)
    for t in range(6):
        lazy.frame(t)
    np.testing.assert_array_equal(lazy.frame(2), result.labels[2] + 1)
    assert len(lazy.timings) == 6  # frame 2 read from the store, not labelled again
    assert (tmp_path / "c.zarr").is_dir()


def test_two_threads_asking_for_one_frame_label_it_once(fitted):
    frames, result = fitted
    lazy = LazyLabels(result.model, frames)
    out = []
    threads = [threading.Thread(target=lambda: out.append(lazy.frame(3))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(out) == 4 and all(np.array_equal(o, result.labels[3] + 1) for o in out)
    assert [t for _, t, _ in lazy.timings] == [3]


def test_lazy_data_is_what_is_not_an_array_in_memory(tmp_path):
    frames = np.zeros((2, 4, 4), np.float32)
    np.save(tmp_path / "f.npy", frames)
    assert not is_lazy(frames)
    assert is_lazy(np.load(tmp_path / "f.npy", mmap_mode="r"))
    assert is_lazy(da.from_array(frames))


def test_while_placeholders_napari_never_waits_for_the_frame_being_labelled(fitted,
                                                                          monkeypatch):
    from napari_symseg.controller import lazy_labels

    frames, result = fitted
    lazy = LazyLabels(result.model, frames)
    lazy.placeholders = True
    started, gate = threading.Event(), threading.Event()
    real = lazy_labels.label_task

    def held(*args):
        started.set()
        gate.wait(30)
        return real(*args)

    monkeypatch.setattr(lazy_labels, "label_task", held)
    worker = threading.Thread(target=lazy.frame, args=(3,))
    worker.start()
    assert started.wait(30)
    data = lazy.as_dask()
    # the worker is held inside frame 3: napari's read neither waits nor labels
    np.testing.assert_array_equal(data[3].compute(), np.zeros((48, 64), lazy.dtype))
    np.testing.assert_array_equal(data[5].compute(), np.zeros((48, 64), lazy.dtype))
    assert lazy.placeholder_reads == 2 and lazy.wanted() == 5 and lazy.wanted() is None
    assert not lazy.done[5] and gate.is_set() is False
    gate.set()
    worker.join(30)
    assert lazy.done[3] and not worker.is_alive()
    np.testing.assert_array_equal(data[3].compute(), result.labels[3] + 1)
    lazy.placeholders = False  # the run is over: a read labels the frame again
    np.testing.assert_array_equal(data[5].compute(), result.labels[5] + 1)
