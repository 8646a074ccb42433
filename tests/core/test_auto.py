import numpy as np
import pytest

from napari_symseg import segment
from napari_symseg.core.auto import dominant_period, suggest_params
from napari_symseg.core.synthetic import lattice, two_phase, two_phase_truth


@pytest.mark.parametrize(("spacing", "kind", "angle", "expected"), [
    (8, "square", 0, 8), (12, "square", 25, 12), (20, "square", 0, 20),
    (12, "hexagonal", 10, 12 * np.sqrt(3) / 2),  # first ring = (10) plane spacing
])
def test_dominant_period_of_noisy_lattices(spacing, kind, angle, expected):
    rng = np.random.default_rng(0)
    image = lattice((384, 384), spacing, kind, angle=angle) + 0.3 * rng.normal(size=(384, 384))
    assert dominant_period(image) == pytest.approx(expected, rel=0.06)


def test_auto_params_segment_two_phase_image():
    image = two_phase((300, 300), boundary=140)
    params = suggest_params(image)
    assert 10 <= params.patch_x <= 18 and params.window_x == params.patch_x
    labels = segment(image, params).labels
    truth = two_phase_truth((300, 300), 140)
    acc = max(np.mean(labels == truth), np.mean(labels != truth))
    assert acc > 0.97


def test_auto_shrinks_for_small_images():
    image = lattice((60, 60), 30.0)
    p = suggest_params(image)
    assert 2 * (p.patch_x + p.window_x) + 8 * p.stride <= 60
