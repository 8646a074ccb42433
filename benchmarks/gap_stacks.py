"""Who holds the GUI thread in a long event-loop gap: stack samples of every thread.

Usage (headless under Xvfb; one fresh process per trial)::

    QT_API=pyqt6 xvfb-run -a -s "-screen 0 1366x768x24" \\
        python benchmarks/gap_stacks.py first-run IMAGE.npy [--pause 5] [--empty-cache] \\
        [--no-suggest] [--set stride=8 ...]
    python benchmarks/gap_stacks.py open IMAGE.npy [--pause 8]
    python benchmarks/gap_stacks.py delete IMAGE.npy [--pause 12]
    python benchmarks/gap_stacks.py measure SERIES.npy [--frames 116] [--old-measure]
    python benchmarks/gap_stacks.py scrub SERIES.npy [--frames 116] [--old-lazy]

``open``: the gaps while the dock opens and ``--pause`` seconds after (the
warm-up runs). ``delete``: the image chosen in the dock, ``--pause`` seconds
(with 8 s or more the warm-up's frozen objects have been taken back), then
the image deleted (napari's full ``gc.collect`` per removal; tester newuser13
measured 326-542 ms for a 2048² image). ``first-run``: a fresh napari
(shown, 1366x768) opens ``IMAGE.npy`` (its
``.json`` beside it gives the calibration), the dock, waits ``--pause``
seconds (the warm-up runs), then Suggest and Run. ``measure``: an all-frames
run of a series, then the Measure dock's measurement. ``scrub``: the series
opened lazily (as *File > IO Utilities > open a video* does), an all-frames
run while the time slider moves. ``--empty-cache`` points numba's cache to a
new empty folder (every kernel compiles).

While any gap of the event loop is open longer than ``--open-ms``, a
sampling thread takes every ``--every-ms`` the stacks of all threads
(``sys._current_frames``). For each gap over ``--report-ms`` it prints
the gap, its time inside napari's inserts / refresh / slicing / draws
(`NapariCalls`), and per thread the innermost frames seen most often
(the GIL holder is the thread whose frames move; a thread waiting for the
GIL shows the same frame in every sample).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path


class Collections:
    """Records the cyclic garbage collector's runs (start, end, generation, thread)."""

    def __init__(self) -> None:
        self.spans: list[tuple[float, float, int, str]] = []
        self._start = {}

    def __call__(self, phase: str, info: dict) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._start[threading.get_ident()] = now
        else:
            start = self._start.pop(threading.get_ident(), now)
            self.spans.append((start, now, info["generation"],
                               threading.current_thread().name))

    def within(self, start: float, end: float) -> str:
        """The collections overlapping [start, end]: total ms, and per generation."""
        hits = [(a, b, g, name) for a, b, g, name in self.spans if b > start and a < end]
        total = sum(min(b, end) - max(a, start) for a, b, *_ in hits)
        gens = collections.Counter(g for *_, g, _ in hits)
        longest = max((b - a for a, b, *_ in hits), default=0.0)
        return (f"gc {1000 * total:.0f} ms ({dict(gens)} by generation, longest "
                f"{1000 * longest:.0f} ms)")


GC = Collections()


