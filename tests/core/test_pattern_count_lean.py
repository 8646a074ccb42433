"""The hint's ``full=False`` (the command's note): only the scores the suggestion needs, the
same suggestion and text as every score computed."""

import itertools

import numpy as np
import pytest

from napari_symseg import Params, segment
from napari_symseg.core.pattern_count import _needed, _one, pattern_count_hint, results_hint
from napari_symseg.core.samples import two_phase


def _same(full, lean):
    assert lean.suggested == full.suggested
    assert str(lean) == str(full)
    np.testing.assert_array_equal([lean.separation, lean.score_change],
                                  [full.separation, full.score_change])
    assert lean.scan_drift == full.scan_drift
    for lean_values, full_values in ((lean.silhouette, full.silhouette), (lean.gap, full.gap),
                                     (lean.gap_error, full.gap_error)):
        done = ~np.isnan(lean_values)  # what was computed is the full hint's, bit for bit
        np.testing.assert_array_equal(lean_values[done], full_values[done])


def _blobs(rng, shift):
    one = rng.normal(size=(1500, 3))
    return np.concatenate([one, rng.normal(size=(1500, 3)) + np.array([shift, 0, 0])])


# (features, axes) and which scores the suggestion needed: (gap, silhouettes)
CASES = {
    "two blobs, no axes: the gap decides": (lambda rng: (_blobs(rng, 8.0), None), (1, 1)),
    "one blob: not separated, one pattern": (lambda rng: (rng.normal(size=(3000, 3)), None),
                                            (0, 0)),
    "two blobs, a score changes: no gap": (lambda rng: (_blobs(rng, 8.0), np.eye(3)), (0, 1)),
    "near blobs, a score changes: no gap": (lambda rng: (_blobs(rng, 1.0), 0.2 * np.eye(3)),
                                            (0, 1)),
    "near blobs, small changes: one": (lambda rng: (_blobs(rng, 1.0), 0.1 * np.eye(3)), (0, 0)),
}


@pytest.mark.parametrize("name", CASES)
def test_lean_hint_of_features_is_the_full_hint(name):
    make, needed = CASES[name]
    features, axes = make(np.random.default_rng(5))
    full = pattern_count_hint(features, axes=axes)
    lean = pattern_count_hint(features, axes=axes, full=False)
    _same(full, lean)
    assert (not np.isnan(lean.gap).all(), not np.isnan(lean.silhouette).all()) == \
        tuple(map(bool, needed))


@pytest.mark.parametrize("image", [
    pytest.param(lambda: two_phase((192, 192)), id="two-phases"),
    pytest.param(lambda: np.random.default_rng(2).normal(size=(192, 192)), id="noise"),
])
def test_lean_hint_of_a_result_is_the_full_hint(image):
    image = image()
    result = segment(image, Params(n_patterns=2))
    _same(results_hint([result]), results_hint([result], full=False))


def test_what_is_left_out_cannot_change_the_rule():
    """Exhaustively over the split's test outcomes: a gap left out changes no answer, and
    silhouettes are left out only where the answer is one pattern whatever they are."""
    for separation, change, drift in itertools.product(
            (np.nan, 1.0, 10.0), (np.nan, 0.1, 0.3, 0.7), (False, True)):
        need_gap, need_silhouette = _needed(separation, change, drift)
        for degenerate, noise in itertools.product((False, True), repeat=2):
            answer = _one(degenerate, noise, separation, change, drift)
            if not need_gap:
                assert answer == _one(degenerate, not noise, separation, change, drift)
            if not need_silhouette:
                assert answer
        if need_gap and need_silhouette:  # then the silhouettes matter for one outcome only
            assert _one(False, True, separation, change, drift) != \
                _one(False, False, separation, change, drift)
