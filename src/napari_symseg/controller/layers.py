"""Result layers, without Qt: what a run shows and where.

A run's layers are described by `LayerSpec` objects, built in
the worker thread (`image_specs`: labels + offset as uint8, the full-size
confidence map, an RGB composite of the first three PCA components, the
features table, explicit contrast limits) so that the GUI thread only
hands finished arrays to napari (`apply_spec`). Result layers go on top of
their source's group, raised to the top of the layer list below the probe
(`napari_symseg.controller.stacking`), and are named after it
(`layer_name`), e.g. ``"<image> patterns"``, ``"<image> patterns (frame 5)"``
for one frame of a series,
``"<image> preview"`` for a live preview.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.params import Params
from ..io.colours import label_colour_dict
from . import LABEL_OFFSET, METADATA_KEY
from .label_colormap import label_colormap
from .polar_layers import polarisation_specs
from .sources import SourceSnapshot
from .stacking import place, raise_group

#: ``metadata[METADATA_KEY]["role"]`` of the result layers (slot -> role).
ROLES = {"patterns": "patterns", "PCA": "PCA", "confidence": "confidence",
         "series": "patterns", "preview": "preview", "polarisation": "polarisation",
         "arrows": "polarisation arrows"}
#: What the slots add to the source's name.
_SUFFIX = {"patterns": "patterns", "PCA": "PCA components", "confidence": "confidence",
           "series": "patterns", "preview": "preview", "regions": "regions",
           "orientation": "orientation", "spacing": "spacing", "boundaries": "boundaries",
           "tracks": "tracks", "polarisation": "polarisation", "arrows": "polarisation arrows",
           "scribbled": "scribbled patterns", "scribbles": "scribbles"}


# ----------------------------------------------------------------- placement
def placement(source, grid=None, on_grid: bool = False) -> dict:
    """Scale / translate / units / axis labels of a 2-D result of `source` (its last two axes).

    Parameters
    ----------
    source : napari.layers.Image or SourceSnapshot
        The segmented layer.
    grid : Grid, optional
        The descriptor grid (with `on_grid`).
    on_grid : bool
        The data has the grid's shape: place it on the grid points.
    """
    from .layer_io import layer_calibration

    calibration = layer_calibration(source, 2)
    if on_grid:
        calibration = calibration.on_grid(grid)
    return {"scale": calibration.scale, "translate": calibration.origin,
            "units": calibration.units, "axis_labels": calibration.axis_labels}


def series_placement(source, grid=None, on_grid: bool = False) -> dict:
    """`placement` of a (T, Y, X) result: the source's time axis in front."""
    image = placement(source, grid, on_grid)
    return {
        "scale": (float(source.scale[0]), *image["scale"]),
        "translate": (float(source.translate[0]), *image["translate"]),
        "units": (str(source.units[0]), *image["units"]),
        "axis_labels": (str(source.axis_labels[0]), *image["axis_labels"]),
    }


# ---------------------------------------------------------------------- specs
@dataclass
class LayerSpec:
    """A result layer to add or update: its slot in the result set, type, data and kwargs.

    Attributes
    ----------
    slot : str
        ``"patterns"``, ``"PCA"``, ``"confidence"`` (an image or one frame of
        a series), ``"series"`` (every frame) or ``"preview"``.
    layer_type : str
        ``"labels"``, ``"image"`` or ``"vectors"``.
    data : ndarray
    kwargs : dict
        Layer keyword arguments except the name (see `layer_name`).
    frame : int or None
        The frame of a series the data belongs to (names the layer).
    """

    slot: str
    layer_type: str
    data: Any = field(repr=False)
    kwargs: dict = field(repr=False)
    frame: int | None = None


def layer_name(source_name: str, slot: str, frame: int | None = None) -> str:
    """The name of a result layer, e.g. ``"img patterns"``, ``"s PCA components (frame 5)"``."""
    name = f"{source_name} {_SUFFIX[slot]}"
    return name if frame is None or slot in ("series", "preview") else f"{name} (frame {frame})"


def label_dtype(n_patterns: int) -> np.dtype:
    """uint8 for up to 254 patterns (napari maps them fastest), uint16 above."""
    return np.dtype(np.uint8 if n_patterns + LABEL_OFFSET <= 255 else np.uint16)


