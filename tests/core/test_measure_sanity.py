"""Measure refuses impossible answers (review defects): lattices under the sampling limit,
plane groups of a motif without symmetry, and says why a region has no lattice."""

import math

import numpy as np
import pytest

from napari_symseg.core.lattice import (
    MIN_SPACING,
    canonical,
    lattice_and_note,
    lattice_from_acf,
)
from napari_symseg.core.measure import measure_frame
from napari_symseg.core.plane_group import MIN_SCORE, guess_plane_group
from napari_symseg.core.samples import lattice


def _cosine_lattice(period: float, shape=(96, 96)) -> np.ndarray:
    r, c = np.mgrid[:shape[0], :shape[1]].astype(np.float64)
    return np.cos(2 * np.pi * c / period) + np.cos(2 * np.pi * r / period)


def test_a_lattice_under_the_sampling_limit_is_not_reported():
    mask = np.ones((96, 96), bool)
    fine, note = lattice_and_note(_cosine_lattice(2.2), mask, 32)
    assert fine is None and "below the sampling limit" in note and f"{MIN_SPACING:g} px" in note
    coarse, note = lattice_and_note(_cosine_lattice(4.0), mask, 32)
    assert note == "" and coarse.a_length == pytest.approx(4.0, abs=0.05)


def test_no_plane_group_is_named_for_a_motif_without_symmetry():
    noise = np.random.default_rng(1).normal(size=(160, 160))
    mask = np.ones(noise.shape, bool)
    guess = guess_plane_group(noise, mask, canonical((0.0, 9.0), (-7.0, 3.0)))
    assert guess.name == "" and np.isfinite(guess.score) and guess.score < MIN_SCORE
    crystal = lattice((160, 160), 10.0, "square")
    guess = guess_plane_group(crystal, mask, canonical((0.0, 10.0), (-10.0, 0.0)))
    assert guess.name == "p4mm" and guess.score > 0.9


def _acf(peaks, lag=30, width=0.8):
    """A synthetic autocorrelation: 1 at the origin, Gaussian peaks of the given heights."""
    t = np.arange(-lag, lag + 1, dtype=np.float64)
    rr, cc = np.meshgrid(t, t, indexing="ij")
    acf = np.exp(-(rr ** 2 + cc ** 2) / (2 * width ** 2))
    for (r, c), h in peaks:
        for s in (1, -1):
            acf += h * np.exp(-((rr - s * r) ** 2 + (cc - s * c) ** 2) / (2 * width ** 2))
    return acf


def _fringe_acf(weak: float):
    """Peaks along a = (1, 5) strong (0.85 .. 0.7), every other lattice point `weak`."""
    a, b = np.array([1.0, 5.0]), np.array([5.0, -2.0])
    peaks = []
    for i in range(-4, 5):
        for j in range(0, 4):
            if (i, j) == (0, 0) or (j == 0 and i < 0):
                continue
            v = i * a + j * b
            if np.abs(v).max() < 27:
                peaks.append((v, 0.85 - 0.03 * abs(i) if j == 0 else weak))
    return _acf(peaks)


def test_second_direction_found_when_fringes_dominate():
    """The HEA case: the strong peaks are all multiples of a; b is weaker (0.45 of them)."""
    lat = lattice_from_acf(_fringe_acf(0.4))
    assert lat is not None
    truth = canonical((1.0, 5.0), (5.0, -2.0))
    assert lat.a_length == pytest.approx(truth.a_length, abs=0.1)
    assert lat.b_length == pytest.approx(truth.b_length, abs=0.1)
    assert lat.gamma == pytest.approx(truth.gamma, abs=1.0)
    assert lattice_from_acf(_fringe_acf(0.1)) is None  # really one-dimensional: no lattice


def test_regions_table_says_why_a_lattice_cell_is_blank():
    image = lattice((128, 128), 8.0, "square")
    image[:, 96:] = 0.0  # no lattice at all
    labels = np.zeros((128, 128), np.int32)
    labels[:, 96:] = 1
    labels[:20, 96:116] = 2  # 400 px: too small
    table = measure_frame(image, labels, maps=False)
    notes = dict(zip(table.regions["region"], table.regions["lattice_note"], strict=True))
    a = dict(zip(table.regions["region"], table.regions["a_px"], strict=True))
    assert notes[1] == "" and a[1] == pytest.approx(8.0, abs=0.1)
    assert notes[3] == "under 900 px" and math.isnan(a[3])
    assert notes[2] != "" and math.isnan(a[2])


def test_note_says_why_a_lattice_has_no_plane_group():
    image = lattice((128, 128), 8.0, "square")
    labels = np.zeros((128, 128), np.int32)
    labels[:, 100:] = 1  # 28 px wide: a lattice, but no 40 px patch fits for the plane group
    m = measure_frame(image, labels, maps=False)
    row = {k: m.regions[k][1] for k in ("a_px", "plane_group", "lattice_note")}
    assert row["a_px"] == pytest.approx(8.0, abs=0.2)
    assert row["plane_group"] == ""
    assert row["lattice_note"].startswith("no plane group: fewer than 3 whole patches")
    assert m.regions["lattice_note"][0] == "" and m.regions["plane_group"][0] == "p4mm"
