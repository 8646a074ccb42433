"""Contrast channels (issue 13): box sums against a slow reference, the weighting rule,
and what they add to a segmentation."""

import numpy as np
import pytest

from napari_symseg import Model, Params, segment
from napari_symseg.core import chunks as chunks_module
from napari_symseg.core.descriptors.contrast import (
    CHANNELS,
    FLOOR,
    contrast_box,
    contrast_scales,
    image_level,
    local_contrast,
)
from napari_symseg.core.descriptors.registry import FAMILIES
from napari_symseg.core.pca import CovarianceAccumulator, fit_pca
from napari_symseg.core.samples import two_phase


def slow_contrast(image, box, rows, cols):
    """Obviously correct: the clipped box of every point, numpy mean and std, logs."""
    zero = min(0.0, image.min())
    unit = image.mean() - zero
    out = np.empty((len(rows), len(cols), 2))
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            patch = image[max(r - box[0], 0) : r + box[0] + 1, max(c - box[1], 0) : c + box[1] + 1]
            out[i, j] = (np.log(FLOOR + (patch.mean() - zero) / unit),
                         np.log(FLOOR + patch.std() / unit))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_local_contrast_matches_the_slow_reference_with_clipped_boxes(seed):
    rng = np.random.default_rng(seed)
    image = rng.gamma(2.0, 3.0, (37, 52)) + 5 * (np.arange(52) > 30)  # a step, positive
    if seed == 2:
        image -= 8.0  # negative intensities: counted from the minimum
    box = tuple(int(v) for v in rng.integers(1, 9, 2))
    rows = np.arange(0, 37, 3)  # border points included: boxes are clipped
    cols = np.arange(1, 52, 4)
    fast = local_contrast(image, box, rows, cols)
    assert fast.dtype == np.float32 and fast.shape == (len(rows), len(cols), len(CHANNELS))
    np.testing.assert_allclose(fast, slow_contrast(image, box, rows, cols), atol=2e-5)


def test_local_contrast_is_dose_independent_and_finite_on_vacuum():
    rng = np.random.default_rng(3)
    image = np.where(np.arange(64)[None, :] < 32, 0.0, rng.gamma(4.0, 1.0, (64, 64)))
    a = local_contrast(image, (4, 4), [32], [5, 50])
    b = local_contrast(20 * image, (4, 4), [32], [5, 50])
    np.testing.assert_allclose(a, b, atol=1e-4)
    # vacuum: both channels at log(FLOOR), finite
    np.testing.assert_allclose(a[0, 0], np.log(FLOOR), atol=1e-4)
    assert image_level(np.full((4, 4), 3.0)) == (0.0, 3.0)
    assert image_level(np.zeros((4, 4))) == (0.0, 1.0)


def test_contrast_scales_follow_the_documented_rule():
    rng = np.random.default_rng(4)
    scores = rng.normal(size=(5000, 6)) @ rng.normal(size=(6, 6))
    contrast = np.stack([100 * rng.normal(size=5000), 0.01 * rng.normal(size=5000)], axis=1)
    contrast[:, 1] += 0.005 * contrast[:, 0] / 100  # correlated a little
    x = np.concatenate([scores, contrast], axis=1)
    cov = np.cov(x, rowvar=False)
    for weight in (0.5, 1.0, 3.0):
        s = contrast_scales(cov, 6, weight)
        assert np.all(s[:6] == 1)
        scaled = cov * np.outer(s, s)
        # both channels scaled to one variance, then the block's top eigenvalue = weight x
        # the scores' top eigenvalue
        assert scaled[6, 6] == pytest.approx(scaled[7, 7])
        top_scores = np.linalg.eigvalsh(cov[:6, :6])[-1]
        assert np.linalg.eigvalsh(scaled[6:, 6:])[-1] == pytest.approx(weight * top_scores)
    flat = cov.copy()
    flat[7, :] = flat[:, 7] = 0.0  # a channel that does not vary gets weight 0
    assert contrast_scales(flat, 6, 1.0)[7] == 0.0
    assert np.all(contrast_scales(cov[:6, :6], 6, 1.0) == 1)  # no contrast channels


def test_pca_with_scales_equals_pca_of_scaled_features():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3000, 5)) @ rng.normal(size=(5, 5)) + 3.0
    scales = np.array([1.0, 1.0, 1.0, 7.0, 0.1])
    acc = CovarianceAccumulator(5)
    acc.add(x)
    weighted = acc.fit(3, scales=scales)
    plain = fit_pca(x * scales, 3)
    np.testing.assert_allclose(weighted.transform(x), plain.transform(x * scales), atol=1e-4)
    np.testing.assert_allclose(weighted.explained_variance, plain.explained_variance)


SMALL = dict(patch_x=6, patch_y=6, window_x=8, window_y=8, radius=6, stride=4)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_every_family_gets_the_two_channels(name):
    image = two_phase((96, 96), noise=0.1)
    changes = dict(SMALL)
    if name == "preselected_translations":
        changes["preselected_translations"] = ((0, 8), (8, 0))
    params = Params(descriptor_name=name, contrast_features=True, **changes)
    result = segment(image, params)
    n_ops = len(result.operations)
    assert result.descriptors.shape[-1] == n_ops + 2
    assert result.separability.shape == (n_ops,)  # per operation, as before
    box = FAMILIES[name].box(params)
    expected = local_contrast(image.astype(np.float64), box, result.grid.rows, result.grid.cols)
    np.testing.assert_allclose(result.descriptors[..., n_ops:], expected, atol=1e-5)
    plain = segment(image, params.replace(contrast_features=False))
    np.testing.assert_array_equal(result.descriptors[..., :n_ops], plain.descriptors)


