"""The 2-D edit history's confidence images stay within a memory budget."""

import numpy as np

from napari_symseg.controller.series_edits import ImageState, drop_old_confidence


def _state(value):
    return ImageState(np.zeros((4, 4), np.uint8), {}, np.full((4, 4), value, np.float32))


def test_the_oldest_confidence_images_beyond_the_budget_are_forgotten():
    states = [None, _state(0.1), _state(0.2), _state(0.3)]  # (the run's own state: None)
    drop_old_confidence(states, budget=2 * 64)  # 64 bytes each: the newest two stay
    assert states[1].confidence is None
    assert states[2].confidence[0, 0] == np.float32(0.2)
    assert states[3].confidence[0, 0] == np.float32(0.3)
    assert all(s.values is not None for s in states[1:])  # the labels are kept


def test_within_the_budget_nothing_is_forgotten():
    states = [_state(0.1), _state(0.2)]
    drop_old_confidence(states)  # the default budget holds 2 small images
    assert [s.confidence[0, 0] for s in states] == [np.float32(0.1), np.float32(0.2)]
