"""No stall when the widget's image is switched or an image deleted (issue 11, tester: 1.1-4.9 s).

Each change of a layer's visibility costs napari a scene-graph update and a
redraw; the widget makes them one layer per turn (`ResultVisibility` with a
schedule) and shows the hint and plots in turns of their own. Bounded as the
other stall tests (`test_stall.check_stall`): against napari alone hiding,
showing and removing a layer in the same viewer, right before.
"""

import numpy as np

from napari_symseg._qt.stall import EventLoopWatch, NapariCalls
from napari_symseg.controller.layers import layer_name

from .helpers import TIMEOUT
from .test_stall import (
    CALIBRATED,
    LARGE,
    RUN_TIMEOUT,
    check_stall,
    set_fields,
    shown_widget,
    tiled,
    watched,
)

__all__ = ["shown_widget"]  # the fixture, shared with test_stall

#: The result layers a user shows of every image (PCA and confidence are added hidden).
SHOWN = ("patterns", "PCA", "confidence")


def napari_flips(qtbot, viewer, shape) -> dict:
    """napari alone: of two shown uint8 Labels layers, one hidden; then in one turn that
    one shown and the other hidden (the least a switch of image does); the other made the
    active layer (napari swaps the layer controls); both removed."""
    one, two = (viewer.add_labels(np.ones(shape, np.uint8), **CALIBRATED) for _ in range(2))
    qtbot.wait(500)

    def swap():
        one.visible, two.visible = True, False

    def select(layer):  # a switch makes the chosen image the active layer (its controls)
        viewer.layers.selection.active = layer

    return {"hide a layer": watched(qtbot, lambda: setattr(one, "visible", False)),
            "show one, hide one": watched(qtbot, swap),
            "select another layer": watched(qtbot, lambda: select(one)),
            "remove a layer": watched(qtbot, lambda: viewer.layers.remove(one)),
            "remove (2)": watched(qtbot, lambda: viewer.layers.remove(two))}


def switched(qtbot, widget, action) -> tuple[EventLoopWatch, dict, list]:
    """Watch `action` and the widget's turns after it until its results are settled;
    the watch, `NapariCalls.outside_ms` and `NapariCalls.by_gap`."""
    with NapariCalls() as calls, EventLoopWatch() as watch:
        action()
        qtbot.waitUntil(widget.results_settled, timeout=TIMEOUT)
        qtbot.wait(500)
    return watch, calls.outside_ms(watch), calls.by_gap(watch)


def test_no_stall_when_the_image_is_switched_or_deleted(qtbot, shown_widget):
    from napari_symseg.core.warmup import warm_up

    viewer, widget = shown_widget
    warm_up()
    images = []
    for name in ("a", "b"):
        layer = viewer.add_image(tiled(1024), name=name, **CALIBRATED)
        widget.image.value = layer
        set_fields(widget, **LARGE)
        assert widget.run() is not None
        qtbot.waitUntil(lambda: widget.worker is None and widget.results_settled(),
                        timeout=RUN_TIMEOUT)
        for slot in SHOWN:  # the user shows them all: three layers to hide, three to show
            viewer.layers[layer_name(name, slot)].visible = True
        images.append(layer)
    qtbot.wait(500)
    a, b = images
    floor = napari_flips(qtbot, viewer, (1024, 1024))
    gaps, ours = {}, {}
    for name, target in (("switch to a", a), ("switch to b", b)):
        watch, ours[name], _ = switched(qtbot, widget, lambda t=target: setattr(
            widget.image, "value", t))
        gaps[name] = watch.max_gap_ms
    assert all(viewer.layers[layer_name("b", slot)].visible for slot in SHOWN)
    assert not any(viewer.layers[layer_name("a", slot)].visible for slot in SHOWN)
    watch, ours["delete b"], turns = switched(qtbot, widget, lambda: viewer.layers.remove(b))
    gaps["delete b"] = watch.max_gap_ms
    assert widget.image.value is a  # the chooser moved on; a's results shown again
    assert all(viewer.layers[layer_name("a", slot)].visible for slot in SHOWN)
    assert not any(layer.visible for layer in viewer.layers if layer.name.startswith("b "))
    # napari's removal (a full gc.collect) has its turn alone: b's three layers were hidden
    # in it (1.1 s at load 4), now in turns of their own after it, as a's are shown
    removal = [turn for turn in turns if "remove" in turn["calls"]]
    assert not any("visible" in turn["calls"] for turn in removal), turns
    changes = [turn["calls"].get("visible", 0) for turn in turns]
    assert sum(changes) == 2 * len(SHOWN) and max(changes) == 1, turns
    after = napari_flips(qtbot, viewer, (1024, 1024))
    toggles = {f"{k}{when}": v for when, values in (("", floor), (" (after)", after))
               for k, v in values.items() if not k.startswith("remove")}
    removals = {f"{k}{when}": v for when, values in (("", floor), (" (after)", after))
                for k, v in values.items() if k.startswith("remove")}
    switch = max(gaps["switch to a"], gaps["switch to b"])
    check_stall("switch image (2 x 1024², 3 shown result layers each)", switch, toggles,
                {"gaps_ms": {k: round(v, 1) for k, v in gaps.items()}},
                max(ours["switch to a"], ours["switch to b"], key=lambda v: v["outside_ms"]))
    # deleting an image: napari's removal (a full gc.collect) is the floor
    check_stall("delete the chosen image (1024², 3 shown result layers)", gaps["delete b"],
                {**toggles, **removals}, {"removal's turn": removal}, ours["delete b"])
