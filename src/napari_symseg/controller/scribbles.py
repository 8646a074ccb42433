"""Qt-free state of the Scribbles dock: the strokes layer, scribbled runs, edits, the scatter.

One `ScribbleSession` per viewer. The user paints a ``"<image> scribbles"``
Labels layer with napari's brush (label i = pattern i - 1); a run segments
the image with those strokes (`core.scribbles`) and shows the result as
``"<image> scribbled patterns"`` (pattern + 1, per-pattern features with
names). Both layers belong to the image's `ResultSet` (the viewer's
`controller.results.store_of`): the run is its ``scribbled`` slot, a run of
the image like the main dock's (renamed, hidden and forgotten with it;
taken by *Measure* and *Export* when it is the last run made). Merge /
split / rename go through a `core.edit.History` (undo); an edit of a
(T, Y, X) series is computed in a worker (`edit_steps`, then `commit` on
the GUI thread; `controller.series_edits`). The
feature-space view reads `scatter` and writes back through `paint_points`;
`point_at` maps a canvas position to its grid point (hover).

The session's parts live in their own modules (mixins): the edits in
`controller.scribble_edits`, labelling another image in
`controller.scribble_apply`, the feature-space view in
`controller.scribble_scatter`; this module keeps the layers and the run.
The main dock's runs read the strokes through `controller.scribble_strokes`.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from typing import Any

import numpy as np

from ..core.edit import History
from ..core.params import Params
from ..core.pipeline import segment_steps
from ..core.result import Result
from ..core.scribbles import check_scribbles, series_scribbles
from ..errors import ScribbleError
from . import LABEL_OFFSET, METADATA_KEY
from . import series_edits as edits
from .label_colormap import pattern_colormap
from .layers import placement
from .results import store_of
from .scribble_apply import ScribbleApply
from .scribble_edits import (  # noqa: F401  (EDITS, NO_HINT, edited_record: this module's API)
    EDITS,
    NO_HINT,
    ScribbleEdits,
    _role,
    edited_record,
)
from .scribble_scatter import MAX_SCATTER, ScribbleScatter  # noqa: F401  (MAX_SCATTER: API)
from .stacking import add_labels

#: The result-set slot of each of our layers' roles (`ScribbleSession._find`).
SLOTS = {"scribbles": "scribbles", "scribbled patterns": "scribbled"}


class ScribbleSession(ScribbleEdits, ScribbleApply, ScribbleScatter):
    """Scribbles, scribbled results and their edit history of one viewer.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer whose layers are used.

    Attributes
    ----------
    history : History or None
        Results of the last scribbled run and its edits.
    source : napari.layers.Image or None
        The image (or series) of `history`.
    frame : int or None
        A series: the painted frame whose `Result` the history holds.
    series_states : list of SeriesState or None
        A series: what its layer showed before each edit and shows now (the
        last), one per result of `history` (`controller.series_edits`).
    image_states : list of ImageState or None
        A 2-D result: what its layer shows for each result of `history`
        (None where not computed yet); undo writes the previous one back.
    """

    def __init__(self, viewer) -> None:
        self.viewer = viewer
        self._started = time.perf_counter()  # of the last `run_steps` (the record's time)
        self.history: History | None = None
        self.source = None
        self.frame: int | None = None  # a series: the frame of `result` (the painted one)
        self.target = None  # an adopted patterns layer (`adopt`); None: our own layer
        self.series_states: list[edits.SeriesState] | None = None  # a series: per result
        self.image_states: list[edits.ImageState | None] | None = None  # 2-D: per result
        self.record = None  # the adopted run's RunRecord: its numbers follow the edits
        self.on_edit = None  # called after an edit of an adopted layer (hint, plots, table)
        self._labels_key = None  # the labels array the adopted layer shows (`_labels_now`)
        self._coloured = 0  # patterns the adopted layer's colormap has colours for
        self._followed: dict = {}  # id(image) -> (image, its name): renames followed
        self._shown_values = None  # the `ImageState.values` the 2-D layer shows

    @property
    def store(self):
        """The viewer's `ResultStore` (`store_of`): shared with the main dock."""
        return store_of(self.viewer)

    # ------------------------------------------------------------------ layers
    def _follow(self, source) -> None:
        """Rename `source`'s scribbles and scribbled patterns layers when it is renamed
        (as its result layers are: `ResultStore`), so that they stay its own."""
        known = self._followed.get(id(source))
        if known is not None and known[0] is source:
            return
        self._followed[id(source)] = (source, source.name)
        source.events.name.connect(self._on_renamed)

    def _on_renamed(self, event) -> None:
        source = event.source
        known = self._followed.get(id(source))
        if known is None or known[0] is not source or known[1] == source.name:
            return
        old, new = known[1], source.name
        self._followed[id(source)] = (source, new)
        for layer in list(self.viewer.layers):
            meta = _role(layer)
            if meta.get("role") in ("scribbles", "scribbled patterns") \
                    and meta.get("source") == old:
                layer.metadata = {**layer.metadata, METADATA_KEY: {**meta, "source": new}}
                if layer.name.startswith(f"{old} "):
                    layer.name = new + layer.name[len(old):]

    def _find(self, source, role: str):
        """`source`'s layer of `role`: from its result set (``"scribbles"``: also a
        strokes layer named after it, e.g. made by an older version)."""
        results = self.store.find(source)
        layer = None if results is None else results.layers.get(SLOTS.get(role, role))
        if layer is not None and any(layer is shown for shown in self.viewer.layers):
            return layer
        if role != "scribbles":
            return None
        for layer in self.viewer.layers:
            meta = _role(layer)
            if meta.get("role") == role and meta.get("source") == source.name \
                    and not meta.get("orphaned"):
                return layer
        return None

    def scribbles_layer(self, source):
        """The scribbles Labels layer of `source`, or None.

        Parameters
        ----------
        source : napari.layers.Image
            The image the strokes belong to.
        """
        return self._find(source, "scribbles")

    def add_layer(self, source):
        """Add (or return) an empty scribbles Labels layer with `source`'s shape and scale.

        For a (T, Y, X) series the layer has the series' shape: napari's brush
        paints the frame under the time slider, and every painted frame
        becomes a reference frame of the series fit.

        Parameters
        ----------
        source : napari.layers.Image
            A 2-D image or a (T, Y, X) series.

        Returns
        -------
        napari.layers.Labels
        """
        from .layers import series_placement

        layer = self.scribbles_layer(source)
        if layer is not None:
            return layer
        if source.ndim not in (2, 3) or source.rgb:
            raise ScribbleError("scribbles are for 2-D grey images and (T, Y, X) series")
        where = placement(source) if source.ndim == 2 else series_placement(source)
        # stroke i in the colour of pattern i - 1 (the colour it gets in the results)
        layer = add_labels(
            self.viewer.layers, source, np.zeros(source.data.shape, np.uint8),
            name=f"{source.name} scribbles", colormap=pattern_colormap(255, np.uint8),
            metadata={METADATA_KEY: {"role": "scribbles", "source": source.name}}, **where)
        self._follow(source)
        layer.brush_size = 10
        layer.mode = "paint"
        layer.selected_label = 1
        self.store.get(source).layers["scribbles"] = layer  # renamed and hidden with it
        return layer

    # ------------------------------------------------------------------ runs
    def params_for(self, source, base: Params | None = None) -> Params:
        """The parameters of a scribbled run on `source`.

        `base` if given, else those of the source's last patterns run
        (layer metadata), else the defaults; ``n_patterns`` raised to the
        largest painted class.

        Parameters
        ----------
        source : napari.layers.Image
            The image to segment.
        base : Params, optional
            Parameters to start from.
        """
        if base is None:
            base = Params()
            for layer in self.viewer.layers:
                meta = _role(layer)
                if meta.get("role") == "patterns" and meta.get("source") == source.name \
                        and "params" in meta:
                    base = Params.from_dict(meta["params"])
        layer = self.scribbles_layer(source)
        top = int(np.max(layer.data)) if layer is not None else 0
        return base.replace(n_patterns=max(base.n_patterns, top, 1))

    def run_steps(self, source, params: Params) -> Generator[Any, None, Any]:
        """Segment `source` with its scribbles: the steps (a generator of progress that
        returns what `show` takes), the scribbles checked before.

        A 2-D image returns its `Result`. A (T, Y, X) series is fitted on its
        reference frames plus every painted frame (`core.series`) and every
        frame labelled; it returns ``(result, labels)``: the `Result` of the
        first painted frame (for the edits and the scatter plot) and the
        series' labels.

        Parameters
        ----------
        source : napari.layers.Image
            The image or series to segment.
        params : Params
            Parameters of the run (``params_for``).

        Raises
        ------
        ScribbleError
            No scribbles layer (or a bad one).
        """
        layer = self.scribbles_layer(source)
        if layer is None:
            raise ScribbleError(f"no scribbles for {source.name}: add a scribbles layer and "
                                "paint a few strokes per pattern")
        scribbles = np.array(layer.data)
        self._started = time.perf_counter()
        if source.ndim == 3:  # checked now, not in a thread
            return _series_steps(source.data, params, series_scribbles(
                dict(enumerate(scribbles)), source.data.shape, params.n_patterns))
        check_scribbles(scribbles, source.data.shape, params.n_patterns)
        return segment_steps(np.asarray(source.data), params, scribbles=scribbles)

    def show(self, source, result) -> None:
        """A new scribbled run: start its history and show it.

        Parameters
        ----------
        source : napari.layers.Image
            The segmented image or series.
        result : Result or (Result, ndarray)
            What `run_steps` returned.
        """
        self.source = source
        self._drop_states()
        self.frame, self.target = None, None
        self.record = self.on_edit = None
        if isinstance(result, tuple):
            (self.frame, result), labels = result
            dtype = edits.layer_dtype(result.params.n_patterns + LABEL_OFFSET, np.int32)
            self.series_states = [edits.SeriesState(
                (np.asarray(labels) + LABEL_OFFSET).astype(dtype))]
        self.history = History(result)
        self.image_states = None if self.series_states is not None else [None]
        self._update_layer()

    def adopt(self, source, layer, result: Result | None, record=None,
              frame: int | None = None, on_edit=None) -> None:
        """Edit another run's patterns layer: the main dock's ``"<image> patterns"``.

        Merge / split / rename / undo then change `layer` itself (its labels,
        parameters, names and statistics), so the main dock's *Export
        results…* writes the edited result, and `record` (the run's
        `RunRecord`: area fractions, status line, ``edited_patterns``) so
        the hint, plots and status show the edited numbers.

        An all-frames run of a series ((T, Y, X) `layer`, ``record.model``)
        is edited through one frame: `frame` is labelled with the run's
        model (its `Result` is what split re-clusters); a merge relabels
        every frame by a lookup table, a split labels every frame again with
        the edited model (`edit_steps`: in a worker in the dock). A lazily
        labelled series (a dask layer, frames labelled on demand) is
        refused: an edit would have to label every frame at once.

        Parameters
        ----------
        source : napari.layers.Image
            The segmented image (or series).
        layer : napari.layers.Labels
            Its patterns layer (pattern + ``label_offset``).
        result : Result or None
            The run the layer shows (`controller.results.RunRecord.result`);
            None for an all-frames run (made from ``record.model``).
        record : RunRecord, optional
            The run's record (updated by every edit).
        frame : int, optional
            An all-frames run: the frame whose `Result` the edits use.
        on_edit : callable, optional
            Called after every edit (the widget refreshes) with one argument:
            whether the labels changed (False for a rename, or the undo of one:
            a measurement of the labels still holds).

        Raises
        ------
        ScribbleError
            A lazily labelled series, or an all-frames run without its model.
        """
        meta = _role(layer)
        series = np.ndim(layer.data) == 3
        if series:
            if not isinstance(layer.data, np.ndarray):
                raise ScribbleError(
                    f"{layer.name} is labelled lazily, frame by frame as you scrub (its "
                    "video was opened lazily): an edit would label every frame at once. "
                    "Edit one frame's run (segment: current frame), or open the video whole "
                    "(File > Open) and run all frames")
            model = getattr(record, "model", None)
            if model is None:
                raise ScribbleError(f"{layer.name}: the all-frames run has no model to edit")
            frame = 0 if frame is None else int(frame)
            offset = int(meta.get("label_offset", LABEL_OFFSET))
            if int(np.min(layer.data)) < offset:
                raise ScribbleError(f"{layer.name}: not every frame is labelled yet")
            result = model.predict(np.asarray(source.data[frame]))
            features = {c: layer.features[c].to_numpy() for c in layer.features.columns}
            fractions = getattr(record, "area_fraction", None)
            self._drop_states()
            self.series_states = [edits.SeriesState(layer.data, features, fractions)]
            self.image_states = None
        else:
            self._drop_states()
            frame = meta.get("frame")
            self.image_states = [edits.ImageState.of_layer(layer)]
        self.source = source
        self.frame = frame
        self.target = layer
        # the patterns' colours do not depend on their number (`io.colours.pattern_colours`):
        # the layer's colormap is set again only when a split adds a pattern beyond it
        self._coloured = int(meta.get("params", {}).get("n_patterns", 0))
        self.record = record
        self.on_edit = on_edit
        self.history = History(result)
        self._labels_key = self._labels_now()
        self._shown_values = self.image_states[0].values if self.image_states else None


def _series_steps(series, params: Params, scribbles: dict):
    """Series fit with `scribbles` ({frame: strokes}), every frame labelled, then the first
    painted frame's `Result`: returns ``((frame, result), labels)``."""
    from ..core.labelling import predict_steps
    from ..core.series import segment_series_steps

    fitted = yield from segment_series_steps(series, params, scribbles=scribbles)
    frame = min(scribbles)
    result = yield from predict_steps(fitted.model, np.asarray(series[frame]))
    return (frame, result), np.asarray(fitted.labels)
