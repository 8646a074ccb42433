"""Image series: reference fit, separability selection, consistent frame labels."""

import numpy as np
import pytest

from napari_symseg.core.chunks import descriptor_steps
from napari_symseg.core.model import Model
from napari_symseg.core.params import Params
from napari_symseg.core.pipeline import segment, segment_steps
from napari_symseg.core.progress import SeriesProgress, run
from napari_symseg.core.samples import moving_boundary_series, moving_boundary_truth
from napari_symseg.core.series import (
    auto_reference_frames,
    fit_series_steps,
    label_frames_steps,
    lazy_labels,
    reference_frames,
    segment_series,
    segment_series_steps,
    select_operations,
)
from napari_symseg.core.validation import InputError, check_series

SERIES = {"n_frames": 5, "shape": (96, 128), "start": 40, "step": 10}
# frame 0 as the paper's reference: the tests below redo its procedure by hand
PARAMS = Params(patch_x=6, patch_y=6, window_x=9, window_y=9, stride=4, n_selected_operations=8,
                reference_frames=(0,))


@pytest.fixture(scope="module")
def series():
    return moving_boundary_series(**SERIES)


@pytest.fixture(scope="module")
def result(series):
    return segment_series(series, PARAMS)


class FrameSource:
    """A series that logs frame reads and refuses to be read as a whole."""

    def __init__(self, data):
        self.data, self.shape, self.dtype, self.reads = data, data.shape, data.dtype, []
        self.ndim = data.ndim

    def __getitem__(self, t):
        self.reads.append(t)
        return self.data[t]

    def __array__(self, *args, **kwargs):
        raise AssertionError("the whole series was read at once")


def test_series_equals_the_paper_procedure_done_by_hand(series, result):
    """Full fit on frame 0, rank operations by separability, refit with the best,
    label every frame with that model: done here with segment()/predict()."""
    full = segment(series[0], PARAMS)
    np.testing.assert_allclose(result.fit.separability, full.separability, rtol=1e-6)
    best = np.argsort(-full.separability, kind="stable")[:8]
    np.testing.assert_array_equal(result.fit.selected, best)
    ops = full.operations.subset(best)
    np.testing.assert_array_equal(result.model.operations.values, ops.values)
    refit = run(segment_steps(series[0], PARAMS, operations=ops)).model
    for t in range(len(series)):
        np.testing.assert_array_equal(result.labels[t], refit.predict(series[t]).labels)
    assert result.labels.dtype == np.uint8 and result.labels.shape == series.shape


def test_labels_follow_the_moving_boundary_consistently(series, result):
    truth = moving_boundary_truth(**SERIES)
    edge = 8  # one lattice spacing around the true boundary is not scored
    cols = np.arange(SERIES["shape"][1])
    for t in range(len(series)):
        boundary = SERIES["start"] + SERIES["step"] * t
        far = np.abs(cols - boundary) > edge
        right = (result.labels[t][:, far] == truth[t][:, far]).mean()
        assert right > 0.97, (t, right)
    # the square phase grows: its fraction increases frame by frame
    square = result.stats.area_fraction[:, 0]
    assert np.all(np.diff(square) > 0) and result.stats.done.all()


def test_select_operations():
    sep = np.array([1.0, np.inf, 3.0, np.nan, 3.0, 0.0])
    np.testing.assert_array_equal(select_operations(sep, 3), [1, 2, 4])
    np.testing.assert_array_equal(select_operations(sep, 0), [1, 2, 4, 0, 5, 3])
    np.testing.assert_array_equal(select_operations(sep, 99), [1, 2, 4, 0, 5, 3])


def test_all_operations_when_n_is_zero_or_one_pattern(series):
    fit = run(fit_series_steps(series, PARAMS.replace(n_selected_operations=0)))
    assert fit.model is fit.full_model
    assert len(fit.selected) == len(fit.full_model.operations) == 81
    one = segment_series(series[:2], PARAMS.replace(n_patterns=1))
    assert np.all(one.labels == 0)
    assert one.model.operations is one.fit.full_model.operations


