"""``napari-symseg demo``: napari with the sample and the widget, or the same run headless."""

from __future__ import annotations

import argparse
import os

from ..core.params import Params


def has_display() -> bool:
    """True when a window can be opened (X11 or Wayland display)."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def has_napari() -> bool:
    """True when napari is installed (the ``all`` / ``qt`` / ``napari`` extras)."""
    from importlib.util import find_spec

    return find_spec("napari") is not None


def open_napari_demo(run_event_loop: bool = True):
    """napari with the two-phase sample and the docked widget; returns the viewer."""
    import napari

    viewer = napari.Viewer(title="napari-symseg demo")
    viewer.open_sample("napari-symseg", "two_phase")
    viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    if run_event_loop:
        napari.run()
    return viewer


def cmd_demo(args: argparse.Namespace) -> int:
    """``napari-symseg demo``: napari + sample + widget, or the headless segmentation."""
    if not args.headless and has_display():
        if has_napari():
            print("opening napari with the sample image and the Symmetry segmentation widget")
            open_napari_demo()
            return 0
        print("napari is not installed (pip install 'napari-symseg[all]' for the plugin): "
              "segmenting the sample headless")
    import numpy as np

    from .._sample_data import make_two_phase_sample
    from ..io.calibration import Calibration
    from ..io.export import export_result
    from ..io.tiff import write_tiff
    from .batch import output_folder
    from .segment import run_image

    out = output_folder(args.output_dir, "--output-dir")
    image, kwargs, _ = make_two_phase_sample()[0]  # the widget's sample, calibrated in nm
    calibration = Calibration(kwargs["scale"], kwargs["units"], ("y", "x"), source="sample")
    params = Params()
    result = run_image(image, params, quiet=False)
    base = out / "sample_two_phase"
    image_path = base.with_suffix(".tif")
    write_tiff(image_path, image.astype(np.float32), calibration)
    written = export_result(base, image, result.labels, params, calibration)
    for path in (image_path, *written):
        what = "image" if path == image_path else path.stem.rsplit("_", 1)[-1]
        print(f"{what:>8}: {path.resolve()}")
    return 0
