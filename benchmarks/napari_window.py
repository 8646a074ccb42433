"""Shared set-up of the GUI benchmark scripts: napari with the plugin's dock, and an event pump."""

from __future__ import annotations

import time


def pump(seconds: float, until=lambda: False, step: float = 0.005) -> None:
    """Process Qt events for `seconds`, or until ``until()`` is true."""
    from qtpy.QtWidgets import QApplication

    app = QApplication.instance()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and not until():
        app.processEvents()
        time.sleep(step)


def viewer_with_dock(show: bool = True, size: tuple[int, int] | None = None):
    """A napari viewer (window resized to `size`) with the plugin's dock, kernels warmed.

    Returns
    -------
    (napari.Viewer, SymsegWidget)
    """
    import napari
    from qtpy.QtWidgets import QApplication

    from napari_symseg._qt.runner import napari_ready

    QApplication.instance() or QApplication([])
    viewer = napari.Viewer(show=show)
    if size is not None:
        viewer.window._qt_window.resize(*size)
    _, widget = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    pump(120, lambda: napari_ready("shapes"))
    return viewer, widget
