"""Series kinetics (issue 14): persistent ids, boundary displacement and velocity."""

import numpy as np
import pytest
from benchmarks.measure_scenarios import migrating_boundary

from napari_symseg.core.tracking import match_regions, measure_series


def test_match_regions_by_overlap_and_pattern():
    prev = np.array([[1, 1, 2, 2], [1, 1, 2, 2]])
    cur = np.array([[2, 2, 2, 1], [2, 2, 2, 1]])  # ids swapped, boundary moved
    assert match_regions(prev, cur, np.array([-1, 0, 1]), np.array([-1, 1, 0])) == {
        2: 1, 1: 2}
    # a region of another pattern never continues one
    one = np.ones((2, 4), int)
    assert match_regions(one, one, np.array([-1, 0]), np.array([-1, 1])) == {}
    assert match_regions(one, one, np.array([-1, 1]), np.array([-1, 1])) == {1: 1}


def test_series_with_true_labels_moves_at_the_known_rate():
    series, positions = migrating_boundary(n_frames=6, shape=(120, 200), start=60, rate=4)
    cols = np.arange(series.shape[2])
    labels = np.stack([np.broadcast_to(cols >= p, series.shape[1:]) for p in positions])
    labels = labels.astype(np.int32)
    labels[3:, 5:12, 150:160] = 2  # a grain appearing in frame 3
    sm = measure_series(series, labels, n_patterns=3, maps=False)
    regions = sm.regions
    assert set(regions["region"][regions["frame"] == 0]) == {1, 2}
    new = regions["region"][(regions["frame"] >= 3) & (regions["pattern"] == 2)]
    assert len(set(new)) == 1 and new[0] == 3  # a new id, kept over frames 3..5
    for t in range(6):
        left = (regions["frame"] == t) & (regions["pattern"] == 0)
        assert regions["region"][left] == [1]
        assert regions["area_px"][left][0] == 120 * positions[t]
    b = sm.boundaries
    main = b.where((b["region_a"] == 1) & (b["region_b"] == 2))
    assert len(set(main["boundary"])) == 1 and len(main) == 6
    assert np.isnan(main["displacement_px"][0])
    np.testing.assert_allclose(main["displacement_px"][1:], 4.0, rtol=1e-9)
    assert main["mean_velocity_px_per_frame"][0] == pytest.approx(4.0)
    assert sm.tracks.shape == (len(regions), 4)


def test_a_set_cancel_flag_stops_before_the_next_frame():
    import threading

    from napari_symseg.errors import Cancelled

    series, positions = migrating_boundary(n_frames=4, shape=(60, 100), start=30, rate=4)
    cols = np.arange(series.shape[2])
    labels = np.stack([np.broadcast_to(cols >= p, series.shape[1:])
                       for p in positions]).astype(np.int32)
    seen = []

    class Frames:  # records which frames were read
        def __len__(self):
            return len(series)

        def __getitem__(self, t):
            seen.append(t)
            if t == 1:
                flag.set()  # asked to stop while frame 1 is measured
            return series[t]

    flag = threading.Event()
    with pytest.raises(Cancelled, match="frame 2 of 4"):
        measure_series(Frames(), labels, n_patterns=2, maps=False, cancelled=flag)
    assert seen == [0, 1]
    full = measure_series(series, labels, n_patterns=2, maps=False,
                          cancelled=threading.Event())  # never set: the whole series
    assert sorted(set(full.regions["frame"])) == [0, 1, 2, 3]
