"""Series mode of the dock widget: segment every frame of a (T, Y, X) layer.

One run of `segment_series_steps` (fit on the reference frame(s), then
label frame by frame) in a napari thread worker. What the user sees:

- ``"<image> patterns"``: one (T, Y, X) Labels layer on the source's
  scale, translate, units and axis labels. It appears with the first
  labelled frame and fills in as frames finish (frames not labelled yet
  show no label); the time slider shows each frame's segmentation.
- ``"<image> separability"``: the Fisher separability of every operation
  of the full fit on the reference frame(s) (paper Fig. 1f), and
  ``"<image> selected operations"``: squares on the cells of the
  operations kept for labelling the frames (when the run ends).
- A docked plot of the pattern area fraction versus time
  (`AreaFractionPlot`), updated as frames finish and replaced, not
  duplicated, by the next run.

A cancelled (or failed) run leaves the viewer as it found it (the project's
bad-input policy: no half-written layer): a layer it added is removed, a
result layer it was overwriting gets its previous data back, and the plot
shows the previous result again (or is closed if this run opened it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from napari.qt.threading import thread_worker

from ..core.chunks import grid_for
from ..core.progress import SeriesProgress
from ..core.series import SeriesResult, segment_series_steps
from ..core.validation import check_series
from ..controller.layer_io import layer_calibration
from ..io.statistics import features_table
from ..io.figure import label_colour_dict
from .widget import (
    LABEL_OFFSET,
    METADATA_KEY,
    _beside,
    _placement,
    _separability_layer,
    frame_index,
    separability_cells,
    show_layer,
)

if TYPE_CHECKING:
    from ..core.grid import Grid
    from ..core.params import Params
    from .widget import SymsegWidget

#: Name of the dock holding the area-fraction plot.
PLOT_DOCK_NAME = "Pattern area fraction"
_PLACEMENT_KEYS = ("scale", "translate", "units", "axis_labels")
#: What a run sets on a previous run's layer (and a cancelled run puts back), besides data.
_UPDATED_KEYS = (*_PLACEMENT_KEYS, "colormap")


def series_placement(source, grid: Grid, on_grid: bool) -> dict:
    """Scale / translate / units / axis labels of a (T, Y, X) result layer.

    Parameters
    ----------
    source : napari.layers.Image
        The segmented (T, Y, X) layer; its axis 0 is the time axis.
    grid : Grid
        The descriptor grid of one frame.
    on_grid : bool
        The labels have the grid's shape (no upsampling): place them on the
        grid points (see `_placement`).

    Returns
    -------
    dict
        Keyword arguments for the layer, three values each.
    """
    image = _placement(source, grid, on_grid)
    return {
        "scale": (float(source.scale[0]), *image["scale"]),
        "translate": (float(source.translate[0]), *image["translate"]),
        "units": (str(source.units[0]), *image["units"]),
        "axis_labels": (source.axis_labels[0], *image["axis_labels"]),
    }


def series_metadata(source, params: Params, result: SeriesResult | None = None) -> dict:
    """Metadata of the series layers.

    Besides what a single-image run records (parameters, version, seed,
    source, label offset) it holds the reference frames, the selected
    operations (best separability first) and the area fraction table.

    Parameters
    ----------
    source : napari.layers.Image
        The segmented (T, Y, X) layer.
    params : Params
        The parameters of the run (reference frames resolved).
    result : SeriesResult, optional
        None while the run goes on (``"complete": False``).

    Returns
    -------
    dict
        ``{METADATA_KEY: {...}}``, JSON-compatible.
    """
    meta = {
        "params": params.to_dict(),
        "random_state": params.random_state,
        "source": source.name,
        "frame": None,  # every frame
        "n_frames": int(source.data.shape[0]),
        "label_offset": LABEL_OFFSET,
        "reference_frames": list(params.reference_frames),
        "complete": result is not None,
    }
    if result is not None:
        fit = result.fit
        chosen = fit.full_model.operations.subset(fit.selected)
        meta.update(
            version=fit.model.version,
            selected_operations={
                "indices": [int(i) for i in fit.selected],
                "labels": chosen.labels,
                **chosen.to_dict(),
            },
            area_fraction=result.stats.area_fraction.tolist(),
        )
    return {METADATA_KEY: meta}


def selected_operations_layer(source, operations, selected, separability, meta: dict) -> tuple:
    """Points (data, kwargs, type) marking the `selected` cells of the separability map.

    Squares of one cell, placed like the heatmap (`_beside`), so that each
    one frames the cell of a selected operation; the features name the
    operation, its rank and its separability.

    Parameters
    ----------
    source : napari.layers.Image
        The segmented layer (the heatmap sits beside it).
    operations : Operations
        Every operation of the full fit (the heatmap's).
    selected : array of int
        Indices into `operations`, best first.
    separability : ndarray, (n_operations,)
        Separability of every operation.
    meta : dict
        Metadata of the run (see `series_metadata`).

    Returns
    -------
    tuple
        A napari layer data tuple ``(data, kwargs, "points")``.
    """
    cells, shape = separability_cells(operations)
    selected = np.asarray(selected, dtype=int)
    values = np.asarray(separability, dtype=float)[selected]
    return (
        cells[selected].astype(float),
        {
            "name": f"{source.name} selected operations",
            "symbol": "square",
            "size": 1.0,  # in data units: one cell of the heatmap
            "face_color": "transparent",
            "border_color": "red",
            "border_width": 0.12,
            "features": {
                "rank": np.arange(1, len(selected) + 1),
                "operation": np.asarray(operations.subset(selected).labels, dtype=object),
                "separability": values,
            },
            "metadata": {METADATA_KEY: {**meta[METADATA_KEY], "selected": selected.tolist()}},
            **_beside(source, shape),
        },
        "points",
    )


def _shared_frame_buffer(shape: tuple[int, ...]) -> np.ndarray:
    """A writable (T, Y, X) uint8 array whose frames all share one (Y, X) buffer.

    `segment_series_steps` writes every frame's labels into its `out`; the
    widget copies them (+ LABEL_OFFSET) into the layer from the yielded
    progress instead, so a full `out` would only be a second copy of all
    labels. Stride 0 on the time axis keeps one frame of memory.
    """
    frame = np.zeros(shape[1:], dtype=np.uint8)
    return np.lib.stride_tricks.as_strided(
        frame, shape=shape, strides=(0, *frame.strides), writeable=True
    )


class SeriesRun:
    """One "all frames" run of the widget: its worker, live layer and plot.

    Parameters
    ----------
    widget : SymsegWidget
        Shows the progress; owns the plot.
    source : napari.layers.Image
        The (T, Y, X) layer to segment.
    params : Params
        Resolved parameters (reference frames, seed).

    Attributes
    ----------
    worker : GeneratorWorker
        Runs `segment_series_steps` (not started).
    data : ndarray, (T, Y, X)
        The Labels layer's data: pattern + `LABEL_OFFSET`, 0 where a frame is
        not labelled yet.
    layer : napari.layers.Labels or None
        The pattern layer, from the first labelled frame on.
    result : SeriesResult or None
        Set when the run completes.
    """

    def __init__(self, widget: SymsegWidget, source, params: Params) -> None:
        self.widget, self.viewer = widget, widget.viewer
        self.source, self.params = source, params
        shape = check_series(source.data)
        self.grid = grid_for(shape[1:], params)
        frame_shape = shape[1:] if params.upsampling else self.grid.shape
        dtype = np.uint8 if params.n_patterns + LABEL_OFFSET <= 255 else np.uint16
        self.data = np.zeros((shape[0], *frame_shape), dtype=dtype)
        self.area_fraction = np.full((shape[0], params.n_patterns), np.nan)
        self.layer = None
        self.result = None
        self._undo: list[Callable[[], None]] = []  # what a cancelled run must take back
        self.worker = thread_worker(segment_series_steps, start_thread=False, ignore_errors=True)(
            source.data, params, _shared_frame_buffer((shape[0], *frame_shape))
        )
        self.worker.yielded.connect(self.on_progress)
        self.worker.returned.connect(self.on_returned)

    # -- while running
    def on_progress(self, progress: SeriesProgress) -> None:
        """Show the progress; put a finished frame into the layer and the plot."""
        bar = self.widget.progress
        bar.value = round(100 * progress.fraction)
        if progress.stage == "reference":
            # the bar shows the overall percentage: drop the sub-step's own
            detail = re.sub(r"\s*\(\d+ %\)$", "", progress.detail)
            self.widget.status.value = f"reference fit: {detail}"
            bar.native.setFormat("reference fit %p%")
            return
        text = f"frame {progress.done}/{progress.total}"
        self.widget.status.value = text
        bar.native.setFormat(text)
        t = progress.frame
        frame = self.data[t]
        frame[...] = progress.labels
        frame += LABEL_OFFSET
        self.area_fraction[t] = progress.area_fraction
        if self.layer is None:
            self._show_layer()
            self._show_plot(self.area_fraction)
        elif self.viewer.dims.ndisplay == 3 or t == frame_index(self.layer, self.viewer):
            self.layer.refresh()  # other frames are read when the slider gets there
        self.widget.area_plot.set_frame(t, progress.area_fraction)

    def _show_layer(self) -> None:
        """Add the pattern layer, or take over the previous run's (undone on cancel)."""
        name = f"{self.source.name} patterns"
        kwargs = {
            "name": name,
            "metadata": series_metadata(self.source, self.params),
            "colormap": label_colour_dict(self.params.n_patterns, LABEL_OFFSET),
            **series_placement(self.source, self.grid, not self.params.upsampling),
        }
        from napari.layers import Labels

        layers = self.viewer.layers
        old = layers[name] if name in layers else None
        ours = old is not None and METADATA_KEY in old.metadata
        if ours and old.ndim == 3 and isinstance(old, Labels):  # update in place
            saved = {key: getattr(old, key) for key in ("data", *_UPDATED_KEYS)}
            saved["metadata"] = dict(old.metadata)  # napari updates the dict in place
            old.data = self.data
            for key in (*_UPDATED_KEYS, "metadata"):
                setattr(old, key, kwargs[key])
            self.layer = old
            self._undo.append(lambda: [setattr(old, k, v) for k, v in saved.items()])
            return
        if ours:  # e.g. the 2-D result of a current-frame run: replaced, put back on cancel
            index = layers.index(old)
            layers.remove(old)
            self._undo.append(lambda: layers.insert(min(index, len(layers)), old))
        self.layer = self.viewer.add_labels(self.data, **kwargs)
        if ours:
            layers.move(layers.index(self.layer), index)
        layer = self.layer
        self._undo.append(lambda: layer in layers and layers.remove(layer))

    def _show_plot(self, area_fraction: np.ndarray) -> None:
        """Show this series in the docked plot (docked now if it is not)."""
        from .plot import AreaFractionPlot

        widget = self.widget
        plot = widget.area_plot
        docked = plot is not None and any(
            w is plot for w in self.viewer.window.dock_widgets.values()
        )
        if docked:
            previous = plot.state
            if previous is not None:
                self._undo.append(lambda: plot.show_series(
                    previous.source, previous.labels, previous.area_fraction))
        else:
            plot = widget.area_plot = AreaFractionPlot(self.viewer)
            self.viewer.window.add_dock_widget(plot, name=PLOT_DOCK_NAME, area="bottom")
            self._undo.append(lambda: _close_plot(widget, plot))
        plot.show_series(self.source, self.layer, area_fraction)

    # -- at the end
    def on_returned(self, result: SeriesResult) -> None:
        """The run completed: final metadata, plot from the statistics, separability."""
        self.result = result
        layers = self.viewer.layers
        meta = series_metadata(self.source, self.params, result)
        if self.layer is None or self.layer not in layers:  # removed by the user meanwhile
            self._show_layer()
        self.layer.metadata = meta
        # statistics of the whole series (means over the frames; per frame: the plot, the CSV)
        self.layer.features = features_table(
            result.stats, layer_calibration(self.source), self.source.data.shape, LABEL_OFFSET)
        self.layer.refresh()
        self._show_plot(result.stats.area_fraction)
        self._undo.clear()
        fit = result.fit
        before = len(layers)
        ops, separability = fit.full_model.operations, fit.separability
        for data, kwargs, layer_type in [
            *_separability_layer(self.source, ops, separability, meta),
            selected_operations_layer(self.source, ops, fit.selected, separability, meta),
        ]:
            show_layer(self.viewer, data, kwargs, layer_type)
        if len(layers) > before:  # the heatmap beside the image: bring it into view
            self.viewer.reset_view()

    def close(self) -> None:
        """After the worker: take back what an incomplete run put into the viewer."""
        if self.result is None:
            for undo in reversed(self._undo):
                undo()
        self._undo.clear()


def _close_plot(widget: Any, plot) -> None:
    if any(w is plot for w in widget.viewer.window.dock_widgets.values()):
        widget.viewer.window.remove_dock_widget(plot)
    if widget.area_plot is plot:
        widget.area_plot = None
