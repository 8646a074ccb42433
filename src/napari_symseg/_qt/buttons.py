"""Buttons that follow the viewer's one `Activity` (`napari_symseg.controller.activity`)."""

from __future__ import annotations

from ..controller.activity import Activity

__all__ = ["follow_activity"]


def follow_activity(activity: Activity, buttons: dict):
    """Enable and disable `buttons` (activity button name -> PushButton) as `activity` says,
    now and on every change, until their widgets are gone.

    Parameters
    ----------
    activity : Activity
        The viewer's activity.
    buttons : dict of str to PushButton or (PushButton, callable)
        Keys from `napari_symseg.controller.activity.BUTTONS`, ``IDLE_ONLY`` or
        ``ONLY_DURING``; a callable is the button's own further condition
        (e.g. Undo: something to undo).

    Returns
    -------
    callable
        The listener (``activity.disconnect`` it when the dock closes); call it
        when a button's own condition changes.
    """

    def apply() -> None:
        try:
            for name, entry in buttons.items():
                button, rule = entry if isinstance(entry, tuple) else (entry, None)
                button.enabled = activity.enabled(name) and (rule is None or bool(rule()))
        except RuntimeError:  # the dock closed: its Qt objects are deleted
            activity.disconnect(apply)

    activity.connect(apply)
    apply()
    return apply
