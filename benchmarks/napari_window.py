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


def canvas_position(viewer, world_yx) -> tuple[float, float]:
    """Canvas pixel (x, y) of a world point (row, col) of the displayed 2-D view."""
    canvas = viewer.window._qt_viewer.canvas
    view = canvas.view
    x, y = (view.transform * view.scene.transform).map(
        [float(world_yx[-1]), float(world_yx[-2]), 0.0, 1.0])[:2]
    return float(x), float(y)


def canvas_drag(viewer, path_world, between=lambda: None) -> None:
    """Drag with the left mouse button along `path_world` (world (row, col) points).

    Real Qt mouse events (press, moves with the button held, release) are sent
    to the canvas's native widget, as a user's mouse would: vispy turns them
    into napari's mouse callbacks. ``between()`` runs after the press and
    after each move (e.g. processing events for a 60 Hz mouse).
    """
    from qtpy.QtCore import QEvent, QPointF, Qt
    from qtpy.QtGui import QMouseEvent
    from qtpy.QtWidgets import QApplication

    native = viewer.window._qt_viewer.canvas.native
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    nomod = Qt.KeyboardModifier.NoModifier

    def send(kind, world, button, buttons):
        local = QPointF(*canvas_position(viewer, world))
        glob = QPointF(native.mapToGlobal(local.toPoint()))
        QApplication.sendEvent(native, QMouseEvent(kind, local, glob, button, buttons, nomod))

    path = list(path_world)
    send(QEvent.Type.MouseButtonPress, path[0], left, left)
    between()
    for world in path[1:]:
        send(QEvent.Type.MouseMove, world, none, left)
        between()
    send(QEvent.Type.MouseButtonRelease, path[-1], left, none)
