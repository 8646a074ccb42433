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
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Generator
from typing import Any

import numpy as np

from ..core.edit import History, merge, merge_table, pattern_names, rename, split
from ..core.params import Params
from ..core.pipeline import segment_steps
from ..core.result import Result
from ..core.scribbles import check_scribbles, series_scribbles
from ..errors import ScribbleError
from . import LABEL_OFFSET, METADATA_KEY
from . import series_edits as edits
from .label_colormap import pattern_colormap
from .layer_io import layer_calibration, result_features
from .layers import placement, run_metadata
from .results import RunRecord, store_of
from .sources import SourceSnapshot
from .stacking import add_labels

#: at most this many grid points in the scatter plot (a fixed random subset)
MAX_SCATTER = 4000
#: The edits by name (`ScribbleSession.edit_steps`).
EDITS = {"merge": merge, "split": split, "rename": rename}
#: The result-set slot of each of our layers' roles (`ScribbleSession._find`).
SLOTS = {"scribbles": "scribbles", "scribbled patterns": "scribbled"}
#: Why a scribbled run has no number-of-patterns hint (the hint panel says it).
NO_HINT = "a run with scribbles: your strokes set the patterns"


def _coloured(layer) -> int:
    """How many patterns `layer`'s colormap has their colours for (0: napari's own)."""
    colours = getattr(layer.colormap, "color_dict", None)
    if not colours:
        return 0
    return sum(1 for k in colours if k is not None and k >= LABEL_OFFSET)


def _role(layer) -> dict:
    return layer.metadata.get(METADATA_KEY, {}) if hasattr(layer, "metadata") else {}