class Sampler:
    """Samples every thread's stack while the watch's current gap is open."""

    def __init__(self, watch, open_ms: float, every_ms: float) -> None:
        self.watch, self.open_s, self.every_s = watch, open_ms / 1000, every_ms / 1000
        self.samples: list[tuple[float, str, list[str]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="gap sampler", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        me = threading.get_ident()
        while not self._stop.wait(self.every_s):
            last = self.watch._last
            now = time.perf_counter()
            if last is None or now - last < self.open_s:
                continue
            names = {t.ident: t.name for t in threading.enumerate()}
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                stack = [f"{Path(f.filename).name}:{f.lineno} {f.name}"
                         for f in traceback.extract_stack(frame)]
                self.samples.append((now, names.get(ident, str(ident)), stack))

    def report(self, calls, report_ms: float, depth: int = 6) -> None:
        for gap, end in zip(self.watch.gaps, self.watch.ends, strict=True):
            if gap < report_ms:
                continue
            start = end - gap / 1000
            inside = sum(max(0.0, min(b, end) - max(a, start)) for a, b, _ in calls.spans)
            kinds = collections.Counter(w for a, b, w in calls.spans if b > start and a < end)
            print(f"\n=== gap {gap:.0f} ms, in napari {1000 * inside:.0f} ms "
                  f"({dict(kinds)}), outside {gap - 1000 * inside:.0f} ms; "
                  f"{GC.within(start, end)}")
            by_thread = collections.defaultdict(collections.Counter)
            for t, name, stack in self.samples:
                if start <= t <= end:
                    by_thread[name][" <- ".join(reversed(stack[-depth:]))] += 1
            for name, counts in by_thread.items():
                total = sum(counts.values())
                if name != "MainThread" and all(
                        "wait" in s.split(" <- ")[0] for s in counts):
                    continue  # an idle pool thread
                print(f"  [{name}] {total} samples")
                for stack, n in counts.most_common(4):
                    print(f"    {n:3d}x {stack}")


def profile_calls(owner, name: str, lines: int = 30) -> None:
    """Wrap ``owner.name`` to print a cProfile (cumulative) of every call."""
    import cProfile
    import io
    import pstats

    original = getattr(owner, name)

    def wrapped(*args, **kwargs):
        profile = cProfile.Profile()
        try:
            return profile.runcall(original, *args, **kwargs)
        finally:
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(lines)
            print(f"---- {owner.__name__}.{name}\n" + out.getvalue(), flush=True)

    setattr(owner, name, wrapped)


def old_lazy() -> None:
    """The lazy run as before its placeholders: for before / after numbers in one tree."""
    from napari_symseg.controller.lazy_labels import LazyLabels
    from napari_symseg.controller.lazy_series import LazySeriesJob

    LazyLabels.shown = LazyLabels.frame
    LazyLabels.wanted = lambda self: None
    LazySeriesJob.layer_kwargs = {}


def open_array(path: Path, frames: int | None):
    import numpy as np

    data = np.load(path)
    if frames is not None and data.ndim == 3:
        data = data[:frames]
    meta = json.loads(path.with_suffix(".json").read_text()) \
        if path.with_suffix(".json").exists() else {}
    nm = meta.get("pixel_size_nm")
    kwargs = {"name": path.stem}
    if nm:
        kwargs.update(scale=(nm,) * 2, units=("nm", "nm"))
    return data.astype(np.float32), kwargs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["open", "delete", "first-run", "measure", "scrub"])
    parser.add_argument("image", type=Path)
    parser.add_argument("--pause", type=float, default=5.0)
    parser.add_argument("--frames", type=int, default=None)
    parser.add_argument("--empty-cache", action="store_true")
    parser.add_argument("--no-suggest", action="store_true")
    parser.add_argument("--open-ms", type=float, default=60)
    parser.add_argument("--every-ms", type=float, default=5)
    parser.add_argument("--report-ms", type=float, default=150)
    parser.add_argument("--freeze", action="store_true",
                        help="gc.freeze() once the widget is open (an experiment)")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=JSON",
                        help="a field of the widget, e.g. --set stride=8 (repeatable)")
    parser.add_argument("--old-measure", action="store_true",
                        help="measure: the collector not paused (as before 2026-11-30)")
    parser.add_argument("--old-lazy", action="store_true",
                        help="scrub: as before the placeholders (napari labels a frame not "
                             "labelled yet, or waits for the worker; napari's dask cache)")
    parser.add_argument("--profile", action="store_true",
                        help="measure: cProfile of the GUI thread's slot that shows it")
    args = parser.parse_args(argv)
    if args.empty_cache:
        os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="gap-stacks-numba-")

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import gc

    gc.callbacks.append(GC)
    import napari

    from napari_symseg._qt.stall import EventLoopWatch, NapariCalls
    from napari_window import pump

    if args.old_lazy:
        old_lazy()
    if args.old_measure:
        import contextlib

        from napari_symseg.controller import measure as measure_module

        measure_module.collections_paused = contextlib.nullcontext
    viewer = napari.Viewer(show=True)
    viewer.window._qt_window.resize(1366, 768)
    if args.what == "scrub":  # as File > IO Utilities > open a video lazily
        from napari_symseg._qt.open_video import add_video

        layer = add_video(viewer, args.image)
    else:
        data, kwargs = open_array(args.image, args.frames)
        layer = viewer.add_image(data, **kwargs)
    pump(1.0)
    if args.what == "open":  # the dock opened, then the pause (the warm-up runs): the gaps
        watch = EventLoopWatch()
        with NapariCalls() as calls, watch, Sampler(watch, args.open_ms,
                                                    args.every_ms) as sampler:
            viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
            pump(args.pause)
        print(f"longest gap {watch.max_gap_ms:.0f} ms (the dock opened, then {args.pause} s)")
        sampler.report(calls, args.report_ms)
        sys.stdout.flush()
        os._exit(0)
    t0 = time.perf_counter()
    _, widget = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    print(f"open widget {time.perf_counter() - t0:.2f} s", flush=True)
    if args.what == "delete":  # the chosen image deleted, after the pause: the gaps
        import numpy as np

        other = viewer.add_image(np.zeros((64, 64), np.float32), name="other")
        widget.image.value = layer
        pump(args.pause)
        watch = EventLoopWatch()
        with NapariCalls() as calls, watch, Sampler(watch, args.open_ms,
                                                    args.every_ms) as sampler:
            viewer.layers.remove(layer)
            pump(3.0)
        print(f"longest gap {watch.max_gap_ms:.0f} ms (the chosen image deleted; "
              f"frozen objects: {gc.get_freeze_count()}; chosen now: "
              f"{getattr(widget.image.value, 'name', None) or other.name})")
        sampler.report(calls, args.report_ms)
        sys.stdout.flush()
        os._exit(0)
    if args.freeze:
        gc.freeze()
    widget.image.value = layer
    for item in args.set:
        field, value = item.split("=", 1)
        widget.fields[field].value = json.loads(value)
    if args.what != "first-run":
        widget.segment.value = "all frames"
    pump(args.pause)
    watch = EventLoopWatch()
    with NapariCalls() as calls, watch, Sampler(watch, args.open_ms, args.every_ms) as sampler:
        t0 = time.perf_counter()
        if not args.no_suggest:
            widget.suggest()
            pump(300, lambda: widget.suggest_worker is None)
            print(f"suggest {time.perf_counter() - t0:.2f} s", flush=True)
        t0 = time.perf_counter()
        assert widget.run() is not None
        job = widget._runner.job  # (a lazy video's: its LazyLabels log where frames are labelled)
        moves = 0
        while widget.worker is not None:
            if args.what == "scrub":
                n = viewer.dims.nsteps[0]
                t = moves % (2 * n - 2)
                viewer.dims.set_current_step(0, t if t < n else 2 * n - 2 - t)
                moves += 1
            pump(0.03)
        pump(1.0)
        print(f"run {time.perf_counter() - t0:.2f} s ({moves} slider moves)", flush=True)
        if args.what == "measure":
            t0 = time.perf_counter()
            measure = widget.measure
            if args.profile:
                profile_calls(type(measure), "_show")
            assert measure.start() is not None
            pump(300, lambda: measure.worker is None)
            pump(1.5)
            print(f"measure {time.perf_counter() - t0:.2f} s", flush=True)
    print(f"longest gap {watch.max_gap_ms:.0f} ms; outside napari: {calls.outside_ms(watch)}")
    by_thread = collections.defaultdict(list)
    for name, _frame, seconds in getattr(getattr(job, "lazy", None), "timings", ()):
        by_thread[name].append(1000 * seconds)
    for name, ms in by_thread.items():  # napari's slicing labels in dask's pool, GUI waiting
        print(f"frames labelled by {name}: {len(ms)}, median {statistics.median(ms):.0f} ms,"
              f" max {max(ms):.0f} ms")
    reads = getattr(getattr(job, "lazy", None), "placeholder_reads", None)
    if reads is not None:  # frames shown as 0 while the worker had not labelled them
        print(f"placeholder reads: {reads}")
    sampler.report(calls, args.report_ms)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
