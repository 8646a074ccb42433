"""Issue 11: a cancelled run stops inside its long step (`core.progress.Stop`).

The descriptor kernels read the run's stop flag before each parallel job or
grid row: a flag set from another thread ends them within a job, their
callers raise `Stopped`, and `stoppable` ends the run. Unset, the flag
changes no bit of any result.
"""

import threading
import time

import numpy as np
import pytest

from napari_symseg.core.chunks import grid_for
from napari_symseg.core.descriptors.registry import get_family
from napari_symseg.core.params import Params
from napari_symseg.core.pipeline import segment_steps
from napari_symseg.core.progress import (
    PROCESS_STOP,
    Progress,
    Stop,
    Stopped,
    stop_flag,
    stoppable,
    stopping,
)
from napari_symseg.core.samples import two_phase

# (family, extra params, image size, stride): each about a second of kernel work when
# idle, so that a stop a fifth of the way in is well inside the kernel
CASES = [
    ("rotational_symmetry_maximum_pooling", {}, 320, 1),  # point_symmetry_dense
    ("rotational_symmetry_maximum_pooling", {}, 640, 3),  # point_symmetry_scores
    ("reflection_symmetry_maximum_pooling", {}, 256, 1),
    ("local_correlation_map", {}, 640, 1),
    ("local_correlation_map", {"method": "fft"}, 256, 1),
    ("power_spectrum", {}, 384, 3),
    ("polarity", {}, 512, 1),
]
IDS = [f"{f}-{e.get('method', '')}-s{s}" for f, e, _, s in CASES]


def _setup(name, extra, size, stride):
    image = two_phase((size, size), seed=3)
    params = Params(descriptor_name=name, stride=stride, n_patterns=2, **extra)
    family = get_family(name)
    grid = grid_for(image.shape, params)
    operations = family.operations(params)

    def compute():
        return family.compute(image, params, operations, grid.rows, grid.cols)

    return compute


@pytest.mark.parametrize(("name", "extra", "size", "stride"), CASES, ids=IDS)
def test_a_set_flag_stops_every_family_without_a_result(name, extra, size, stride):
    compute = _setup(name, extra, 160, stride)
    stop = Stop()
    stop.set()
    with stopping(stop), pytest.raises(Stopped):
        compute()
    assert not PROCESS_STOP.is_set()
    assert np.isfinite(compute()).all()  # the same call, not stopped


@pytest.mark.parametrize(("name", "extra", "size", "stride"), CASES, ids=IDS)
def test_unset_flag_changes_no_bit_and_a_flag_set_midway_stops_within_a_job(
        name, extra, size, stride):
    compute = _setup(name, extra, size, stride)
    compute_small = _setup(name, extra, 96, stride)
    compute_small()  # compiled / loaded before timing
    start = time.perf_counter()
    plain = compute()
    full = time.perf_counter() - start
    with stopping(Stop()):
        start = time.perf_counter()
        np.testing.assert_array_equal(compute(), plain)  # bit for bit (NaN too)
        # the shorter of the two runs (a first run may pay for allocation: its length
        # let the stopped run end before the stop on a loaded machine)
        full = min(full, time.perf_counter() - start)

    outcome = []

    def work(stop):
        with stopping(stop):
            try:
                outcome.append(compute())
            except Stopped:
                outcome.append("stopped")

    stop = Stop()
    thread = threading.Thread(target=work, args=(stop,))
    thread.start()
    time.sleep(0.1 * full)
    start = time.perf_counter()
    stop.set()
    thread.join()
    latency = time.perf_counter() - start
    assert outcome == ["stopped"], "the kernel ended before the stop: make the image larger"
    # without the kernels' check it would go on for the other ~90 % of `full`
    assert latency < 0.5 * full, (latency, full)


def test_stop_flag_is_the_process_flag_outside_a_stoppable_step():
    assert stop_flag() is PROCESS_STOP.flag
    stop = Stop()
    with stopping(stop):
        assert stop_flag() is stop.flag
        inner = Stop()
        with stopping(inner):
            assert stop_flag() is inner.flag
        assert stop_flag() is stop.flag
    assert stop_flag() is PROCESS_STOP.flag


