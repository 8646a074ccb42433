"""The number-of-patterns hint on one crystal whose features drift (issue 13)."""

import numpy as np
import pytest

from napari_symseg import Params, segment
from napari_symseg.core.pattern_count import (
    MIN_SEPARATION,
    pattern_count_hint,
    split_separation,
)
from napari_symseg.core.samples import lattice, two_phase
from napari_symseg.core.suggest import suggest_params


def test_separation_of_a_ramp_a_step_and_a_blob():
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 1, 80)[None, :, None] + 0.01 * rng.normal(size=(80, 80, 1))
    # a continuum: no dip, and t changes at the same pace at the split as elsewhere
    assert split_separation(ramp, np.array([[0.25], [0.75]])) < 2.5
    step = (np.arange(80) >= 40)[None, :, None] + 0.05 * rng.normal(size=(80, 80, 1))
    assert split_separation(step, np.array([[0.0], [1.0]])) > 100
    # flat features: the dip alone (one Gaussian split by k-means: ~0.7; two blobs: large)
    blob = rng.normal(size=(4000, 1))
    assert split_separation(blob, np.array([[-0.8], [0.8]])) < 1.0
    two = np.concatenate([blob, blob + 10])
    assert split_separation(two, np.array([[0.0], [10.0]])) > 50
    assert split_separation(blob, np.array([[1.0], [1.0]])) == 0.0


def _wedged_crystal(seed):
    rng = np.random.default_rng(seed)
    clean = lattice((256, 256), 11.0, "hexagonal", angle=rng.uniform(0, 60)) + 0.1
    cols = np.arange(256)[None, :] / 255
    ramp = 0.3 + 0.7 * (cols if seed % 2 else cols.T)  # a 3x thickness wedge
    return rng.poisson(clean * ramp * 60).astype(np.float32)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_wedged_single_crystal_reads_as_one_pattern(seed):
    image = _wedged_crystal(seed)
    result = segment(image, suggest_params(image, Params(n_patterns=2)))
    hint = result.pattern_count_hint()
    assert hint.suggested == 1
    assert hint.separation < MIN_SEPARATION
    assert "not separated" in str(hint)


def test_two_phases_still_read_as_two():
    rng = np.random.default_rng(3)
    image = rng.poisson(60 * (two_phase((256, 256), noise=0.0) + 0.1)).astype(np.float32)
    hint = segment(image, suggest_params(image, Params(n_patterns=2))).pattern_count_hint()
    assert hint.suggested == 2 and hint.separation > 10 * MIN_SEPARATION


def test_the_result_hint_uses_the_fitted_points_only():
    image = _wedged_crystal(0)
    result = segment(image, suggest_params(image, Params(n_patterns=2)))
    hint = result.pattern_count_hint()
    # the same as the hint of the unclipped points, not of the whole grid
    from napari_symseg.core.descriptors.registry import get_family
    from napari_symseg.core.grid import inside

    mr, mc = get_family(result.params.descriptor_name).fit_margin(result.params)
    rows = inside(result.grid.rows, mr, image.shape[0])
    cols = inside(result.grid.cols, mc, image.shape[1])
    assert rows.stop - rows.start < result.grid.shape[0]
    direct = pattern_count_hint(result.pca_components[rows, cols], 6, result.params.random_state)
    assert hint.separation == pytest.approx(direct.separation)
    assert hint.suggested == direct.suggested
