"""Helpers shared by the widget tests."""

TIMEOUT = 60_000


def set_fields(widget, **values):
    """Set parameter fields of the widget by name."""
    for name, value in values.items():
        widget.fields[name].value = value


def run_and_wait(qtbot, widget, timeout=TIMEOUT):
    """Start a run and wait until its worker is done; returns the worker."""
    worker = widget.run()
    assert worker is not None
    qtbot.waitUntil(lambda: widget.worker is None, timeout=timeout)
    return worker
