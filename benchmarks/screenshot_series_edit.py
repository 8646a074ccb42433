"""Screenshots of a series edit in progress and of *Measure* afterwards (issue 11).

Usage (headless under Xvfb)::

    QT_API=pyqt6 xvfb-run -a -s "-screen 0 1920x1080x24" \\
        python benchmarks/screenshot_series_edit.py --size 1366x768 --out docs/images/stalls

The in-situ series sample (16 frames), an all-frames run with 3 patterns,
*Edit…*, a split grabbed while its worker labels the frames (the status line
counts them, Cancel enabled), then *Measure* on the edited result.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks.*

import argparse


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1366x768")
    parser.add_argument("--out", default="docs/images/stalls")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    import numpy as np

    from benchmarks.napari_window import pump, viewer_with_dock
    from napari_symseg._sample_data import make_insitu_series_sample

    viewer, widget = viewer_with_dock(size=(width, height))
    window = viewer.window._qt_window
    data, kwargs, _ = make_insitu_series_sample()[0]
    data = np.concatenate([data, data])
    layer = viewer.add_image(data, **kwargs)
    widget.image.value = layer
    widget.segment.value = "all frames"
    for name, value in dict(patch_x=8, patch_y=8, window_x=10, window_y=10,
                            max_num_points=49, stride=2, n_selected_operations=10,
                            n_patterns=3).items():
        widget.fields[name].value = value
    widget.run()
    pump(600, lambda: widget.worker is None)
    pump(2.0)
    dock = widget.edit_patterns()
    pump(1.0)
    dock.pattern_a.value = 0
    dock.split()
    pump(120, lambda: "frame" in dock.status.value)
    pump(0.2)
    window.grab().save(str(out / f"{args.size}-1-series-edit-running.png"))
    print("grabbed during:", dock.status.value)
    pump(600, lambda: dock.edit_worker is None)
    pump(1.0)
    widget.measure.start()
    pump(600, lambda: widget.measure.worker is None or widget.measure.button.enabled)
    pump(3.0)
    window.grab().save(str(out / f"{args.size}-2-after-measure.png"))
    print("after measure:", widget.measure.status.value)
    print("visible:", [lay.name for lay in viewer.layers if lay.visible])
    viewer.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
