"""Live preview: re-run (at a coarse stride) whenever a parameter changes, debounced.

A change (re)starts a timer; when the changes pause for `PREVIEW_DELAY_MS`
a preview run starts (`SymsegWidget.run` with ``preview=True``: the
current frame, stride >= `PREVIEW_STRIDE`, the ``"<image> preview"``
layer). A change during a run waits for it to end; an outdated preview is
cancelled. Switching live preview off removes the preview layer.
"""

from __future__ import annotations

from typing import Any

from qtpy.QtCore import QTimer

#: Live preview: re-run after this pause (ms) in the changes.
PREVIEW_DELAY_MS = 300


class LivePreview:
    """The live preview of a `SymsegWidget` (its ``live`` check box).

    Parameters
    ----------
    widget : SymsegWidget
        Its ``live`` check box, ``run``, ``cancel`` and controller.

    Attributes
    ----------
    timer : QTimer
        The debounce timer.
    pending : bool
        A preview is due when the current run ends.
    """

    def __init__(self, widget) -> None:
        self.widget = widget
        self.timer = QTimer(widget)
        self.timer.setSingleShot(True)
        self.timer.setInterval(PREVIEW_DELAY_MS)
        self.timer.timeout.connect(self._start)
        self.pending = False
        widget.live.changed.connect(self._on_live_changed)

    def schedule(self, *_: Any) -> None:
        """A parameter changed: (re)start the timer when live preview is on."""
        if self.widget.live.value:
            self.timer.start()

    def run_ended(self) -> None:
        """The widget's run ended: start a preview that was due meanwhile."""
        if self.pending:
            self.pending = False
            self.timer.start()

    def stop(self) -> None:
        """No more previews (the widget closes)."""
        self.timer.stop()
        self.pending = False

    def _start(self) -> None:
        widget = self.widget
        job = widget.controller.job
        if job is not None:  # after the current run; an outdated preview stops
            self.pending = True
            if job.preview:
                widget.cancel()
            return
        widget.run(preview=True)

    def _on_live_changed(self, on: bool) -> None:
        if on:
            self.schedule()
            return
        self.stop()
        session = self.widget.controller
        results = session.results()
        preview = None if results is None else results.layers.pop("preview", None)
        if preview is not None and preview in session.viewer.layers:
            session.viewer.layers.remove(preview)
