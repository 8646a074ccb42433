"""How long napari freezes when the widget's image is switched, or an image deleted.

Usage (headless under Xvfb)::

    QT_API=pyqt6 xvfb-run -a -s "-screen 0 1366x768x24" \\
        python benchmarks/switch_stall.py [--sizes 1024 2048 1024] [--profile] \\
        [--show-all] [--hide-at-once]

Opens one image per size (the two-phase sample tiled), runs the widget on
each (coarse sizes: the run is short, its layers full size), then, watched
by `EventLoopWatch` and `NapariCalls`:

- ``switch i -> j``: the widget's image changed (its results shown, the
  others' hidden, its fields, hint and plots);
- ``delete``: the chosen image deleted (its results hidden and renamed, the
  next image chosen and its results shown).

For each: the longest event-loop gap, the longest stretch of a gap outside
napari's inserts, refreshes and draws (``ours``), and napari alone hiding
and showing the same layers in one turn (the floor); for the delete, the
turn of napari's removal (``gc.collect``) and what it held beside it. With
``--profile`` the top functions (cumulative) of the GUI thread during each
operation. ``--show-all``: every image's patterns, PCA and confidence
shown (as a user who looks at them all), not only its patterns;
``--hide-at-once``: the deleted image's layers hidden in the removal's own
turn (as before issue 11's delete change), for the comparison.

Measured (1366x768 window under Xvfb, sizes 1024 2048 1024, one shown result
layer per image, 2 cores shared with other work; without ``--profile``):

- before (every visibility change, the hint and the plots in the switch's
  turn), load 3.9-4.2: switches max gap 334-445 ms (outside napari's calls
  234-311 ms); delete 1686 ms (napari's removal alone 1027 ms);
- after (one layer per turn, hint and plots requested), load 4.1-6.1:
  switches 217-321 ms (outside 153-219 ms); delete 1121 ms (napari's
  removal 852 ms); napari alone hiding one layer 139-179 ms, showing one
  138-270 ms. With ``--profile`` at load 8.6 before: 727-1694 ms, delete 3516 ms.
- the delete, ``--show-all`` (3 shown layers per image): with ``--hide-at-once``
  (as before), load 2.3-2.4: max gap 816-900 ms, the removal's turn 900 ms =
  napari's removal 679 + 3 hides 48 + a draw 25 + 148 other (220 ms beside the
  removal); hidden in turns (now), load 2.9-3.1 and 1.1-1.7: 1103 and 625 ms =
  removal 905 / 494 + draw 32 / 18 + 166 / 113 other (198 / 132 ms beside it),
  no visibility change in it. napari alone hiding 3 layers: 123-161 ms, of which
  only 47 ms inside the setters (the rest is its scene graph's follow-up), so
  the hides added about 100 ms to the removal's turn. What is left beside the
  removal is not profiled yet (presumably the chooser moving to the next image:
  fields, Measure's refresh; and the renames).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 2048, 1024])
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=18)
    parser.add_argument("--show-all", action="store_true",
                        help="show every result layer of each image (PCA, confidence too)")
    parser.add_argument("--hide-at-once", action="store_true",
                        help="hide the deleted image's layers in the deletion's own turn "
                             "(as before they were hidden in turns: the comparison)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import numpy as np

    from napari_symseg._qt.stall import EventLoopWatch, NapariCalls
    from napari_symseg._qt.warmup import thaw_now
    from napari_symseg._sample_data import make_two_phase_sample
    from napari_symseg.core.warmup import warm_up
    from napari_window import pump, viewer_with_dock

    viewer, widget = viewer_with_dock(size=(1366, 768))
    warm_up()
    tile = make_two_phase_sample()[0][0]
    images = []
    coarse = {"patch_x": 8, "patch_y": 8, "window_x": 10, "window_y": 10,
              "max_num_points": 25, "stride": 8, "n_patterns": 2}
    for i, size in enumerate(args.sizes):
        data = np.tile(tile, (size // tile.shape[0], size // tile.shape[1]))
        layer = viewer.add_image(data, name=f"img{i}_{size}", scale=(0.02, 0.02),
                                 units=("nm", "nm"))
        pump(0.5)
        widget.image.value = layer
        for name, value in coarse.items():
            widget.fields[name].value = value
        assert widget.run() is not None
        pump(600, lambda: widget.worker is None)
        pump(1.5)
        if args.show_all:
            for shown in widget.controller.results(layer).result_layers():
                shown.visible = True
            pump(1.5)
        images.append(layer)
        print(f"ran {layer.name}: {[x.name for x in viewer.layers if x.visible]}", flush=True)

    thaw_now()  # the warm-up's one collection (1.8 s at load 9): no part of a switch

    def watched(name, action, settle=2.0):
        profile = cProfile.Profile() if args.profile else None
        with NapariCalls() as calls, EventLoopWatch() as watch:
            if profile:
                profile.enable()
            action()
            pump(60.0, widget.results_settled)  # its turns, however long they take
            pump(settle)
            if profile:
                profile.disable()
        ours = calls.outside_ms(watch)
        print(f"{name}: max gap {watch.max_gap_ms:.0f} ms, ours {ours['outside_ms']:.0f} ms "
              f"(of a {ours['of_gap_ms']:.0f} ms gap), napari's longest call "
              f"{ours['max_napari_ms']:.0f} ms", flush=True)
        turns = calls.by_gap(watch)
        for turn in turns:
            if "remove" in turn["calls"]:  # ours beside napari's removal: all but "remove"
                print(f"  the removal's turn: {turn['gap_ms']:.0f} ms, of it napari's removal "
                      f"{turn['ms']['remove']:.0f} ms, beside it "
                      f"{turn['gap_ms'] - turn['ms']['remove']:.0f} ms: {turn}", flush=True)
        if turns:
            print(f"  the longest turn with napari's calls: "
                  f"{max(turns, key=lambda t: t['gap_ms'])}", flush=True)
        if profile:
            out = io.StringIO()
            stats = pstats.Stats(profile, stream=out).sort_stats("cumulative")
            stats.print_stats(args.top)
            stats.print_stats("napari_symseg", args.top)  # ours among them
            print("\n".join(out.getvalue().splitlines()[4:]), flush=True)

    def napari_alone():  # the layers of two images: hidden, then shown, in one turn
        layers = [x for r in widget.controller.store for x in r.result_layers() if x.visible]

        def flip(value):
            for x in layers:
                x.visible = value
        watched(f"napari alone: hide {len(layers)} result layers", lambda: flip(False))
        watched(f"napari alone: show {len(layers)} result layers", lambda: flip(True))

    for target in [0, 1, 2, 1, 0][:max(2, len(images) + 2)]:
        if target >= len(images) or widget.image.value is images[target]:
            continue
        watched(f"switch -> {images[target].name}",
                lambda t=target: setattr(widget.image, "value", images[t]))
    napari_alone()
    widget.image.value = images[1]
    pump(3.0)
    if args.hide_at_once:
        widget._visibility.close()  # the store hides a deleted image's layers at once
    watched(f"delete {images[1].name} (chosen)", lambda: viewer.layers.remove(images[1]))
    print(f"chosen now: {widget.image.value.name}; visible: "
          f"{[x.name for x in viewer.layers if x.visible]}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
