"""*Measure* of a 2-D run: the longest event-loop gaps and what is in them.

Usage::

    PYTHONPATH=src QT_API=pyqt6 xvfb-run -a -s "-screen 0 1366x768x24" \\
        python benchmarks/measure_2d_gap.py [--size 2048] [--trials 2] [--profile OUT]

A shown napari (1366x768) with the main dock: a run of the two-phase sample
tiled to ``--size``² (2 patterns), then per trial *Measure* (waited for, and
1.5 s of the event loop), then the run again (its layers replaced: the
measurement is outdated and its layers removed). Prints per measurement the
longest gap (`EventLoopWatch`), its part outside napari's inserts, slicing
and draws (`NapariCalls.outside_ms`), the gaps over 100 ms with napari's
calls in each, and the load average (a shared machine: not idle numbers).
Before / after: run it alternately with ``PYTHONPATH`` at the two trees.
``--profile OUT`` writes a cProfile of the GUI thread during the last
measurement.
"""

import argparse
import cProfile
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--trials", type=int, default=2)
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
                        "max_num_points": 25, "stride": 8, "n_patterns": 2}.items():
        widget.fields[name].value = value
    print(f"python: {__import__('napari_symseg').__file__}", flush=True)
    profile = cProfile.Profile() if args.profile else None
    measure = widget.measure
    for trial in range(args.trials):
        assert widget.run() is not None
        pump(600, lambda: widget.worker is None)
        pump(3)
        thaw_now()
        if profile is not None and trial == args.trials - 1:
            profile.enable()
        with NapariCalls() as calls, EventLoopWatch() as watch:
            assert measure.start() is not None
            pump(300, lambda: measure.worker is None and not measure._showing)
            pump(1.5)
        if profile is not None:
            profile.disable()
        outside = calls.outside_ms(watch)
        print(f"trial {trial}: measure's longest gap {watch.max_gap_ms:.0f} ms, outside "
              f"napari {outside['outside_ms']:.0f} ms, napari's longest call "
              f"{outside['max_napari_ms']:.0f} ms  [load {os.getloadavg()[0]:.1f}]",
              flush=True)
        for gap, end in zip(watch.gaps, watch.ends, strict=True):
            if gap < 100:
                continue
            start = end - gap / 1000
            inside = [f"{what} {1000 * (min(b, end) - max(a, start)):.0f}"
                      for a, b, what in calls.spans if b > start and a < end]
            print(f"   gap {gap:.0f} ms: napari {', '.join(inside) or '-'}", flush=True)
    if profile is not None:
        profile.dump_stats(str(args.profile))
    os._exit(0)


if __name__ == "__main__":
    main()
