"""Every dock open and a disagreeing hint: the window's minimum height (issue 11).

Usage (headless under Xvfb; the screen must hold the larger window)::

    QT_API=pyqt6 PYTHONPATH=src:. xvfb-run -a -s "-screen 0 1920x1080x24" \\
        python benchmarks/laptop_all_docks.py 1366 740 [--out /tmp/shots] [--no-scribbles]

A window of the given size with the main dock and the Scribbles dock; a run
of 5 patterns on two synthetic grains (the hint says 2: its answer wraps to
3 lines with its *use 2 patterns* button), then Measure. Prints the window's
size and minimum height and the main dock's kept height, and saves the
window (``all-docks-<width>x<height>.png``). At 1366x740 (a 768 px screen
less its title and task bars) the minimum must stay within 740 px.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from napari_window import pump  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("width", type=int)
    parser.add_argument("height", type=int)
    parser.add_argument("--out", type=Path, default=Path("/tmp/laptop-shots"))
    parser.add_argument("--no-scribbles", action="store_true")
    args = parser.parse_args(argv)
    import napari
    from qtpy.QtWidgets import QApplication

    from measure_scenarios import two_grains
    from napari_symseg._qt.runner import napari_ready

    QApplication.instance() or QApplication([])
    viewer = napari.Viewer(show=True)
    window = viewer.window._qt_window
    window.showNormal()
    window.resize(args.width, args.height)
    source = viewer.add_image(two_grains((128, 128), orientations=(10.0, 40.0),
                                         tilt=0.0).image, name="g")
    _, widget = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    if not args.no_scribbles:
        viewer.window.add_plugin_dock_widget("napari-symseg", "Scribbles")
    pump(120, lambda: napari_ready("shapes"))
    widget.image.value = source
    for name, value in dict(patch_x=8, patch_y=8, window_x=10, window_y=10, stride=4,
                            n_patterns=5).items():
        widget.fields[name].value = value
    widget.run()
    pump(300, lambda: widget.worker is None)
    pump(1)
    widget.measure.start()
    pump(300, lambda: widget.measure.worker is None and widget.measure.button.enabled)
    pump(2)
    window.resize(args.width, args.height)
    pump(0.5)
    print(f"window {window.width()}x{window.height()}, minimum height "
          f"{window.minimumSizeHint().height()}, main dock kept {widget.scroll.minimumHeight()}"
          f" px; hint: {widget.hint_panel.text.value!r}, button shown: "
          f"{widget.hint_panel.use_button.visible}", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"all-docks-{args.width}x{args.height}.png"
    window.grab().save(str(path))
    print(f"wrote {path}")
    viewer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
