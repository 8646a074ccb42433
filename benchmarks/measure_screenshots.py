"""Screenshots of the *Measure* section and its layers (docs/images/measure/).

Usage (a real napari window; headless under Xvfb)::

    QT_API=pyqt6 xvfb-run -a -s "-screen 0 1920x1080x24" \\
        python benchmarks/measure_screenshots.py [--size 1366x768] [--out docs/images/measure]

Opens napari at the given window size with the *Symmetry segmentation* dock,
segments the Ni boride image of the gallery (``/work/shared/data/real``; the
two-grain synthetic image when it is not there) with Suggest sizes, then
measures it. Shots: ``<size>-1-after-run`` (the *Measure* button next to
*Run*), ``<size>-2-orientation`` (the orientation map over the image, half
transparent; the patterns and regions layers hidden, as a user would),
``<size>-3-spacing`` (the spacing map) and ``<size>-4-regions-table`` (a row
selected: its region highlighted). Waits for
the widget's own workers, never for a guessed time.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from benchmarks import screenshots
from benchmarks.screenshots import DEFAULT_DATA, ROOT, Shooter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1366x768")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "measure")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    screenshots.WINDOW = size  # Shooter.shot resizes the window to it
    s = Shooter(args.out)
    s.viewer.window._qt_window.resize(*size)
    path = args.data / "ingrained_Ni_M3B2_boride_HAADF91.npy"
    if path.exists():
        image = s.viewer.add_image(np.load(path), name="boride")
    else:
        from benchmarks.measure_scenarios import two_grains

        image = s.viewer.add_image(two_grains((512, 512)).image, name="boride")
    widget = s.widget
    widget.image.value = image
    s.suggest()
    s.run()
    tag = args.size
    s.shot(f"{tag}-1-after-run")
    section = widget.measure
    assert section.start() is not None, section.status.value
    s.wait(lambda: section.controller.last is not None and section.button.enabled,
           "the measurement")
    s.viewer.reset_view()
    layers = section.controller.last.layers
    # the maps lie under the patterns and regions layers: hide those, as a user would
    s.only(image.name, layers["orientation"].name, layers["boundaries"].name)
    s.viewer.layers.selection.active = layers["orientation"]
    s.shot(f"{tag}-2-orientation")
    s.only(image.name, layers["spacing"].name, layers["boundaries"].name)
    s.viewer.layers.selection.active = layers["spacing"]
    s.shot(f"{tag}-3-spacing")
    s.only(image.name, layers["regions"].name, layers["boundaries"].name)
    section.table.selectRow(0)
    s.shot(f"{tag}-4-regions-table")
    s.viewer.close()


if __name__ == "__main__":
    main()