def test_stoppable_relays_steps_and_the_value_and_closes_the_steps():
    closed = []

    def steps():
        try:
            yield Progress("descriptors", 0, 2)
            assert stop_flag() is stop.flag  # each step runs with the run's flag
            yield Progress("descriptors", 1, 2)
            return "value"
        finally:
            closed.append(True)

    stop = Stop()
    items, value = _drain(stoppable(steps(), stop))
    assert [(p.done, p.total) for p in items] == [(0, 2), (1, 2)]
    assert value == "value" and closed == [True]

    stop = Stop()
    run = stoppable(steps(), stop)
    next(run)
    stop.set()  # between steps: nothing more, None
    assert _drain(run) == ([], None)
    assert closed == [True, True]


def test_a_stopped_step_ends_the_run_with_none_and_other_stops_propagate():
    def steps():
        yield Progress("descriptors", 0, 1)
        raise Stopped

    stop = Stop()
    run = stoppable(steps(), stop)
    next(run)
    stop.set()
    with pytest.raises(StopIteration) as end:
        next(run)
    assert end.value.value is None
    run = stoppable(steps(), Stop())  # not this run's stop: not swallowed
    next(run)
    with pytest.raises(Stopped):
        next(run)


def _drain(gen):
    """The items of a generator and its return value."""
    items = []
    while True:
        try:
            items.append(next(gen))
        except StopIteration as end:
            return items, end.value


def test_a_stride_1_run_cancelled_from_another_thread_stops_inside_its_descriptor_step():
    image = two_phase((448, 448), seed=5)
    params = Params(descriptor_name="rotational_symmetry_maximum_pooling", stride=1,
                    n_patterns=2)
    list(segment_steps(two_phase((96, 96), seed=5), params))  # compiled before timing
    stop = Stop()
    times, ended = [], []

    def work():
        for p in stoppable(segment_steps(image, params), stop):
            times.append((time.perf_counter(), p))
        ended.append(time.perf_counter())

    thread = threading.Thread(target=work)
    thread.start()
    while len(times) < 2 and thread.is_alive():  # the first chunk done: its duration
        time.sleep(0.005)
    (t0, _), (t1, p1) = times[:2]
    assert p1.stage == "descriptors" and p1.done == 1 and p1.total >= 2, p1
    chunk = t1 - t0
    time.sleep(0.1 * chunk)  # a tenth into the second chunk (as long as the first)
    start = time.perf_counter()
    stop.set()
    thread.join()
    assert len(times) == 2  # nothing after the stop
    # the old code finished the chunk: about 0.9 of `chunk` more (a margin for a loaded
    # machine, where one chunk can take longer than the other)
    assert ended[0] - start < 0.6 * chunk, (ended[0] - start, chunk)


def test_the_edge_preserving_smoothing_stops_between_its_steps():
    """Its steps are seconds of numpy on thousands of features at stride 1 (tester
    newuser9: a cancelled translations run with Suggest's sizes on a 2048² image went on
    for 21 s inside it); a stopped run's smoothing raises, an unstopped one is unchanged."""
    from napari_symseg.core.kuwahara import kuwahara

    block = np.random.default_rng(0).normal(size=(12, 10, 3))
    expected = kuwahara(block, 2)
    stop = Stop()
    stop.set()
    with stopping(stop), pytest.raises(Stopped):
        kuwahara(block, 2)
    with stopping(Stop()):
        np.testing.assert_array_equal(kuwahara(block, 2), expected)


def test_the_gaussian_smoothing_in_groups_of_features_gives_the_whole_block_s_values():
    """Smoothed a few features at a time (a stop between groups): the same values as the
    whole block at once, bit for bit."""
    import scipy.ndimage

    from napari_symseg.core.chunks import (
        SMOOTHING_FEATURES,
        SMOOTHING_TRUNCATE,
        DescriptorChunks,
        Tally,
    )
    from napari_symseg.core.validation import as_image

    image = two_phase((96, 120))
    params = Params(patch_x=4, patch_y=4, window_x=6, window_y=6, stride=2, smoothing=6.0)
    operations = get_family(params.descriptor_name).operations(params)
    assert len(operations) > SMOOTHING_FEATURES  # more than one group
    chunks = DescriptorChunks(as_image(image), params, operations, 2, False, Tally())
    grid = chunks.grid
    whole = chunks._features(grid.rows)
    scipy.ndimage.gaussian_filter(whole, (3.0, 3.0, 0), mode="nearest",
                                  truncate=SMOOTHING_TRUNCATE, output=whole)
    out = np.empty_like(whole)
    np.testing.assert_array_equal(chunks._compute(slice(0, grid.shape[0]), out), whole)
