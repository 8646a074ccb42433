"""Measure on scan-distorted lattices (issue 11): the MoS2 image's cell reads gamma 117 deg.

STEM scan drift shears and stretches a whole image by a few %, so a hexagonal (square)
crystal's cell is imaged with sides a few % apart and gamma off 120 (90) degrees. The
measured a, b, gamma must be the image's (that is what the pixels show), the ideal cell's
side ``a_ideal_px`` the crystal's (an area-preserving drift leaves it unchanged), and the
plane group that of the crystal (its operations conjugated by the distortion), not the
c2mm / p2 a distorted hexagonal cell has.
"""

import math

import numpy as np
import pytest
from benchmarks.scenarios import apply_dose

from napari_symseg.core.lattice import canonical
from napari_symseg.core.lattice_metric import metric_distortion
from napari_symseg.core.measure import measure_frame
from napari_symseg.core.samples import sample_lattice

HONEYCOMB = ((1 / 3, 1 / 3, 1.0), (2 / 3, 2 / 3, 0.5))  # MoS2-like: Mo and S2 columns
#: three atoms at 0.3 a from a three-fold axis, along a, b and -(a + b) (sample_lattice's
#: second vector is a + b)
TRIANGLE = ((0.3, 0.0, 1.0), (-0.3, 0.3, 1.0), (0.0, -0.3, 1.0))


def distorted(shape, spacing, kind, angle, shear, stretch, basis=((0.0, 0.0, 1.0),),
              counts=None, seed=0):
    """A lattice seen through the area-preserving scan distortion ``D`` (pixel p shows the
    specimen at D p), and the image's true lattice vectors (D^-1 times the crystal's)."""
    d = np.array([[1.0 + stretch, 0.0], [shear, 1.0 / (1.0 + stretch)]])  # (row, col)
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float64)
    sr = d[0, 0] * rows + d[0, 1] * cols
    sc = d[1, 0] * rows + d[1, 1] * cols
    clean = sample_lattice(sr, sc, spacing, kind, angle, spacing / 5, basis=basis) + 0.05
    t = math.radians(angle)
    second = {"square": (0.0, 1.0), "hexagonal": (0.5, math.sqrt(3) / 2)}[kind]
    vectors = []
    for x, y in ((1.0, 0.0), second):  # sample_lattice's basis in (x = col, y = row)
        vx = spacing * (math.cos(t) * x - math.sin(t) * y)
        vy = spacing * (math.sin(t) * x + math.cos(t) * y)
        vectors.append(np.linalg.solve(d, [vy, vx]))
    return apply_dose(clean, counts, seed=seed), canonical(*vectors)


@pytest.mark.parametrize(("kind", "spacing", "angle", "shear", "stretch", "counts", "group"), [
    ("hexagonal", 11.0, 17.0, 0.04, 0.0, None, "p6mm"),
    ("hexagonal", 9.0, -25.0, 0.03, 0.02, 20, "p6mm"),
    ("square", 10.0, 8.0, 0.0, 0.035, 20, "p4mm"),
    ("square", 12.0, 33.0, -0.04, 0.0, None, "p4mm"),
])
def test_distorted_lattice(kind, spacing, angle, shear, stretch, counts, group):
    image, truth = distorted((256, 256), spacing, kind, angle, shear, stretch, counts=counts)
    m = measure_frame(image, np.zeros(image.shape, np.int64), maps=False)
    row = {k: m.regions[k][0] for k in m.regions.columns}
    # the image's cell, as imaged
    assert row["a_px"] == pytest.approx(truth.a_length, rel=0.01)
    assert row["b_px"] == pytest.approx(truth.b_length, rel=0.01)
    assert row["gamma_deg"] == pytest.approx(truth.gamma, abs=0.7)
    # ... up to 4.5 deg off the crystal's, sides up to 7 % apart: the crystal's side and group
    true_distortion = metric_distortion(truth.a_length, truth.b_length, truth.gamma,
                                        90.0 if kind == "square" else 120.0)
    assert true_distortion > 0.03
    assert row["distortion"] == pytest.approx(true_distortion, abs=0.01)
    assert row["a_ideal_px"] == pytest.approx(spacing, rel=0.01)
    assert row["plane_group"] == group
    # the distorted motif matches its conjugated operations as well as an undistorted one
    # its own (0.91-0.96 with the ideal operations applied to the distorted motif)
    assert row["plane_group_score"] > 0.97


@pytest.mark.parametrize(("basis", "group"), [(HONEYCOMB, "p3m1"), (TRIANGLE, "p31m")])
@pytest.mark.parametrize(("angle", "shear", "counts"), [(12.0, 0.04, None), (-40.0, 0.05, 30)])
def test_distorted_three_fold_motifs(basis, group, angle, shear, counts):
    # the projected MoS2 monolayer: Mo and S2 columns of different brightness on the two
    # sites of a honeycomb: three-fold axes on mirror lines across the short translations
    # (p3m1; c2mm, 0.52-0.54, without the conjugation); a triangle of atoms pointing along
    # them: mirrors along the translations (p31m)
    image, truth = distorted((256, 256), 14.0, "hexagonal", angle, shear, 0.0,
                             basis=basis, counts=counts)
    m = measure_frame(image, np.zeros(image.shape, np.int64), maps=False)
    assert m.regions["a_ideal_px"][0] == pytest.approx(14.0, rel=0.01)
    assert m.regions["gamma_deg"][0] == pytest.approx(truth.gamma, abs=0.7)
    assert m.regions["plane_group"][0] == group


def test_undistorted_lattice_is_its_own_ideal():
    image, _truth = distorted((200, 200), 10.0, "hexagonal", 5.0, 0.0, 0.0, counts=20)
    m = measure_frame(image, np.zeros(image.shape, np.int64), maps=False)
    assert m.regions["gamma_deg"][0] == pytest.approx(120.0, abs=0.5)
    assert m.regions["a_ideal_px"][0] == pytest.approx(10.0, rel=0.01)
    assert m.regions["distortion"][0] < 0.01
    assert m.regions["plane_group"][0] == "p6mm"
