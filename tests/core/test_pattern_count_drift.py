"""The number-of-patterns hint on one crystal whose features drift (issue 13)."""

import numpy as np
import pytest

from napari_symseg import Params, segment
from napari_symseg.core.pattern_count import (
    MIN_SCORE_CHANGE,
    MIN_SEPARATION,
    pattern_count_hint,
    slow_axis_drift,
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


def _crept_crystal(seed, n=256, strength=0.1):
    """A hexagonal crystal scanned row by row with piezo creep: the rows are sampled on a
    grid stretched by `strength` x n, most of it over the first fifth of the rows."""
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    z = lattice((n, n), 10.0, "hexagonal", angle=rng.uniform(0, 60))
    rows = np.arange(n, dtype=float)
    creep = rows + strength * n * (1 - np.exp(-rows / (0.2 * n)))
    creep *= (n - 1) / creep[-1]
    rr, cc = np.meshgrid(creep, np.arange(n, dtype=float), indexing="ij")
    z = ndimage.map_coordinates(z, [rr, cc], order=1, mode="nearest")
    return (z + rng.normal(0, 0.3, z.shape)).astype(np.float32)


@pytest.mark.parametrize("seed", [1, 2])
def test_scan_creep_along_the_rows_reads_as_one_pattern(seed):
    # issue 13, fifth session: the creep stretches the lattice enough to change a score by
    # more than MIN_SCORE_CHANGE (0.26-0.27 measured), which alone would say 2; the split
    # is a monotone function of the row (the slow scan axis), so the hint says 1
    image = _crept_crystal(seed)
    hint = segment(image, suggest_params(image, Params(n_patterns=2))).pattern_count_hint()
    assert hint.score_change >= MIN_SCORE_CHANGE
    assert hint.separation < MIN_SEPARATION
    assert hint.scan_drift and hint.suggested == 1
    assert "creep or drift" in str(hint)
    # the same stretch along the columns is not a scan drift: the score change counts
    turned = np.ascontiguousarray(image.T)
    across = segment(turned, suggest_params(turned, Params(n_patterns=2))).pattern_count_hint()
    assert across.score_change >= MIN_SCORE_CHANGE
    assert not across.scan_drift and across.suggested == 2


def test_slow_axis_drift_needs_rows_only_and_one_direction():
    rng = np.random.default_rng(0)
    noise = 0.01 * rng.normal(size=(60, 50, 1))
    decay = np.exp(-np.arange(60) / 12.0)[:, None, None] + noise
    centres = np.array([[1.0], [0.0]])
    assert slow_axis_drift(decay, centres)
    assert slow_axis_drift(np.stack([decay, decay]), centres)  # a stack: every frame
    assert not slow_axis_drift(decay.transpose(1, 0, 2), centres)  # along the columns
    there_and_back = np.abs(np.linspace(-1, 1, 60))[:, None, None] + noise
    assert not slow_axis_drift(there_and_back, centres)  # two lamellae, not a drift
    patchy = decay + 0.5 * (rng.random((60, 50, 1)) > 0.8)
    assert not slow_axis_drift(patchy, centres)  # rows explain too little
    assert not slow_axis_drift(decay.reshape(-1, 1), centres)  # flat features