def test_several_reference_frames_feed_one_fit(series):
    params = PARAMS.replace(reference_frames=(0, 4), n_selected_operations=0)
    fit = run(fit_series_steps(series, params))
    grid, d0 = run(descriptor_steps(series[0].astype(float), params))
    _, d4 = run(descriptor_steps(series[4].astype(float), params))
    # the PCA is fitted on the points whose translation patches are not clipped
    (h, w), mx, my = grid.image_shape, params.patch_x + params.window_x, \
        params.patch_y + params.window_y
    rows = (grid.rows >= mx) & (grid.rows < h - mx)
    cols = (grid.cols >= my) & (grid.cols < w - my)
    assert 0 < rows.sum() < len(rows) and 0 < cols.sum() < len(cols)
    both = np.concatenate([d[rows][:, cols].reshape(-1, d.shape[-1]) for d in (d0, d4)])
    np.testing.assert_allclose(fit.model.pca.mean, both.mean(axis=0), atol=1e-6)
    assert fit.reference_frames == (0, 4)


def test_frames_are_read_one_at_a_time_and_never_modified(series, result):
    before = series.copy()
    source = FrameSource(series)
    out = segment_series(source, PARAMS)
    np.testing.assert_array_equal(out.labels, result.labels)
    assert source.reads == [0, *range(len(series))]  # reference, then every frame once
    np.testing.assert_array_equal(series, before)


def test_memmap_dask_and_zarr_inputs_and_memmap_output(series, result, tmp_path):
    import dask.array as da
    import zarr

    mm = np.lib.format.open_memmap(tmp_path / "s.npy", mode="w+", dtype=np.float32,
                                   shape=series.shape)
    mm[:] = series
    mm.flush()
    z = zarr.open_array(tmp_path / "s.zarr", mode="w", shape=series.shape, dtype="f4",
                        chunks=(1, *series.shape[1:]))
    z[:] = series
    out = np.lib.format.open_memmap(tmp_path / "l.npy", mode="w+", dtype=np.uint8,
                                    shape=series.shape)
    for source in (np.load(tmp_path / "s.npy", mmap_mode="r"), da.from_array(series),
                   zarr.open_array(tmp_path / "s.zarr", mode="r")):
        r = segment_series(source, PARAMS, out=out)
        assert r.labels is out
        np.testing.assert_array_equal(np.asarray(out), result.labels)
        out[:] = 0


def test_progress_per_frame_and_cancel_keeps_finished_frames(series, result):
    steps = segment_series_steps(series, PARAMS)
    seen = []
    for p in steps:
        assert isinstance(p, SeriesProgress)
        seen.append(p)
        if p.stage == "frames" and p.done == 2:
            break  # cancel
    steps.close()
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and 0 < fractions[-1] < 1
    frames = [p for p in seen if p.stage == "frames"]
    assert [p.frame for p in frames] == [0, 1]
    for p in frames:
        np.testing.assert_array_equal(p.labels, result.labels[p.frame])
        np.testing.assert_allclose(p.area_fraction, result.stats.area_fraction[p.frame])
    assert "frame 2/5" in str(frames[-1]) and "reference" in str(seen[0])
    full = list(segment_series_steps(series, PARAMS))
    assert full[-1].fraction == 1.0 and sum(p.stage == "frames" for p in full) == 5


def test_lazy_labels_compute_only_the_frame_asked_for(series, result):
    source = FrameSource(series)
    lazy = lazy_labels(result.model, source)
    assert lazy.shape == series.shape and lazy.dtype == np.uint8
    assert not _data_reads(source)  # (dask may take an empty slice for its metadata)
    np.testing.assert_array_equal(lazy[3].compute(), result.labels[3])
    reads = _data_reads(source)
    assert reads and all(_touches_only(r, 3) for r in reads), reads
    np.testing.assert_array_equal(lazy.compute(), result.labels)


def _data_reads(source):
    return [r for r in source.reads if np.asarray(source.data[r]).size]


def _touches_only(index, t):
    first = index[0] if isinstance(index, tuple) else index
    return first == t or (isinstance(first, slice) and first.start == t and first.stop == t + 1)


