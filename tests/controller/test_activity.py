"""The viewer's one activity: which buttons work while each thing goes on."""

import pytest
from napari.components import ViewerModel

from napari_symseg.controller.activity import ACTIVITIES, BUTTONS, Activity, activity_of

#: Written out by hand (not from ENABLED_WHILE): the buttons enabled during each activity.
EXPECTED = {
    None: set(BUTTONS),
    "run": {"run"},  # Run is Cancel
    "suggest": set(), "export": set(), "measure": set(), "edit": set(), "scribbles": set(),
}


@pytest.mark.parametrize("kind", [None, *ACTIVITIES])
def test_every_state_enables_exactly_its_buttons(kind):
    activity, seen = Activity(), []
    activity.connect(lambda: seen.append(activity.kind))
    if kind is not None:
        assert activity.start(kind)
    assert {b for b, on in activity.states().items() if on} == EXPECTED[kind]
    assert seen == ([] if kind is None else [kind])
    if kind is None:
        assert activity.refusal("export") is None
        return
    # another activity is refused, with what goes on; the state does not change
    other = "export" if kind != "export" else "measure"
    assert not activity.start(other) and activity.kind == kind
    text = activity.refusal(other)
    assert text.startswith(f"{other}: {ACTIVITIES[kind]} is going on")
    assert text.endswith("(or Cancel it)") == (kind == "run")
    activity.stop(other)  # not the one going on: nothing happens
    assert activity.kind == kind and seen == [kind]
    activity.stop(kind)
    assert activity.kind is None and all(activity.states().values()) and seen == [kind, None]


def test_one_activity_per_viewer_and_unknown_kinds_are_refused():
    viewer, other = ViewerModel(), ViewerModel()
    assert activity_of(viewer) is activity_of(viewer)
    assert activity_of(viewer) is not activity_of(other)
    with pytest.raises(ValueError):
        Activity().start("paint")


def test_the_scribbles_edit_buttons_follow_the_activity_too():
    from napari_symseg.controller.activity import IDLE_ONLY

    activity = Activity()
    assert all(activity.enabled(b) for b in IDLE_ONLY) and not activity.enabled("cancel_edit")
    told = []
    assert not activity.refused("merge", told.append) and told == []
    for kind in ACTIVITIES:
        activity.start(kind)
        assert not any(activity.enabled(b) for b in IDLE_ONLY)
        assert activity.enabled("cancel_edit") == (kind == "edit")  # its own edit only
        assert activity.refused("merge", told.append)
        assert told[-1] == activity.refusal("merge") and told[-1].startswith("merge: ")
        activity.stop(kind)
