"""Scribble-guided runs: checks, grid mapping, seeded centres, numbering, the saved model."""

import numpy as np
import pytest

from napari_symseg import Model, ScribbleError, segment
from napari_symseg.core.clustering import assign
from napari_symseg.core.grid import Grid
from napari_symseg.core.samples import two_phase, two_phase_truth
from napari_symseg.core.scribbles import check_scribbles, grid_classes, seeded_centres, whitening

SMALL = {"patch_x": 8, "patch_y": 8, "window_x": 10, "window_y": 10, "stride": 4}
SHAPE, BOUNDARY = (120, 200), 80  # left (square) phase the smaller one


def _disk(shape, centre, radius, value, out=None):
    out = np.zeros(shape, np.int32) if out is None else out
    rr, cc = np.mgrid[: shape[0], : shape[1]]
    out[(rr - centre[0]) ** 2 + (cc - centre[1]) ** 2 <= radius**2] = value
    return out


@pytest.fixture(scope="module")
def image():
    return two_phase(SHAPE, boundary=BOUNDARY)


@pytest.mark.parametrize(
    ("scribbles", "k", "message"),
    [
        (np.zeros((10, 11), int), 2, "image's shape"),
        (np.zeros((10, 10, 1), int), 2, "image's shape"),
        (np.zeros((10, 10), int), 2, "cover no pixel"),
        (np.full((10, 10), 3), 2, "class 3 but n_patterns is 2"),
        (np.full((10, 10), -1), 2, "negative"),
        (np.full((10, 10), 0.5), 2, "whole numbers"),
        (np.full((10, 10), "a"), 2, "integers"),
    ],
)
def test_bad_scribbles_are_refused_with_a_clear_message(scribbles, k, message):
    with pytest.raises(ScribbleError, match=message):
        check_scribbles(scribbles, (10, 10), k)


def test_bad_scribbles_refused_by_segment_before_any_work(image):
    with pytest.raises(ScribbleError, match="class 3 but n_patterns is 2"):
        segment(image, scribbles=np.full(SHAPE, 3), **SMALL)


def test_grid_classes_is_the_majority_of_each_cell():
    rng = np.random.default_rng(1)
    grid = Grid.for_margin((40, 53), (5, 7), 4)
    scribbles = rng.choice([0, 0, 0, 1, 2, 3], (40, 53))
    got = grid_classes(scribbles, grid)
    ri, ci = grid.nearest_index()
    for i in range(grid.shape[0]):  # slow reference: every cell's pixels, counted
        for j in range(grid.shape[1]):
            cell = scribbles[np.ix_(ri == i, ci == j)]
            votes = np.bincount(cell[cell > 0], minlength=4)
            assert got[i, j] == (votes.argmax() if votes.any() else 0)


def test_a_thin_stroke_between_grid_points_is_kept():
    grid = Grid.for_margin((40, 40), (4, 4), 5)
    scribbles = np.zeros((40, 40), int)
    scribbles[:, grid.cols[2] + 2] = 2  # one pixel wide, never on a grid column
    got = grid_classes(scribbles, grid)
    assert (got[:, 2] == 2).all() and (np.delete(got, 2, axis=1) == 0).all()


def test_whitening_gives_unit_within_class_covariance():
    rng = np.random.default_rng(0)
    mixing = np.array([[5.0, 0.0, 0.0], [1.0, 0.2, 0.0], [0.0, 0.3, 2.0]])
    y = np.repeat([1, 2], 4000)
    x = rng.standard_normal((8000, 3)) @ mixing + (y[:, None] - 1) * [0.0, 1.0, 0.0]
    w = whitening(x, y)
    z = x @ w
    within = np.cov(np.concatenate([z[y == c] - z[y == c].mean(0) for c in (1, 2)]).T)
    np.testing.assert_allclose(within, np.eye(3), atol=0.05)


def test_whitened_means_separate_elongated_classes_that_kmeans_splits_wrongly():
    """Two classes 1 apart along y, each spread 10 along x: the largest spread (x) is
    what k-means cuts; the whitened scribbled means cut along y."""
    rng = np.random.default_rng(2)
    truth = np.repeat([0, 1], 3000)
    x = rng.standard_normal((6000, 2)) * [10.0, 0.15] + truth[:, None] * [0.0, 1.0]
    seeds = rng.choice(6000, 60, replace=False)
    w = whitening(x[seeds], truth[seeds] + 1)
    rest = np.setdiff1d(np.arange(6000), seeds)
    centres = seeded_centres(x[rest] @ w, x[seeds] @ w, truth[seeds] + 1, 2, 0)
    labels = assign(x @ w, centres)[0]
    assert (labels == truth).mean() > 0.99
    from sklearn.cluster import KMeans

    plain = KMeans(2, n_init=4, random_state=0).fit_predict(x)
    assert max((plain == truth).mean(), (plain != truth).mean()) < 0.7


def test_seeded_centres_free_patterns_find_the_unscribbled_clusters():
    rng = np.random.default_rng(3)
    blobs = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    sizes = [500, 300, 100]
    x = np.concatenate([b + rng.standard_normal((n, 2))
                        for b, n in zip(blobs, sizes, strict=True)])
    seeds = x[:20]  # scribbled: class 2 on the first blob
    centres = seeded_centres(x[20:], seeds, np.full(20, 2), 3, 0)
    np.testing.assert_allclose(centres[1], seeds.mean(0))  # a scribbled centre stays put
    # free patterns 0 and 2 fill the numbers nobody scribbled, smallest first
    np.testing.assert_allclose(centres[0], blobs[2], atol=0.3)
    np.testing.assert_allclose(centres[2], blobs[1], atol=0.3)