def test_statistics_of_every_frame(series, result):
    from scipy import ndimage

    for t in range(len(series)):
        lab = result.labels[t]
        for k in range(2):
            assert result.stats.area_fraction[t, k] == pytest.approx((lab == k).mean())
            assert result.stats.regions[t, k] == ndimage.label(lab == k)[1]
            assert result.stats.mean_intensity[t, k] == pytest.approx(
                series[t][lab == k].astype(float).mean())


def test_labels_on_the_grid_without_upsampling(series):
    r = segment_series(series[:2], PARAMS.replace(upsampling=False))
    grid_labels = segment(series[1], PARAMS.replace(upsampling=False))
    assert r.labels.shape == (2, *grid_labels.grid.shape)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.__setitem__((3, 5, 5), np.nan), "frame 3: image contains 1 NaN"),
        (lambda s: s.__setitem__(0, 1.0), "frame 0: image is constant"),
    ],
)
def test_bad_frames_name_the_frame(series, change, message):
    bad = series.copy()
    change(bad)
    with pytest.raises(InputError, match=message):
        segment_series(bad, PARAMS)


def test_constant_frame_outside_the_reference_is_labelled(series):
    blank = series[:3].copy()
    blank[2] = 0.5
    r = segment_series(blank, PARAMS)
    assert len(np.unique(r.labels[2])) == 1


@pytest.mark.parametrize(
    ("data", "params", "message"),
    [
        (np.zeros((64, 64)), PARAMS, "must be 3-D"),
        (np.zeros((2, 2, 64, 64)), PARAMS, "must be 3-D"),
        (np.zeros((2, 64, 64), complex), PARAMS, "real numbers"),
        (np.zeros((4, 64, 64, 3)), PARAMS, "must be 3-D"),
        (np.zeros((8, 64, 3)), PARAMS, "RGB"),
        (None, PARAMS.replace(reference_frames=(7,)), r"reference frame\(s\) \[7\] do not exist"),
    ],
)
def test_bad_series(series, data, params, message):
    with pytest.raises(InputError, match=message):
        segment_series(series if data is None else data, params)


def test_check_series_reads_nothing(series):
    source = FrameSource(series)
    assert check_series(source) == series.shape and source.reads == []


def test_label_frames_out_shape_is_checked(series, result):
    with pytest.raises(ValueError, match="out has shape"):
        run(label_frames_steps(result.model, series, out=np.zeros((2, 3, 4), np.uint8)))


def test_distributed_cluster_gives_the_in_process_result(series, result):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        from napari_symseg.core.cluster import active_client

        assert active_client() is client
        remote = segment_series(series, PARAMS)
        np.testing.assert_array_equal(remote.labels, result.labels)
        np.testing.assert_allclose(remote.stats.area_fraction, result.stats.area_fraction)
        np.testing.assert_array_equal(remote.stats.regions, result.stats.regions)
        assert len(client.run(lambda: 1)) == 2  # two worker processes
        # the lazy route runs on the cluster too
        np.testing.assert_array_equal(lazy_labels(result.model, series).compute(),
                                      result.labels)
        bad = series.copy()
        bad[2, 3, 3] = np.inf
        with pytest.raises(InputError, match="frame 2"):
            segment_series(bad, PARAMS)


@pytest.mark.parametrize(("n_frames", "expected"), [
    (40, (0, 10, 20, 29, 39)), (5, (0, 1, 2, 3, 4)), (3, (0, 1, 2)), (1, (0,)),
    (6, (0, 1, 2, 4, 5)),
])
def test_auto_reference_frames_spread_over_the_series(n_frames, expected):
    assert auto_reference_frames(n_frames) == expected
    assert reference_frames(Params(), n_frames) == expected  # "auto" is the default