class ScribbleSession:
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
            if meta.get("role") == role and meta.get("source") == source.name:
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
        # the patterns' colours do not depend on their number (`io.figure.pattern_colours`):
        # the layer's colormap is set again only when a split adds a pattern beyond it
        self._coloured = int(meta.get("params", {}).get("n_patterns", 0))
        self.record = record
        self.on_edit = on_edit
        self.history = History(result)
        self._labels_key = self._labels_now()
        self._shown_values = self.image_states[0].values if self.image_states else None

    # ------------------------------------------------------------------ edits
    @property
    def result(self) -> Result | None:
        """The current (edited) result."""
        return None if self.history is None else self.history.current

    @property
    def series(self) -> bool:
        """Whether the edited result is a (T, Y, X) series (its edits take a worker)."""
        return self.series_states is not None

    def _labels_now(self):
        """The labels array the current result shows (a rename keeps the same object)."""
        if self.series_states is not None:
            return self.series_states[-1].data
        return None if self.result is None else self.result.labels

    def _drop_states(self) -> None:
        for state in self.series_states or []:
            state.drop()
        self.series_states = None

    def _offset(self) -> int:
        if self.target is None:
            return LABEL_OFFSET
        return int(_role(self.target).get("label_offset", LABEL_OFFSET))

    def edit_steps(self, kind: str, *args, cancelled=None) -> Generator:
        """An edit as steps for a worker: yields ``(stage, done, total)``, returns a
        `PendingEdit` that `commit` shows (nothing changes before).

        A series merge relabels the layer's values by `core.edit.merge_table`
        (no features), a split labels every frame again with the edited
        model, then the per-frame statistics are computed (an adopted layer).
        The cancel flag is checked between frames (`errors.Cancelled`).

        Parameters
        ----------
        kind : {"merge", "split", "rename"}
            The edit (`core.edit`).
        *args
            Its arguments: two patterns, one pattern, the names.
        cancelled : threading.Event, optional
            Set by the GUI thread to stop the edit.

        Raises
        ------
        ScribbleError
            No result to edit yet.
        """
        if self.history is None:
            raise ScribbleError("run with scribbles first")
        edit, current = EDITS[kind], self.result
        state = None if self.series_states is None else self.series_states[-1]
        states, source, offset = list(self.series_states or []), self.source, self._offset()
        calibration = layer_calibration(source) if self.target is not None else None
        adopted = self.target is not None
        # a 2-D result: its layer's values and features are computed here too
        image = None if self.image_states is None or kind == "rename" else \
            (SourceSnapshot.of(source), self.frame, self._values_dtype())

        def steps():
            result = edit(current, *args)
            if state is None:  # an image: the edit and what its layer shows
                shown = None if image is None else edits.image_state(
                    result, image[0], image[1], offset, image[2])
                return edits.PendingEdit(result, image=shown)
            if kind == "rename":
                return edits.PendingEdit(result, edits.SeriesState(
                    state.data, state.features, state.fractions))
            if kind == "merge":
                table = merge_table(current.model.n_patterns, *args)
                data = yield from _staged("merging", edits.merged_frames(
                    state.data, table, offset, cancelled))
            else:
                dtype = edits.layer_dtype(result.params.n_patterns + offset, state.data.dtype)
                data = yield from _staged("labelling", edits.relabelled_frames(
                    result.model, source.data, offset, dtype, cancelled))
            features, fractions = {}, None
            if adopted:
                features, fractions = yield from _staged("statistics", edits.series_table_steps(
                    data, source.data, result.params, offset, calibration, cancelled))
            new = edits.SeriesState(data, features, fractions)
            edits.spill_old([*states, new])
            return edits.PendingEdit(result, new)

        return steps()

    def commit(self, pending: edits.PendingEdit) -> Result:
        """Show an edit computed by `edit_steps` (the GUI thread).

        Parameters
        ----------
        pending : PendingEdit
            What the steps returned.

        Returns
        -------
        Result
        """
        self.history.push(pending.result)
        if pending.state is not None and self.series_states is not None:
            self.series_states.append(pending.state)
        if self.image_states is not None:  # a rename keeps what the layer shows
            self.image_states.append(pending.image if pending.image is not None
                                     else self.image_states[-1])
        self._update_layer()
        return self.result

    def _edit(self, kind: str, *args) -> Result:
        from ..core.progress import run

        return self.commit(run(self.edit_steps(kind, *args)))

    def merge(self, a: int, b: int) -> Result:
        """Merge patterns `a` and `b` (`core.edit.merge`), here (`edit_steps`: a worker)."""
        return self._edit("merge", a, b)

    def split(self, pattern: int) -> Result:
        """Split `pattern` in two (`core.edit.split`), here (`edit_steps`: a worker)."""
        return self._edit("split", pattern)

    def rename(self, names) -> Result:
        """Name the patterns (`core.edit.rename`)."""
        return self._edit("rename", list(names))

    def undo(self) -> Result | None:
        """Back to the result before the last edit: a series gets back the exact array
        its layer showed (kept, `controller.series_edits`), nothing is computed."""
        if self.history is None:
            return None
        if self.history.can_undo and self.series_states is not None \
                and len(self.series_states) > 1:
            self.series_states.pop().drop()
        if self.history.can_undo and self.image_states is not None \
                and len(self.image_states) > 1:
            self.image_states.pop()
        self.history.undo()
        self._update_layer()
        return self.result

    def shown_layer(self):
        """The layer showing the current result (adopted, or ``"<image> scribbled patterns"``)."""
        if self.target is not None:
            return self.target
        return None if self.source is None else self._find(self.source, "scribbled patterns")

    def names(self) -> list[str]:
        """Pattern names of the current result ('pattern i' when unnamed)."""
        return [] if self.result is None else pattern_names(self.result.model)

    def _update_layer(self) -> None:
        from .layers import series_placement

        result, source = self.result, self.source
        if self.target is not None:
            return self._update_target()
        if self.series_states is None:
            shown = self._image_state(LABEL_OFFSET)
            data, features = shown.values, dict(shown.features)
        else:
            data = self.series_states[-1].data
            features = result_features(source, result, self.frame)
        features["name"] = np.array(self.names(), dtype=object)
        meta = run_metadata(source.name, result.params, version=result.model.version,
                            frame=None, role="scribbled patterns",
                            pattern_names=list(result.model.names))
        where = placement(source) if source.ndim == 2 else series_placement(source)
        layer = self._find(source, "scribbled patterns")
        if layer is None:  # (a 2-D layer gets a copy: the history keeps `data` for undo)
            self._follow(source)
            layer = add_labels(self.viewer.layers, source,
                               np.array(data) if self.series_states is None else data,
                               name=f"{source.name} scribbled patterns", metadata=meta,
                               features=features, opacity=0.5,
                               colormap=pattern_colormap(result.params.n_patterns, data.dtype),
                               **where)
        else:  # set, not written in place: a new array is how a scribbled run or edit
            # outdates a measurement of this layer (`measure_stale`: its data event)
            if result.params.n_patterns > _coloured(layer):  # a split added a pattern
                layer.colormap = pattern_colormap(result.params.n_patterns, data.dtype)
            layer.data = np.array(data) if self.series_states is None else data
            layer.metadata = meta
            layer.features = features
            layer.visible = True
        results = self.store.get(source)
        for slot in ("patterns", "series"):  # two half-transparent label layers mix colours
            unguided = results.layers.get(slot)
            if unguided is not None:
                unguided.visible = False
        self._record(layer, features)

    def _record(self, layer, features: dict) -> None:
        """The image's `ResultSet` keeps the run shown in `layer` (its ``scribbled``
        slot): a new run's `RunRecord`, or the edited numbers of the current one."""
        result, source = self.result, self.source
        n = result.params.n_patterns
        if self.series_states is None:
            fractions = np.asarray(features["area_fraction"], dtype=float)
        else:  # per frame, (T, n_patterns)
            data = self.series_states[-1].data
            fractions = np.stack([np.bincount(np.ravel(frame).astype(np.int64) - LABEL_OFFSET,
                                              minlength=n)[:n] / np.size(frame)
                                  for frame in data])
        results = self.store.get(source)
        if self.record is None:  # a new run
            from .text import run_summary

            series = fractions.ndim == 2
            seconds = time.perf_counter() - self._started
            self.record = RunRecord(
                result.params, "scribbled", None, seconds, fractions, result.operations,
                result.separability, None, result.pca_images,
                np.asarray(result.explained_variance_ratio), hint_error=NO_HINT,
                summary=run_summary(seconds, n, fractions.mean(0) if series else fractions,
                                    n_frames=len(fractions) if series else None,
                                    scribbled=True),
                result=dataclasses.replace(result, descriptors=None), model=result.model)
            results.store(self.record)
        else:
            edited_record(self.record, n, fractions, self.history.can_undo)
        results.layers["scribbled"] = layer
        self.store.changed(source)

    def _values_dtype(self) -> np.dtype:
        """The dtype of the 2-D layer values: the adopted layer's, else int32 (ours)."""
        return np.dtype(np.int32) if self.target is None else self.target.data.dtype

    def _image_state(self, offset: int) -> edits.ImageState:
        """What the 2-D layer shows for the current result (computed here if not yet)."""
        shown = self.image_states[-1] if self.image_states else None
        if shown is None:
            shown = edits.image_state(self.result, self.source, self.frame, offset,
                                      self._values_dtype())
            if self.image_states:
                self.image_states[-1] = shown
        return shown

    def _update_target(self) -> None:
        """The adopted layer shows the current result: labels, run record, names, colours;
        the run's `RunRecord` its area fractions and status line."""
        result, layer = self.result, self.target
        before = self._labels_key
        meta = dict(_role(layer))
        offset = int(meta.get("label_offset", LABEL_OFFSET))
        meta["params"] = result.params.to_dict()
        meta["pattern_names"] = list(result.model.names)
        if self.series_states is None:
            shown = self._image_state(offset)
            features = dict(shown.features)
            fractions = features["area_fraction"]
            if shown.values is not self._shown_values:  # (a rename: the values stay)
                edits.show_values(layer, shown.values)  # in place when it fits
        else:
            state = self.series_states[-1]
            if state.fractions is None:  # an adopted run without its numbers
                from ..core.progress import run

                state.features, state.fractions = run(edits.series_table_steps(
                    state.data, self.source.data, result.params, offset,
                    layer_calibration(self.source)))
            features, fractions = dict(state.features), state.fractions
            if "area_fraction" in meta:
                meta["area_fraction"] = np.asarray(fractions).tolist()
            layer.data = state.data
        features["name"] = np.array(self.names(), dtype=object)
        layer.metadata = {**layer.metadata, METADATA_KEY: meta}
        layer.features = features
        if result.params.n_patterns > self._coloured:  # (napari: 0.2 s for a new colormap)
            layer.colormap = pattern_colormap(result.params.n_patterns, layer.data.dtype,
                                              offset)
            self._coloured = result.params.n_patterns
        if self.record is not None:
            edited_record(self.record, result.params.n_patterns, fractions,
                          self.history.can_undo)
        self._labels_key = self._labels_now()
        self._shown_values = None if self.series_states is not None else shown.values
        if self.on_edit is not None:
            self.on_edit(self._labels_key is not before)

    def apply_steps(self, target):
        """Label another image or series with the current (edited) model: the steps.

        A generator of progress returning the labels (2-D, or (T, Y, X) for
        a series); `show_applied` puts them into the viewer.

        Parameters
        ----------
        target : napari.layers.Image
            A 2-D image or a (T, Y, X) series, not RGB.

        Raises
        ------
        ScribbleError
            No scribbled run yet, or an RGB / 4-D+ target.
        """
        from ..core.labelling import predict_steps
        from ..core.series import label_frames_steps

        if self.result is None:
            raise ScribbleError("run with scribbles first")
        if target.rgb or target.ndim not in (2, 3):
            raise ScribbleError(f"{target.name}: a 2-D image or a (T, Y, X) series is needed")
        model = self.result.model

        def steps():
            if target.ndim == 2:
                result = yield from predict_steps(model, np.asarray(target.data))
                return result.labels
            labels, _ = yield from label_frames_steps(model, target.data)
            return labels

        return steps()

    def show_applied(self, target, labels: np.ndarray):
        """Add or update ``"<target> scribbled patterns"`` with `labels` (pattern + 1):
        the ``scribbled`` run of `target`'s result set (its last run made).

        Parameters
        ----------
        target : napari.layers.Image
            The labelled layer.
        labels : ndarray
            What `apply_steps` returned.

        Returns
        -------
        napari.layers.Labels
        """
        from .layers import series_placement

        result = self.result
        meta = run_metadata(target.name, result.params, version=result.model.version,
                            frame=None, role="scribbled patterns",
                            pattern_names=list(result.model.names), applied_from=self.source.name)
        data = (np.asarray(labels) + LABEL_OFFSET).astype(np.int32)
        where = placement(target) if target.ndim == 2 else series_placement(target)
        layer = self._find(target, "scribbled patterns")
        if layer is None:
            self._follow(target)
            layer = add_labels(self.viewer.layers, target, data,
                               name=f"{target.name} scribbled patterns", metadata=meta,
                               opacity=0.5,
                               colormap=pattern_colormap(result.params.n_patterns, data.dtype),
                               **where)
        else:
            if result.params.n_patterns > _coloured(layer):
                layer.colormap = pattern_colormap(result.params.n_patterns, data.dtype)
            layer.data, layer.metadata = data, meta
            layer.visible = True
        self._record_applied(target, layer, np.asarray(labels), result)
        return layer

    def _record_applied(self, target, layer, labels: np.ndarray, result: Result) -> None:
        """`target`'s result set keeps the applied labels as its ``scribbled`` run."""
        from .text import run_summary

        n = result.params.n_patterns
        frames = labels if labels.ndim == 3 else labels[None]
        fractions = np.stack([np.bincount(np.ravel(frame).astype(np.int64), minlength=n)[:n]
                              / np.size(frame) for frame in frames])
        series = labels.ndim == 3
        fractions = fractions if series else fractions[0]
        summary = run_summary(0.0, n, fractions.mean(0) if series else fractions,
                              n_frames=len(fractions) if series else None)
        summary = summary.split(" · ", 1)[-1] + f" · applied from {self.source.name}"
        results = self.store.get(target)
        for slot in ("patterns", "series"):
            if results.layers.get(slot) is not None:
                results.layers[slot].visible = False
        results.store(RunRecord(result.params, "scribbled", None, 0.0, fractions,
                                hint_error=NO_HINT, summary=summary, model=result.model))
        results.layers["scribbled"] = layer
        self.store.changed(target)

    # ------------------------------------------------------------------ feature space
    def scatter(self, max_points: int = MAX_SCATTER):
        """The first two PCA features of (a fixed random subset of) the grid points.

        Parameters
        ----------
        max_points : int
            At most this many points.

        Returns
        -------
        xy : ndarray, (n, 2)
        labels : ndarray of int, (n,)
            Pattern of each point.
        index : ndarray of int, (n,)
            Flat grid index of each point.
        """
        result = self.result
        if result is None:
            return np.zeros((0, 2)), np.zeros(0, int), np.zeros(0, int)
        feats = result.pca_components.reshape(-1, result.pca_components.shape[-1])
        index = np.arange(len(feats))
        if len(index) > max_points:
            index = np.sort(np.random.default_rng(0).choice(len(index), max_points, False))
        xy = feats[index][:, :2]
        if xy.shape[1] == 1:
            xy = np.column_stack([xy[:, 0], np.zeros(len(xy))])
        return xy, result.grid_labels.ravel()[index], index

    def paint_points(self, index, value: int) -> int:
        """Paint the cells of grid points `index` into the scribbles layer with `value`.

        Parameters
        ----------
        index : array of int
            Flat grid indices (as `scatter` returns).
        value : int
            Scribble class (0 erases).

        Returns
        -------
        int
            Number of pixels painted.
        """
        result = self.result
        layer = self.add_layer(self.source)
        chosen = np.zeros(result.grid.size, bool)
        chosen[np.asarray(index, dtype=np.int64)] = True
        mask = result.grid.upsample(chosen.reshape(result.grid.shape))
        data = np.array(layer.data)
        (data if self.frame is None else data[self.frame])[mask] = value
        layer.data = data
        return int(mask.sum())

    def grid_points(self, index) -> np.ndarray:
        """World coordinates (row, col) of grid points `index` (for highlighting).

        Parameters
        ----------
        index : array of int
            Flat grid indices.
        """
        grid = self.result.grid
        r, c = np.unravel_index(np.asarray(index, dtype=np.int64), grid.shape)
        data = np.column_stack([grid.rows[r], grid.cols[c]]).astype(float)
        if self.frame is not None:  # a series: the painted frame
            data = np.column_stack([np.full(len(data), float(self.frame)), data])
        return np.array([self.source.data_to_world(p) for p in data]).reshape(-1, data.shape[1])

    def point_at(self, world) -> int | None:
        """Flat index of the grid point nearest to a canvas position (None: outside).

        Parameters
        ----------
        world : sequence of float
            World coordinates (row, col) of the cursor.
        """
        if self.result is None:
            return None
        row, col = np.asarray(self.source.world_to_data(world))[-2:]
        grid = self.result.grid
        h, w = grid.image_shape
        if not (0 <= row < h and 0 <= col < w):
            return None
        ri, ci = grid.nearest_index()
        return int(ri[int(row)] * grid.shape[1] + ci[int(col)])