def layer_labels(labels: np.ndarray, n_patterns: int) -> np.ndarray:
    """Pattern labels as a Labels layer shows them: pattern + `LABEL_OFFSET`."""
    out = np.empty(labels.shape, dtype=label_dtype(n_patterns))
    np.add(labels, LABEL_OFFSET, out=out, casting="unsafe")
    return out


def pca_composite(pca_images: np.ndarray) -> np.ndarray:
    """An RGB image (rows, cols, 3), float32, of the first three PCA components, each in [0, 1].

    Each component is stretched between its 1st and 99th percentiles; a
    result with fewer than three components repeats the last one. One 2-D
    RGB layer, so no component slider appears next to a 2-D image.

    Parameters
    ----------
    pca_images : ndarray, (n_components, rows, cols)
        The PCA components as images (``Result.pca_images``).
    """
    channels = []
    for k in range(3):
        component = np.asarray(pca_images[min(k, len(pca_images) - 1)], dtype=np.float32)
        lo, hi = np.percentile(component, (1, 99))
        scale = 1.0 / (hi - lo) if hi > lo else 0.0
        channels.append(np.clip((component - lo) * scale, 0.0, 1.0))
    # float32 (the percentiles made it float64): what an ImageJ TIFF holds exactly (issue 11)
    return np.stack(channels, axis=-1).astype(np.float32)


def run_metadata(source_name: str, params: Params, *, version: str | None, frame: int | None,
                 role: str, preview: bool = False, **extra: Any) -> dict:
    """``{METADATA_KEY: {...}}`` of a result layer: role, source, frame, the run's record.

    Parameters
    ----------
    source_name : str
        The segmented layer's name.
    params : Params
        As used by the run (seed and reference frames resolved).
    version : str or None
        The package version that made the model.
    frame : int or None
        The frame of a series, None for an image or every frame.
    role : str
        One of `ROLES`' values.
    preview : bool
        A live-preview result (never exported).
    **extra
        More JSON-compatible entries.
    """
    return {METADATA_KEY: {
        "role": role, "source": source_name, "frame": frame, "preview": preview,
        "params": params.to_dict(), "version": version, "random_state": params.random_state,
        # napari draws label 0 as transparent: layer label = pattern + 1
        "label_offset": LABEL_OFFSET, **extra,
    }}


#: A live preview is drawn as white outlines (napari's ``contour``, one grid point wide),
#: not filled in the patterns' colours like a run: the image shows through, and over a
#: run's patterns it is not taken for them (coloured outlines over the run's fill looked
#: like the run itself: tester newuser14).
PREVIEW_LOOK = {"contour": 1, "opacity": 1.0}
#: The preview's outline colour (every pattern).
PREVIEW_COLOUR = (1.0, 1.0, 1.0, 1.0)


def preview_colours(n: int) -> dict:
    """The preview's label colours: `PREVIEW_COLOUR` for every pattern (see `PREVIEW_LOOK`)."""
    return {None: (0.0, 0.0, 0.0, 0.0)} | {k + LABEL_OFFSET: PREVIEW_COLOUR for k in range(n)}


