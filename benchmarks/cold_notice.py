"""What the dock says while a cold numba cache compiles: status line and progress bar.

Clear the worktree's cache first (``find src -name '*.nbi' -o -name '*.nbc' | xargs rm
-f``), then::

    PYTHONPATH=src QT_API=pyqt6 xvfb-run -a -s "-screen 0 1280x1024x24" \\
        .venv/bin/python benchmarks/cold_notice.py [SECONDS]

Opens napari with a 256x256 lattice and the dock, presses Suggest after 10 s and prints,
every 5 s for SECONDS (default 60), the status line and the progress bar (its text and
value); then closes napari (the compiling process is stopped: the cache stays partly cold).
"""

from __future__ import annotations

import sys
import time


def main(seconds: float) -> None:
    import napari
    import numpy as np
    from qtpy.QtCore import QEventLoop, QTimer

    def pump(wait: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(1000 * wait), loop.quit)
        loop.exec()

    viewer = napari.Viewer(show=True)
    y, x = np.mgrid[0:256, 0:256].astype(float)
    layer = viewer.add_image(np.cos(x / 2) + np.cos(y / 2), name="lattice")
    start = time.perf_counter()
    _, widget = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    widget.image.value = layer
    suggested = False
    while time.perf_counter() - start < seconds:
        pump(5.0)
        if not suggested and time.perf_counter() - start >= 10:
            suggested = widget.suggest() is not None
        bar = widget.progress.native
        text = bar.format().replace("%p", str(bar.value()))
        status = widget.status.value.replace("\n", " | ")
        if not widget.compile_note.native.isHidden():
            status += f" | note: {widget.compile_note.value}"
        shown = "shown" if bar.isVisible() else "hidden"
        print(f"{time.perf_counter() - start:5.1f} s  bar {shown}"
              f" [{text}]  status: {status}", flush=True)
    viewer.close()


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0)
