"""Which result layers are shown: those of the chosen image (no Qt).

Results are bound to their image. When the widget's image changes, the
result layers of every other image that are visible are hidden (a series'
patterns of image A no longer cover image B), and the layers hidden that
way come back when their image is chosen again. Layers the user hid stay
hidden; layers hidden by default (PCA, confidence) are never shown by this.

A (T, Y, X) image can have two runs: one of every frame (the ``series``
layer) and one of a single frame (2-D layers, which napari draws over every
frame). The *segment* choice says which one is shown (`follow_mode`): with
*all frames* the single frame's layers are hidden (a frame-7 boundary over
frame 0 is wrong), with *current frame* the all-frames layer (two
half-transparent label layers mix their colours); each comes back with its
mode. An image with one kind of run shows it in either mode.

Each change of a layer's ``visible`` costs napari a canvas update and a
redraw (0.2-0.6 s of GUI thread per layer under load with software OpenGL,
benchmarks/switch_stall.py), so a switch that hid three layers and showed
three froze napari for their sum. With a `schedule` (the Qt side passes
``next_turn``) the changes are made one layer per turn of the event loop,
the other images' layers hidden first, then the chosen image's shown; the
decisions (`hidden`, `shown`) are taken at once, and a newer switch
replaces the changes still to come (a layer is never flipped back and
forth). Without a schedule every change is made at once.

Deleting an image hides its result layers (`results.orphan`). With a
schedule that is made in turns too (`hide`, registered as the store's
``hide_orphans``): the deletion's own turn holds napari's removal (a full
``gc.collect``, 0.8-2 s under load) and no layer change of ours; the deleted
image's layers are hidden first, one per turn, then the next image's shown.
A deleted image's layer is never shown again by this.
"""

from __future__ import annotations

from collections.abc import Callable

#: The slots of a run of one frame of a (T, Y, X) image (2-D layers).
FRAME_SLOTS = ("patterns", "PCA", "confidence", "polarisation", "arrows")


class ResultVisibility:
    """Shows the chosen image's result layers and hides the others' (reversibly).

    Parameters
    ----------
    store : ResultStore
        The result sets of the viewer's images.
    schedule : callable, optional
        ``schedule(callback)`` calls `callback` in a later turn of the event
        loop (one layer's change per call); None: every change at once.
    """

    def __init__(self, store, schedule: Callable[[Callable[[], None]], None] | None = None,
                 ) -> None:
        self.store = store
        self.schedule = schedule
        self._hidden: list = []  # result layers hidden here, still to be shown back
        self._by_mode: list = []  # hidden for the segment mode (`follow_mode`)
        self._pending: list = []  # (layer, visible) still to be made, in order
        self._due = False  # a step is scheduled
        if schedule is not None:  # a deleted image's layers: hidden in turns too
            store.hide_orphans = self.hide

    # ------------------------------------------------------------------ changes
    def shown(self, layer) -> bool:
        """Whether `layer` is (or, once the changes still to come are made, will be) visible."""
        for pending, visible in reversed(self._pending):
            if pending is layer:
                return visible
        return bool(layer.visible)

    def settled(self) -> bool:
        """True when no change is left to make."""
        return not self._pending

    def settle(self) -> None:
        """Make the changes still to come now."""
        while self._pending:
            self._step(chain=False)

    def _set(self, layer, visible: bool) -> None:
        """`layer` to be `visible` (now, or in its turn); a change still to come is replaced."""
        self._pending = [(other, v) for other, v in self._pending if other is not layer]
        if bool(layer.visible) != visible:
            self._pending.append((layer, visible))

    def _apply(self) -> None:
        """Hides before shows; now, or one per turn through `schedule`."""
        self._pending.sort(key=lambda change: change[1])  # stable: False (hide) first
        if self.schedule is None:
            self.settle()
        elif self._pending and not self._due:
            self._due = True
            self.schedule(self._step)

    def _step(self, chain: bool = True) -> None:
        self._due = False
        while self._pending:
            layer, visible = self._pending.pop(0)
            if self._may(layer, visible) and bool(layer.visible) != visible:
                layer.visible = visible
                break
        if chain and self._pending:
            self._due = True
            self.schedule(self._step)

    def _may(self, layer, visible: bool) -> bool:
        """A layer deleted meanwhile is left alone; an orphan (its image deleted) is
        only hidden."""
        if self.store.owner(layer) is not None:
            return True
        return not visible and any(layer is other for other in self.store.layers)

    def hide(self, layers) -> None:
        """Hide a deleted image's result layers (`results.orphan`): in turns, before any
        layer is shown; never shown again here.

        Parameters
        ----------
        layers : list of napari.layers.Layer
            No longer bound to an image (the store forgot it).
        """
        self._hidden = [kept for kept in self._hidden if not any(kept is x for x in layers)]
        self._by_mode = [kept for kept in self._by_mode if not any(kept is x for x in layers)]
        for layer in layers:
            self._set(layer, False)
        self._apply()

    def close(self) -> None:
        """Hide a deleted image's layers no longer (the store then hides them at once)."""
        if self.store.hide_orphans == self.hide:
            self.store.hide_orphans = None

    def follow(self, source) -> None:
        """`source` is the chosen image now (None: nothing changes)."""
        if source is None:
            return
        keep = []
        for layer in self._hidden:
            owner = self.store.owner(layer)
            if owner is None:  # deleted meanwhile
                continue
            if owner.source is source:
                self._set(layer, True)
            else:
                keep.append(layer)
        self._hidden = keep
        for results in self.store:
            if results.source is source:
                continue
            for layer in results.result_layers():
                if self.shown(layer) and not any(layer is hidden for hidden in self._hidden):
                    self._set(layer, False)
                    self._hidden.append(layer)
        self._apply()

    def follow_mode(self, source, series_mode: bool) -> None:
        """Show `source`'s run of the segment mode, hide its other run (see the module).

        Parameters
        ----------
        source : napari.layers.Image or None
            The chosen image (nothing happens unless it is (T, Y, X) with results).
        series_mode : bool
            *all frames* (True) or *current frame*.
        """
        results = None if source is None or source.ndim != 3 else self.store.find(source)
        self._by_mode = [layer for layer in self._by_mode
                         if self.store.owner(layer) is not None]
        if results is None:
            self._apply()
            return
        frame_layers = [results.layers[s] for s in FRAME_SLOTS if s in results.layers]
        series = results.layers.get("series")
        hide = [] if series is None or not frame_layers else \
            frame_layers if series_mode else [series]
        keep = []
        for layer in self._by_mode:
            if self.store.owner(layer) is results and not any(layer is h for h in hide):
                self._set(layer, True)
            else:
                keep.append(layer)
        self._by_mode = keep
        for layer in hide:
            if self.shown(layer):
                self._set(layer, False)
                self._by_mode.append(layer)
        self._apply()

    def hidden(self) -> list:
        """The result layers hidden here (shown again when their image is chosen)."""
        return list(self._hidden)

    def hidden_by_mode(self) -> list:
        """The result layers hidden for the segment mode (`follow_mode`)."""
        return list(self._by_mode)
