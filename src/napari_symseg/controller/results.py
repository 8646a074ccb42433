"""Which results belong to which image: one `ResultSet` per source layer, without Qt.

A `ResultSet` keeps, for one source Image layer, the last *full* run of the
image (or of each frame of a series, and of all frames), the live preview,
the number-of-patterns hints, the parameters its last run used or Suggest
gave, and the result layers that show them. The `ResultStore` holds the
sets of a viewer's layers, keyed by the layer object: it follows renames
(result layers are renamed with their source) and forgets removed layers.

A run of the Scribbles dock (*Run with scribbles*, or its *Apply* to
another image) is a run of its image like any other: its record is the
set's ``scribbled`` slot and its ``"<image> scribbled patterns"`` layer
one of the set's layers (renamed with the image, hidden with its other
results, forgotten with it). The image's strokes layer (``"scribbles"``)
is kept among its layers too, so that it follows renames and hiding.

Which run is "the" result of an image -- the one the hint, the plots, the
status line, *Measure* and *Export results…* take -- is the last full run
made (`ResultSet.current`): of the plain runs, in "all frames" mode the
series run, otherwise the run of the image or the latest run of one frame
(each falls back to the other when it is missing); then the scribbled run
instead when it was made after that one. A preview is never one of them.
Deleting the scribbled layer forgets the scribbled run (the plain run is
"the" result again).

One `ResultStore` per viewer (`store_of`), shared by the main dock and the
Scribbles dock; its ``events.changed(layer)`` says that an image's results
changed (the main dock's hint, plots and table follow a scribbled run).
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from napari.utils.events import EmitterGroup

from ..core.params import Params
from . import METADATA_KEY
from .layers import layer_name


@dataclass
class RunRecord:
    """One finished run: what it used and produced (the layers hold the big arrays).

    Attributes
    ----------
    params : Params
        As used (seed and reference frames resolved).
    slot : str
        ``"patterns"`` (an image or one frame), ``"series"``, ``"preview"`` or
        ``"scribbled"`` (a run of the Scribbles dock: a 2-D image, or every
        frame of a series).
    frame : int or None
        The frame of a series that was segmented (None: an image, or every frame).
    seconds : float
        Wall time.
    area_fraction : ndarray
        (n_patterns,) for an image or frame; (T, n_patterns) for a series
        (NaN for frames not labelled yet while it runs).
    operations : Operations or None
        The operations whose separability was measured.
    separability : ndarray or None
        Fisher separability of each of `operations`.
    selected : ndarray or None
        A series: indices of the operations kept for labelling the frames.
    pca_images : ndarray or None
        Every PCA component on the grid, (n_components, rows, cols).
    explained_variance_ratio : ndarray or None
    hint : PatternCountHint or None
        Set when the hint has been computed.
    hint_error : str or None
        Why there is no hint.
    summary : str
        The status line of the run (see `run_summary`).
    result : Result or None
        An image's or frame's run without its raw descriptors: what merge /
        split / rename edit (`controller.scribbles.ScribbleSession.adopt`).
    model : Model or None
        An all-frames run's model (its edits label every frame with it).
    edited_patterns : int or None
        Patterns after merge / split edits of the run (None: not edited);
        `area_fraction` and `summary` then are the edited ones, the hint
        still the unedited run's.
    made : int
        When the run was stored (`ResultSet.store`): a later run has a larger number.
    """

    params: Params
    slot: str
    frame: int | None = None
    seconds: float = 0.0
    area_fraction: np.ndarray | None = field(default=None, repr=False)
    operations: Any = field(default=None, repr=False)
    separability: np.ndarray | None = field(default=None, repr=False)
    selected: np.ndarray | None = None
    pca_images: np.ndarray | None = field(default=None, repr=False)
    explained_variance_ratio: np.ndarray | None = None
    hint: Any = None
    hint_error: str | None = None
    summary: str = ""
    result: Any = field(default=None, repr=False)
    model: Any = field(default=None, repr=False)
    edited_patterns: int | None = None
    made: int = 0

    @property
    def preview(self) -> bool:
        """True for a live-preview run."""
        return self.slot == "preview"


@dataclass
class Remembered:
    """Parameters remembered for an image: those of its last run, or what Suggest gave.

    Attributes
    ----------
    params : Params
        With the seed as the fields had it (None = a new one each run).
    origin : str
        ``"run"``, ``"suggest"`` or ``"fields"`` (as the fields were left for it).
    follow_slider : bool
        The reference frames field was empty (the frame under the time slider).
    """

    params: Params
    origin: str
    follow_slider: bool = True


class ResultSet:
    """The results of one source layer.

    Parameters
    ----------
    source : napari.layers.Image

    Attributes
    ----------
    source : napari.layers.Image
    image : RunRecord or None
        The last full run of a 2-D image.
    frames : dict of int to RunRecord
        The last full run of each frame of a series ("current frame" mode).
    series : RunRecord or None
        The last run of every frame.
    preview : RunRecord or None
        The last live preview.
    scribbled : RunRecord or None
        The last run of the Scribbles dock (`controller.scribbles`).
    last_frame : int or None
        The frame of the latest frame run (its layers show it).
    remembered : Remembered or None
    layers : dict of str to napari.layers.Layer
        The result layers by slot (``"patterns"``, ``"PCA"``, ``"confidence"``,
        ``"series"``, ``"preview"``, ``"scribbled"``; the strokes ``"scribbles"``;
        a measurement's ``"regions"``, ``"orientation"``, ``"boundaries"``,
        ``"tracks"``).
    measured : Measured or None
        The measurement of this image's patterns (`controller.measure`); its
        ``run`` is the `RunRecord` it measured.
    """

    def __init__(self, source) -> None:
        self.source = source
        self.image: RunRecord | None = None
        self.frames: dict[int, RunRecord] = {}
        self.series: RunRecord | None = None
        self.preview: RunRecord | None = None
        self.scribbled: RunRecord | None = None
        self.last_frame: int | None = None
        self.remembered: Remembered | None = None
        self.layers: dict[str, Any] = {}
        self.measured: Any = None

    def store(self, record: RunRecord) -> None:
        """Keep `record` as the latest run of its kind (numbered: `RunRecord.made`)."""
        record.made = next(_MADE)
        if record.slot not in ("preview", "scribbled"):  # the last run made is the one shown
            scribbled = self.layers.get("scribbled")  # (two half-transparent label layers
            if scribbled is not None:  # would mix their colours)
                scribbled.visible = False
        if record.slot == "preview":
            self.preview = record
        elif record.slot == "scribbled":
            self.scribbled = record
        elif record.slot == "series":
            self.series = record
        elif record.frame is None:
            self.image = record
        else:
            self.frames[record.frame] = record
            self.last_frame = record.frame

    def current(self, series_mode: bool = False) -> RunRecord | None:
        """The full run the hint, plots, summary, Measure and Export take: the last
        one made (see the module)."""
        single = self.image or self.frames.get(self.last_frame)
        plain = (self.series or single) if series_mode else (single or self.series)
        scribbled = self.scribbled
        if scribbled is None or (plain is not None and plain.made > scribbled.made):
            return plain
        return scribbled

    def shown(self, slot: str) -> RunRecord | None:
        """The run the patterns layer `slot` (``"patterns"``, ``"series"`` or
        ``"scribbled"``) shows now."""
        if slot == "series":
            return self.series
        if slot == "scribbled":
            return self.scribbled
        return self.image if self.last_frame is None else self.frames.get(self.last_frame)

    def layer_of(self, record: RunRecord | None):
        """The patterns layer showing `record` (None if there is none, e.g. deleted)."""
        if record is None:
            return None
        return self.layers.get("series" if record.slot == "series" else record.slot)

    def result_layers(self) -> list:
        """Every result layer of this source."""
        return list(self.layers.values())

    def rename(self) -> None:
        """Name the result layers after the source's current name."""
        for slot, layer in self.layers.items():
            frame = self.last_frame if slot in ("patterns", "PCA", "confidence") else None
            layer.name = layer_name(self.source.name, slot, frame)
            meta = layer.metadata.get(METADATA_KEY)
            if isinstance(meta, dict):
                layer.metadata = {**layer.metadata, METADATA_KEY: {**meta,
                                                                   "source": self.source.name}}


