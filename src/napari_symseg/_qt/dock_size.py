"""The dock's size in napari's window: its width reserved, its height grown or lowered.

`reserve_width` makes the column as wide from the start as its longest
labels will make it; `grow_dock` gives the dock the height its column
lacks from a dock beside it (1920x1080); `lower_dock` lets a dock shrink
with its column again (Qt never lowers a dock's minimum by itself). The
scrolling column (`layout`) calls them.
"""

from __future__ import annotations

from qtpy.QtCore import Qt
from qtpy.QtWidgets import QDockWidget, QScrollArea, QWidget

from .docks import dock_of, main_window_of


def reserve_width(scroll: QScrollArea, labelled: dict) -> None:
    """Make the column at least as wide as it is with the widest texts of some labels.

    The column's width only grows (`_Fit`): reserved at once, it does not
    grow later when those labels get their longest texts.

    Parameters
    ----------
    scroll : QScrollArea
        Made by `scroll_area`.
    labelled : dict
        magicgui widgets (their ``label``) -> their widest label text.
    """
    saved = {widget: widget.label for widget in labelled}
    try:
        for widget, text in labelled.items():
            widget.label = text
        # a dock not shown yet lays itself out only when shown: the new sizes taken up
        # through its layouts now (each widget's cached size in its parent's layout)
        for part in reversed(scroll.widget().findChildren(QWidget)):
            part.updateGeometry()
            if part.layout() is not None:
                part.layout().invalidate()
        scroll._fit.fit()
    finally:
        for widget, text in saved.items():
            widget.label = text


#: The minimum height napari gives its docks (`QtViewerDockWidget`).
DOCK_MINIMUM = 50
#: A dock beside ours gives its height to our column down to this (px): the plots stay
#: readable (`grow_dock`).
NEIGHBOUR_KEEPS = 300


def grow_dock(scroll: QScrollArea) -> int:
    """Give the dock holding `scroll` the height its column lacks, from a dock beside it.

    Qt splits a dock area's height when a dock is added and keeps that split
    when a column grows later (the hint's chart after a run): at 1920x1080 the
    main dock scrolled by 37 px beside a plots dock with 500 px of mostly
    empty room (tester newuser13). The docks beside it in its area give what
    they have above `NEIGHBOUR_KEEPS`; on a laptop they have nothing to give
    and the column scrolls as before.

    Parameters
    ----------
    scroll : QScrollArea
        Made by `scroll_area`.

    Returns
    -------
    int
        The height (px) the dock gained (0: nothing to take, or Qt did not
        resize it).
    """
    dock = dock_of(scroll)
    window = None if dock is None else main_window_of(dock)
    if window is None or dock.isFloating() or not dock.isVisible():
        return 0
    lacking = scroll.widget().sizeHint().height() - scroll.viewport().height()
    if lacking <= 1:  # (a dock given its host's height hint shows all but 1 px of margin)
        return 0
    area = window.dockWidgetArea(dock)
    spare = sum(max(0, other.height() - NEIGHBOUR_KEEPS)
                for other in window.findChildren(QDockWidget)
                if other is not dock and other.isVisible() and not other.isFloating()
                and window.dockWidgetArea(other) == area and other.width() > 0
                and abs(other.x() - dock.x()) < dock.width())  # in the same column
    grow = min(lacking, spare)
    if grow > 0:
        # the host's height hint (its column's) up to date in the dock's layout first: a
        # dock is never made taller than that (the host's vertical policy is Maximum)
        parent = scroll.parentWidget()
        while parent is not None and parent is not dock:
            parent.updateGeometry()
            parent = parent.parentWidget()
        window.layout().activate()
        before = dock.height()
        window.resizeDocks([dock], [before + grow], Qt.Orientation.Vertical)
        window.layout().activate()
        return dock.height() - before
    return 0


def lower_dock(scroll: QScrollArea) -> None:
    """Let the dock holding `scroll` shrink with it.

    Qt raises a dock's own minimum height with its content's (a dock with a
    hint's chart: 523 px) but never lowers it: when the chart was let go to
    scroll (the Scribbles dock opened), the dock kept 523 px and the window
    778 px on a 768 px screen (tester newuser9). Set back to napari's
    minimum, the dock's minimum follows its content again.
    """
    dock = dock_of(scroll)
    if dock is None or dock.minimumHeight() <= DOCK_MINIMUM:
        return
    # the column's new minimum through to the dock now: lowered before its layouts were
    # redone, the dock took the old minimum again
    parent = scroll.parentWidget()
    while parent is not None and parent is not dock:
        if parent.layout() is not None:
            parent.layout().activate()
        parent = parent.parentWidget()
    dock.setMinimumHeight(DOCK_MINIMUM)
