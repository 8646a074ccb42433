"""Editing a run's result from the dock widget: the Scribbles dock opened on it, and
what follows an edit (`WidgetEditing`, a part of `_qt.widget.SymsegWidget`).
"""

from __future__ import annotations


class WidgetEditing:
    """The editing part of `_qt.widget.SymsegWidget` (a mixin of a `QWidget`).

    Uses the widget's ``controller``, ``viewer``, ``status``, ``measure`` and
    results view; see `SymsegWidget`.
    """

    def edit_patterns(self):
        """Merge / split / rename the chosen image's result in the Scribbles dock (issue 15).

        An image's, one frame's or an all-frames run (edited through the
        frame under the time slider; every frame is labelled again after
        each edit). The hint, plots, status line and region table follow
        the edits.

        Returns
        -------
        ScribblesWidget or None
            The dock, now editing the ``"<image> patterns"`` (or series)
            layer (None: no result to edit, or a lazily labelled series;
            the status says why).
        """
        from ..errors import ScribbleError

        if self.busy("edit"):
            return None
        record = self.controller.current()
        source = self.controller.source
        layer = None if record is None else self.controller.results().layer_of(record)
        series = getattr(getattr(layer, "data", None), "ndim", 2) == 3  # all frames
        if layer is None or (getattr(record, "result", None) is None and not series):
            self.status.value = "edit: run a segmentation of the image (or of its frames) first"
            return None
        frame = int(self.viewer.dims.current_step[0]) if series else None
        dock, widget = self.viewer.window.add_plugin_dock_widget("napari-symseg", "Scribbles")
        widget.image.value = source
        try:
            widget.edit(source, layer, record.result, record=record, frame=frame,
                        on_edit=self._edited)
        except ScribbleError as err:
            self.status.value = f"edit: {err}"
            widget.status.value = str(err)
            return None
        dock.show()
        dock.raise_()
        return widget

    def _edited(self, labels_changed: bool = True) -> None:
        """An edit of the chosen image's run: hint, plots, status line and table follow
        (a measurement too, unless only names changed: it shows pattern numbers)."""
        record = self.controller.current()
        if record is not None and record.summary:
            self.status.value = record.summary
        self._view.request()
        if labels_changed:  # measured the old ones
            self.measure.controller.outdate(self.controller.results())
        self.measure.refresh()