#: Added to the names of a deleted image's result layers (`orphan`).
ORPHAN_SUFFIX = " (image deleted)"


def orphan(result_layers, layers, hide=None) -> None:
    """Hide a deleted image's result layers and say so in their names and metadata
    (``"orphaned"``: `controller.scribbles` never finds strokes by name among them).

    Not removed: the patterns may carry edits not saved yet, and napari has no
    undo for a deleted layer; hidden, they no longer cover the other images
    (docs/user-guide.md, "Results belong to their image").

    Parameters
    ----------
    result_layers : list of napari.layers.Layer
        The deleted image's result layers.
    layers : napari.components.LayerList
        The viewer's layers (a result layer deleted too is left alone).
    hide : callable, optional
        ``hide(layers)`` hides them (the widget's `ResultVisibility.hide`: one
        per turn of the event loop); None: here, at once. Names and metadata
        are changed at once either way.
    """
    kept = [shown for shown in result_layers if any(shown is other for other in layers)]
    if hide is None:
        for shown in kept:
            shown.visible = False
    else:
        hide(kept)
    for shown in kept:
        if not shown.name.endswith(ORPHAN_SUFFIX):
            shown.name = shown.name + ORPHAN_SUFFIX
        meta = shown.metadata.get(METADATA_KEY)
        if isinstance(meta, dict):  # a new image of the same name does not take them over
            shown.metadata = {**shown.metadata, METADATA_KEY: {**meta, "orphaned": True}}


