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
"""

from __future__ import annotations

#: The slots of a run of one frame of a (T, Y, X) image (2-D layers).
FRAME_SLOTS = ("patterns", "PCA", "confidence", "polarisation", "arrows")


class ResultVisibility:
    """Shows the chosen image's result layers and hides the others' (reversibly).

    Parameters
    ----------
    store : ResultStore
        The result sets of the viewer's images.
    """

    def __init__(self, store) -> None:
        self.store = store
        self._hidden: list = []  # result layers hidden here, still to be shown back
        self._by_mode: list = []  # hidden for the segment mode (`follow_mode`)

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
                layer.visible = True
            else:
                keep.append(layer)
        self._hidden = keep
        for results in self.store:
            if results.source is source:
                continue
            for layer in results.result_layers():
                if layer.visible and not any(layer is hidden for hidden in self._hidden):
                    layer.visible = False
                    self._hidden.append(layer)

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
            return
        frame_layers = [results.layers[s] for s in FRAME_SLOTS if s in results.layers]
        series = results.layers.get("series")
        hide = [] if series is None or not frame_layers else \
            frame_layers if series_mode else [series]
        keep = []
        for layer in self._by_mode:
            if self.store.owner(layer) is results and not any(layer is h for h in hide):
                layer.visible = True
            else:
                keep.append(layer)
        self._by_mode = keep
        for layer in hide:
            if layer.visible:
                layer.visible = False
                self._by_mode.append(layer)

    def hidden(self) -> list:
        """The result layers hidden here (shown again when their image is chosen)."""
        return list(self._hidden)
