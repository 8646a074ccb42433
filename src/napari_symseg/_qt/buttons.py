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
    buttons : dict of str to PushButton
        Keys from `napari_symseg.controller.activity.BUTTONS`.

    Returns
    -------
    callable
        The listener (``activity.disconnect`` it when the dock closes).
    """

    def apply() -> None:
        try:
            for name, button in buttons.items():
                button.enabled = activity.enabled(name)
        except RuntimeError:  # the dock closed: its Qt objects are deleted
            activity.disconnect(apply)

    activity.connect(apply)
    apply()
    return apply
