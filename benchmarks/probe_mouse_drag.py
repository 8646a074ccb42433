"""The probe dragged with real mouse events in a shown napari window, optionally under load.

Usage (headless under Xvfb)::

    QT_API=pyqt6 xvfb-run -a -s "-screen 0 1366x768x24" \\
        python benchmarks/probe_mouse_drag.py [--size 1024] [--moves 90] [--load 2] \\
        [--shots DIR]

As a user: a napari window at 1366x768 with the plugin's dock, a calibrated
size x size image (the two-phase sample tiled), a run of the widget, the
probe ticked, then a drag of the probe with the left mouse button
(Qt mouse events on the canvas's native widget, 60 moves per second). With
``--load N`` N busy Python processes spin during the whole measurement
(ended afterwards). Printed: the longest Qt event-loop gaps (ticking the
probe, the drag, the run again), how often the map was redrawn and for
which pixels, whether the probe followed the mouse and ended under it,
whether the map shown is that of the final pixel (against
`napari_symseg.controller.probe.probe_map`), whether the map's panel is
visible inside the window, and whether a second run's result layers land
below the probe's. ``--shots DIR`` saves window screenshots before and
after the drag.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np

if __package__ in (None, ""):  # run as a script: the repository's benchmarks importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.napari_window import canvas_drag, pump, viewer_with_dock


def busy_processes(n: int) -> list[subprocess.Popen]:
    """`n` Python processes spinning a core each (the caller ends them)."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def in_window(widget, window) -> bool:
    """`widget` is shown, not hidden by others, and lies inside `window`'s rectangle."""
    from qtpy.QtCore import QRect

    if not widget.isVisible() or widget.visibleRegion().isEmpty():
        return False
    top_left = widget.mapToGlobal(widget.rect().topLeft())
    rect = QRect(top_left, widget.size())
    return window.frameGeometry().contains(rect) and rect.width() > 50 and rect.height() > 50


def mouse_path(start, scale, moves: int) -> list[np.ndarray]:
    """World points of a diagonal drag from data point `start`, 0.9 x 1.6 data px a move."""
    start = np.asarray(start, dtype=float) * scale
    return [start + k * np.array([0.9, 1.6]) * scale for k in range(moves + 1)]