def test_auto_reference_frames_find_a_pattern_missing_from_frame_0():
    """The square phase nucleates after frame 0: a fit on frame 0 alone splits the
    hexagonal phase in two; the default fit over spread frames gets both right."""
    series = moving_boundary_series(n_frames=5, shape=(96, 128), start=-20, step=30, seed=5)
    truth = moving_boundary_truth(5, (96, 128), -20, 30)
    params = PARAMS.replace(n_selected_operations=0)

    def worst_accuracy(labels):
        keep = np.abs(np.arange(128)[None, :] - (-20 + 30 * np.arange(5))[:, None]) > 12
        acc = []
        for t in range(1, 5):  # frames holding both phases
            lab, tru = labels[t][:, keep[t]], truth[t][:, keep[t]]
            acc.append(max(np.mean(lab == tru), np.mean(lab == 1 - tru)))
        return min(acc)

    auto = segment_series(series, params.replace(reference_frames="auto"))
    assert auto.fit.reference_frames == (0, 1, 2, 3, 4)
    assert worst_accuracy(np.asarray(auto.labels)) > 0.95
    first = segment_series(series, params)
    assert worst_accuracy(np.asarray(first.labels)) < 0.85


def test_frames_unlike_the_reference_are_reported():
    """The consistency check: a frame-0 fit on a series whose square phase appears
    later names the later frames; the default spread fit names none."""
    series = moving_boundary_series(n_frames=5, shape=(96, 128), start=-20, step=30, seed=5)
    params = PARAMS.replace(n_selected_operations=0)
    first = segment_series(series, params)
    unlike = first.unlike
    assert unlike.shape == (5,) and unlike[0] < 0.02  # the reference frame itself: ~1 %
    assert (unlike[2:] > 0.2).all()  # a third of the frame and more is square phase
    assert first.consistency_note().startswith("frames 1-4 look unlike") or \
        first.consistency_note().startswith("frames 2-4 look unlike")
    auto = segment_series(series, params.replace(reference_frames="auto"))
    assert np.nanmax(auto.unlike) < 0.05 and auto.consistency_note() is None
    assert auto.model.reach > 0 and Model.from_dict(auto.model.to_dict()).reach == \
        auto.model.reach


def test_frames_in_threads_equal_one_at_a_time_bit_for_bit(series, result):
    # core.frame_threads: one frame per thread, each on one numba thread, against one
    # frame at a time with the kernels on every thread; then an early stop
    import threading

    from threadpoolctl import threadpool_info

    blas = [lib["num_threads"] for lib in threadpool_info()]
    threads = threading.active_count()
    one = run(label_frames_steps(result.model, series, workers=1))
    for workers in (2, 3):
        labels, stats = run(label_frames_steps(result.model, series, workers=workers))
        assert np.array_equal(labels, one[0])
        for name in ("area_fraction", "regions", "mean_intensity", "unlike"):
            assert np.array_equal(getattr(stats, name), getattr(one[1], name), equal_nan=True)
    assert np.array_equal(one[0], result.labels)
    source = FrameSource(series)
    steps = label_frames_steps(result.model, source, workers=2)
    assert [next(steps).frame for _ in range(2)] == [0, 1]
    assert source.reads == [0, 1, 2, 3]  # two frames in flight beside the one yielded
    steps.close()  # the frames in flight finish, the rest are never read
    assert source.reads == [0, 1, 2, 3]
    assert threading.active_count() == threads
    assert [lib["num_threads"] for lib in threadpool_info()] == blas  # BLAS threads restored


def test_reference_frames_in_threads_give_the_same_fit_bit_for_bit(series, monkeypatch):
    # pipeline._keep_all_in_threads: the reference frames' descriptors one per thread,
    # against one frame after the other (image_workers() == 1)
    from napari_symseg.core import pipeline

    params = PARAMS.replace(reference_frames=(0, 2, 4))
    steps = fit_series_steps(series, params)
    threaded = run(steps)
    monkeypatch.setattr(pipeline, "image_workers", lambda: 1)
    alone = run(fit_series_steps(series, params))
    for a, b in ((threaded.full_model, alone.full_model), (threaded.model, alone.model)):
        assert np.array_equal(a.pca.mean, b.pca.mean)
        assert np.array_equal(a.pca.components, b.pca.components)
        assert np.array_equal(a.centres, b.centres)
    assert np.array_equal(threaded.separability, alone.separability)
    progress = [p.fraction for p in fit_series_steps(series, params)]
    assert progress == sorted(progress)


