"""`ResultVisibility` with a schedule: one layer's visibility per turn (issue 11).

No timings: the test records which change each scheduled step makes.
"""

import numpy as np
from napari.components import ViewerModel

from napari_symseg.controller.layers import layer_name
from napari_symseg.controller.results import ResultStore
from napari_symseg.controller.visibility import ResultVisibility


def _viewer_with_results():
    """Two images, each with three shown result layers bound to it."""
    viewer = ViewerModel()
    store = ResultStore(viewer.layers)
    images = {}
    for name in ("a", "b"):
        image = viewer.add_image(np.zeros((8, 8)), name=name)
        results = store.get(image)
        for slot in ("patterns", "PCA", "confidence"):
            results.layers[slot] = viewer.add_labels(np.zeros((8, 8), np.uint8),
                                                     name=layer_name(name, slot))
        images[name] = image
    return viewer, store, images


def _shown(viewer):
    return {layer.name for layer in viewer.layers if layer.visible}


def _steps_made(viewer, steps) -> list:
    """Run the scheduled steps; each one's (hidden, shown) layer names."""
    changes = []
    while steps:
        before = _shown(viewer)
        steps.pop(0)()
        after = _shown(viewer)
        changes.append((sorted(before - after), sorted(after - before)))
    return changes


def test_a_switch_is_made_one_layer_per_step_hides_first():
    viewer, store, images = _viewer_with_results()
    steps = []
    visibility = ResultVisibility(store, schedule=steps.append)
    visibility.follow(images["a"])
    # decided at once, nothing changed yet: b's three to be hidden, one step scheduled
    assert len(steps) == 1 and not visibility.settled()
    assert {layer.name for layer in visibility.hidden()} == {"b patterns", "b PCA components",
                                                             "b confidence"}
    pca = viewer.layers["b PCA components"]
    assert not visibility.shown(pca) and pca.visible
    made = []
    while steps:
        before = _shown(viewer)
        steps.pop(0)()
        made.append(before - _shown(viewer))
    assert made == [{"b patterns"}, {"b PCA components"}, {"b confidence"}]  # one layer per step
    assert visibility.settled()
    # back to b: a's three hidden first, then b's three shown, one per step
    visibility.follow(images["b"])
    assert _steps_made(viewer, steps) == [
        (["a patterns"], []), (["a PCA components"], []), (["a confidence"], []),
        ([], ["b patterns"]), ([], ["b PCA components"]), ([], ["b confidence"])]


def test_a_newer_switch_replaces_the_changes_still_to_come():
    viewer, store, images = _viewer_with_results()
    steps = []
    visibility = ResultVisibility(store, schedule=steps.append)
    visibility.follow(images["a"])
    steps.pop(0)()  # b patterns hidden; b PCA and b confidence still to come
    visibility.follow(images["b"])  # changed mind: b's stay, a's go
    while steps:
        steps.pop(0)()
    assert _shown(viewer) == {"a", "b", "b patterns", "b PCA components", "b confidence"}
    assert {layer.name for layer in visibility.hidden()} == {"a patterns", "a PCA components",
                                                             "a confidence"}


def test_without_a_schedule_every_change_is_made_at_once():
    viewer, store, images = _viewer_with_results()
    visibility = ResultVisibility(store)
    visibility.follow(images["a"])
    assert visibility.settled()
    assert _shown(viewer) == {"a", "b", "a patterns", "a PCA components", "a confidence"}


def test_a_layer_deleted_before_its_turn_is_skipped():
    viewer, store, images = _viewer_with_results()
    steps = []
    visibility = ResultVisibility(store, schedule=steps.append)
    visibility.follow(images["a"])
    viewer.layers.remove(viewer.layers["b patterns"])
    steps.pop(0)()  # the deleted layer is passed over: the next change is made
    assert not viewer.layers["b PCA components"].visible
    while steps:
        steps.pop(0)()
    assert visibility.settled() and _shown(viewer) == {"a", "b", "a patterns", "a PCA components",
                                                       "a confidence"}


def test_a_deleted_images_layers_are_hidden_in_turns_before_the_next_images_shown():
    """Deleting the chosen image hid its result layers in the deletion's own turn, with
    napari's removal (1.1 s, issue 11): now renamed and marked at once, hidden one per step."""
    from napari_symseg.controller import METADATA_KEY
    from napari_symseg.controller.results import ORPHAN_SUFFIX

    viewer, store, images = _viewer_with_results()
    for slot in ("patterns", "PCA", "confidence"):
        viewer.layers[layer_name("b", slot)].metadata = {METADATA_KEY: {"source": "b"}}
    steps = []
    visibility = ResultVisibility(store, schedule=steps.append)
    assert store.hide_orphans == visibility.hide
    visibility.follow(images["b"])  # b chosen: a's layers hidden
    _steps_made(viewer, steps)
    viewer.layers.remove(images["b"])
    deleted = [viewer.layers[layer_name("b", slot) + ORPHAN_SUFFIX] for slot in ("patterns", "PCA",
                                                                       "confidence")]
    # in the deletion's turn: names and metadata, no layer hidden yet, one step scheduled
    assert all(layer.visible for layer in deleted) and len(steps) == 1
    assert all(layer.metadata[METADATA_KEY]["orphaned"] for layer in deleted)
    assert store.owner(deleted[0]) is None and not visibility.settled()
    visibility.follow(images["a"])  # the widget's chooser moves on to a
    assert _steps_made(viewer, steps) == [
        ([f"b patterns{ORPHAN_SUFFIX}"], []), ([f"b PCA components{ORPHAN_SUFFIX}"], []),
        ([f"b confidence{ORPHAN_SUFFIX}"], []),
        ([], ["a patterns"]), ([], ["a PCA components"]), ([], ["a confidence"])]
    assert visibility.settled() and visibility.hidden() == []
    visibility.follow(images["a"])  # never shown again
    assert not steps and not any(layer.visible for layer in deleted)


def test_a_deleted_images_layers_still_to_be_shown_stay_hidden():
    viewer, store, images = _viewer_with_results()
    steps = []
    visibility = ResultVisibility(store, schedule=steps.append)
    visibility.follow(images["a"])
    _steps_made(viewer, steps)  # b's hidden
    visibility.follow(images["b"])
    steps.pop(0)()  # a patterns hidden; the rest still to come
    viewer.layers.remove(images["b"])
    visibility.follow(images["a"])
    _steps_made(viewer, steps)
    assert _shown(viewer) == {"a", "a patterns", "a PCA components", "a confidence"}


def test_without_a_schedule_or_once_closed_a_deleted_images_layers_are_hidden_at_once():
    for closed in (False, True):
        viewer, store, images = _viewer_with_results()
        if closed:
            visibility = ResultVisibility(store, schedule=[].append)
            visibility.close()
        else:
            ResultVisibility(store)
        assert store.hide_orphans is None
        viewer.layers.remove(images["b"])
        assert _shown(viewer) == {"a", "a patterns", "a PCA components", "a confidence"}
