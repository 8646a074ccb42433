"""Merge, split, rename and undo on results; the edited model applies elsewhere."""

import numpy as np
import pytest

from napari_symseg import ClusteringError, Model, ParamsError, segment
from napari_symseg.core.edit import History, merge, pattern_names, rename, split
from napari_symseg.core.samples import two_phase, two_phase_truth

SMALL = {"patch_x": 8, "patch_y": 8, "window_x": 10, "window_y": 10, "stride": 4}
SHAPE, BOUNDARY = (96, 160), 64


@pytest.fixture(scope="module")
def image():
    return two_phase(SHAPE, boundary=BOUNDARY)


@pytest.fixture(scope="module")
def three(image):
    """Three patterns on a two-phase image: one phase is cut in two."""
    return segment(image, n_patterns=3, **SMALL)


def test_merge_relabels_exactly_and_shifts_higher_patterns(three):
    k = 3
    for a, b in [(0, 1), (2, 0), (1, 2)]:
        merged = merge(three, a, b)
        keep, gone = min(a, b), max(a, b)
        lut = np.arange(k)
        lut[gone] = keep
        lut = np.where(lut > gone, lut - 1, lut)
        np.testing.assert_array_equal(merged.labels, lut[three.labels])
        np.testing.assert_array_equal(merged.grid_labels, lut[three.grid_labels])
        assert merged.model.n_patterns == merged.params.n_patterns == 2
    assert three.model.n_patterns == 3  # the input is not modified


def test_merging_the_two_parts_of_a_phase_gives_the_phases(three, image):
    truth = two_phase_truth(SHAPE, BOUNDARY)
    # the two patterns that share a phase: the pair whose merge best matches the truth
    best = max(((a, b) for a in range(3) for b in range(a + 1, 3)),
               key=lambda p: max(((merge(three, *p).labels == truth).mean(),
                                  (merge(three, *p).labels != truth).mean())))
    merged = merge(three, *best)
    agree = (merged.labels == truth).mean()
    assert max(agree, 1 - agree) > 0.95
    # the merged model labels the image (and others) the same way
    np.testing.assert_array_equal(merged.model.predict(image).labels, merged.labels)


def test_split_recovers_two_phases_from_one_pattern(image):
    one = segment(image, n_patterns=1, **SMALL)
    assert (one.labels == 0).all()
    two = split(one, 0)
    truth = two_phase_truth(SHAPE, BOUNDARY)
    agree = (two.labels == truth).mean()
    assert max(agree, 1 - agree) > 0.97
    assert two.model.n_patterns == 2 and set(np.unique(two.labels)) == {0, 1}


def test_split_mostly_touches_the_split_pattern(three):
    """The split pattern's points go to it or to the new pattern; the model stays a
    nearest-centre model (so it applies to other images), so a few points of the
    neighbours, at the old border, may move too."""
    after = split(three, 1)
    was = three.grid_labels == 1
    assert set(np.unique(after.grid_labels[was])) == {1, 3}
    changed = after.grid_labels != three.grid_labels
    assert (three.grid_labels[changed] == 1).mean() > 0.8
    assert after.model.n_patterns == 4


def test_edits_survive_save_and_load(three, image, tmp_path):
    edited = rename(split(merge(three, 0, 1), 0), ["a", "b", "c"])
    edited.model.save(tmp_path / "m.json")
    loaded = Model.load(tmp_path / "m.json")
    assert loaded.names == ("a", "b", "c")
    other = two_phase(SHAPE, boundary=100, seed=3)
    np.testing.assert_array_equal(loaded.predict(other).labels,
                                  edited.model.predict(other).labels)
    np.testing.assert_array_equal(loaded.predict(image).labels, edited.labels)


def test_bad_edits_are_refused(three, image):
    with pytest.raises(ParamsError, match="pattern 3 does not exist"):
        merge(three, 0, 3)
    with pytest.raises(ParamsError, match="with itself"):
        merge(three, 1, 1)
    with pytest.raises(ParamsError, match="4 names for 3 patterns"):
        rename(three, list("abcd"))
    flat = segment(np.tile(image[:, :40], (1, 4)), n_patterns=1, **SMALL)
    flat_one = flat.__class__(**{**flat.__dict__,
                                 "pca_components": np.zeros_like(flat.pca_components)})
    with pytest.raises(ClusteringError, match="fewer than two distinct"):
        split(flat_one, 0)


def test_names_and_undo(three):
    history = History(three)
    assert not history.can_undo
    named = history.apply(rename, ["particle", "", "vacuum"])
    assert pattern_names(named.model) == ["particle", "pattern 1", "vacuum"]
    merged = history.apply(merge, 0, 2)
    assert pattern_names(merged.model) == ["particle", "pattern 1"]
    assert history.undo() is named
    assert history.undo() is three
    assert history.undo() is three and not history.can_undo


@pytest.mark.parametrize(("change", "message"), [
    ({"centre_patterns": [0, 0]}, "centre_patterns must give every centre a pattern"),
    ({"centre_patterns": [0, 2, 2]}, "centre_patterns must give every centre a pattern"),
    ({"centre_patterns": [0.5, 1, 1]}, "centre_patterns must give every centre a pattern"),
    ({"pattern_names": "ab"}, "pattern_names must be a list of text"),
    ({"pattern_names": [1, 2]}, "pattern_names must be a list of text"),
])
def test_a_model_file_with_bad_edits_is_refused(three, tmp_path, change, message):
    import json

    from napari_symseg import FileFormatError

    data = {**three.model.to_dict(), **change}
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data))
    with pytest.raises(FileFormatError, match=message):
        Model.load(path)