def measure(args) -> dict:
    from napari_symseg._qt.probe_plot import ProbePlot
    from napari_symseg._qt.stall import EventLoopWatch, NapariCalls
    from napari_symseg._sample_data import make_two_phase_sample
    from napari_symseg.controller.probe import probe_map

    viewer, widget = viewer_with_dock(size=(1366, 768))
    window = viewer.window._qt_window
    n = args.size
    tile, meta = make_two_phase_sample()[0][:2]
    data = np.tile(tile, (-(-n // tile.shape[0]), -(-n // tile.shape[1])))[:n, :n]
    layer = viewer.add_image(data, name="img", scale=meta["scale"], units=meta["units"])
    pump(1.0)
    widget.image.value = layer
    out = {}
    widget.run()
    pump(600, lambda: widget.worker is None and "img patterns" in viewer.layers)
    pump(2.0)

    # napari alone: the same mouse drag of a plain point (hidden afterwards), the floor
    scale = np.asarray(layer.scale)
    plain = viewer.add_points([[0.4 * n, 0.4 * n]], size=max(10.0, n / 60), scale=meta["scale"],
                              units=meta["units"], name="plain")
    plain.mode = "select"
    pump(1.0)
    t0 = time.perf_counter()
    with NapariCalls() as calls, EventLoopWatch() as floor:
        canvas_drag(viewer, mouse_path(plain.data[0], scale, args.moves),
                    lambda: pump(1 / 60))
        seconds = time.perf_counter() - t0
        pump(0.5)
    out["napari alone, same drag of a point: max gap ms / p99 / seconds"] = (
        floor.summary()["max_ms"], floor.summary()["p99_ms"], round(seconds, 2))
    # outside napari's recorded calls there is napari too (its Qt widgets' painting, its
    # status and extent updates): this drag's stretch is the baseline of the probe's
    out["napari alone: longest stretch outside its recorded calls"] = calls.outside_ms(floor)
    plain.visible = False
    pump(0.5)

    shown = []  # (time, pixel) of every map drawn
    original = ProbePlot.show

    def show(plot, cmap, pixel, source=None):
        shown.append((time.perf_counter(), tuple(pixel), np.array(cmap)))
        return original(plot, cmap, pixel, source)

    ProbePlot.show = show
    with NapariCalls() as calls, EventLoopWatch() as tick:
        widget.probe.value = True
        pump(600, lambda: "img probe" in viewer.layers and shown)
        pump(1.0)
    out["tick: max gap ms"] = tick.summary()["max_ms"]
    out["tick: longest stretch outside napari's calls (ours)"] = calls.outside_ms(tick)
    probe = viewer.layers["img probe"]

    def pixel():  # the probe's pixel, as its layer records it
        return np.asarray(probe.metadata["napari_symseg"]["pixel"], dtype=float)

    out["active layer is the probe's, panning off"] = (
        viewer.layers.selection.active is probe and not viewer.scene.camera.mouse_pan)
    out["map panel in the window (after tick)"] = in_window(
        widget.results_dock.probe_plot, window)
    if args.shots:
        os.makedirs(args.shots, exist_ok=True)
        window.grab().save(os.path.join(args.shots, "probe_before_drag.png"))

    path = mouse_path(pixel(), scale, args.moves)
    lags = []  # mouse - probe, data px, after each move's events

    def between():
        pump(1 / 60)
        if len(lags) < len(path):
            lags.append(float(np.max(np.abs(path[len(lags)] / scale - pixel()))))

    before = len(shown)
    t0 = time.perf_counter()
    with NapariCalls() as calls, EventLoopWatch() as drag:
        canvas_drag(viewer, path, between)
        t_release = time.perf_counter()
        pump(600, lambda: not widget._probe.busy)
        pump(0.5)
    out["drag: longest stretch outside napari's calls (ours)"] = calls.outside_ms(drag)
    maps = shown[before:]
    final = tuple(int(v) for v in pixel())
    out["drag: moves, seconds"] = (args.moves, round(t_release - t0, 2))
    out["drag: max gap ms / p99"] = (drag.summary()["max_ms"], drag.summary()["p99_ms"])
    during = [t for t, _, _ in maps if t <= t_release]
    out["maps drawn during the drag / after"] = (len(during), len(maps) - len(during))
    intervals = np.diff([t0, *during]) * 1000
    out["map interval ms median / max"] = (
        (round(float(np.median(intervals))), round(float(intervals.max())))
        if len(intervals) else None)
    per_screen_px = 1 / (viewer.scene.camera.zoom * scale[-1])  # data px per screen px
    out["probe lag max (data px, after each move)"] = round(max(lags), 1)
    out["probe ends under the mouse (within 1 screen px)"] = bool(
        np.abs(pixel() - path[-1] / scale).max() <= max(per_screen_px, 0.5))
    last_pixel, last_map = (maps[-1][1], maps[-1][2]) if maps else (None, None)
    out["last map's pixel / the probe's final pixel"] = (last_pixel, final)
    out["last map == probe_map(final pixel)"] = bool(np.array_equal(
        last_map, probe_map(data, widget.params(), *final)) if maps else False)
    out["map panel in the window (after drag)"] = in_window(
        widget.results_dock.probe_plot, window)
    if args.shots:
        window.grab().save(os.path.join(args.shots, "probe_after_drag.png"))

    with EventLoopWatch() as rerun:
        widget.run()
        pump(600, lambda: widget.worker is None)
        pump(3.0)
    names = [lay.name for lay in viewer.layers]
    out["re-run: max gap ms"] = rerun.summary()["max_ms"]
    out["layers after re-run (top last)"] = names
    out["probe layer on top after re-run"] = names[-1] == "img probe"
    if args.shots:
        window.grab().save(os.path.join(args.shots, "probe_after_rerun.png"))
    ProbePlot.show = original
    viewer.close()
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--moves", type=int, default=90)
    parser.add_argument("--load", type=int, default=0, help="busy processes meanwhile")
    parser.add_argument("--shots", default=None, help="directory for screenshots")
    args = parser.parse_args(argv)
    load = busy_processes(args.load)
    try:
        out = measure(args)
    finally:
        for proc in load:
            proc.kill()
            proc.wait()
    print(f"\n{args.size}x{args.size}, {args.moves} mouse moves at 60/s, "
          f"{args.load} busy processes, load average {os.getloadavg()[0]:.1f}")
    for key, value in out.items():
        print(f"  {key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
