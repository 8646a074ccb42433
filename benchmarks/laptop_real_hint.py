"""The real MoS2 image's hint, the Scribbles dock, a scribbled run, Measure: does the window fit?

Usage (headless under Xvfb; the screen must hold the larger window)::

    QT_API=pyqt6 PYTHONPATH=src:. xvfb-run -a -s "-screen 0 1920x1080x24" \\
        python benchmarks/laptop_real_hint.py 1366 768 [--data ../shared/data/real] \\
        [--out /tmp/laptop-real]

The sequence a tester followed (newuser9, issue 11): open the real
calibrated MoS2 image (its hint disagrees with the run: 3 lines and a
*use 1 pattern* button, then its chart), Suggest, Run, open the Scribbles
dock, paint four strokes of two patterns and *Run with scribbles*, then
Measure. After every step it prints the window's height, its minimum height,
the main dock's kept height and each dock's minimum height, and saves
the window (``real-<width>x<height>-<nn>-<step>.png``). The window's minimum
and its height must stay within the height it was given at every step
(exit status 1 if not).
``benchmarks/laptop_all_docks.py`` does the same with a synthetic hint,
which is one line shorter. Without the data folder: a message, status 0.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gui_session import DEFAULT_DATA, load_real  # noqa: E402
from napari_window import pump  # noqa: E402

IMAGE = ("temul_MoS2_Se_implanted_HAADF",)


def _dock_minimums(window) -> str:
    """Each shown dock's minimum height and its dock area (left or right column)."""
    from qtpy.QtCore import Qt
    from qtpy.QtWidgets import QDockWidget

    parts = []
    for dock in window.findChildren(QDockWidget):
        if dock.isFloating() or dock.isHidden():
            continue
        area = "left" if window.dockWidgetArea(dock) == Qt.DockWidgetArea.LeftDockWidgetArea \
            else "right"
        shown = "" if dock.isVisible() else " (tab behind)"
        parts.append(f"{dock.windowTitle()[:26]!r} {area} {dock.minimumSizeHint().height()}"
                     f"{shown}")
    return "; ".join(parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("width", type=int)
    parser.add_argument("height", type=int)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=Path("/tmp/laptop-real"))
    args = parser.parse_args(argv)
    found = load_real(args.data, IMAGE)
    if found is None:
        print(f"no {IMAGE[0]}.npy in {args.data}: nothing to measure")
        return 0
    import napari
    from qtpy.QtWidgets import QApplication

    from napari_symseg._qt.runner import napari_ready

    QApplication.instance() or QApplication([])
    viewer = napari.Viewer(show=True)
    window = viewer.window._qt_window
    window.showNormal()
    window.move(0, 0)
    window.resize(args.width, args.height)
    image = found[1]
    source = viewer.add_image(image.pop("data"), **image)
    _, widget = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    pump(120, lambda: napari_ready("shapes"))
    args.out.mkdir(parents=True, exist_ok=True)
    worst = [0]

    def report(n: int, step: str) -> None:
        pump(1.5)  # (the window is not resized: its height is what the user sees)
        minimum = max(window.minimumSizeHint().height(), window.minimumHeight())
        worst[0] = max(worst[0], minimum, window.height())
        print(f"{n:02d} {step:24s} window {window.width()}x{window.height()}, minimum "
              f"{minimum} px, main dock kept {widget.scroll.minimumHeight()} px\n    docks: "
              f"{_dock_minimums(window)}", flush=True)
        if os.environ.get("LAPTOP_DEBUG"):
            w = widget.scroll
            while w is not None:
                print(f"      {type(w).__name__} {w.objectName()[:20]!r} min {w.minimumHeight()} "
                      f"minHint {w.minimumSizeHint().height()} h {w.height()}")
                w = w.parentWidget()
        path = args.out / f"real-{args.width}x{args.height}-{n:02d}-{step}.png"
        window.grab().save(str(path))

    widget.image.value = source
    widget.suggest()
    pump(600, lambda: getattr(widget, "suggest_worker", None) is None and widget.worker is None)
    widget.run()
    pump(600, lambda: widget.worker is None)
    pump(2)
    print(f"hint: {widget.hint_panel.text.value!r}; status: {widget.status.value!r}")
    report(1, "run-hint")
    _, scribbles = viewer.window.add_plugin_dock_widget("napari-symseg", "Scribbles")
    report(2, "scribbles-dock")
    scribbles.image.value = source
    strokes = scribbles.add_layer()
    data = np.zeros(source.data.shape, strokes.data.dtype)
    data[200:215, 100:400] = 1
    data[300:315, 100:400] = 1
    data[700:715, 600:900] = 2
    data[800:815, 600:900] = 2
    strokes.data = data
    scribbles.run()
    pump(600, lambda: scribbles.worker is None)
    pump(2)
    print(f"scribbled: {scribbles.status.value!r}; main status: {widget.status.value!r}")
    report(3, "scribbled")
    widget.measure.start()
    pump(600, lambda: widget.measure.worker is None and widget.measure.button.enabled)
    pump(2)
    print(f"measure: {widget.measure.status.value!r}")
    report(4, "measured")
    viewer.close()
    fits = worst[0] <= args.height
    print(f"highest minimum or height {worst[0]} px: {'fits' if fits else 'DOES NOT FIT'} in "
          f"{args.height} px; shots in {args.out}")
    return 0 if fits else 1


if __name__ == "__main__":
    sys.exit(main())
