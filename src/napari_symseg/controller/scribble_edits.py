"""Edits of the Scribbles dock's result: merge / split / rename, undo, and the layer
that shows the current result (`ScribbleEdits`, a part of `controller.scribbles.ScribbleSession`).

An edit of a (T, Y, X) series is computed in a worker (`edit_steps`, then
`commit` on the GUI thread; `controller.series_edits`); a 2-D result keeps
what its layer shows per result (undo writes the previous one back). An
adopted layer (a run of the main dock) follows the edits with its
`RunRecord` (`edited_record`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Generator

import numpy as np

from ..core.edit import merge, merge_table, pattern_names, rename, split
from ..core.result import Result
from ..errors import ScribbleError
from . import LABEL_OFFSET, METADATA_KEY
from . import series_edits as edits
from .label_colormap import pattern_colormap
from .layer_io import layer_calibration, result_features
from .layers import placement, run_metadata
from .results import RunRecord
from .sources import SourceSnapshot
from .stacking import add_labels

#: The edits by name (`ScribbleSession.edit_steps`).
EDITS = {"merge": merge, "split": split, "rename": rename}
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



class ScribbleEdits:
    """The edits part of `controller.scribbles.ScribbleSession` (a mixin).

    Uses the session's attributes (``history``, ``source``, ``frame``,
    ``target``, ``series_states``, ``image_states``, ``record``, ...) and its
    ``store``, ``_find`` and ``_follow``; see `ScribbleSession`.
    """

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
        # the run's confidence layer follows too: the state before gets its image here
        confident = image is not None and self._confidence_layer() is not None
        before = self.image_states[-1] if confident else None

        def steps():
            result = edit(current, *args)
            if state is None:  # an image: the edit and what its layers show
                if before is not None and before.confidence is None:
                    before.confidence = edits.confidence_image(current)
                shown = None if image is None else edits.image_state(
                    result, image[0], image[1], offset, image[2], confident)
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
            edits.drop_old_confidence(self.image_states)
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

    def _confidence_layer(self):
        """The confidence layer of the adopted run (None: none, or another run's)."""
        if self.target is None or self.source is None:
            return None
        layers = self.store.get(self.source).layers
        return layers.get("confidence") if layers.get("patterns") is self.target else None

    def _show_confidence(self, shown: edits.ImageState) -> None:
        """The adopted run's confidence layer shows the current result's (2-D; an edit
        moves the centres: the margin between the nearest two changes)."""
        layer = self._confidence_layer()
        if layer is None:
            return
        if shown.confidence is None:  # (not computed in the worker: an undo to the run)
            shown.confidence = edits.confidence_image(self.result)
        edits.show_confidence(layer, shown.confidence)

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
                self._show_confidence(shown)
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
