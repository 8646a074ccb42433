"""Helpers shared by the widget tests (public API of the widget and its controller only)."""

TIMEOUT = 60_000


def set_fields(widget, **values):
    """Set parameter fields of the widget by name."""
    for name, value in values.items():
        widget.fields[name].value = value


def settled(qtbot, widget):
    """Wait until the widget has shown the chosen image's results and hidden the others'
    (one layer per turn of the event loop)."""
    qtbot.waitUntil(widget.results_settled, timeout=TIMEOUT)


def choose(qtbot, widget, layer):
    """Choose `layer` in the widget and wait until its results are shown (`settled`)."""
    widget.image.value = layer
    settled(qtbot, widget)


def run_and_wait(qtbot, widget, preview=False, timeout=TIMEOUT):
    """Start a run and wait until it is done (worker finished, layers in and shown);
    return the worker."""
    worker = widget.run(preview=preview)
    assert worker is not None
    qtbot.waitUntil(lambda: widget.worker is None and widget.results_settled(), timeout=timeout)
    return worker


def suggest_and_wait(qtbot, widget):
    """Click "Suggest sizes" and wait for the suggestion."""
    widget.suggest_button.changed.emit(True)  # same as a click
    assert widget.suggest_worker is not None
    assert not widget.suggest_button.enabled  # no second suggestion meanwhile
    # nor a run with the sizes the suggestion is about to replace
    assert not widget.run_button.enabled
    qtbot.waitUntil(lambda: widget.suggest_worker is None, timeout=TIMEOUT)
    assert widget.suggest_button.enabled and widget.run_button.enabled


def shown(widget):
    """Names of the parameter fields the user can see (possibly in the collapsed section)."""
    return {n for n, w in widget.fields.items() if not w.native.isHidden()}


def live_preview_and_wait(qtbot, widget, source_name):
    """Switch live preview on and wait for the ``"<source_name> preview"`` layer."""
    widget.live.value = True
    qtbot.waitUntil(lambda: f"{source_name} preview" in widget.viewer.layers
                    and widget.worker is None, timeout=TIMEOUT)
    return widget.viewer.layers[f"{source_name} preview"]