def edited_record(record, n_patterns: int, area_fraction, edited: bool) -> None:
    """A run's `RunRecord` after an edit: its area fractions, status line, edited count.

    ``record.edited_patterns`` is the edited number of patterns (None when
    every edit was undone): the hint, computed on the unedited run, says so.

    Parameters
    ----------
    record : RunRecord
        The adopted run (changed in place).
    n_patterns : int
        Patterns of the edited result.
    area_fraction : array_like
        (n_patterns,) of an image or frame; (T, n_patterns) of a series.
    edited : bool
        Whether any edit is in effect (False after undoing all of them).
    """
    from .text import run_summary

    fractions = np.asarray(area_fraction, dtype=float)
    record.area_fraction = fractions
    record.edited_patterns = int(n_patterns) if edited else None
    series = fractions.ndim == 2
    summary = run_summary(record.seconds, n_patterns,
                          np.nanmean(fractions, 0) if series else fractions,
                          frame=record.frame, n_frames=len(fractions) if series else None)
    record.summary = summary + (" · edited" if edited else "")


def _staged(stage: str, steps: Generator) -> Generator:
    """Re-yield ``(done, total)`` steps as ``(stage, done, total)``; return their value."""
    while True:
        try:
            done, total = next(steps)
        except StopIteration as stop:
            return stop.value
        yield stage, done, total


