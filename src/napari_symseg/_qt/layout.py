"""The dock's layout for a 1366x768 laptop: one scrolling column, experts collapsed.

First the essential fields, then the buttons, progress, status and hint,
then a collapsed *Advanced* section. Everything scrolls vertically; a long
status or hint text wraps instead of widening the dock; there is no
horizontal scrolling: the dock is as wide as its labelled fields need.
The scroll area's minimum height keeps the essential fields, the buttons
and the status line in view (`_Fit`), so that other docks in the same
dock area cannot squeeze the Run button out of sight. The hint's answer and its
chart are kept too when the window has room for them (`keep_if_room`).
"""

from __future__ import annotations

import weakref

from magicgui.widgets import Container
from qtpy.QtCore import QEvent, QObject, Qt, QTimer
from qtpy.QtWidgets import QComboBox, QScrollArea, QSizePolicy, QVBoxLayout, QWidget
from superqt import QCollapsible

from .dock_size import grow_dock, lower_dock


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
    narrow_choices(content)
    scroll = scroll_area(content, keep=(main.native, row.native,
                                        *(w.native for w in below[:2])))
    # the host not vertically expanding: a taller window's height goes to a dock beside
    # it that is (the Scribbles dock), not to empty rows under the collapsed Advanced
    # section (Qt gives the extra height of a dock area to its expanding docks first; at
    # 1920x1080 the Scribbles dock was squeezed under an empty main dock: issue 11). The
    # scroll area inside it expanding: it fills whatever height the dock has (not
    # expanding, napari's dock added a stretch under it, which took the height the
    # column lost when a text grew: a blank band hid the hint's chart after an export)
    scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
    host.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
    collapsible.toggled.connect(lambda *_: host.updateGeometry())  # its size hint changed
    outer = QVBoxLayout(host)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroll)
    return scroll, collapsible, (main, row, expert)


def narrow_choices(content: QWidget) -> None:
    """Size every combo box under `content` to 12 characters: a long choice (a layer's
    name) must not widen the dock."""
    for combo in content.findChildren(QComboBox):
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(12)


def scroll_area(content: QWidget, keep=()) -> QScrollArea:
    """A vertically scrolling area around `content` (never narrower than it needs).

    Parameters
    ----------
    content : QWidget
        The column.
    keep : sequence of QWidget
        The first rows of `content`, kept in view: the area is at least as
        high as they are.
    """
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(content)
    # vertical scrolling only: the dock is as wide as the column needs, never clipped
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    # the vertical bar always there: the fields do not jump sideways when a hint or a
    # measurement makes the column taller than the dock
    scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
    scroll._fit = _Fit(scroll, content, keep)  # kept alive with the scroll area
    return scroll


def keep_in_view(scroll: QScrollArea, *rows: QWidget, after: QWidget | None = None) -> None:
    """Keep `rows` (the rows right below those kept already, or right below `after`)
    in view too.

    Parameters
    ----------
    scroll : QScrollArea
        Made by `scroll_area`.
    *rows : QWidget
        Rows of its column (or the top row of one, e.g. the hint's one-line
        answer above its chart), in order, directly below the kept ones.
    after : QWidget, optional
        A kept row: `rows` come right below it (e.g. a status line inserted
        later between two kept rows).
    """
    fit = scroll._fit
    at = len(fit.keep) if after is None else fit.keep.index(after) + 1
    fit.keep = (*fit.keep[:at], *rows, *fit.keep[at:])
    for row in rows:
        row.installEventFilter(fit)  # shown, hidden, a longer text: fit again
    fit.fit()


def keep_if_room(scroll: QScrollArea, *rows: QWidget) -> None:
    """Keep `rows` (below the kept rows, in order) in view too, each when the window has
    room for it and for those before it: the window's minimum height without them plus
    theirs must not exceed the height the window was given.

    For the hint's answer and its chart: whole when they fit, else left to the
    scrolling column, so that the window never grows past a laptop's screen for
    them (the answer can wrap to 3-4 lines with its *use N patterns* button; kept
    always, it made the window's minimum 790 px with the Scribbles dock).

    The room is judged against the height the window was given, not one it was
    pushed to by its own minimum (`_Fit`), and never beyond `FIT_HEIGHT`: a
    window made taller can always be brought back to a laptop's screen (in a
    taller window the rows are in view anyway, the column being taller).

    Parameters
    ----------
    scroll : QScrollArea
        Made by `scroll_area`.
    *rows : QWidget
        Rows of its column (or the top row of one), in order.
    """
    fit = scroll._fit
    fit.optional = (*fit.optional, *rows)
    for row in rows:
        row.installEventFilter(fit)  # shown, hidden, a longer text: fit again
    fit.fit()


