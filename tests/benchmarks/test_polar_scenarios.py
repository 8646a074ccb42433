"""The issue-18 ferroelectric domain generator: seeded, Poisson, exact truth."""

import numpy as np
import pytest
from benchmarks.polar_scenarios import KINDS, ferroelectric_domains


@pytest.mark.parametrize("kind", KINDS)
def test_seeded_poisson_with_truth(kind):
    image, truth, polar, cell = ferroelectric_domains((160, 160), kind, 0.3, 100.0, 0)
    assert image.dtype == np.float32 and np.array_equal(image, np.round(image))
    assert truth.shape == image.shape and 11 <= cell <= 15
    n = 1 if kind == "nonpolar" else 2
    assert sorted(np.unique(truth)) == list(range(n))
    assert np.array_equal(image, ferroelectric_domains((160, 160), kind, 0.3, 100.0, 0)[0])
    if kind == "nonpolar":
        assert not polar.any()
    else:
        assert np.allclose(np.linalg.norm(polar, axis=1), 1)
        if kind.endswith("180"):
            assert np.allclose(polar[0], -polar[1])


@pytest.mark.parametrize("kind", ["stripes180", "stripes90", "wedge180"])
def test_columns_move_along_each_domains_polarisation(kind):
    """I(delta) - I(0) ~ -delta . grad I_B: negatively correlated, in every true domain,
    with the gradient of the undisplaced image along that domain's polarisation."""
    still, truth, polar, _ = ferroelectric_domains((192, 192), kind, 0.0, None, 4)
    moved = ferroelectric_domains((192, 192), kind, 0.3, None, 4)[0]
    grad = np.stack(np.gradient(still.astype(float)), axis=-1)
    diff = moved.astype(float) - still
    for d, p in enumerate(polar):
        inside = truth == d
        along = grad[inside] @ p
        corr = np.corrcoef(diff[inside], along)[0, 1]
        across = grad[inside] @ p[::-1]
        assert corr < -0.2 and abs(np.corrcoef(diff[inside], across)[0, 1]) < 0.05
