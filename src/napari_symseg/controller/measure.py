"""Qt-free state of the *Measure* section: measure a patterns layer, its result layers.

`MeasureController.measure` takes an image layer and its patterns layer
(napari shows pattern ``k`` as ``k + LABEL_OFFSET``), measures it
(`napari_symseg.core.measure`; a series with tracked regions,
`napari_symseg.core.tracking`) and adds or updates, with the image's
calibration:

- ``<image> regions``: a Labels layer of region ids (a series: persistent ids), each
  region in its pattern's colour (`region_colormap`), faint (`REGIONS_OPACITY`);
- ``<image> orientation``: the local orientation map, a cyclic colormap
  (``twilight``) over the rotation period, hidden at first;
- ``<image> spacing``: the local lattice spacing map in the image's length
  unit (else px), a sequential colormap (``viridis``) between robust
  percentiles (`SPACING_PERCENTILES`), hidden at first;
- ``<image> boundaries``: a Shapes layer of the boundary polylines;
- ``<image> tracks``: a Tracks layer of the regions' centroids (series),
  hidden at first (only the regions and boundaries are shown: one click on a
  layer's eye shows the others).

Both maps are half transparent (``translucent``, opacity `MAP_OPACITY`) and
go directly above the image, below its patterns and other result layers, so
they never hide the patterns; the other layers go on top of the image's group
(`napari_symseg.controller.stacking`: the group raised to the top, below the
probe). The table rows and the links between table and canvas (`region_at`,
`highlight`) are `MeasureController`'s too (its part
`napari_symseg.controller.measure_table.MeasureTable`); the Qt panel only
shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.measure import measure_frame
from ..core.table import Table
from ..core.tracking import measure_series
from ..errors import InputError
from ..io.measure import spacing_in_units
from . import LABEL_OFFSET, METADATA_KEY
from .label_colormap import REGIONS_OPACITY, region_colormap
from .layer_io import layer_calibration
from .measure_parts import (
    add_polarisation,
    collections_paused,
    compact_ids,
    make_layer,
    orientation_period,
    region_features,
    robust_limits,
)
from .measure_stale import OUTDATED, Staleness
from .measure_table import (  # noqa: F401  (the columns are part of this module's API)
    COLUMN_HELP,
    INTEGER_COLUMNS,
    POLAR_COLUMNS,
    TABLE_COLUMNS,
    MeasureTable,
)
from .stacking import place
from .text import count


@dataclass
class Measured:
    """One measurement of a patterns layer.

    Attributes
    ----------
    regions, boundaries : Table
    layers : dict of str to napari.layers.Layer
        ``"regions"``, ``"orientation"``, ``"spacing"``, ``"boundaries"``, ``"tracks"``.
    slot : str
        The patterns layer measured: ``"patterns"`` or ``"series"``.
    run : RunRecord or None
        The run that layer showed when it was measured (another run since:
        the measurement is outdated).
    stale : bool
        The patterns changed since (an edit, a scribbled run): outdated too.
    """

    regions: Table
    boundaries: Table
    layers: dict
    slot: str = "patterns"
    run: Any = None
    stale: bool = False


#: Opacity of the orientation and spacing maps (blending ``translucent``).
MAP_OPACITY = 0.5


def patterns_of(layer_data) -> np.ndarray:
    """Pattern indices of a patterns layer's data (shown as pattern + `LABEL_OFFSET`; -1:
    none).

    Parameters
    ----------
    layer_data : array_like of int
        The Labels layer's data.
    """
    return np.asarray(layer_data).astype(np.int64) - LABEL_OFFSET


class MeasureController(MeasureTable):
    """Measures patterns layers and keeps their result layers.

    Parameters
    ----------
    viewer : napari.components.ViewerModel
        Receives the result layers.

    Attributes
    ----------
    last : Measured or None
        The measurement the table shows: the chosen image's (see `follow`).
    staleness : Staleness
        Whether a measurement still holds (`napari_symseg.controller.measure_stale`).
    remove_layers : callable
        ``remove_layers(layers)`` takes an outdated measurement's layers out of
        the viewer (here: all at once; the Qt panel hides them at once and
        removes one per turn of the event loop).
    """

    def __init__(self, viewer) -> None:
        self.viewer = viewer
        self.last: Measured | None = None
        self.remove_layers = self._remove_now
        self.staleness = Staleness(viewer)

    def close(self) -> None:
        """Stop following the viewer's layers."""
        self.staleness.close()

    @property
    def on_stale(self):
        """Called (no arguments) when a scribbled run outdates a measurement, so that the
        panel can `follow` (remove its layers) on the next turn (`Staleness.on_stale`)."""
        return self.staleness.on_stale

    @on_stale.setter
    def on_stale(self, call) -> None:
        self.staleness.on_stale = call

    def outdate(self, results) -> None:
        """Mark the measurement of `results` (a `ResultSet`, or None) outdated: its
        labels were edited; the next `follow` removes it and its layers."""
        self.staleness.outdate(results)

    def measure(self, image_layer, patterns_layer) -> Measured:
        """Measure `patterns_layer` (the segmentation of `image_layer`) and show the layers
        (`compute` then `show`, in one thread).

        Parameters
        ----------
        image_layer : napari.layers.Image
            2-D, or (T, Y, X) with a (T, Y, X) patterns layer.
        patterns_layer : napari.layers.Labels
            Pattern + `LABEL_OFFSET` per pixel, the image's shape.

        Returns
        -------
        Measured
        """
        return self.show(self.compute(image_layer, patterns_layer))

    def compute(self, image_layer, patterns_layer, result=None, cancelled=None) -> dict:
        """The measurement and the layers to show (no viewer change: for a worker thread).

        Parameters
        ----------
        image_layer : napari.layers.Image
            As in `measure`.
        patterns_layer : napari.layers.Labels
            As in `measure`.
        result : Result, optional
            The run the patterns layer shows; a 2-D ``polarity`` run adds the
            regions' mean polarisation (`POLAR_COLUMNS`).
        cancelled : threading.Event, optional
            A series is measured frame by frame: once set, `errors.Cancelled`
            is raised before the next frame.

        Returns
        -------
        dict
            ``regions``, ``boundaries`` (Tables) and ``specs``: (kind, name,
            data, kwargs) of every layer.
        """
        image = np.asarray(image_layer.data)
        labels = patterns_of(patterns_layer.data)
        if labels.shape != image.shape:
            raise InputError(f"the patterns layer {labels.shape} and the image {image.shape} "
                             "differ in shape (labels on the descriptor grid: run with "
                             "upsampling)")
        n_patterns = int(labels.max()) + 1
        cal = layer_calibration(image_layer, image.ndim)
        place = {"scale": cal.scale, "translate": cal.origin, "units": cal.units,
                 "axis_labels": cal.axis_labels}
        # a role: never offered as an image to segment (`sources.source_layers`)
        meta = {METADATA_KEY: {"source": image_layer.name, "role": "measurement"}}
        if image.ndim == 2:
            with collections_paused():
                m = measure_frame(image, labels, None, n_patterns)
            add_polarisation(m, result, image.shape)
            regions, boundaries, lines = m.regions, m.boundaries, m.boundary_lines
            region_img, omap, smap, tracks = (m.region_labels, m.orientation_map,
                                              m.spacing_map, None)
        else:
            with collections_paused():
                sm = measure_series(image, labels, None, n_patterns, cancelled=cancelled)
            regions, boundaries, lines = sm.regions, sm.boundaries, sm.boundary_lines
            region_img = self._series_regions(labels, regions, n_patterns)
            omap, smap, tracks = sm.orientation_maps, sm.spacing_maps, sm.tracks
        name = image_layer.name
        smap, unit = spacing_in_units(smap, cal)
        over = {"blending": "translucent", "opacity": MAP_OPACITY, "above": name}
        region_ids = compact_ids(region_img)  # (same ids, a smaller type)
        specs = {
            # each region in its pattern's colour, faint: the image shows (REGIONS_OPACITY)
            "regions": ("labels", f"{name} regions", region_ids,
                        {**place, "metadata": meta, "features": region_features(regions),
                         "colormap": region_colormap(regions["region"], regions["pattern"],
                                                     region_ids.dtype),
                         "opacity": REGIONS_OPACITY}),
            "orientation": ("image", f"{name} orientation", omap,
                            {**place, "metadata": meta, "colormap": "twilight",
                             "contrast_limits": (0.0, orientation_period(regions)),
                             "visible": False, **over}),
            "spacing": ("image", f"{name} spacing", smap,
                        {**place, "metadata": {**meta, "value_unit": unit},
                         "colormap": "viridis", "contrast_limits": robust_limits(smap),
                         "visible": False, **over}),
        }
        paths = [(boundaries["frame"][i], line) for i, ls in enumerate(lines) for line in ls]
        if paths:
            data = [line if image.ndim == 2 else
                    np.column_stack([np.full(len(line), t), line]) for t, line in paths]
            specs["boundaries"] = ("shapes", f"{name} boundaries", data,
                                   {**place, "metadata": meta, "shape_type": "path",
                                    "edge_color": "yellow",
                                    "edge_width": 2 * float(cal.scale[-1])})
        if tracks is not None and len(tracks):
            specs["tracks"] = ("tracks", f"{name} tracks", tracks,
                               {**place, "metadata": meta, "visible": False})
        return {"regions": regions, "boundaries": boundaries, "specs": specs}

    def show(self, computed: dict) -> Measured:
        """Add (or replace) the layers of `compute`'s result (GUI thread).

        Parameters
        ----------
        computed : dict
            From `compute` (or `build`).

        Returns
        -------
        Measured
        """
        steps = self.show_steps(computed)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                return done.value

    def build(self, computed: dict) -> dict:
        """Make the layer objects of `compute`'s result, not yet in the viewer (any thread).

        A napari layer's construction (its thumbnail, a Shapes layer's
        triangulation of every boundary path, a Tracks layer's graph) is most
        of the time it takes to add it: for a 116-frame series about a second
        the GUI thread no longer spends. The measure worker calls it.

        Parameters
        ----------
        computed : dict
            From `compute`; gets ``layers``: key -> (layer, name of the layer
            to go above or None).

        Returns
        -------
        dict
            `computed`.
        """
        computed["layers"] = {key: make_layer(*spec) for key, spec in computed["specs"].items()}
        return computed

    def show_steps(self, computed: dict):
        """`show`, one layer per step: a generator that yields after adding each layer.

        Its return value (``StopIteration.value``) is the `Measured`; `last`
        is set at the end. The Qt panel runs one step per turn of the event
        loop (`napari_symseg._qt.stall.next_turn`), so that the longest
        freeze is one layer's insert, not the sum of all.

        Parameters
        ----------
        computed : dict
            From `build` (or `compute`: the layers are then made here).
        """
        made = computed.get("layers") or {
            key: make_layer(*spec) for key, spec in computed["specs"].items()}
        layers = {}
        for key, (layer, above) in made.items():
            layers[key] = self._insert(layer, above)
            yield key
        self.last = Measured(computed["regions"], computed["boundaries"], layers)
        return self.last

    def attach(self, results, measured: Measured, slot: str, run) -> None:
        """Make `measured` the measurement of `results` (a `ResultSet`): of its patterns
        layer `slot` showing `run`; its layers become result layers of that image.

        Parameters
        ----------
        results : ResultSet
            The image's result set.
        measured : Measured
            From `show`.
        slot : str
            ``"patterns"`` or ``"series"``.
        run : RunRecord or None
            What the measured layer showed.
        """
        measured.slot, measured.run = slot, run
        results.measured = measured
        self.staleness.attach(results)
        results.layers.update(measured.layers)

    def follow(self, results) -> str:
        """Show the measurement of `results` (None: no image); return the note to show.

        A measurement of an older run than the one its patterns layer shows
        now, or of patterns edited or scribbled since (`Measured.stale`), is
        removed with its layers (`OUTDATED`); no measurement: `NOT_MEASURED`.
        Sets `last`.

        Parameters
        ----------
        results : ResultSet or None
            The chosen image's result set.
        """
        self.last = None
        measured = None if results is None else results.measured
        verdict = self.staleness.verdict(results)
        if verdict == OUTDATED:
            self.remove_layers(list(measured.layers.values()))
        if verdict is not None:
            return verdict
        self.last = measured
        return (f"{count(len(measured.regions), 'region')}, "
                f"{count(len(measured.boundaries), 'boundary')}")

    def _remove_now(self, layers) -> None:
        for layer in layers:
            if any(layer is shown for shown in self.viewer.layers):
                self.viewer.layers.remove(layer)

    def _series_regions(self, labels, regions: Table, n_patterns) -> np.ndarray:
        """Persistent region ids per pixel and frame (each frame relabelled)."""
        from ..core.regions import label_regions

        out = np.zeros(labels.shape, np.int32)
        for t in range(len(labels)):
            local, _ = label_regions(labels[t], n_patterns)
            ids = np.concatenate([[0], regions["region"][regions["frame"] == t]])
            out[t] = ids[local]
        return out

    def _insert(self, layer, above: str | None):
        """Add (or replace, by name) `layer` to its image's group (`stacking.place`): on
        top of it, or directly above the image when `above` names it (the maps)."""
        layers = self.viewer.layers
        if layer.name in layers:
            layers.remove(layer.name)
        name = layer.metadata.get(METADATA_KEY, {}).get("source", above)
        source = layers[name] if name in layers else None
        return place(layers, layer, source, low=above is not None)
