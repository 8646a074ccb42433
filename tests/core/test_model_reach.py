"""A single-image fit records the model's reach (as a series fit does), and labelling an
image unlike the fit's is noted (`core.consistency.model_note`); labels are unchanged."""

import dataclasses

import numpy as np

from napari_symseg.core.consistency import REACH_QUANTILE, model_note
from napari_symseg.core.labelling import predict_steps
from napari_symseg.core.params import Params
from napari_symseg.core.pipeline import segment
from napari_symseg.core.progress import run
from napari_symseg.core.samples import two_phase

SMALL = Params(patch_x=8, patch_y=8, window_x=10, window_y=10, stride=4)


def test_single_fit_records_its_reach():
    image = two_phase((96, 160), boundary=64)
    result = segment(image, SMALL)
    feats = result.pca_components.reshape(-1, result.pca_components.shape[-1])
    centres = result.model.centres
    # slow, obvious reference: every point's distance to every centre, in a loop
    dist = [min(float(np.sqrt(((f - c) ** 2).sum())) for c in centres) for f in feats]
    assert result.model.reach is not None
    assert np.isclose(result.model.reach, np.quantile(dist, REACH_QUANTILE))
    assert model_note(result.pca_components, result.model) is None  # its own image
    again = run(predict_steps(result.model, image))
    plain = run(predict_steps(dataclasses.replace(result.model, reach=None), image))
    np.testing.assert_array_equal(again.labels, result.labels)
    np.testing.assert_array_equal(plain.labels, result.labels)


def test_unlike_image_is_noted():
    result = segment(two_phase((96, 160), boundary=64), SMALL)
    noise = np.random.default_rng(0).normal(size=(96, 160))
    other = run(predict_steps(result.model, noise))
    note = model_note(other.pca_components, result.model)
    assert note is not None and "unlike what the model was fitted on" in note
    assert model_note(other.pca_components, dataclasses.replace(result.model, reach=None)) \
        is None  # a model saved without a reach: no check
