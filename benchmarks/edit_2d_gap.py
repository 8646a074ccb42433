"""A 2-D run's merge / split / undo from the main dock (*Edit…*): the longest event-loop gaps.

Usage::

    PYTHONPATH=src QT_API=pyqt6 xvfb-run -a -s "-screen 0 1366x768x24" \\
        python benchmarks/edit_2d_gap.py [--size 1024] [--trials 3] [--profile OUT]

A shown napari (1366x768) with the main dock: a run of the two-phase sample
tiled to ``--size``² (3 patterns), then *Edit…* (the Scribbles dock adopts
the patterns layer) and, per trial, merge 0+1, undo, split 0, undo; each
waited for (its worker, if any) and followed by 1 s of the event loop. Prints
the longest gap of each edit (`EventLoopWatch`), the part outside napari's
inserts, slicing and draws (`NapariCalls.outside_ms`), the GUI thread's CPU
time from the click to 1 s after the edit (``time.thread_time``: the edit,
napari's and the plots' redraws, the idle loop) and the load average:
a shared machine, not idle numbers. Before / after: run it alternately with
``PYTHONPATH`` at the two trees. ``--profile OUT`` writes a cProfile of the
GUI thread during the edits of the last trial.
"""

import argparse
import cProfile
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    import numpy as np

    from napari_symseg._qt.runner import thaw_now
    from napari_symseg._qt.stall import EventLoopWatch, NapariCalls
    from napari_symseg._sample_data import make_two_phase_sample
    from napari_symseg.core.warmup import warm_up
    from napari_window import pump, viewer_with_dock

    warm_up()
    viewer, widget = viewer_with_dock(size=(1366, 768))
    tile = make_two_phase_sample()[0][0]
    reps = max(1, args.size // tile.shape[0])
    image = viewer.add_image(np.tile(tile, (reps, reps)), name="tiled")
    widget.image.value = image
    for name, value in {"patch_x": 8, "patch_y": 8, "window_x": 10, "window_y": 10,
                        "max_num_points": 25, "stride": 8, "n_patterns": 3}.items():
        widget.fields[name].value = value
    assert widget.run() is not None
    pump(600, lambda: widget.worker is None)
    pump(3)
    dock = widget.edit_patterns()
    assert dock is not None
    pump(3)
    thaw_now()
    print(f"python: {__import__('napari_symseg').__file__}", flush=True)
    profile = cProfile.Profile() if args.profile else None
    for trial in range(args.trials):
        gaps = []
        for name, action in (("merge", dock.merge), ("undo", dock.undo),
                             ("split", dock.split), ("undo", dock.undo)):
            dock.pattern_a.value, dock.pattern_b.value = 0, 1
            if profile is not None and trial == args.trials - 1:
                profile.enable()
            cpu = time.thread_time()  # the GUI thread's CPU time (waiting for a core not counted)
            with NapariCalls() as calls, EventLoopWatch() as watch:
                action()
                pump(120, lambda: dock.edit_worker is None)
                pump(1.0)
            cpu = 1000 * (time.thread_time() - cpu)
            if profile is not None:
                profile.disable()
            outside = calls.outside_ms(watch)["outside_ms"]
            gaps.append(f"{name} {watch.max_gap_ms:.0f} ms (ours {outside:.0f}; "
                        f"GUI CPU {cpu:.0f})")
        print(f"trial {trial}: " + ", ".join(gaps)
              + f"  [load {os.getloadavg()[0]:.1f}]", flush=True)
    if profile is not None:
        profile.dump_stats(str(args.profile))
    os._exit(0)


if __name__ == "__main__":
    main()