@pytest.mark.parametrize(("left", "right"), [(1, 2), (2, 1)])
def test_output_numbers_follow_the_scribbles(image, left, right):
    scribbles = _disk(SHAPE, (60, 40), 6, left)
    _disk(SHAPE, (60, 150), 6, right, scribbles)
    result = segment(image, scribbles=scribbles, **SMALL)
    truth = two_phase_truth(SHAPE, BOUNDARY)
    expected = np.where(truth == 0, left - 1, right - 1)
    assert (result.labels == expected).mean() > 0.97
    assert (result.labels[scribbles > 0] == scribbles[scribbles > 0] - 1).all()


def test_one_scribbled_class_and_a_free_pattern(image):
    """Only the larger right phase scribbled, as class 1: pattern 0 is the right phase
    (the size order would make it 1), the left phase is the free pattern 1."""
    result = segment(image, scribbles=_disk(SHAPE, (60, 150), 6, 1), **SMALL)
    truth = two_phase_truth(SHAPE, BOUNDARY)
    assert (result.labels == 1 - truth).mean() > 0.97
    unsupervised = segment(image, **SMALL)
    assert (unsupervised.labels == truth).mean() > 0.97


def test_gaps_in_class_numbers_leave_a_free_pattern_there(image):
    scribbles = _disk(SHAPE, (60, 40), 6, 1)
    _disk(SHAPE, (60, 150), 6, 3, scribbles)
    result = segment(image, scribbles=scribbles, n_patterns=3, **SMALL)
    truth = two_phase_truth(SHAPE, BOUNDARY)
    assert (result.labels[truth == 0] == 0).mean() > 0.9
    assert (result.labels[truth == 1] == 2).mean() > 0.9


def test_saved_model_labels_another_image_with_the_scribbled_numbers(image, tmp_path):
    scribbles = _disk(SHAPE, (60, 40), 6, 2)
    _disk(SHAPE, (60, 150), 6, 1, scribbles)
    result = segment(image, scribbles=scribbles, **SMALL)
    np.testing.assert_array_equal(result.model.predict(image).labels, result.labels)
    result.model.save(tmp_path / "model.json")
    loaded = Model.load(tmp_path / "model.json")
    other = two_phase(SHAPE, boundary=120, seed=7)
    labels = loaded.predict(other).labels
    np.testing.assert_array_equal(labels, result.model.predict(other).labels)
    truth = two_phase_truth(SHAPE, 120)
    assert (labels == 1 - truth).mean() > 0.97  # left (square) = class 2 = pattern 1


def test_series_scribbles_one_form_and_clear_errors():
    from napari_symseg.core.scribbles import series_scribbles

    strokes = np.zeros((8, 10), np.uint8)
    strokes[2:4, 2:4] = 1
    out = series_scribbles(strokes, (3, 8, 10), 2, frame=1)
    assert list(out) == [1] and np.array_equal(out[1], strokes)
    # the widget's (T, Y, X) layer as a mapping: unpainted frames dropped
    layer = {0: np.zeros((8, 10)), 1: strokes, 2: np.zeros((8, 10))}
    assert list(series_scribbles(layer, (3, 8, 10), 2)) == [1]
    for args, kwargs, message in [
        ((strokes, (3, 8, 10), 2), {}, "need the frame"),
        ((strokes, (3, 8, 10), 2), {"frame": 3}, "frame 3 does not exist"),
        ((np.zeros((3, 8, 10)), (3, 8, 10), 2), {"frame": 0}, "2-D"),
        ((strokes[:4], (3, 8, 10), 2), {"frame": 0}, "shape"),
        ((strokes * 3, (3, 8, 10), 2), {"frame": 0}, "raise n_patterns"),
        (({0: np.zeros((8, 10))}, (3, 8, 10), 2), {}, "cover no pixel"),
    ]:
        with pytest.raises(ScribbleError, match=message):
            series_scribbles(*args, **kwargs)


def test_series_fit_with_scribbles_on_one_frame_numbers_every_frame():
    from napari_symseg.core.samples import moving_boundary_series, moving_boundary_truth
    from napari_symseg.core.series import segment_series

    shape = (64, 96)
    series = moving_boundary_series(3, shape, start=30, step=16)
    truth = moving_boundary_truth(3, shape, start=30, step=16)  # 0 square, 1 hexagonal
    strokes = np.zeros(shape, np.uint8)
    strokes[24:40, 84:90] = 1  # class 1 on the right (hexagonal): pattern 0
    strokes[24:40, 4:10] = 2
    result = segment_series(series, scribbles=strokes, scribbles_frame=2, n_patterns=2,
                            reference_frames=(0,), n_selected_operations=10, **SMALL)
    assert result.fit.reference_frames == (0, 2)  # the painted frame joins the fit
    assert (result.labels == 1 - truth).mean() > 0.97


def test_separating_components_keeps_the_runs_own_and_those_the_strokes_separate():
    from napari_symseg.core.scribbles import MIN_FISHER, separating_components

    rng = np.random.default_rng(0)
    classes = np.repeat([1, 2], 200)
    seeds = rng.normal(size=(400, 8))
    seeds[:, 6] += np.where(classes == 2, 3.0, 0.0)  # a later component that separates them
    seeds[:, 7] += np.where(classes == 2, 0.2, 0.0)  # one that hardly does
    kept = separating_components(seeds, classes, 3)
    np.testing.assert_array_equal(kept, [0, 1, 2, 6])
    # the rule, by hand: variance of the class means vs the pooled within-class variance
    m = np.stack([seeds[classes == c].mean(0) for c in (1, 2)])
    within = (seeds - m[classes - 1]).var(0)
    assert m.var(0)[6] >= MIN_FISHER * within[6] > m.var(0)[7] / within[7] * within[6]
