"""The pair-scatter variant of issue 15's seventh session (measured, not adopted;
benchmarks/scribble_suggestions.py): a smooth field the strokes happen to sample at
different values must not decide the classes."""

import numpy as np

from benchmarks import scribble_suggestions as ss


def _wave_case(seed=0):
    """Blocks of class 1 in a class-0 matrix: feature 0 steps by 1 at the blocks, feature 1
    is a smooth wave along the columns (a thickness field, period 30 grid points); the
    strokes of class 0 (number 1) sit near its crests, those of class 1 (number 2) in one
    block near its trough."""
    rng = np.random.default_rng(seed)
    truth = np.zeros((60, 60), np.int64)
    truth[20:40, 18:28] = 1
    truth[5:15, 48:58] = 1
    truth[45:55, 45:55] = 1
    wave = np.broadcast_to(np.sin(2 * np.pi * np.arange(60) / 30), truth.shape)
    f = np.stack([truth + 0.15 * rng.standard_normal(truth.shape),
                  wave + 0.05 * rng.standard_normal(truth.shape)], -1)
    cls = np.zeros(truth.shape, np.int64)
    cls[25:35, 5:10] = 1
    cls[45:55, 30:35] = 1
    cls[26:34, 20:25] = 2
    return {"f": f, "cls": cls, "fit": np.ones(truth.shape, bool), "truth": truth,
            "keep": np.ones(truth.shape, bool), "n_base": 2, "k": 2, "rs": 0}


def _accuracy(d, labels):
    return float((labels == d["truth"]).mean())


def test_pair_scatter_is_the_variance_of_a_field_that_only_varies_smoothly():
    labels = np.zeros((40, 50), np.int64)
    ramp = np.broadcast_to(np.arange(50.0), labels.shape)[..., None]
    ok = np.ones(labels.shape, bool)
    # along columns a lag-L difference is L; along rows 0: half the mean of L^2 over both
    n_col = {lag: 40 * (50 - lag) for lag in ss.LAGS}
    n_row = {lag: (40 - lag) * 50 for lag in ss.LAGS}
    expected = sum(n_col[g] * g**2 for g in ss.LAGS) / (sum(n_col.values()) +
                                                      sum(n_row.values())) / 2
    np.testing.assert_allclose(ss.pair_scatter(ramp, labels, ok), [[expected]])
    # pairs with different labels are left out: a step between the labels adds nothing
    labels[:, 25:] = 1
    step = ramp * 0 + (labels[..., None] > 0)
    np.testing.assert_allclose(ss.pair_scatter(step, labels, ok), [[0.0]])


def test_pairs_ignore_the_wave_the_strokes_only_fit_follows():
    d = _wave_case()
    assert _accuracy(d, ss.package(d, 0)) < 0.95   # strokes only: cuts along the wave
    assert _accuracy(d, ss.pairs(d)) > 0.985
