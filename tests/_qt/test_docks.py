"""A dock's widget learns that its dock was closed (`docks.close_with_dock`)."""

from qtpy import sip
from qtpy.QtCore import Qt
from qtpy.QtWidgets import QDockWidget, QMainWindow, QWidget

from napari_symseg._qt.docks import close_with_dock


def _docked(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    dock, widget = QDockWidget("a dock"), QWidget()
    dock.setWidget(widget)
    return window, dock, widget


def test_closing_the_dock_closes_its_widget_which_lives_on(qtbot):
    """napari's close button deletes the dock but keeps the widget: `close` is called
    once the dock is gone (after `docked` was told which dock it is)."""
    window, dock, widget = _docked(qtbot)
    calls, docks = [], []
    close_with_dock(widget, lambda: calls.append("close"), docked=docks.append)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)  # docked after being made
    qtbot.waitUntil(lambda: docks == [dock], timeout=2000)
    assert calls == []
    widget.setParent(None)  # napari takes the widget out of its dock ...
    dock.deleteLater()  # ... and deletes the dock
    qtbot.waitUntil(lambda: calls == ["close"], timeout=2000)
    assert widget.isWidgetType()  # not deleted


def test_a_widget_deleted_before_it_was_docked_is_closed_once(qtbot):
    """Deleted before the next turn: `close` from the widget's end; the dock lookup finds a
    deleted widget and watches nothing (no error)."""
    _, dock, widget = _docked(qtbot)
    calls, docks = [], []
    close_with_dock(widget, lambda: calls.append("close"), docked=docks.append)
    sip.delete(widget)  # now, before the lookup
    assert calls == ["close"]
    dock.deleteLater()
    qtbot.waitUntil(lambda: calls == ["close"], timeout=2000)
    qtbot.wait(50)
    assert calls == ["close"] and docks == []


def test_an_undocked_widget_is_closed_by_its_own_end(qtbot):
    calls, docks = [], []
    widget = QWidget()
    close_with_dock(widget, lambda: calls.append("close"), docked=docks.append)
    qtbot.wait(50)  # looked up: no dock
    assert docks == [] and calls == []
    widget.deleteLater()
    qtbot.waitUntil(lambda: calls == ["close"], timeout=2000)
