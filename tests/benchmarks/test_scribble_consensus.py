"""The consensus of issue 15 (measured, not adopted; benchmarks/scribble_consensus.py):
the unsupervised partition numbered by the strokes, and the choice that takes it."""

import numpy as np
import pytest

from benchmarks import scribble_consensus as sc
from napari_symseg import Model, segment
from napari_symseg.core import pipeline
from napari_symseg.core.samples import two_phase
from tests.core.test_scribbles import BOUNDARY, SHAPE, SMALL, _disk


@pytest.fixture(scope="module")
def image():
    return two_phase(SHAPE, boundary=BOUNDARY)


def _three_blobs(seed=3):
    rng = np.random.default_rng(seed)
    blobs = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    x = np.concatenate([b + rng.standard_normal((n, 2))
                        for b, n in zip(blobs, [500, 300, 100], strict=True)])
    return blobs, x


def test_unsupervised_centres_are_numbered_by_the_strokes_free_ones_smallest_first():
    from napari_symseg import Params

    blobs, x = _three_blobs()
    seeds = np.concatenate([x[:20], x[500:520]])  # class 2 on blob 0, class 3 on blob 1
    classes = np.repeat([2, 3], 20)
    centres = sc.unsupervised_centres(x, seeds, classes, Params(n_patterns=3, random_state=0))
    # pattern 1 = class 2 = blob 0, pattern 2 = class 3 = blob 1, free pattern 0 = blob 2
    np.testing.assert_allclose(centres, blobs[[2, 0, 1]], atol=0.3)


def test_unsupervised_centres_refused_when_the_strokes_straddle_clusters():
    from napari_symseg import Params

    _, x = _three_blobs()
    params = Params(n_patterns=3, random_state=0)
    # class 1: 20 points of blob 0 and one of blob 1; class 2: 20 of blob 2: 40 of 41 agree
    seeds = np.concatenate([x[:20], x[500:501], x[800:820]])
    classes = np.concatenate([np.full(21, 1), np.full(20, 2)])
    assert 40 / 41 < sc.MIN_STROKE_AGREEMENT
    assert sc.unsupervised_centres(x, seeds, classes, params) is None
    # ... without the straddling point every stroke is in its class's cluster
    keep = np.r_[0:20, 21:41]
    assert sc.unsupervised_centres(x, seeds[keep], classes[keep], params) is not None


def test_consensus_takes_the_unsupervised_partition_only_when_the_witnesses_side_with_it():
    truth = np.repeat([0, 1], 50)
    moved = truth.copy()
    moved[40:50] = 1  # the boundary moved by 10 points
    assert sc.consensus(truth, moved, [truth, truth])       # both witnesses agree with it
    assert not sc.consensus(moved, truth, [truth, truth])
    assert not sc.consensus(truth, truth, [moved, truth])   # a tie keeps the EM


@pytest.mark.parametrize(("left", "right"), [(1, 2), (2, 1)])
def test_consensus_branch_gives_the_unsupervised_partition_in_the_scribbles_numbers(
        image, left, right, monkeypatch, tmp_path):
    scribbles = _disk(SHAPE, (60, 40), 6, left)
    _disk(SHAPE, (60, 150), 6, right, scribbles)
    monkeypatch.setattr(pipeline, "scribbled_fit", sc.consensus_fit)
    monkeypatch.setattr(sc, "consensus", lambda *a: True)  # force the branch
    seen = []
    centres_of = sc.unsupervised_centres
    monkeypatch.setattr(sc, "unsupervised_centres",
                        lambda *a, **k: seen.append(centres_of(*a, **k)) or seen[-1])
    result = segment(image, scribbles=scribbles, **SMALL)
    # the model is the k-means one: its centres are those (rotated; distances kept)
    assert len(seen) == 1 and seen[0] is not None
    np.testing.assert_allclose(np.linalg.norm(np.subtract(*result.model.centres)),
                               np.linalg.norm(np.subtract(*seen[0])), rtol=1e-5)
    unsupervised = segment(image, **SMALL).labels
    left_cluster = np.bincount(unsupervised[scribbles == left]).argmax()
    expected = np.where(unsupervised == left_cluster, left - 1, right - 1)
    assert (result.labels == expected).mean() > 0.99
    # the model file still labels the image the same way (nearest centre, folded axes)
    result.model.save(tmp_path / "m.json")
    again = Model.load(tmp_path / "m.json").predict(image)
    assert (again.labels == result.labels).mean() > 0.999
