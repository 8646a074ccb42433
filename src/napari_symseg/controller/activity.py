"""What the plugin is doing now, and so which buttons work: one owner of button states.

One `Activity` per viewer (`activity_of`), shared by the main dock and the
*Scribbles* dock. At most one activity goes on at a time: a run (or live
preview), a suggestion, an export, a measurement, an edit of a series (in a
worker) or a scribbled run. While one goes on, every button that would
start another is disabled (`ENABLED_WHILE`), and starting one anyway
(e.g. from code) is refused with a message that says what is going on
(`Activity.refusal`). The Qt widgets only listen (`Activity.connect`) and
set their buttons from `Activity.enabled`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

__all__ = ["ACTIVITIES", "BUTTONS", "ENABLED_WHILE", "IDLE_ONLY", "ONLY_DURING", "Activity",
           "activity_of"]

#: The buttons whose state the activity owns (the main dock's, then the Scribbles dock's Run).
BUTTONS = ("run", "suggest", "export", "edit", "measure", "scribbles")
#: What each activity is called in a refusal.
ACTIVITIES = {"run": "a run", "suggest": "a suggestion of sizes", "export": "an export",
              "measure": "a measurement", "edit": "an edit of the patterns",
              "scribbles": "a scribbled run"}
#: The buttons that stay enabled while each activity goes on (a run's Run is its Cancel).
ENABLED_WHILE = {"run": ("run",), "suggest": (), "export": (), "measure": (), "edit": (),
                 "scribbles": ()}
#: The Scribbles dock's edit buttons: enabled only when nothing goes on (Undo also needs
#: something to undo: the dock's own condition, `napari_symseg._qt.buttons`) ...
IDLE_ONLY = ("merge", "split", "names", "apply", "add", "undo")
#: ... and its Cancel: only during its own series edit.
ONLY_DURING = {"cancel_edit": "edit"}


class Activity:
    """The one activity going on (None when idle), and who listens to its changes.

    Attributes
    ----------
    kind : str or None
        A key of `ACTIVITIES`, None when idle.
    """

    def __init__(self) -> None:
        self.kind: str | None = None
        self._listeners: list[Callable[[], None]] = []

    def start(self, kind: str) -> bool:
        """Begin `kind`; False (nothing changes) while another activity goes on.

        Parameters
        ----------
        kind : str
            A key of `ACTIVITIES`.
        """
        if kind not in ACTIVITIES:
            raise ValueError(f"unknown activity {kind!r}")
        if self.kind is not None:
            return False
        self.kind = kind
        self._changed()
        return True

    def stop(self, kind: str) -> None:
        """`kind` ended (nothing happens when another activity is the one going on).

        Parameters
        ----------
        kind : str
            A key of `ACTIVITIES`.
        """
        if self.kind == kind:
            self.kind = None
            self._changed()

    def enabled(self, button: str) -> bool:
        """Whether `button` (one of `BUTTONS`, `IDLE_ONLY` or `ONLY_DURING`) may be
        pressed now.

        Parameters
        ----------
        button : str
            One of `BUTTONS`, `IDLE_ONLY` or `ONLY_DURING`.
        """
        if button in ONLY_DURING:
            return self.kind == ONLY_DURING[button]
        if button in IDLE_ONLY:
            return self.kind is None
        return self.kind is None or button in ENABLED_WHILE[self.kind]

    def states(self) -> dict[str, bool]:
        """`enabled` of every button of `BUTTONS`."""
        return {button: self.enabled(button) for button in BUTTONS}

    def refusal(self, action: str) -> str | None:
        """Why `action` cannot start now (None: it can).

        Parameters
        ----------
        action : str
            What the user asked for (e.g. ``"export"``).
        """
        if self.kind is None:
            return None
        cancel = " (or Cancel it)" if self.kind == "run" else ""
        return f"{action}: {ACTIVITIES[self.kind]} is going on: wait for it to finish{cancel}"

    def refused(self, action: str, tell: Callable[[str], None]) -> bool:
        """True, after `tell` (e.g. a status line's setter) got the `refusal`, while
        another activity goes on; False when `action` may start. Every dock's entries
        refuse through this (the main dock's ``busy``, the Scribbles dock's).

        Parameters
        ----------
        action : str
            What the user asked for (e.g. ``"export"``).
        tell : callable
            Called with the refusal's text.
        """
        refusal = self.refusal(action)
        if refusal is None:
            return False
        tell(refusal)
        return True

    def connect(self, listener: Callable[[], None]) -> None:
        """Call `listener()` whenever the activity changes.

        Parameters
        ----------
        listener : callable
            Called with no arguments.
        """
        self._listeners.append(listener)

    def disconnect(self, listener: Callable[[], None]) -> None:
        """Stop calling `listener`.

        Parameters
        ----------
        listener : callable
            As given to `connect`.
        """
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()


_ACTIVITIES: dict[int, tuple[weakref.ref, Activity]] = {}


def activity_of(viewer) -> Activity:
    """The `Activity` of `viewer` (napari's plugin proxy: of the viewer behind it).

    Parameters
    ----------
    viewer : napari.Viewer or napari.components.ViewerModel
        The viewer whose docks share the activity.
    """
    viewer = getattr(viewer, "__wrapped__", viewer)
    found = _ACTIVITIES.get(id(viewer))
    if found is None or found[0]() is not viewer:
        for key in [k for k, (ref, _) in _ACTIVITIES.items() if ref() is None]:
            del _ACTIVITIES[key]
        found = _ACTIVITIES[id(viewer)] = (weakref.ref(viewer), Activity())
    return found[1]