def image_specs(source: SourceSnapshot, result, frame: int | None,
                preview: bool = False) -> list[LayerSpec]:
    """The layers of a run on one image (or one frame): computed in the worker.

    Parameters
    ----------
    source : SourceSnapshot
        The segmented layer at run start.
    result : Result
        What `segment_steps` returned.
    frame : int or None
        The frame of a (T, Y, X) source that was segmented.
    preview : bool
        A live preview: only the labels, as ``"<image> preview"``.

    Returns
    -------
    list of LayerSpec
        patterns (Labels, with the per-pattern ``features``), PCA (RGB
        composite, hidden) and confidence (hidden); or the preview alone.
    """
    from .layer_io import result_features

    params = result.params
    version = result.model.version
    full = result.labels.shape == tuple(result.grid.image_shape)
    labels = layer_labels(result.labels, params.n_patterns)
    features = result_features(source, result, frame, LABEL_OFFSET)
    extra = {}
    if result.separability is not None:
        extra["separability"] = [float(v) for v in result.separability]
        extra["operations"] = result.operations.to_dict()
    slot = "preview" if preview else "patterns"
    meta = run_metadata(source.name, params, version=version, frame=frame,
                        role=ROLES[slot], preview=preview, **extra)
    patterns = LayerSpec(slot, "labels", labels, {
        "metadata": meta,
        # its table filled: napari draws it without compiling numba kernels
        "colormap": label_colormap(preview_colours(params.n_patterns) if preview else
                                   label_colour_dict(params.n_patterns, LABEL_OFFSET),
                                   labels.dtype),
        "features": features,
        **(PREVIEW_LOOK if preview else {}),
        **placement(source, result.grid, not full),
    }, frame)
    if preview:
        return [patterns]
    ratio = [float(v) for v in result.explained_variance_ratio]
    pca_meta = run_metadata(source.name, params, version=version, frame=frame, role="PCA",
                            components=[0, 1, 2][: len(ratio)], explained_variance_ratio=ratio)
    conf_meta = run_metadata(source.name, params, version=version, frame=frame,
                             role="confidence")
    return [
        patterns,
        LayerSpec("PCA", "image", pca_composite(result.pca_images), {
            "metadata": pca_meta, "rgb": True, "contrast_limits": (0.0, 1.0),
            "visible": False, **placement(source, result.grid, True)}, frame),
        LayerSpec("confidence", "image", result.confidence_image.astype(np.float32), {
            "metadata": conf_meta, "colormap": "magma", "contrast_limits": (0.0, 1.0),
            "visible": False, **placement(source)}, frame),
        *polarisation_specs(source, result, frame, run_metadata, placement, LayerSpec),
    ]


# -------------------------------------------------------------------- layers
_UPDATED = ("scale", "translate", "units", "axis_labels", "metadata", "features", "colormap",
            "contrast_limits", "opacity", "contour")
#: Layer properties napari's constructors do not take: set on the new layer.
_SET_AFTER = ("contour",)
#: Updated properties compared before they are set (a preview re-run: its contour).
_SCALARS = ("contour", "opacity")


def _layer_class(layer_type: str) -> type:
    from napari import layers

    return {"image": layers.Image, "labels": layers.Labels,
            "vectors": layers.Vectors}[layer_type]


def apply_spec(layers, source, spec: LayerSpec, old=None):
    """Show `spec`: update `old` in place when it fits, else add a layer to `source`'s group.

    Parameters
    ----------
    layers : napari.components.LayerList
        The viewer's layers.
    source : napari.layers.Image
        The segmented layer (its current name names the result).
    spec : LayerSpec
        What to show.
    old : napari.layers.Layer, optional
        The layer of the same slot from an earlier run. The source's group
        is found from the layers' metadata (`napari_symseg.controller.stacking`).

    Returns
    -------
    napari.layers.Layer
        The updated or added layer.
    """
    kwargs = {**spec.kwargs, "name": layer_name(source.name, spec.slot, spec.frame)}
    ours = kwargs.get("metadata", {}).get(METADATA_KEY)
    if ours is not None:  # the source may have been renamed since the run started
        kwargs["metadata"] = {**kwargs["metadata"], METADATA_KEY: {**ours, "source": source.name}}
    cls = _layer_class(spec.layer_type)
    data = spec.data
    fits = (old is not None and old in layers and type(old) is cls
            and old.ndim == (np.shape(data)[-1] if spec.layer_type == "vectors"
                             else np.ndim(data) - (1 if kwargs.get("rgb") else 0))
            and bool(getattr(old, "rgb", False)) == bool(kwargs.get("rgb", False)))
    if fits:
        old.data = data
        for key in _UPDATED:
            if key in kwargs:
                if key in _SCALARS and getattr(old, key) == kwargs[key]:
                    continue  # napari refreshes the layer on every set, even to the same value
                setattr(old, key, kwargs[key])
        old.name = kwargs["name"]
        raise_group(layers, source)  # a new result is seen at once (`stacking`)
        return old
    if old is not None and old in layers:
        layers.remove(old)
    after = {key: kwargs.pop(key) for key in _SET_AFTER if key in kwargs}
    layer = cls(data, **kwargs)
    for key, value in after.items():
        setattr(layer, key, value)
    return place(layers, layer, source)
