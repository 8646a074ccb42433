"""Label another image or series with the Scribbles dock's current (edited) model
(`ScribbleApply`, a part of `controller.scribbles.ScribbleSession`).

The labels become the ``scribbled`` run of the target's result set, shown in
``"<target> scribbled patterns"``.
"""

from __future__ import annotations

import numpy as np

from ..core.result import Result
from ..errors import ScribbleError
from . import LABEL_OFFSET
from .label_colormap import pattern_colormap
from .layers import placement, run_metadata
from .results import RunRecord
from .scribble_edits import NO_HINT, _coloured
from .stacking import add_labels


class ScribbleApply:
    """The apply part of `controller.scribbles.ScribbleSession` (a mixin).

    Uses the session's ``result``, ``source``, ``viewer``, ``store``,
    ``_find`` and ``_follow``; see `ScribbleSession`.
    """

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
