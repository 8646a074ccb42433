"""Our secondary docks share one tab group in the right dock area.

The plots, the Scribbles dock and the region table each need some height;
stacked in the right area (or the plots at the bottom, under napari's
layer controls and layer list) the window's minimum height grew to
886-984 px, more than a 1366x768 laptop has, and they squeezed the main
dock until its Run button was out of view. As tabs of one group they take
the height of one dock; the main dock above them keeps its essential rows
(`layout.scrolling_column`). Tabs rather than smaller docks: each of them
is useful only at a readable size, and only one is needed at a time.
"""

from __future__ import annotations

from qtpy.QtCore import Qt
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


def tabify(main_window, dock, raise_it: bool = True) -> None:
    """Put `dock` in the right area as a tab of our other docks there (see the module).

    Parameters
    ----------
    main_window : QMainWindow
        napari's ``viewer.window._qt_window``.
    dock : QDockWidget
        One of `TABBED`.
    raise_it : bool
        Make it the tab shown.
    """
    if dock is None or dock.isFloating():
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
        dock.raise_()
