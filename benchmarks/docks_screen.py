"""The main dock and the Scribbles dock opened as a user does (issue 11, tester point 9).

Usage (headless under Xvfb, the screen of the size asked)::

    QT_API=pyqt6 xvfb-run -a -s "-screen 0 1920x1080x24" \\
        python benchmarks/docks_screen.py 1920 1080 [--out /tmp/docks]

A maximised napari window with an image; the main dock, then the Scribbles
dock, each through ``viewer.window.add_plugin_dock_widget`` (the Plugins
menu's call). Prints every dock's geometry and saves the window
(``docks-<width>x<height>.png``). A tester found the Scribbles dock squeezed
under an empty main dock at 1920x1080.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", type=int, nargs=2, help="width height")
    parser.add_argument("--out", type=Path, default=Path("/tmp/docks"))
    parser.add_argument("--run", action="store_true",
                        help="run the main dock first (its plots dock opens)")
    parser.add_argument("--main-only", action="store_true", help="no Scribbles dock")
    parser.add_argument("--grow", action="store_true",
                        help="open the docks in napari's first window, maximise it after")
    args = parser.parse_args(argv)
    args.width, args.height = args.size
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import napari
    from qtpy.QtWidgets import QDockWidget

    from napari_symseg.core.samples import two_phase
    from napari_window import pump

    viewer = napari.Viewer(show=True)
    window = viewer.window._qt_window
    if not args.grow:
        window.resize(args.width, args.height)
        window.showMaximized()
    viewer.add_image(two_phase((512, 512)), name="img")
    pump(1.0)
    _, widget = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    pump(1.0)
    if args.run:
        for name, value in {"patch_x": 8, "patch_y": 8, "window_x": 10, "window_y": 10,
                            "stride": 4}.items():
            widget.fields[name].value = value
        widget.run()
        pump(300, lambda: widget.worker is None)
        pump(2.0)
    if not args.main_only:
        viewer.window.add_plugin_dock_widget("napari-symseg", "Scribbles")
    pump(2.0)
    if args.grow:  # (no window manager under Xvfb: showMaximized does nothing)
        window.resize(args.width, args.height)
        pump(2.0)
    print(f"window {window.width()}x{window.height()}, minimum height "
          f"{window.minimumSizeHint().height()}")
    for dock in window.findChildren(QDockWidget):
        if dock.isVisible():
            g = dock.geometry()
            print(f"  {dock.windowTitle()!r}: x {g.x()} y {g.y()} {g.width()}x{g.height()}"
                  f" (minimum {dock.minimumSizeHint().height()}, tabbed with "
                  f"{[d.windowTitle() for d in window.tabifiedDockWidgets(dock)]})")
    args.out.mkdir(parents=True, exist_ok=True)
    tags = "".join(f"-{tag}" for tag, on in (("run", args.run), ("grow", args.grow),
                                             ("main", args.main_only)) if on)
    path = args.out / f"docks-{args.width}x{args.height}{tags}.png"
    window.grab().save(str(path))
    print(path)
    viewer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