#: The optional rows never make the window's minimum taller than this (a 1366x768 laptop's
#: screen): kept in a taller window, they raised its minimum to 802 px, and the window
#: could not be made smaller again, e.g. moved to the laptop's screen (tester newuser11).
FIT_HEIGHT = 768
#: A second try (ms) at giving the window back its height after a dock was lowered.
RESTORE_MS = 200
def _minimum(window: QWidget) -> int:
    """The window's minimum height: its layout's, or one set on it."""
    return max(window.minimumSizeHint().height(), window.minimumHeight())


def _height(widget: QWidget) -> int:
    """The height `widget` needs at its present width (a wrapped text: its lines)."""
    if widget.width() > 0 and widget.hasHeightForWidth():
        return max(widget.heightForWidth(widget.width()), widget.minimumSizeHint().height())
    return max(widget.sizeHint().height(), widget.minimumHeight())  # (a fixed height)


class _Fit(QObject):
    """Keep a scroll area at least as wide as its column's minimum width, and as high as
    its `keep` rows.

    The width only grows (a field label that gets longer, e.g. a length in
    nm with more digits), never shrinks, so the dock does not jump back and
    forth; texts that can grow without bound (status, hint) wrap instead.
    """

    def __init__(self, scroll: QScrollArea, content: QWidget, keep=()) -> None:
        super().__init__(scroll)
        self.scroll, self.content, self.keep = scroll, content, tuple(keep)
        self.optional: tuple = ()  # kept too when the window has room (`keep_if_room`)
        self._window = lambda: None  # (a weak reference to) the window watched
        self.given = 0  # the window's height as given, not as forced (0: none yet)
        self._peak = 0  # the window's highest minimum height since `given` was set
        self._settling = False  # the area's minimum changed, the window not laid out yet
        self._column = 0  # the column's height hint at the last `fit`
        self._grow_due = False  # a `grow_dock` is scheduled
        self._tried = None  # (column, scroll area height) of the last `grow_dock`
        content.installEventFilter(self)
        self.fit()

    def _watch(self) -> QWidget | None:
        """The scroll area's window, watched from the moment the area is in one.

        Its height when first seen counts as given only when it exceeds the
        window's minimum: a window at its minimum may have been pushed there
        (a dock added for a moment). Seen only once the optional rows were made
        (the chart is made late), a window pushed taller before was taken as
        given: the chart was kept and its 104 px kept the window at 756 px in
        a window given 740 (1 of 3 CI runs).
        """
        window = self.scroll.window()
        if window is self.scroll or not window.isVisible():
            return None
        watched = self._window()
        if window is not watched:
            if watched is not None:
                try:
                    watched.removeEventFilter(self)
                except RuntimeError:  # deleted
                    pass
            self._window = weakref.ref(window)
            window.installEventFilter(self)
            self._peak = _minimum(window)
            self.given = window.height() if window.height() > self._peak else 0
        return window

    def _grow_later(self) -> None:
        """`grow_dock` on the next turn (once Qt has laid the window out), once."""
        if not self._grow_due:
            self._grow_due = True
            QTimer.singleShot(0, self._grow)

    def _grow(self) -> None:
        self._grow_due = False
        try:
            # once per column height and dock height: a resize Qt refuses (or that
            # lays the window out again) is not tried over and over
            state = (self._column, self.scroll.height())
            if state != self._tried:
                self._tried = state
                grow_dock(self.scroll)
        except RuntimeError:  # the dock closed meanwhile
            pass

    def fit(self) -> None:
        scroll = self.scroll
        column = self.content.sizeHint().height()
        if column > self._column and scroll.isVisible():
            self._grow_later()  # a taller column: room from a dock beside it?
        self._column = column
        need = (self.content.minimumSizeHint().width()
                + scroll.verticalScrollBar().sizeHint().width() + 2 * scroll.frameWidth())
        if need > scroll.minimumWidth():
            scroll.setMinimumWidth(need)
        if self.keep:
            layout = self.content.layout()
            # hidden itself or inside a hidden part (the hint's chart in the hidden panel)
            shown = [w for w in self.keep if w.isVisibleTo(self.content)]
            top = layout.contentsMargins().top() if layout is not None else 0
            spacing = max(layout.spacing(), 0) if layout is not None else 0
            high = (top + sum(_height(w) for w in shown)
                    + spacing * len(shown) + 2 * scroll.frameWidth())
            high += self._room(high)
            if high != scroll.minimumHeight():
                # the window lays itself out again later: until then its minimum lags
                # (at 1366x768 a stale 652 px kept the chart, and the main dock then kept
                # the minimum it had with it: the window stuck at 788 px)
                self._settling = self._window() is not None
                lower = high < scroll.minimumHeight()
                scroll.setMinimumHeight(high)
                if lower:
                    lower_dock(scroll)
                    # again once the column is laid out (lowered now, Qt raises the dock
                    # again to the column's old minimum, not yet updated)
                    QTimer.singleShot(0, self._lowered)

    def _lowered(self) -> None:
        """The dock lowered with the column once it is laid out; then the window given
        back its height (once Qt has taken the dock's new minimum into the window's)."""
        try:
            lower_dock(self.scroll)
        except RuntimeError:  # the dock closed meanwhile
            return
        self._restore()
        QTimer.singleShot(RESTORE_MS, self._restore)

    def _restore(self) -> None:
        """The window back to the height it was given when only a minimum since lowered
        had pushed it taller (a 1366x768 window stayed 778 px high after the Scribbles
        dock opened, its minimum 674 px by then: tester newuser9)."""
        try:
            window = self._window()
            if (window is not None and 0 < self.given < window.height()
                    and _minimum(window) <= self.given
                    and not (window.isMaximized() or window.isFullScreen())):
                window.resize(window.width(), self.given)
        except RuntimeError:  # closed meanwhile
            pass

    def _settled(self) -> None:
        try:
            self._settling = False
            self.fit()
        except RuntimeError:  # the dock closed meanwhile
            pass

    def _room(self, high: int) -> int:
        """The height of the `optional` rows shown that the window holds (in order: a row
        is kept only with every shown row before it)."""
        shown = [w for w in self.optional if w.isVisibleTo(self.content)]
        window = self._watch()
        if not shown or window is None:
            return 0
        # the window's minimum height with only `high` kept
        base = window.minimumSizeHint().height() - (self.scroll.minimumHeight() - high)
        height = min(window.height(), self.given, FIT_HEIGHT)
        extra = 0
        for row in shown:
            more = _height(row) + 4
            if base + extra + more > height:
                break
            extra += more
        if self._settling:  # `base` is from a window not yet laid out again: keep, not add
            extra = min(extra, max(0, self.scroll.minimumHeight() - high))
        return extra

    def eventFilter(self, watched, event) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.Resize, QEvent.Type.LayoutRequest, QEvent.Type.Show,
                        QEvent.Type.Hide):
            return False
        try:
            window = self.scroll.window()
        except RuntimeError:  # the dock closed; napari's window lives on
            watched.removeEventFilter(self)
            return False
        if watched is self._window() and watched is not window:  # the dock left it
            return False
        if watched is window and kind in (QEvent.Type.Resize, QEvent.Type.LayoutRequest):
            # the highest minimum the window had since its last given height: Qt's
            # resize to it (delivered later, maybe after that minimum fell) is forced,
            # and so is one to the present minimum (the optional rows' own included)
            self._peak = max(self._peak, _minimum(watched))
            if kind == QEvent.Type.Resize and event.size().height() > self._peak:
                self.given, self._peak = event.size().height(), _minimum(watched)
            if kind == QEvent.Type.LayoutRequest and self._settling:
                QTimer.singleShot(0, self._settled)  # once Qt has laid it out
            if kind == QEvent.Type.LayoutRequest:
                self._grow_later()  # a dock added or shown beside ours took its height?
            if kind == QEvent.Type.LayoutRequest and 0 < self.given < watched.height():
                QTimer.singleShot(0, self._restore)  # pushed taller: its minimum lower now?
            self.fit()
        elif kind in (QEvent.Type.LayoutRequest, QEvent.Type.Show, QEvent.Type.Hide):
            self.fit()
        elif watched is not self.content and watched is not self.scroll.window():
            self.fit()  # a row's new width: a wrapped text's new height (judged too early)
        return False
