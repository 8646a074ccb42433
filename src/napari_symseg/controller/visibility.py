"""Which result layers are shown: those of the chosen image (no Qt).

Results are bound to their image. When the widget's image changes, the
result layers of every other image that are visible are hidden (a series'
patterns of image A no longer cover image B), and the layers hidden that
way come back when their image is chosen again. Layers the user hid stay
hidden; layers hidden by default (PCA, confidence) are never shown by this.
"""

from __future__ import annotations


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

    def hidden(self) -> list:
        """The result layers hidden here (shown again when their image is chosen)."""
        return list(self._hidden)
