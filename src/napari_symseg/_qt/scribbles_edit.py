"""The Scribbles dock's edits: rename, merge, split, undo, and Cancel of a series edit.

`ScribblesEditing` is a mixin of `scribbles.ScribblesWidget` (its fields,
`session`, `activity` and status line): an image's rename is done at once;
a merge or split, and every edit of a (T, Y, X) series, run in a worker
(`ScribbleSession.edit_steps`, then `ScribbleSession.commit` on the GUI
thread), *Cancel* stopping it with the labels left as they were.
"""

from __future__ import annotations

import threading
from typing import Any

from ..errors import Cancelled
from .runner import start_worker


class ScribblesEditing:
    """The edit buttons' actions of the Scribbles dock (a mixin of `ScribblesWidget`)."""

    def set_names(self, *_: Any):
        """Name the patterns from the names field."""
        names = [n.strip() for n in self.names.value.split(",")]
        return self._start_edit("names set", "rename", names)

    def merge(self, *_: Any):
        """Merge the two chosen patterns (a series: in a worker, returned)."""
        a, b = self.pattern_a.value, self.pattern_b.value
        return self._start_edit(f"merged patterns {a} and {b}", "merge", a, b)

    def split(self, *_: Any):
        """Split the first chosen pattern in two (in a worker, returned)."""
        p = self.pattern_a.value
        return self._start_edit(f"split pattern {p}", "split", p)

    def undo(self, *_: Any) -> None:
        """Undo the last merge / split / rename (a series gets its kept labels back)."""
        if self.activity.refused("undo", self._tell):
            return
        if self.edit_worker is None and self.session.undo() is not None:
            self._refresh("undone")

    def _start_edit(self, what: str, kind: str, *args):
        """An image's rename here; a merge or split (the edit, its layer's values and
        statistics: 0.3-0.7 s of GUI time at load 2) and a series' edits in a worker
        (returned; None when done here)."""
        if self.edit_worker is not None:
            return None
        if self.activity.refused(what, self._tell):  # a run would overwrite the edit
            return None
        if not self.session.series and kind == "rename":
            if self._guard(getattr(self.session, kind), *args) is not None:
                self._refresh(what)
            return None
        self._cancelled = threading.Event()
        steps = self._guard(lambda: self.session.edit_steps(kind, *args,
                                                            cancelled=self._cancelled))
        if steps is None:
            return None
        self.activity.start("edit")  # the buttons follow it
        self.status.value = f"{what}…"
        # a short dock (a 768 px screen) scrolls: its progress and Cancel into view
        self.scroll.ensureWidgetVisible(self.status.native)
        self.scroll.ensureWidgetVisible(self.cancel_button.native)
        self.edit_worker = start_worker(
            lambda: (yield from steps),
            yielded=lambda step: setattr(self.status, "value",
                                         f"{what}: {step[0]} frame {step[1]}/{step[2]}"),
            alive=self.alive, cleanup=lambda: setattr(self, "edit_worker", None),
            returned=lambda pending: self._edited(what, pending),
            errored=self._edit_failed, finished=self._edit_finished)
        return self.edit_worker

    def _edited(self, what: str, pending) -> None:
        if self._cancelled.is_set():
            return
        self.session.commit(pending)
        self._refresh(what)

    def _edit_failed(self, err: Exception) -> None:
        self.status.value = "edit cancelled: the labels are as they were" \
            if isinstance(err, Cancelled) else str(err)

    def _edit_finished(self) -> None:
        if self._cancelled.is_set() and not self.status.value.startswith("edit cancelled"):
            self.status.value = "edit cancelled: the labels are as they were"
        self.edit_worker = None
        self.activity.stop("edit")

    def cancel_edit(self, *_: Any) -> None:
        """Stop the running series edit (checked between frames); nothing changes."""
        if self.edit_worker is not None:
            self._cancelled.set()
            self.edit_worker.quit()