def test_streamed_and_smoothed_contrast_equals_kept(monkeypatch):
    image = two_phase((128, 128), noise=0.2)
    params = Params(contrast_features=True, smoothing=6.0, **SMALL)
    kept = segment(image, params)
    monkeypatch.setattr(chunks_module, "DESCRIPTOR_BUDGET", 1)
    monkeypatch.setattr(chunks_module, "CHUNK_POINTS", 50)
    from napari_symseg.core import pipeline

    monkeypatch.setattr(pipeline, "exceeds_budget", lambda nbytes: True)
    streamed = segment(image, params)
    assert streamed.descriptors is None
    np.testing.assert_allclose(streamed.pca_components, kept.pca_components, atol=1e-4)
    np.testing.assert_array_equal(streamed.labels, kept.labels)


def test_model_with_contrast_saves_loads_and_predicts(tmp_path):
    image = two_phase((96, 96), noise=0.1)
    result = segment(image, Params(contrast_features=True, contrast_weight=2.0, **SMALL))
    path = tmp_path / "model.json"
    result.model.save(path)
    loaded = Model.load(path)
    assert loaded.params.contrast_features and loaded.params.contrast_weight == 2.0
    np.testing.assert_array_equal(loaded.predict(image).labels, result.labels)


def test_contrast_separates_regions_that_differ_only_in_intensity():
    # two regions of white Poisson noise (no lattice), 1 vs 6 counts/px: Pearson scores
    # are ~0 on both; the local mean tells them apart
    rng = np.random.default_rng(6)
    truth = (np.arange(128)[None, :] >= 64) & np.ones((128, 1), bool)
    image = rng.poisson(np.where(truth, 6.0, 1.0)).astype(np.float32)
    params = Params(patch_x=6, patch_y=6, window_x=6, window_y=6, stride=4)
    keep = np.abs(np.arange(128) - 63.5)[None, :].repeat(128, 0) > 10

    def accuracy(labels):
        agree = (labels == truth)[keep].mean()
        return max(agree, 1 - agree)

    assert accuracy(segment(image, params.replace(contrast_features=True)).labels) > 0.99
    assert accuracy(segment(image, params).labels) < 0.8


def _vacuum_film_edge(params):
    """Mean column where the labels change row by row on a vacuum | film step at column 64."""
    rng = np.random.default_rng(3)
    film = (np.arange(128)[None, :] >= 64) & np.ones((128, 1), bool)
    image = rng.poisson(np.where(film, 3.0, 0.02)).astype(np.float32)
    labels = segment(image, params).labels
    film_label = np.bincount(labels[:, 100:].ravel()).argmax()
    return float(np.mean(np.argmax(labels == film_label, axis=1)))


def test_contrast_box_is_capped_at_half_a_period_so_vacuum_stays_vacuum(monkeypatch):
    assert contrast_box((12, 9), Params(smoothing=8.0)) == (4, 4)
    assert contrast_box((3, 9), Params(smoothing=8.0)) == (3, 4)
    assert contrast_box((12, 9), Params()) == (12, 9)
    # the log of a box mean is pulled to the bright side: with the descriptor's box
    # (12 px) the film's edge moves 10 px into the vacuum; with the capped box (4 px) it
    # moves 4 px (the Gaussian smoothing, an average of the logs, is symmetric across the
    # step); the edge-preserving smoothing (core/kuwahara.py) takes the film's side next to
    # the edge (low-dose vacuum varies more on a log scale than film): 7 px, within one
    # smoothing width
    # (contrast weight 100: the test is about the contrast channels, not the scores)
    params = Params(patch_x=12, patch_y=12, window_x=6, window_y=6, stride=2, smoothing=8.0,
                    contrast_features=True, contrast_weight=100.0)
    edges = params.replace(edge_smoothing=True)
    assert abs(_vacuum_film_edge(params) - 64) <= 5
    capped = _vacuum_film_edge(edges)
    assert abs(capped - 64) <= 8
    monkeypatch.setattr(chunks_module, "contrast_box", lambda box, params: box)
    assert _vacuum_film_edge(params) < 64 - 8
    assert _vacuum_film_edge(edges) < capped - 4


def test_models_saved_without_edge_smoothing_load_with_the_gaussian(tmp_path):
    # a model saved before the field existed (contrast + smoothing: the Gaussian then)
    # loads with edge_smoothing off and labels as it did
    import json

    image = two_phase((96, 96), noise=0.1)
    params = Params(contrast_features=True, smoothing=6.0, **SMALL)
    result = segment(image, params)
    path = tmp_path / "model.json"
    result.model.save(path)
    data = json.loads(path.read_text())
    assert data["params"].pop("edge_smoothing") is False
    path.write_text(json.dumps(data))
    loaded = Model.load(path)
    assert loaded.params == params
    np.testing.assert_array_equal(loaded.predict(image).labels, result.labels)
    edged = segment(image, params.replace(edge_smoothing=True))
    assert not np.allclose(edged.descriptors, result.descriptors)


def test_params_fields_validated_and_round_trip():
    p = Params(contrast_features=True, contrast_weight=0.5)
    assert Params.from_json(p.to_json()) == p
    for bad in ({"contrast_features": "yes"}, {"contrast_weight": 0.0},
                {"contrast_weight": float("inf")}):
        with pytest.raises(Exception, match="contrast"):
            Params(**bad)
