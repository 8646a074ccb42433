"""How long a closed napari's process takes to end: plain napari versus napari with the dock.

Each case runs in its own process (``--child CASE``); the parent times from
the moment the child prints ``closing`` (the viewer is closed, the script
ends) to the process's end, and prints the exit status (139: a crash).
Cases:

``plain``
    napari with the sample image, closed.
``widget``
    the same with the dock opened, one Run (stride 4) waited for, then closed.
``compiling``
    the dock opened and closed after ``--after`` s (default 3): on a cold
    numba cache (``find src -name '*.nbi' -o -name '*.nbc' | xargs rm -f``)
    the warm-up is still compiling then.

Usage (a display is needed)::

    PYTHONPATH=src QT_API=pyqt6 xvfb-run -a -s "-screen 0 1280x1024x24" \\
        .venv/bin/python benchmarks/exit_time.py plain widget --repeat 3 \\
        --warm-up-wait 10 1

Measured (2 cores shared, load 3-8; seconds from the close to the process's end, the
exit's wait for the warm-up 10 s before issue 11's change, 1 s after; alternated):

- ``compiling --after 5`` on a cold cache (the warm-up compiling napari's label kernels
  in-process while the compiling process runs): 9.23, 8.91 before; 2.91, 2.77 after.
- ``widget`` on a warm cache, load 5-6 (the label kernels still compiling after the run
  in some runs): 4.35, 4.41, 5.93 before; 2.94, 3.98, 3.73 after; plain napari 3.58,
  2.38, 3.24. At load 3 (the warm-up done before the close): 1.51, 3.30 before; 3.80,
  3.03 after; plain 0.94, 2.94.
- ``compiling --after 1`` on a warm cache (the warm-up loading the core's kernels, which
  stops between families): 1.13-1.52 before, 1.12-2.00 after.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time


def child(case: str, after: float, warm_up_wait: float | None = None) -> None:
    import napari
    import numpy as np
    from qtpy.QtWidgets import QApplication

    if warm_up_wait is not None:  # (the exit's wait for the warm-up: before / after)
        from napari_symseg._qt import warmup

        warmup.EXIT_WAIT_S = warm_up_wait

    def pump(seconds: float, until=lambda: False) -> None:
        app, end = QApplication.instance(), time.perf_counter() + seconds
        while time.perf_counter() < end and not until():
            app.processEvents()
            time.sleep(0.02)

    viewer = napari.Viewer(show=True)
    y, x = np.mgrid[0:256, 0:256].astype(float)
    layer = viewer.add_image(np.cos(x / 2) + np.cos(y / 2), name="lattice")
    pump(1.0)
    if case != "plain":
        _, widget = viewer.window.add_plugin_dock_widget("napari-symseg",
                                                         "Symmetry segmentation")
        widget.image.value = layer
        if case == "widget":
            widget.fields["stride"].value = 4
            if widget.run() is None:
                raise RuntimeError(widget.status.value)
            pump(600, lambda: widget.worker is None)
            print("run:", widget.status.value, flush=True)
        pump(after if case == "compiling" else 1.0)
    viewer.close()
    print("closing", flush=True)
    KEPT.append(viewer)  # held to the interpreter's end, as a user's script holds it


KEPT: list = []


def measure(case: str, after: float, wait: float | None) -> tuple[float, int]:
    extra = [] if wait is None else ["--warm-up-wait", str(wait)]
    process = subprocess.Popen([sys.executable, __file__, "--child", case, "--after",
                                str(after), *extra], stdout=subprocess.PIPE, text=True)
    closed = None
    for line in process.stdout:
        if line.startswith("closing"):
            closed = time.perf_counter()
    code = process.wait()
    return (time.perf_counter() - closed if closed else float("nan")), code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("cases", nargs="*", default=["plain", "widget"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--after", type=float, default=3.0)
    parser.add_argument("--warm-up-wait", type=float, nargs="*", default=[None],
                        help="the exit's wait for the warm-up (s): each value in turn "
                        "(e.g. 10 1: before and after issue 11's change)")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.after, args.warm_up_wait[0])
        return
    for _ in range(args.repeat):
        for case in args.cases:
            waits = [None] if case == "plain" else args.warm_up_wait
            for wait in waits:
                seconds, code = measure(case, args.after, wait)
                print(f"{case:10s} warm-up wait {wait!s:5s} exit {seconds:6.2f} s after "
                      f"the close, status {code}", flush=True)


if __name__ == "__main__":
    main()