def test_refit_on_selected_operations_reuses_the_full_descriptors_bit_for_bit(series):
    # fit_series_steps takes the selected operations' descriptors from the full fit's
    # (fit_steps(kept=)); computing them again gives the same fit bit for bit
    from napari_symseg.core.descriptors.registry import get_family
    from napari_symseg.core.pipeline import fit_steps

    images = [series[t].astype(float) for t in (0, 3)]
    operations = get_family(PARAMS.descriptor_name).operations(PARAMS)
    full = run(fit_steps(images, PARAMS, operations))
    selected = np.array([7, 2, 30, 11, 5])
    subset = operations.subset(selected)
    kept = [c.kept[..., selected] for c in full.chunks]
    reused = run(fit_steps(images, PARAMS, subset, kept=kept))
    again = run(fit_steps(images, PARAMS, subset))
    assert all(c.kept is k for c, k in zip(reused.chunks, kept, strict=True))  # not recomputed
    assert all(np.array_equal(k, c.kept) for k, c in zip(kept, again.chunks, strict=True))
    for name in ("mean", "components"):
        assert np.array_equal(getattr(reused.model.pca, name), getattr(again.model.pca, name))
    assert np.array_equal(reused.model.centres, again.model.centres)
    fit = run(fit_series_steps(series, PARAMS.replace(reference_frames=(0, 3))))
    assert np.array_equal(fit.model.centres, run(fit_steps(
        images, PARAMS, operations.subset(fit.selected))).model.centres)


def test_one_frame_at_a_time_under_numba_workqueue(monkeypatch):
    # numba's workqueue threading layer must not be entered from two threads at once
    import numba

    from napari_symseg.core import threads

    if numba.get_num_threads() < 2 or not threads._thread_safe_layer():
        pytest.skip("one numba thread, or numba's workqueue layer itself")
    assert threads.image_workers() == numba.get_num_threads()
    monkeypatch.setattr(numba, "threading_layer", lambda: "workqueue")
    assert threads.image_workers() == 1


def test_steps_within_frames_give_the_same_labels_and_a_stop_there_stops(result, monkeypatch):
    from napari_symseg.core import chunks

    monkeypatch.setattr(chunks, "CHUNK_POINTS", 200)  # several chunks of rows per frame
    tall = moving_boundary_series(n_frames=3, shape=(320, 64), start=20, step=10)
    model = result.model
    expected = run(label_frames_steps(model, tall))  # one step per frame
    steps = label_frames_steps(model, tall, within=True)
    seen = []
    while True:
        try:
            seen.append(next(steps))
        except StopIteration as stop:
            labels, stats = stop.value
            break
    np.testing.assert_array_equal(labels, expected[0])
    np.testing.assert_array_equal(stats.area_fraction, expected[1].area_fraction)
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert [p.frame for p in seen if p.stage == "frames"] == [0, 1, 2]
    parts = [p for p in seen if p.stage == "labelling"]
    assert all(p.frame is None and p.labels is None for p in parts)
    assert all(sum(p.done == t for p in parts) >= 4 for t in range(3))  # within every frame
    # stopped within frame 1: frame 0 is written, nothing after
    out = np.zeros_like(expected[0])
    steps = label_frames_steps(model, tall, out=out, within=True)
    for p in steps:
        if p.stage == "labelling" and p.done == 1:
            break
    steps.close()
    np.testing.assert_array_equal(out[0], expected[0][0])
    assert not out[1:].any()


def test_refit_with_the_edge_preserving_smoothing_computes_the_selected_operations_again(
        series):
    # the Kuwahara mean (contrast channels + smoothing) picks one window from all features:
    # a subset's smoothed descriptors are not columns of the full set's, so the refit on the
    # selected operations computes them again (the model then predicts what it was fitted on)
    from napari_symseg.core.descriptors.registry import get_family
    from napari_symseg.core.pipeline import fit_steps

    params = PARAMS.replace(contrast_features=True, edge_smoothing=True, smoothing=6.0,
                            reference_frames=(0, 3))
    fit = run(fit_series_steps(series, params))
    images = [series[t].astype(float) for t in (0, 3)]
    operations = get_family(params.descriptor_name).operations(params)
    again = run(fit_steps(images, params, operations.subset(fit.selected)))
    assert np.array_equal(fit.model.centres, again.model.centres)
