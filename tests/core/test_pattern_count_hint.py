"""The number-of-patterns hint: one crystal vs twins (issue 13), on generated scenarios."""

import numpy as np
import pytest
from benchmarks.hard_scenarios import single_crystal_slow
from benchmarks.hint_scenarios import make
from benchmarks.scenarios import twin

from napari_symseg import Params, segment
from napari_symseg.core.pattern_count import (
    MIN_SCORE_CHANGE,
    MIN_SEPARATION,
    pattern_count_hint,
    results_hint,
    score_change,
)
from napari_symseg.core.pca import fit_pca
from napari_symseg.core.suggest import suggest_params


def test_score_change_is_the_largest_change_of_one_score():
    rng = np.random.default_rng(0)
    n, m = 400, 12
    labels = np.repeat([0, 1], n // 2)
    jump = np.zeros(m)
    jump[3], jump[8] = 0.4, -0.7  # feature 8 is a contrast channel below
    descriptors = 0.01 * rng.normal(size=(n, m)) + labels[:, None] * jump
    pca = fit_pca(descriptors, 3)
    features = pca.transform(descriptors)
    centres = np.array([features[labels == k].mean(axis=0) for k in (0, 1)])
    # slow reference: the centres' difference of every feature, computed directly
    direct = [abs(descriptors[labels == 1, j].mean() - descriptors[labels == 0, j].mean())
              for j in range(m)]
    assert score_change(centres, pca.components) == pytest.approx(max(direct), abs=0.01)
    assert score_change(centres, pca.components, n_scores=8) == pytest.approx(
        max(direct[:8]), abs=0.01)
    assert max(direct[:8]) == pytest.approx(0.4, abs=0.01)


def test_without_axes_the_score_change_is_not_measured():
    rng = np.random.default_rng(1)
    hint = pattern_count_hint(rng.normal(size=(1000, 3)))
    assert hint.suggested == 1 and np.isnan(hint.score_change)


def _hint(image):
    return segment(image, suggest_params(image, Params(n_patterns=2))).pattern_count_hint()


# Development seeds of benchmarks/bench_hint.py. The twins are not separated (separation < 4:
# the hint said 1 before the score change test); the single crystals are.
@pytest.mark.parametrize("image", [
    pytest.param(lambda: twin((320, 320), 4, 10.0, counts=20.0, seed=10)[0], id="issue5-twin"),
    pytest.param(lambda: make("perovskite", "twin", 11)[0], id="perovskite-twin"),
])
def test_narrow_twin_lamellae_read_as_two_patterns(image):
    hint = _hint(image())
    assert hint.separation < MIN_SEPARATION  # the drift test alone would say 1
    assert hint.score_change >= MIN_SCORE_CHANGE
    assert hint.suggested >= 2
    assert "changes a symmetry score" in str(hint)


@pytest.mark.parametrize("image", [
    pytest.param(lambda: make("stm", None, 11)[0], id="stm-scan-lines-and-creep"),
    pytest.param(lambda: make("metal", None, 11)[0], id="fcc110-wedge-tails-dose"),
    pytest.param(lambda: single_crystal_slow((320, 320), kind="hexagonal", seed=10)[0],
                 id="honeycomb-wedge"),
])
def test_one_crystal_under_slow_changes_reads_as_one_pattern(image):
    hint = _hint(image())
    assert hint.suggested == 1
    assert hint.score_change < MIN_SCORE_CHANGE
    assert "no symmetry score changes" in str(hint)


def test_results_hint_of_one_result_is_its_own_hint():
    image = make("metal", "grains", 10, size=256)[0]
    result = segment(image, suggest_params(image, Params(n_patterns=2)))
    hint, again = result.pattern_count_hint(), results_hint([result])
    assert hint.suggested == again.suggested == 2
    assert hint.separation == again.separation
    assert hint.score_change == again.score_change > MIN_SCORE_CHANGE


def test_the_correlation_flag_matches_the_scores_each_family_computes():
    """`scores_are_correlations` (the score change test's units) is true exactly for the
    families whose descriptors are Pearson scores: in [-1, 1] and unchanged when the image's
    intensities go through any affine map, a negative one included (the polarity's odd
    scores change sign, the power spectrum scales)."""
    from napari_symseg.core.descriptors.registry import FAMILIES

    rng = np.random.default_rng(0)
    image = rng.normal(size=(96, 96)).astype(np.float32) * 40 + 100
    small = dict(patch_x=8, patch_y=8, window_x=6, window_y=6, radius=8, stride=8,
                 max_num_points=9, preselected_translations=((0, 3), (3, 0)))

    def scores(img, name):
        result = segment(img, Params(descriptor_name=name, n_patterns=1, **small))
        return result.descriptors[..., :len(result.operations)]

    for name, family in FAMILIES.items():
        a, b = scores(image, name), scores(-3 * image + 7, name)
        pearson = bool(np.all(np.abs(a) <= 1 + 1e-5)) and np.allclose(a, b, atol=1e-4)
        assert family.scores_are_correlations == pearson, name
