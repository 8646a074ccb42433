"""Screenshots of a new user's session on a real image at 1366x768 and 1920x1080 (issue 11).

Usage (headless under Xvfb; the screen must hold the larger window)::

    QT_API=pyqt6 xvfb-run -a -s "-screen 0 1920x1080x24" \\
        python benchmarks/laptop_shots.py 1366 768 [--out /tmp/shots] [--data ../shared/data/real]

Opens the Ni boride image (uncalibrated, 1024²), then Suggest, Run and
Measure through the widget's public API, then a 2:1 uncalibrated STM frame
(its aspect note and size labels); saves the whole window after each step
(``<width>-<nn>-<step>.png``) and prints the status lines, the hint's answer
and the window's size (a window taller than the screen means the docks did
not fit). Look at the PNGs: the essentials, the run summary, Measure's
status and the hint's answer must be in view without scrolling. Without the
data folder the script says so and exits (status 0).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from napari_window import pump, viewer_with_dock  # noqa: E402

DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "real"
BORIDE = "ingrained_Ni_M3B2_boride_HAADF91.npy"
STM = "pyfastspm_STM_movie_F20190424.npy"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("width", type=int)
    parser.add_argument("height", type=int)
    parser.add_argument("--out", type=Path, default=Path("/tmp/laptop-shots"))
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    if not (args.data / BORIDE).exists():
        print(f"{args.data / BORIDE} not found: nothing to do")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    size = (args.width, args.height)
    viewer, widget = viewer_with_dock(size=size)
    window = viewer.window._qt_window
    window.move(0, 0)

    def save(name: str) -> None:
        window.resize(*size)
        pump(1.0)
        path = args.out / f"{args.width}-{name}.png"
        window.grab().save(str(path))
        print(f"wrote {path}: window {window.width()}x{window.height()}", flush=True)

    widget.image.value = viewer.add_image(np.load(args.data / BORIDE), name="boride")
    save("01-open")
    widget.suggest()
    pump(600, lambda: widget.suggest_worker is None)
    print("suggest:", widget.status.value)
    save("02-suggest")
    widget.run()
    pump(600, lambda: widget.worker is None)
    pump(3)
    print("run:", widget.status.value, "|", widget.hint_panel.text.value)
    save("03-run")
    widget.measure.start()
    # until its layers and table are shown (the activity ends then), not just computed
    pump(600, lambda: widget.measure.worker is None
         and getattr(getattr(widget, "activity", None), "kind", None) is None)
    pump(2)
    print("measure:", widget.measure.status.value)
    save("04-measure")
    if (args.data / STM).exists():
        frame = np.load(args.data / STM, mmap_mode="r")[0].astype(np.float32)
        widget.image.value = viewer.add_image(frame, name="stm", scale=(2.0, 1.0))
        pump(1.0)
        print("2:1 image:", widget.status.value)
        save("05-aspect")
    viewer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
