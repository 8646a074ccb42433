"""Screenshot of the scribbles workflow (docs/images/scribbles_widget.png).

Usage::

    xvfb-run -a python benchmarks/screenshot_scribbles.py [--out docs/images/scribbles_widget.png]
    xvfb-run -a python benchmarks/screenshot_scribbles.py --au \
        --out docs/images/scribbles_au_widget.png

The nanoparticle on carbon at 20 counts/px (benchmarks/hard_scenarios.py,
seed 0), translations with ``--auto`` sizes (unsupervised: 0.56), strokes
from `bench_scribbles.make_scribbles`, the Scribbles dock after a run,
pattern names set, a lasso highlight and the hover ring.

``--series``: the series edit workflow (issue 15): a 12-frame series with
a moving boundary (`core.samples.moving_boundary_series`), an all-frames run
with 3 patterns in the main dock (one too many), *Edit…*, the two patterns
of one phase merged: every frame, the plots' area fraction per frame, the
status line and the hint follow the edit.

``--au``: the real Au nanoparticle image (/work/shared/data/real, not
shipped) with the nine strokes of `bench_scribbles.AU_STROKES`, two patterns
named particles / background.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WINDOW = (1366, 768)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("docs/images/scribbles_widget.png"))
    parser.add_argument("--au", action="store_true", help="the real Au nanoparticle image")
    parser.add_argument("--series", action="store_true", help="the series edit workflow")
    args = parser.parse_args(argv)
    if args.series:
        return series_edit(args.out)

    import napari
    from qtpy.QtWidgets import QApplication

    from benchmarks import hard_scenarios as h
    from benchmarks.bench_scribbles import make_scribbles
    from napari_symseg import Params
    from napari_symseg.core.suggest import suggest_params

    if args.au:
        from benchmarks.bench_scribbles import AU, au_reference, au_scribbles

        image = np.load(AU)
        truth = 1 - au_reference(image)  # a proxy: particles = pattern 0
        painted, n, names, name = au_scribbles(image.shape), 2, "particles, background", "Au"
    else:
        image, truth = h.nanoparticle_on_carbon((384, 384), 20.0, 0)
        painted, n, name = make_scribbles(truth, 0), 3, "nanoparticle"
        names = "vacuum, carbon, particle"  # truth 0, 1, 2 = classes 1, 2, 3
    viewer = napari.Viewer(show=True)
    window = viewer.window._qt_window
    window.resize(*WINDOW)
    layer = viewer.add_image(image, name=name)
    _, dock = viewer.window.add_plugin_dock_widget("napari-symseg", "Scribbles")
    dock.image.value = layer
    strokes = dock.add_layer()
    strokes.data = painted
    params = suggest_params(image, Params(n_patterns=n))
    dock.session.params_for = lambda source, base=None: params
    app = QApplication.instance()
    worker = dock.run()
    while worker.is_running or dock.session.result is None:
        app.processEvents()
        time.sleep(0.05)
    dock.names.value = names
    dock.set_names()
    xy = dock.scatter.xy
    chosen = dock.scatter.select([(xy[:, 0].min(), xy[:, 1].min()),
                                  (np.median(xy[:, 0]), xy[:, 1].min()),
                                  (np.median(xy[:, 0]), np.median(xy[:, 1])),
                                  (xy[:, 0].min(), np.median(xy[:, 1]))])
    dock.lasso(chosen)
    viewer.layers[f"{name} lasso"].size = 3 if not args.au else 12
    viewer.layers[f"{name} scribbled patterns"].opacity = 0.35
    result = dock.session.result
    dock.scatter.mark(dock.session.point_at((result.grid.rows[40], result.grid.cols[40])))
    viewer.layers.selection.active = strokes
    for _ in range(40):
        app.processEvents()
        time.sleep(0.05)
    window.grab().save(str(args.out))
    accuracy = (result.labels == truth).mean()
    print(f"wrote {args.out}; agreement with the truth (Au: the smoothed-Otsu proxy) with "
          f"the strokes (no permutation, all pixels) "
          f"{accuracy:.3f}, strokes cover {100 * (strokes.data > 0).mean():.2f} %")
    viewer.close()
    return 0


def series_edit(out: Path) -> int:
    """The ``--series`` screenshot: an all-frames run merged through *Edit…*."""
    import napari
    from qtpy.QtWidgets import QApplication

    from napari_symseg._qt.widget import ALL_FRAMES
    from napari_symseg.core.samples import moving_boundary_series

    app = QApplication.instance() or QApplication([])

    def settle(seconds: float = 2.0) -> None:
        for _ in range(int(seconds / 0.05)):
            app.processEvents()
            time.sleep(0.05)

    viewer = napari.Viewer(show=True)
    window = viewer.window._qt_window
    window.resize(*WINDOW)
    series = viewer.add_image(moving_boundary_series(12, (192, 288), start=60, step=12),
                              name="video")
    _, main = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    main.image.value = series
    main.segment.value = ALL_FRAMES
    for field, value in dict(n_patterns=3, patch_x=8, patch_y=8, window_x=10, window_y=10,
                             stride=4, n_selected_operations=10).items():
        main.fields[field].value = value
    main.run()
    while main.worker is not None:
        settle(0.2)
    settle()
    before = main.status.value
    viewer.dims.set_current_step(0, 6)
    dock = main.edit_patterns()
    layer = dock.session.shown_layer()
    counts = np.bincount(np.asarray(layer.data).ravel())[1:]
    smallest = [int(p) for p in np.argsort(counts)[:2]]  # over-split: merge the two smallest
    dock.pattern_a.value, dock.pattern_b.value = sorted(smallest)
    dock.merge()
    dock.names.value = "left, right"
    dock.set_names()
    main.show_plots()
    settle(1.0)
    plots = viewer.window._dock_widgets.get("Symmetry segmentation: plots")
    if plots is not None:
        plots.raise_()
    settle(3.0)
    window.grab().save(str(out))
    print(f"wrote {out}; before: {before}; after: {main.status.value}; "
          f"hint: {main.hint_panel.text.value if main.hint_panel.visible else '(none)'}")
    viewer.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
