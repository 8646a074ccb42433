"""The dock's layout for a 1366x768 laptop: one scrolling column, experts collapsed.

First the essential fields, then the buttons, progress, status and hint,
then a collapsed *Advanced* section. Everything scrolls vertically; a long
label or status text wraps or scrolls horizontally instead of widening the
dock, so the dock keeps the width it was given.
"""

from __future__ import annotations

from magicgui.widgets import Container
from qtpy.QtWidgets import QScrollArea, QSizePolicy, QVBoxLayout, QWidget
from superqt import QCollapsible


def wrapping(label) -> None:
    """Make a magicgui `Label` wrap its text rather than widen its parent."""
    label.native.setWordWrap(True)
    label.native.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)


def scrolling_column(host: QWidget, essentials: list, buttons: list, below: list,
                     advanced: list) -> tuple[QScrollArea, QCollapsible, tuple]:
    """Lay out `host` as one scrolling column.

    Parameters
    ----------
    host : QWidget
        Gets a layout holding the scroll area.
    essentials : list of magicgui Widget
        Labelled rows at the top.
    buttons : list of magicgui Widget
        One row of buttons below them.
    below : list of magicgui Widget
        Progress, status, hint... (each on its own row, no label).
    advanced : list of magicgui Widget
        Labelled rows of the collapsed *Advanced* section.

    Returns
    -------
    scroll : QScrollArea
    collapsible : QCollapsible
        The *Advanced* section (collapsed).
    containers : tuple of Container
        The magicgui containers (kept alive with the widget).
    """
    main = Container(labels=True, name="essentials", widgets=essentials)
    row = Container(layout="horizontal", labels=False, name="buttons", widgets=buttons)
    expert = Container(labels=True, name="advanced", widgets=advanced)
    for box in (main, row, expert):
        box.margins = (0, 0, 0, 0)
    collapsible = QCollapsible("Advanced")
    collapsible.addWidget(expert.native)
    content = QWidget()
    layout = QVBoxLayout(content)
    for part in (main.native, row.native, *(w.native for w in below), collapsible):
        layout.addWidget(part)
    layout.addStretch(1)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(content)
    outer = QVBoxLayout(host)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroll)
    return scroll, collapsible, (main, row, expert)
