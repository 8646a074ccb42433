"""Our secondary docks share one tab group in the right dock area.

The plots, the Scribbles dock and the region table each need some height;
stacked in the right area (or the plots at the bottom, under napari's
layer controls and layer list) the window's minimum height grew to
886-984 px, more than a 1366x768 laptop has, and they squeezed the main
dock until its Run button was out of view. As tabs of one group they take
the height of one dock; the main dock above them keeps its essential rows
(`layout.scrolling_column`). Tabs rather than smaller docks: each of them
is useful only at a readable size, and only one is needed at a time.
A new result (the plots after a run, the region table after Measure) raises
its tab, except over the Scribbles dock's tab when that one is shown: the
user is painting or editing there (`raise_tab`).

Public API first: `add_tabbed` docks through napari's
``viewer.window.add_dock_widget(..., tabify=True)`` when napari's choice of
tab partner (the last dock in the area) is one of ours; otherwise (our
main dock came last, or napari made the dock, as for Scribbles) `tabify`
joins the tab group with Qt's own ``QMainWindow.tabifyDockWidget``, the
main window found as the dock's parent (not napari's private
``Window._qt_window``). `close_with_dock` tells a dock's widget that the
dock was closed (the main dock's and the Scribbles dock's `_close`).
"""

from __future__ import annotations

from collections.abc import Callable

from qtpy.QtCore import Qt, QTimer
from qtpy.QtWidgets import QDockWidget

#: Titles of the docks that share the tab group (napari titles a plugin's dock
#: "<widget name> (<plugin>)").
PLOTS_DOCK_NAME = "Symmetry segmentation: plots"
TABLE_DOCK_NAME = "symseg regions"
SCRIBBLES_DOCK_TITLE = "Scribbles (napari-symseg)"
TABBED = (PLOTS_DOCK_NAME, TABLE_DOCK_NAME, SCRIBBLES_DOCK_TITLE)


def dock_of(widget):
    """The `QDockWidget` holding the Qt `widget` (None when not docked)."""
    parent = widget
    while parent is not None and not isinstance(parent, QDockWidget):
        parent = parent.parent()
    return parent


def close_with_dock(widget, close: Callable[[], None],
                    docked: Callable[[QDockWidget], None] | None = None) -> None:
    """Call `close` when `widget` is deleted or, once napari has docked it, its dock is.

    napari's close button deletes the dock but only takes the widget out of
    it (not deleted: the layer events hold it): the dock's end is the close.
    The dock is looked up on the next turn of the event loop (napari docks a
    widget after making it); nothing is watched but the widget when it is
    not docked then, or already deleted. `close` may be called twice (the
    widget's end after its dock's): it must do nothing the second time.

    Parameters
    ----------
    widget : QWidget
        A dock's widget (a magicgui widget's ``native``).
    close : callable
        ``close()``: stop listening, stop the widget's workers.
    docked : callable, optional
        ``docked(dock)`` once the dock is found, before its end is watched
        (the Scribbles dock joins our tab group: `tabify`).
    """
    widget.destroyed.connect(lambda *_: close())
    QTimer.singleShot(0, lambda: _watch_dock(widget, close, docked))


def _watch_dock(widget, close: Callable[[], None],
                docked: Callable[[QDockWidget], None] | None) -> None:
    try:
        dock = dock_of(widget)
    except RuntimeError:  # deleted meanwhile
        return
    if dock is not None:
        if docked is not None:
            docked(dock)
        dock.destroyed.connect(lambda *_: close())


def main_window_of(widget):
    """The `QMainWindow` holding the Qt `widget` (None when it has none)."""
    from qtpy.QtWidgets import QMainWindow

    parent = widget
    while parent is not None and not isinstance(parent, QMainWindow):
        parent = parent.parent()
    return parent


def _right_docks(main_window) -> list:
    right = Qt.DockWidgetArea.RightDockWidgetArea
    return [d for d in main_window.findChildren(QDockWidget)
            if main_window.dockWidgetArea(d) == right]


def viewer_main_window(viewer):
    """napari's `QMainWindow`, found through its docked widgets (public
    ``Window.dock_widgets``); None when nothing is docked."""
    for inner in viewer.window.dock_widgets.values():
        window = main_window_of(getattr(inner, "native", inner))
        if window is not None:
            return window
    return None


def add_tabbed(viewer, widget, name: str):
    """Dock `widget` in the right area as a tab of our other docks (see the module).

    Parameters
    ----------
    viewer : napari.viewer.Viewer
        Its window takes the dock.
    widget : QWidget
        What to dock.
    name : str
        One of `TABBED`.

    Returns
    -------
    QDockWidget
        napari's dock of `widget`.
    """
    window = viewer_main_window(viewer)
    docks = [] if window is None else _right_docks(window)
    scribbling = None if window is None else _scribbling(window)
    napari_tabs = bool(docks) and docks[-1].windowTitle() in TABBED
    dock = viewer.window.add_dock_widget(widget, name=name, area="right",
                                         tabify=napari_tabs)
    if not napari_tabs:
        tabify(dock)
    if scribbling is not None and scribbling is not dock:  # napari raised the new tab
        scribbling.raise_()
    return dock


def _scribbling(main_window):
    """The Scribbles dock when its tab is the one shown (the user is in it), else None."""
    for dock in main_window.findChildren(QDockWidget):
        if (dock.windowTitle() == SCRIBBLES_DOCK_TITLE and dock.isVisible()
                and not dock.isFloating() and not dock.visibleRegion().isEmpty()):
            return dock
    return None


def raise_tab(dock) -> None:
    """Make `dock`'s tab the one shown, unless the Scribbles dock's is (see the module).

    Parameters
    ----------
    dock : QDockWidget
        One of `TABBED`.
    """
    main_window = None if dock is None else main_window_of(dock)
    if main_window is not None and not dock.isFloating():
        scribbling = _scribbling(main_window)
        if scribbling is not None and scribbling is not dock:
            return
    dock.raise_()


def tabify(dock, raise_it: bool = True) -> None:
    """Put `dock` in the right area as a tab of our other docks there (see the module).

    Parameters
    ----------
    dock : QDockWidget
        One of `TABBED`, docked in napari's window.
    raise_it : bool
        Make it the tab shown.
    """
    main_window = None if dock is None else main_window_of(dock)
    if main_window is None or dock.isFloating():
        return
    right = Qt.DockWidgetArea.RightDockWidgetArea
    others = [d for d in main_window.findChildren(QDockWidget)
              if d is not dock and d.windowTitle() in TABBED and d.isVisible()
              and not d.isFloating() and main_window.dockWidgetArea(d) == right]
    if main_window.dockWidgetArea(dock) != right:
        main_window.addDockWidget(right, dock)
    if others and dock not in main_window.tabifiedDockWidgets(others[0]):
        main_window.tabifyDockWidget(others[0], dock)
    dock.show()
    if raise_it:
        raise_tab(dock)
