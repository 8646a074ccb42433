"""The per-frame consistency check against plain loops."""

import numpy as np

from napari_symseg.core.consistency import (
    REACH_QUANTILE,
    consistency_note,
    nearest_distance,
    reach,
    unlike_fraction,
)


def _loop_nearest(features, centres):
    return np.array([[min(np.linalg.norm(f - c) for c in centres) for f in row]
                     for row in features])


def test_distances_reach_and_unlike_share_match_plain_loops():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 4))
    features = rng.normal(size=(7, 9, 4))
    expected = _loop_nearest(features, centres)
    np.testing.assert_allclose(nearest_distance(features, centres), expected, rtol=1e-12)
    r = reach([features[:3], features[3:]], centres)
    assert r == np.quantile(expected.ravel(), REACH_QUANTILE)
    assert unlike_fraction(features, centres, 1.0) == np.mean(expected > 1.0)


def test_note_names_runs_of_frames():
    assert consistency_note(np.array([0.01, 0.02, np.nan])) is None
    note = consistency_note(np.array([0.01, 0.3, 0.4, 0.01, 0.2, np.nan, 0.06]))
    assert note.startswith("frames 1-2, 4, 6 look unlike the reference frames (up to 40 %")
    assert consistency_note(np.array([0.5])).startswith("frame 0 look")


def test_assign_fills_the_nearest_distances_of_the_plain_loop():
    from napari_symseg.core.clustering import assign

    rng = np.random.default_rng(1)
    centres = rng.normal(size=(3, 4))
    features = rng.normal(size=(7, 9, 4))
    expected = _loop_nearest(features, centres)
    nearest = np.empty((7, 9))
    labels, _ = assign(features, centres, nearest)
    np.testing.assert_allclose(nearest, expected, rtol=1e-12)
    np.testing.assert_array_equal(labels, np.linalg.norm(
        features[..., None, :] - centres, axis=-1).argmin(-1))
