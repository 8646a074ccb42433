"""The second check of an image labelled with a saved model (`core.consistency.subspace_note`):
descriptors off the model's PCA components are noted even when their projection falls near
a centre (within the reach, where `model_note` says nothing)."""

import dataclasses

import numpy as np
import pytest
from benchmarks.measure_scenarios import two_grains

from napari_symseg.core.consistency import (
    RESIDUAL_LIMIT,
    model_note,
    residual_ratio,
    subspace_note,
)
from napari_symseg.core.params import Params
from napari_symseg.core.pca import PCAModel, fit_pca
from napari_symseg.core.pipeline import segment

SMALL = Params(patch_x=8, patch_y=8, window_x=10, window_y=10, stride=4, n_patterns=2)
SHAPE = (160, 160)


def _grains(**kw):
    base = {"orientations": (10.0, 40.0), "tilt": 0.0, "counts": 20}
    return two_grains(SHAPE, **{**base, **kw}).image


@pytest.fixture(scope="module")
def model():
    return segment(_grains(seed=0), SMALL).model


def test_residual_ratio_against_a_slow_reference():
    rng = np.random.default_rng(1)
    ref = rng.normal(size=(400, 6)) * np.array([5.0, 3.0, 2.0, 0.5, 0.4, 0.3])
    pca = fit_pca(ref, n_components=3)
    new = rng.normal(size=(7, 9, 6)) + 0.2
    # slow, obvious: the reference's variance in the dropped directions, per point, from
    # its own eigen-decomposition; the new points' squared distance to the model's
    # subspace (least squares onto the components), about the model's mean
    evals = np.sort(np.linalg.eigvalsh(np.cov(ref.T)))[::-1]
    dropped = evals[3:].sum()
    d = new.reshape(-1, 6) - pca.mean
    coef, *_ = np.linalg.lstsq(pca.components.T, d.T, rcond=None)
    off = d.T - pca.components.T @ coef
    expected = (off ** 2).sum(axis=0).mean() / dropped
    assert residual_ratio(new, pca) == pytest.approx(expected, rel=1e-6)
    assert residual_ratio(ref, pca) == pytest.approx((400 - 1) / 400, rel=1e-6)


def test_residual_ratio_is_none_where_it_cannot_be_measured():
    rng = np.random.default_rng(2)
    ref = rng.normal(size=(200, 4))
    full = fit_pca(ref, n_components=4)
    assert residual_ratio(ref, full) is None  # every direction kept
    pca = fit_pca(ref, n_components=2)
    weighted = PCAModel(pca.mean, pca.components * np.array([1.0, 1.0, 2.0, 0.5]),
                        pca.explained_variance, pca.explained_variance_ratio)
    assert residual_ratio(ref, weighted) is None  # contrast channels: not orthonormal
    assert residual_ratio(None, pca) is None


@pytest.mark.parametrize("image", [
    _grains(seed=1, tilt=15.0),             # another boundary, other noise
    _grains(counts=None),                  # the same grains without noise
    _grains(seed=3, orientations=(10.0, 10.0)),  # one grain of the two
], ids=["other-boundary", "clean", "one-grain"])
def test_alike_images_get_no_note(model, image):
    result = model.predict(image)
    assert residual_ratio(result.descriptors, model.pca) < RESIDUAL_LIMIT / 2
    assert subspace_note(result.descriptors, model) is None
    assert model_note(result.pca_components, model) is None


def _downsampled():
    big = two_grains((640, 640), orientations=(10.0, 40.0), tilt=0.0, counts=20).image
    return big.reshape(160, 4, 160, 4).mean(axis=(1, 3))


@pytest.mark.parametrize("image, reach_sees_it", [
    (_grains(kind="hexagonal"), False),
    (_grains(spacing=5.0), False),
    (_downsampled(), True),
], ids=["hexagonal", "finer-lattice", "downsampled-x4"])
def test_unlike_images_are_noted(model, image, reach_sees_it):
    result = model.predict(image)
    assert residual_ratio(result.descriptors, model.pca) > 2 * RESIDUAL_LIMIT
    note = subspace_note(result.descriptors, model)
    assert note is not None and "unlike what the model was fitted on" in note
    # the first check (distance to the centres) misses the first two: why this one exists
    assert (model_note(result.pca_components, model) is not None) == reach_sees_it


def test_a_model_without_room_outside_gives_no_note(model):
    result = model.predict(_grains(kind="hexagonal"))
    pca = model.pca
    full = dataclasses.replace(model, pca=PCAModel(
        pca.mean, pca.components, pca.explained_variance,
        np.ones_like(pca.explained_variance_ratio) / len(pca.explained_variance_ratio)))
    assert subspace_note(result.descriptors, full) is None  # all variance kept: nothing to say


REAL = "/work/shared/data/real/"


@pytest.mark.slow
@pytest.mark.skipif(not __import__("os").path.exists(REAL + "temul_MoS2_Se_implanted_HAADF.npy"),
                    reason="the gallery's real images are not here (optional)")
def test_real_pair():
    """Ni boride, model fitted on the left half: the right half is alike (no note), the
    MoS2 image is not (noted; its points all lie within the reach)."""
    from napari_symseg.core.suggest import suggest_params

    boride = np.load(REAL + "ingrained_Ni_M3B2_boride_HAADF91.npy").astype(np.float64)
    mos2 = np.load(REAL + "temul_MoS2_Se_implanted_HAADF.npy").astype(np.float64)
    params = suggest_params(boride, Params(n_patterns=2))
    model = segment(boride[:, :512], params).model
    alike = model.predict(boride[:, 512:])
    assert subspace_note(alike.descriptors, model) is None
    unlike = model.predict(mos2[:512, :512])
    assert subspace_note(unlike.descriptors, model) is not None
    assert model_note(unlike.pca_components, model) is None  # the reach misses it