class ResultStore:
    """The result sets of the layers of a viewer, keyed by the source layer object.

    Parameters
    ----------
    layers : napari.components.LayerList
        Removed layers are forgotten; renamed sources rename their results.

    Attributes
    ----------
    events : EmitterGroup
        ``changed(layer)``: the results of source `layer` changed outside a
        `Session` run (a scribbled run, its edit, an *Apply*).
    hide_orphans : callable or None
        How a deleted image's result layers are hidden (`orphan`): set by the
        widget's `ResultVisibility` (one layer per turn); None: at once.
    """

    def __init__(self, layers) -> None:
        self.layers = layers
        self.hide_orphans: Callable[[list], None] | None = None
        self._sets: dict[int, ResultSet] = {}
        self.events = EmitterGroup(source=self, changed=None)
        layers.events.removed.connect(self._on_removed)

    def changed(self, source) -> None:
        """Say that the results of `source` changed (``events.changed``)."""
        self.events.changed(layer=source)

    def get(self, source) -> ResultSet:
        """The result set of `source` (a new, empty one the first time)."""
        found = self._sets.get(id(source))
        if found is None or found.source is not source:
            found = self._sets[id(source)] = ResultSet(source)
            source.events.name.connect(self._on_renamed)
        return found

    def find(self, source) -> ResultSet | None:
        """The result set of `source`, None if it has none."""
        found = self._sets.get(id(source))
        return found if found is not None and found.source is source else None

    def owner(self, layer) -> ResultSet | None:
        """The result set that `layer` is a result layer of."""
        for results in self._sets.values():
            if any(layer is shown for shown in results.layers.values()):
                return results
        return None

    def __iter__(self):
        return iter(list(self._sets.values()))

    def _on_renamed(self, event) -> None:
        results = self.find(event.source)
        if results is not None:
            results.rename()

    def _on_removed(self, event) -> None:
        layer = event.value
        results = self.find(layer)
        if results is not None:
            layer.events.name.disconnect(self._on_renamed)
            del self._sets[id(layer)]
            orphan(results.result_layers(), self.layers, self.hide_orphans)
        for results in self._sets.values():
            for slot, shown in list(results.layers.items()):
                if shown is layer:
                    del results.layers[slot]
                    if slot == "scribbled":  # nothing shows that run any more
                        results.scribbled = None
                        self.changed(results.source)

    def close(self) -> None:
        """Stop following the viewer's layers."""
        self.layers.events.removed.disconnect(self._on_removed)
        for results in self._sets.values():
            results.source.events.name.disconnect(self._on_renamed)
        self._sets.clear()


#: Numbers the stored runs (`RunRecord.made`): which one was made last.
_MADE = itertools.count(1)
_STORES: dict[int, tuple[weakref.ref, ResultStore]] = {}


def store_of(viewer) -> ResultStore:
    """The `ResultStore` of `viewer`, shared by its docks (made the first time).

    It lives as long as the viewer: closing a dock and opening it again
    finds the images' results.

    Parameters
    ----------
    viewer : napari.Viewer or napari.components.ViewerModel
        napari's plugin proxy is taken for the viewer behind it.
    """
    viewer = getattr(viewer, "__wrapped__", viewer)
    found = _STORES.get(id(viewer))
    if found is None or found[0]() is not viewer:
        for key in [k for k, (ref, _) in _STORES.items() if ref() is None]:
            del _STORES[key]
        found = _STORES[id(viewer)] = (weakref.ref(viewer), ResultStore(viewer.layers))
    return found[1]
