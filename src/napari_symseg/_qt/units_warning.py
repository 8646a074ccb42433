"""napari's "Inconsistent units across layers" warning: once, not again for each result layer.

napari checks the layers' units at the next draw after any layer is added
(`VispyCanvas._update_world_units`) and warns each time they disagree. An
uncalibrated image (units "pixel") in a viewer that also holds a calibrated
one (nm) is warned about when it is opened; a run then adds its patterns,
PCA and confidence layers in separate turns of the event loop (so that none
blocks it), and each repeated the warning: three per run (tester newuser9).

A result layer carries its image's units, and the units of a viewer whose
layers disagree already stay unknown whatever is added: the check after
such an insertion changes nothing but repeats the warning. `quiet_repeats`
skips it for the plugin's own layers in that case (and only then: a first
disagreement, or a user's layer, are napari's to report). It reaches into
napari's canvas (`_needs_world_units_update`, `_update_world_units`, checked
to exist): with a napari without them it does nothing.
"""

from __future__ import annotations

import weakref

from qtpy.QtCore import QTimer

from ..controller import METADATA_KEY

_HOOKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # viewer -> its hook


def _canvas(viewer):
    """napari's vispy canvas of `viewer` (None without one or without the flag)."""
    window = getattr(viewer, "window", None)
    canvas = getattr(getattr(window, "_qt_viewer", None), "canvas", None)
    ok = hasattr(canvas, "_needs_world_units_update") and hasattr(canvas, "_update_world_units")
    return canvas if ok else None


def _ours(layer) -> bool:
    meta = getattr(layer, "metadata", None) or {}
    return isinstance(meta.get(METADATA_KEY), dict)


class _Quiet:
    """The hook of one viewer.

    napari checks the units inside the insertion (the scene graph is drawn
    at once), before any callback of ours could run: while a layer is
    inserted into a viewer whose units disagree already (and no check is
    due), the canvas's check is replaced by one that only notes it was
    asked for; after the insertion the check comes back, and when the new
    layer is not one of ours it is asked for again (napari's warning at the
    next draw, as without this hook).
    """

    def __init__(self, viewer) -> None:
        self._viewer = weakref.ref(viewer)
        self._asked = False
        viewer.layers.events.inserting.connect(self._inserting)
        viewer.layers.events.inserted.connect(self._inserted)

    def _canvas(self):
        viewer = self._viewer()
        return None if viewer is None else _canvas(viewer)

    def _inserting(self, event) -> None:
        canvas = self._canvas()
        if canvas is None:
            return
        self._restore(canvas)
        viewer = self._viewer()
        # no check due and the units unknown already: an insertion cannot change them
        # (`get_extent`, not the cached `extent`: napari has just cleared that cache for
        # the insertion, and a cache filled now lacks the new layer: a (T, Y, X) layer
        # then failed in napari's axis labels)
        layers = viewer.layers
        if (not canvas._needs_world_units_update and len(layers) > 0
                and layers.get_extent(list(layers)).units is None):
            self._asked = False
            canvas._update_world_units = self._ask  # shadows the method
            QTimer.singleShot(0, lambda: self._restore(canvas))  # whatever happens

    def _ask(self) -> None:
        self._asked = True

    def _inserted(self, event) -> None:
        canvas = self._canvas()
        if canvas is not None and self._restore(canvas) and self._asked \
                and not _ours(event.value):
            canvas._needs_world_units_update = True  # napari's check at the next draw

    @staticmethod
    def _restore(canvas) -> bool:
        """Give `canvas` its own check back; True if it had ours."""
        try:
            if "_update_world_units" in vars(canvas):
                del canvas._update_world_units
                return True
        except (RuntimeError, TypeError):  # closed
            pass
        return False


def quiet_repeats(viewer) -> None:
    """Stop napari repeating its inconsistent-units warning for each layer the plugin adds.

    Once per viewer (a second call does nothing).

    Parameters
    ----------
    viewer : napari.Viewer
        A viewer with a window (without one: nothing to do).
    """
    if viewer in _HOOKS or _canvas(viewer) is None:
        return
    _HOOKS[viewer] = _Quiet(viewer)  # lives as long as the viewer (napari holds the
    # hook's methods weakly)
