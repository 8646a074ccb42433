"""When a measurement no longer holds: its staleness, without Qt.

A measurement (`napari_symseg.controller.measure.Measured`) is of one
patterns layer of an image, showing one run. It is outdated when that
layer shows another run since, or when its labels changed: an edit that
changes labels (merge, split, their undo; not a rename: names are not
measured) or a scribbled run of the same image (a new ``"<image>
scribbled patterns"`` layer, or new data in it). `Staleness` watches the
viewer's layers for scribbled runs and says, per image, whether its
measurement still holds (`Staleness.verdict`).
"""

from __future__ import annotations

from typing import Any

from . import METADATA_KEY

__all__ = ["NOT_MEASURED", "OUTDATED", "SCRIBBLED_ROLE", "Staleness"]

#: What the table says for an image without a measurement.
NOT_MEASURED = "not measured yet: Measure regions"
#: ... and when its measurement was of an older run (its layers are then removed).
OUTDATED = ("the patterns changed (a new run, an edit or a scribbled run): the old "
            "measurement and its layers were removed; Measure regions again")
#: The role of a scribbled run's layer (a new result of its image: outdates a measurement).
SCRIBBLED_ROLE = "scribbled patterns"


def _scribbled_source(layer) -> str | None:
    """The image name of a scribbled run's layer (None: another layer, or one opened from a
    file: an exported scribbled run's labels carry its metadata, and are no new run)."""
    if getattr(getattr(layer, "source", None), "path", None) is not None:
        return None
    meta = layer.metadata.get(METADATA_KEY)
    if isinstance(meta, dict) and meta.get("role") == SCRIBBLED_ROLE:
        return meta.get("source")
    return None


class Staleness:
    """Marks measurements outdated (`Measured.stale`) and judges them (`verdict`).

    Parameters
    ----------
    viewer : napari.components.ViewerModel
        Its scribbled runs outdate the measurements of their images.

    Attributes
    ----------
    on_stale : callable or None
        Called (no arguments) when a scribbled run outdates a measurement.
    """

    def __init__(self, viewer) -> None:
        self.viewer = viewer
        self.on_stale = None
        self._attached: dict[int, Any] = {}  # id(source) -> ResultSet with a measurement
        viewer.layers.events.inserted.connect(self._on_inserted)
        for layer in viewer.layers:
            self._watch(layer)

    def close(self) -> None:
        """Stop following the viewer's layers."""
        self.viewer.layers.events.inserted.disconnect(self._on_inserted)
        self._attached.clear()

    def attach(self, results) -> None:
        """Follow the measurement of `results` (a `ResultSet`)."""
        self._attached[id(results.source)] = results

    def outdate(self, results) -> None:
        """Mark the measurement of `results` (a `ResultSet`, or None) outdated: its
        labels were edited."""
        if results is not None and results.measured is not None:
            results.measured.stale = True

    def verdict(self, results) -> str | None:
        """None when the measurement of `results` holds; else what to say, and it is
        dropped from `results` (`NOT_MEASURED`: none, or its layers were deleted;
        `OUTDATED`: another run or changed labels since; its layers are then to be
        removed by the caller).

        Parameters
        ----------
        results : ResultSet or None
            The chosen image's result set.
        """
        measured = None if results is None else results.measured
        if measured is None:
            return NOT_MEASURED
        regions = measured.layers.get("regions")
        if regions is None or not any(regions is layer for layer in self.viewer.layers):
            results.measured = None  # the user deleted its layers
            return NOT_MEASURED
        if measured.stale or results.shown(measured.slot) is not measured.run:
            results.measured = None
            return OUTDATED
        return None

    def _on_inserted(self, event) -> None:
        self._watch(event.value)
        self._scribbled(event.value)

    def _watch(self, layer) -> None:
        """A scribbled run's layer: its later runs (new data) outdate too."""
        if _scribbled_source(layer) is not None:
            layer.events.data.connect(lambda *_: self._scribbled(layer))

    def _scribbled(self, layer) -> None:
        source = _scribbled_source(layer)
        if source is None:
            return
        for results in list(self._attached.values()):
            measured = results.measured
            if measured is not None and not measured.stale and results.source.name == source:
                measured.stale = True
                if self.on_stale is not None:
                    self.on_stale()