def _series_steps(series, params: Params, scribbles: dict):
    """Series fit with `scribbles` ({frame: strokes}), every frame labelled, then the first
    painted frame's `Result`: returns ``((frame, result), labels)``."""
    from ..core.labelling import predict_steps
    from ..core.series import segment_series_steps

    fitted = yield from segment_series_steps(series, params, scribbles=scribbles)
    frame = min(scribbles)
    result = yield from predict_steps(fitted.model, np.asarray(series[frame]))
    return (frame, result), np.asarray(fitted.labels)


def scribbles_for(viewer, source, frame: int | None = None) -> np.ndarray | None:
    """The strokes of `source`'s scribbles layer for a run of the main dock (None: none).

    For a 2-D image, or one frame of a series (the strokes on that frame),
    when at least one pixel is painted there.

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer holding the layers.
    source : napari.layers.Image
        The image being segmented.
    frame : int or None
        The frame of a series.
    """
    layer = ScribbleSession(viewer).scribbles_layer(source)
    if layer is None or layer.data.shape != source.data.shape:
        return None
    if frame is not None and layer.ndim != 3:
        return None
    data = layer.data if frame is None else layer.data[frame]
    if data.ndim != 2 or not np.any(data):
        return None
    return np.array(data)


def series_scribbles_for(viewer, source, n_patterns: int) -> dict | None:
    """The strokes of a series' scribbles layer for the main dock's series run (None: none).

    Parameters
    ----------
    viewer : napari.Viewer
        The viewer holding the layers.
    source : napari.layers.Image
        The (T, Y, X) series being segmented.
    n_patterns : int
        Of the run (the strokes are checked against it).

    Returns
    -------
    dict of int to ndarray or None
        The painted frames' strokes (`core.scribbles.series_scribbles`).
    """
    layer = ScribbleSession(viewer).scribbles_layer(source)
    if layer is None or layer.data.shape != source.data.shape or layer.ndim != 3 \
            or not np.any(layer.data):
        return None
    return series_scribbles(dict(enumerate(np.array(layer.data))), source.data.shape,
                            n_patterns)
