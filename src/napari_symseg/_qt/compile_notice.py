"""While a cold numba cache compiles, the dock says so: a line of its own and the progress bar.

On a fresh install the warm-up's compiling process (`controller.warmup.start_compiling`)
takes minutes (286 s at load 1-6 on 2 cores), and a first Suggest or Run compiles
what it needs meanwhile: the dock used to say "suggesting sizes…" with nothing
moving for 2 minutes and more (tester, issue 11). `CompileNotice` polls the
warm-up's progress (`_qt.warmup.PROGRESS`, the steps the compiling process
prints) and, while it compiles, shows "Compiling the fast kernels (first use
only, about N s)… step i of n" in the dock's ``compile_note`` line (below the
status line, whose text stays the activity's own) and the compile's share in the
progress bar: when the dock is idle, and during a Suggest or a Run until the
run's own progress moves. It only shows: nothing waits for it, and Cancel works
as ever. Once the compile ends, the line is hidden and the bar given back.
"""

from __future__ import annotations

from qtpy.QtCore import QTimer

from . import warmup

#: How often (ms) the notice looks at the warm-up's progress.
POLL_MS = 250
#: The activities during which the bar shows the compile (until their own progress moves).
WAITING = ("run", "suggest")


class CompileNotice:
    """Shows the warm-up's compile in one dock's ``compile_note`` line and progress bar.

    Parameters
    ----------
    widget : SymsegWidget
        Its ``compile_note``, ``progress``, ``activity`` and ``alive``.
    """

    def __init__(self, widget) -> None:
        self.widget = widget
        self._bar = False  # the progress bar shows the compile
        self._timer = QTimer(widget)  # (a child of the dock: gone with it)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.tick)
        self.watch()

    def watch(self) -> None:
        """Poll the warm-up's progress while its thread runs (the dock calls it when made)."""
        if warmup.warming() and not self._timer.isActive():
            self._timer.start()

    @property
    def active(self) -> bool:
        """True while the notice polls (the warm-up thread runs)."""
        return self._timer.isActive()

    def tick(self) -> None:
        """Show the compile's progress now, or take the notice back once it has ended."""
        if not self.widget.alive():
            self._timer.stop()
            return
        note = self.widget.compile_note
        if not warmup.compiling():
            note.value, note.visible = "", False
            self._give_bar_back()
            if not warmup.warming():
                self._timer.stop()
            return
        note.value, note.visible = warmup.PROGRESS.text(), True
        if self._bar_is_free():
            self._show_bar()
        else:
            self._give_bar_back()

    def _bar_is_free(self) -> bool:
        kind = self.widget.activity.kind
        if kind is None:
            return True
        if kind not in WAITING:
            return False
        bar = self.widget.progress  # a run's own progress (its format) has not moved yet
        return bar.native.format() == warmup.PROGRESS.bar() or bar.value == 0

    def _show_bar(self) -> None:
        bar, progress = self.widget.progress, warmup.PROGRESS
        self._bar = True
        bar.native.setFormat(progress.bar())
        bar.value = round(100 * progress.shown())
        bar.visible = True

    def _give_bar_back(self) -> None:
        if not self._bar:
            return
        self._bar = False
        bar = self.widget.progress
        if bar.native.format() == warmup.PROGRESS.bar():  # not taken by a run since
            bar.native.setFormat("%p%")
            bar.value = 0
            bar.visible = self.widget.activity.kind == "run"
