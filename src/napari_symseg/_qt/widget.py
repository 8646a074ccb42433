"""The dock widget: collects `Params`, runs the core in a thread, adds layers.

The widget is thin on purpose. Its parameter fields are built from the
`Params` dataclass (types and field metadata) and shown or hidden from the
descriptor registry (`FAMILIES`, `COMMON_FIELDS`); the computation is
`segment_steps`, run in a napari thread worker; the results become
layers that are updated in place when the segmentation is run again.
A (T, Y, X) layer can be segmented frame by frame with one model
("segment: all frames", see `_series_widget`). "Suggest sizes" fills the
size fields from the image and every run is followed by a
number-of-patterns hint (both computed in thread workers, see `_hints`).
The pattern layer carries per-pattern statistics as its ``features`` and
"Export results…" writes labels, parameters, statistics and an overlay
figure (see `export`).
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
import typing
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
from magicgui.widgets import (
    CheckBox,
    ComboBox,
    Container,
    FloatSpinBox,
    Label,
    LineEdit,
    ProgressBar,
    PushButton,
    SpinBox,
    Widget,
)

from ..core.descriptors.registry import COMMON_FIELDS, FAMILIES
from ..core.descriptors.translation import correlation_map
from ..core.grid import Grid
from ..core.params import Params, ParamsError
from ..core.pipeline import segment_steps
from ..core.progress import Progress
from ..core.result import Result
from ..core.validation import InputError, check_series
from ..io.calibration import unit_symbol
from ..controller.layer_io import export_layer_result, layer_calibration, result_features
from ..errors import ExportError
from ..io.figure import label_colour_dict
from .hints import HINT_HELP, HINT_K_MAX, HintPanel, hint_metadata, series_hint, suggestion_steps

if TYPE_CHECKING:
    import napari.viewer

#: Qt spin boxes hold 32-bit integers
_QT_INT_MAX = 2**31 - 1
_TYPES = typing.get_type_hints(Params)
_DEFAULTS = Params()
METADATA_KEY = "napari_symseg"


#: Fields used by image series only: shown for a (T, Y, X) layer in "all frames" mode.
SERIES_FIELDS = ("n_selected_operations", "reference_frames")
#: The "segment" choices of a (T, Y, X) layer.
CURRENT_FRAME, ALL_FRAMES = "current frame", "all frames"
#: What "Export results…" writes (button tooltip).
EXPORT_HELP = (
    "Export the chosen image's segmentation: BASE_labels.tif (patterns 0..k-1, calibrated "
    "ImageJ TIFF with the parameters), BASE_params.json (Load parameters… reads it), "
    "BASE_stats.csv (per pattern and frame: area fraction, area, regions, mean intensity) "
    "and BASE_overlay.png (image + patterns + scale bar; the current frame of a series)"
)
#: Widget defaults that differ from `Params`: an empty reference_frames field
#: means "the frame shown now", resolved when the run starts.
_WIDGET_DEFAULTS = {"reference_frames": None}
_WIDGET_HELP = {
    "reference_frames": "series: frames the model is fitted on, e.g. 0 or [0, 40]; "
    "empty = the current frame (the time slider's)",
    "descriptor_name": "translations (default): regions that differ in lattice, orientation "
    "(grains, twins), chemical order or in having a lattice at all; rotations: crystal next to "
    "amorphous support or vacuum; reflections: same lattice and orientation, different point "
    "symmetry (a mirror broken on one side). See docs/parameters.md",
    "smoothing": "average every descriptor over this Gaussian sigma (px) before PCA: about "
    "one lattice period (what Suggest sets) lets weak differences such as chemical order "
    "win over the position inside the unit cell; 0 = as in the paper",
}
_EXAMPLES = {"reference_frames": "[0, 40]", "rotation_angles": "[90, 180]"}
#: What a run adds to the viewer (Run button and status tooltips).
RESULT_HELP = (
    "Run adds (or updates) layers named after the image: '<image> patterns' (labels, "
    "pattern + 1), '<image> PCA' (the PCA features, one slice per component), "
    "'<image> confidence' (hidden; 0..1 margin between the nearest and second-nearest "
    "pattern centre: low values mark pattern boundaries, defects and unusual spots; "
    "magma colours) and '<image> separability' (Fisher separability of every operation)"
)


class InvalidLayerError(ValueError):
    """The chosen layer cannot be segmented (RGB, wrong number of dimensions...)."""


# --------------------------------------------------------------- parameter fields
class OptionalValue(Container):
    """A number that can be switched off (`None`): a check box and a spin box.

    Parameters
    ----------
    spin : SpinBox or FloatSpinBox
        The number.
    enabled : bool
        Whether the number is on at start.
    **kwargs
        Passed to `Container` (e.g. ``name``, ``label``, ``tooltip``).
    """

    def __init__(self, spin: Widget, enabled: bool, **kwargs: Any) -> None:
        self.check = CheckBox(value=enabled, tooltip="on / off (off = None)")
        self.spin = spin
        super().__init__(widgets=[self.check, spin], layout="horizontal", labels=False, **kwargs)
        self.margins = (0, 0, 0, 0)
        spin.enabled = enabled
        self.check.changed.connect(lambda on: setattr(spin, "enabled", on))

    @property
    def value(self) -> float | int | None:
        """The number, or None when switched off."""
        return self.spin.value if self.check.value else None

    @value.setter
    def value(self, value: float | int | None) -> None:
        self.check.value = value is not None
        if value is not None:
            self.spin.value = value


class TupleEdit(LineEdit):
    """A tuple-valued parameter typed as JSON, e.g. ``[[0, 8], [8, 0]]``; empty = None.

    Parameters
    ----------
    default : tuple or None
        The value shown at start.
    example : str
        A valid value, quoted in the error message.
    **kwargs
        Passed to `LineEdit` (e.g. ``name``, ``label``, ``tooltip``).
    """

    def __init__(self, default: Any, example: str = "[[0, 8], [8, 0]]", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.example = example
        self.show_param(default)

    def show_param(self, value: Any) -> None:
        """Show `value` (None, or nested tuples of numbers) as JSON text."""
        self.value = "" if value is None else json.dumps(_as_lists(value))

    def param(self) -> Any:
        """The parsed value (None when empty); `Params` checks its shape."""
        text = self.value.strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise ParamsError(
                f"{self.name} must be a JSON list such as {self.example}; got {text!r}"
            ) from None


def _as_lists(value: Any) -> Any:
    return [_as_lists(v) for v in value] if isinstance(value, list | tuple) else value


def _number_widget(kind: type, meta: dict, value: Any, name: str) -> Widget:
    lo, hi = meta.get("min"), meta.get("max")
    if kind is int:
        lo = 0 if lo is None else int(lo)
        hi = _QT_INT_MAX if hi is None else min(int(hi), _QT_INT_MAX)
        return SpinBox(value=value, min=lo, max=hi, name=name)
    lo = 0.0 if lo is None else float(lo)
    hi = 1e9 if hi is None else float(hi)
    return FloatSpinBox(value=value, min=lo, max=hi, step=0.05, name=name)


def field_widget(f: dataclasses.Field) -> Widget:
    """A magicgui widget for one `Params` field, built from its type and metadata."""
    kind, meta = _TYPES[f.name], f.metadata
    default = _WIDGET_DEFAULTS.get(f.name, getattr(_DEFAULTS, f.name))
    tooltip = _WIDGET_HELP.get(f.name, meta.get("help"))
    common = {"name": f.name, "label": f.name.replace("_", " "), "tooltip": tooltip}
    args = typing.get_args(kind)
    optional = isinstance(kind, types.UnionType) and type(None) in args
    base = next((a for a in args if a is not type(None)), kind) if optional else kind
    if f.name == "descriptor_name":
        choices = [(family.title, name) for name, family in FAMILIES.items()]
        return ComboBox(choices=choices, value=default, **common)
    if "choices" in meta:
        return ComboBox(choices=list(meta["choices"]), value=default, **common)
    if base is bool:
        return CheckBox(value=default, **common)
    if base in (int, float):
        value = default if default is not None else (meta.get("min") or 0)
        spin = _number_widget(base, meta, value, f.name + "_value")
        if optional:
            return OptionalValue(spin, default is not None, **common)
        spin.name, spin.label, spin.tooltip = f.name, common["label"], common["tooltip"]
        return spin
    if f.name in _EXAMPLES:
        common["example"] = _EXAMPLES[f.name]
    return TupleEdit(default, **common)


def _value(widget: Widget) -> Any:
    return widget.param() if isinstance(widget, TupleEdit) else widget.value


#: Live preview: at least this stride, after this pause (ms) in the changes.
PREVIEW_STRIDE = 6
PREVIEW_DELAY_MS = 300

#: Size fields and the image axis (-2 rows, -1 columns) that calibrates them.
SIZE_AXES = {
    "patch_x": -2, "patch_y": -1, "window_x": -2, "window_y": -1, "radius": -1, "stride": -1,
    "smoothing": -1,
}


def physical_length(layer, axis: int, pixels: int) -> str | None:
    """``pixels`` along image `axis` of `layer` as a length, e.g. ``"0.16 nm"``.

    None when the layer is not calibrated (unit scale in pixels).
    """
    scale = float(layer.scale[axis])
    unit = axis_unit(layer, axis)
    if unit == "pixel" and scale == 1.0:
        return None
    return f"{pixels * scale:.3g} {unit_symbol(unit)}"


def axis_unit(layer, axis: int) -> str:
    """The unit of `axis` of `layer` as text (``"pixel"`` when it has none).

    Parameters
    ----------
    layer : napari.layers.Layer
        Any layer (its ``units``).
    axis : int
        Layer axis (negative counts from the last).
    """
    return str(layer.units[axis]) if getattr(layer, "units", None) is not None else "pixel"


def suggestion_text(layer, lattice: Any, changed: dict) -> str:
    """Status line after "Suggest sizes", e.g. ``"lattice 8.0 x 8.0 px, 90°: patch x 12, ..."``.

    Parameters
    ----------
    layer : napari.layers.Image
        The image the sizes come from (its calibration, for the lattice).
    lattice : LatticeEstimate, float or None
        What `suggestion_steps` found: a lattice estimate (shown as its text), a
        period in px, or None ("suggested from the image").
    changed : dict
        The fields the suggestion changed, and their new values.
    """
    lengths = getattr(lattice, "lengths", None)
    if lengths is not None:
        found, shortest = str(lattice), float(np.min(lengths))
    elif lattice is not None:
        shortest = float(lattice)
        found = f"lattice period {shortest:.1f} px"
    else:
        found, shortest = "suggested from the image", None
    length = None if shortest is None else physical_length(layer, -1, shortest)
    if length:
        found += f" (shortest {length})"
    if not changed:
        return f"{found}: the sizes are already the suggested ones"
    values, parts = dict(changed), []
    for pair in ("patch", "window"):  # half sizes along rows x columns
        x, y = values.pop(f"{pair}_x", None), values.pop(f"{pair}_y", None)
        if x is not None or y is not None:
            parts.append(f"{pair} {'' if x is None else x}×{'' if y is None else y}")
    parts += [f"{name.replace('_', ' ')} {value}" for name, value in values.items()]
    return f"{found}: " + ", ".join(parts)


def _set_value(widget: Widget, value: Any) -> None:
    if isinstance(widget, TupleEdit):
        widget.show_param(value)
    else:
        widget.value = value


# ------------------------------------------------------------------ input layer
def frame_of(layer, viewer) -> np.ndarray:
    """The 2-D image to segment: the layer itself or its current frame (T, Y, X).

    Raises
    ------
    InvalidLayerError
        For RGB/RGBA, multiscale, and anything not 2-D or 3-D.
    """
    check_layer(layer)
    if layer.ndim == 2:
        return np.asarray(layer.data)
    return np.asarray(layer.data[frame_index(layer, viewer)])


def check_layer(layer) -> None:
    """Raise `InvalidLayerError` unless `layer` is a grey-scale 2-D or (T, Y, X) image.

    Parameters
    ----------
    layer : napari.layers.Image
        The layer chosen for segmentation.
    """
    if getattr(layer, "rgb", False):
        raise InvalidLayerError(
            f"layer '{layer.name}' is an RGB/RGBA image; convert it to one grey-scale "
            "channel first"
        )
    if getattr(layer, "multiscale", False):
        raise InvalidLayerError(f"layer '{layer.name}' is multiscale; not supported yet")
    if layer.ndim not in (2, 3):
        raise InvalidLayerError(
            f"layer '{layer.name}' is {layer.ndim}-D, shape {layer.data.shape}; "
            "choose a 2-D image (Y, X) or a series (T, Y, X)"
        )


def frame_index(layer, viewer) -> int | None:
    """The frame of a (T, Y, X) layer shown in the viewer now (None for 2-D layers)."""
    if layer.ndim != 3:
        return None
    t = layer.world_to_data(viewer.dims.point)[0]
    return int(np.clip(round(t), 0, layer.data.shape[0] - 1))


def _image_layers(viewer) -> list[tuple[str, Any]]:
    from napari.layers import Image

    return [(layer.name, layer) for layer in viewer.layers if isinstance(layer, Image)]


# ---------------------------------------------------------------- output layers
def _placement(source, grid: Grid, on_grid: bool, leading: int = 0) -> dict:
    """Scale / translate / units / axis labels of an output layer.

    The last two axes follow the source layer's last two; `on_grid` places
    data of the descriptor-grid shape on the grid points; `leading` adds
    that many unitless axes in front (the PCA component axis).
    """
    calibration = layer_calibration(source, 2)
    if on_grid:
        calibration = calibration.on_grid(grid)
    scale, translate = calibration.scale, calibration.origin
    return {
        "scale": (*([1.0] * leading), *scale),
        "translate": (*([0.0] * leading), *translate),
        # leading axes share the viewer's sliders with the source's leading (time) axes:
        # reuse their units, or napari stops using units for rendering
        "units": (*_leading_units(source, leading), *(str(u) for u in source.units[-2:])),
        "axis_labels": (
            *(f"component{'' if i == 0 else i}" for i in range(leading)),
            *source.axis_labels[-2:],
        ),
    }


def _leading_units(source, leading: int) -> list[str]:
    units = [str(u) for u in source.units[:-2]][-leading:] if leading else []
    return ["pixel"] * (leading - len(units)) + units


#: Pattern i is shown as label i + 1 in the Labels layer (0 stays "no label").
LABEL_OFFSET = 1


def result_layers(source, result: Result, frame: int | None) -> list[tuple]:
    """Layer data tuples (data, kwargs, type) of a segmentation result.

    Parameters
    ----------
    source : napari.layers.Image
        The segmented layer (placement and names are taken from it).
    result : Result
        What `segment_steps` returned.
    frame : int or None
        The frame of a (T, Y, X) source that was segmented.
    """
    params = result.params
    meta = {
        METADATA_KEY: {
            "params": params.to_dict(),
            "version": result.model.version,
            "random_state": params.random_state,
            "source": source.name,
            "frame": frame,
            # napari draws label 0 as transparent background; shifting by one
            # gives every pattern a colour (layer label = pattern + 1)
            "label_offset": LABEL_OFFSET,
        }
    }
    full = result.labels.shape == tuple(result.grid.image_shape)
    return [
        (
            result.labels + LABEL_OFFSET,
            {
                "name": f"{source.name} patterns",
                "metadata": meta,
                # the colours of the overlay figures (CLI and export)
                "colormap": label_colour_dict(params.n_patterns, LABEL_OFFSET),
                "features": result_features(source, result, frame, LABEL_OFFSET),
                **_placement(source, result.grid, not full),
            },
            "labels",
        ),
        (
            result.pca_images,
            {
                "name": f"{source.name} PCA",
                "metadata": meta,
                "colormap": "gray",
                # added above the patterns layer: shown, it would hide them
                "visible": False,
                **_placement(source, result.grid, True, leading=1),
            },
            "image",
        ),
        (
            result.confidence_image,
            {
                "name": f"{source.name} confidence",
                "metadata": meta,
                "colormap": "magma",
                "contrast_limits": (0.0, 1.0),
                "visible": False,
                **_placement(source, result.grid, False),
            },
            "image",
        ),
        *_separability_layer(source, result.operations, result.separability, meta),
    ]


def _separability_layer(source, operations, separability, meta: dict) -> list[tuple]:
    if separability is None:
        return []
    heat = separability_map(operations, separability)
    meta = {
        METADATA_KEY: {
            **meta[METADATA_KEY],
            "operations": operations.to_dict(),
            "separability": [float(v) for v in separability],
        }
    }
    return [
        (
            heat,
            {
                "name": f"{source.name} separability",
                "metadata": meta,
                "colormap": "viridis",
                "interpolation2d": "nearest",
                **_beside(source, heat.shape),
            },
            "image",
        )
    ]


def separability_map(operations, separability: np.ndarray) -> np.ndarray:
    """Separability laid out for display (paper Fig. 1f).

    Translations (and local-FFT frequencies) go on their (row, col) grid,
    spaced by the greatest common divisor of the vectors, NaN where no
    operation was used; rotations and reflections give one row, one value
    per operation. Infinite values (perfect separation) show as the largest
    finite one.
    """
    values = np.asarray(separability, dtype=float)
    finite = values[np.isfinite(values)]
    values = np.where(np.isinf(values), finite.max() if finite.size else 0.0, values)
    cells, shape = separability_cells(operations)
    out = np.full(shape, np.nan)
    out[cells[:, 0], cells[:, 1]] = values
    return out


def separability_cells(operations) -> tuple[np.ndarray, tuple[int, int]]:
    """The cell of every operation in `separability_map`, and the map's shape.

    Parameters
    ----------
    operations : Operations
        The operations whose separability is mapped.

    Returns
    -------
    cells : ndarray of int, (n_operations, 2)
        (row, col) of each operation, in operation order.
    shape : (int, int)
    """
    n = len(operations)
    if operations.kind not in ("translation", "frequency"):
        return np.stack([np.zeros(n, dtype=int), np.arange(n)], axis=1), (1, n)
    vec = np.asarray(operations.values, dtype=int).reshape(-1, 2)
    step = max(int(np.gcd.reduce(np.abs(vec).ravel())), 1)
    cells = vec // step - vec.min(axis=0) // step
    return cells, tuple(int(v) for v in cells.max(axis=0) + 1)


def _beside(source, shape: tuple[int, int]) -> dict:
    """Scale / translate that put a small map to the right of the source image."""
    scale = np.asarray(source.scale[-2:], dtype=float)
    translate = np.asarray(source.translate[-2:], dtype=float)
    extent = np.asarray(source.data.shape[-2:], dtype=float) * scale
    cell = min(0.5 * extent[0] / shape[0], 0.3 * extent[1] / shape[1])
    return {
        "scale": (cell, cell),
        "translate": (translate[0], translate[1] + 1.05 * extent[1]),
        "units": tuple(str(u) for u in source.units[-2:]),
        "axis_labels": tuple(source.axis_labels[-2:]),
    }


def probe_patch(params: Params) -> tuple[int, int]:
    """Patch half sizes of the probe's local correlation map.

    The descriptor's own patch for translations, the circular patch's radius
    for rotations/reflections, half the FFT window for the power spectrum.
    """
    if params.is_translation:
        return params.patch_x, params.patch_y
    if params.descriptor_name == "power_spectrum":
        return max(1, params.window_x // 2), max(1, params.window_y // 2)
    return params.radius, params.radius


def probe_shapes(row: int, col: int, params: Params) -> tuple[list[np.ndarray], list[str]]:
    """Shapes (data coordinates) showing what the descriptor reads at a pixel.

    Translations: the patch and everything the translated patches cover
    (patch + shift window), as rectangles on pixel edges. Rotations and
    reflections: the circular patch and everything the max-pooling reads
    (pooling window + radius).
    """

    def box(hx, hy):
        return np.array([[row - hx - 0.5, col - hy - 0.5], [row + hx + 0.5, col + hy + 0.5]])

    if params.is_translation or params.descriptor_name == "power_spectrum":
        hx, hy = (0, 0) if not params.is_translation else (params.patch_x, params.patch_y)
        shapes = [box(hx + params.window_x, hy + params.window_y)]
        return ([box(hx, hy), *shapes], ["rectangle", "rectangle"]) if hx else (
            shapes, ["rectangle"])
    r = params.radius
    circle = np.array([[row - r, col - r], [row - r, col + r], [row + r, col + r],
                       [row + r, col - r]], dtype=float)
    return [circle, box(r + params.window_x, r + params.window_y)], ["ellipse", "rectangle"]


def _layer_class(layer_type: str) -> type:
    from napari import layers

    return {"image": layers.Image, "labels": layers.Labels, "shapes": layers.Shapes,
            "points": layers.Points}[layer_type]


def show_layer(viewer, data: np.ndarray, kwargs: dict, layer_type: str):
    """Add a layer, or update in place the result layer of the same name and type."""
    name = kwargs["name"]
    old = viewer.layers[name] if name in viewer.layers else None
    if (
        old is None
        or not isinstance(old, _layer_class(layer_type))
        or (METADATA_KEY not in old.metadata)
    ):
        return getattr(viewer, f"add_{layer_type}")(data, **kwargs)
    if layer_type in ("shapes", "points"):  # coordinates: the last axis holds the dimensions
        ndim = np.shape(data[0] if layer_type == "shapes" else data)[-1]
    else:
        ndim = np.ndim(data)
    if old.ndim != ndim:
        viewer.layers.remove(old)
        return getattr(viewer, f"add_{layer_type}")(data, **kwargs)
    old.data = data
    for key in ("scale", "translate", "units", "axis_labels", "metadata", "features",
                "colormap"):
        if key in kwargs:
            setattr(old, key, kwargs[key])
    if layer_type == "image" and "contrast_limits" not in kwargs:
        old.reset_contrast_limits()
    return old


# ----------------------------------------------------------------------- widget
class SymsegWidget(Container):
    """Segment an image layer into crystal patterns with symmetry descriptors.

    Parameters
    ----------
    viewer : napari.viewer.Viewer
        The viewer whose image layers are offered and receive the results.

    Attributes
    ----------
    image : ComboBox
        The image layer to segment.
    segment : ComboBox
        For a (T, Y, X) layer only: segment the ``"current frame"`` or
        ``"all frames"`` (one model fitted on the reference frames labels
        every frame; see `_series_widget`).
    fields : dict of str to Widget
        One widget per `Params` field, built from the dataclass.
    run_button : PushButton
        "Run", or "Cancel" while a segmentation runs.
    progress : ProgressBar
    worker : GeneratorWorker or None
        The running worker (None when idle).
    area_plot : AreaFractionPlot or None
        The docked plot of pattern area fraction versus time (series runs).
    suggest_button : PushButton
        "Suggest sizes": fill patch, window, radius and stride (and whatever
        else `suggest_params` sets) from the image or its current frame.
    suggest_worker : FunctionWorker or None
        The running suggestion (None when idle).
    hint_panel : HintPanel
        The number-of-patterns hint of the last run (hidden before).
    hint_worker : FunctionWorker or None
        The running hint computation (None when idle).
    export_button : PushButton
        "Export results…": asks for a base file name, then `export`.
    """

    def __init__(self, viewer: napari.viewer.Viewer) -> None:
        super().__init__(labels=True)
        self.viewer = viewer
        self.worker = None
        self.image = ComboBox(
            name="image", label="image", choices=lambda _: _image_layers(self.viewer)
        )
        self.segment = ComboBox(
            name="segment", label="segment", choices=[CURRENT_FRAME, ALL_FRAMES],
            value=CURRENT_FRAME,
            tooltip="series (T, Y, X): the frame shown now, or every frame with one model "
            "fitted on the reference frame(s)",
        )
        self.fields = {f.name: field_widget(f) for f in dataclasses.fields(Params)}
        self.area_plot = None
        self._series_run = None
        self.probe = CheckBox(
            value=False, name="probe", label="probe",
            tooltip="drag the point: patch, shift window and its local correlation map",
        )
        self.live = CheckBox(
            value=False, name="live_preview", label="live preview",
            tooltip=f"re-run (stride >= {PREVIEW_STRIDE}) whenever a parameter changes",
        )
        self.run_button = PushButton(text="Run", name="run", tooltip=RESULT_HELP)
        self.export_button = PushButton(
            text="Export results…", name="export", tooltip=EXPORT_HELP
        )
        self.save_button = PushButton(text="Save parameters…", name="save_params")
        self.load_button = PushButton(text="Load parameters…", name="load_params")
        self.suggest_button = PushButton(
            text="Suggest sizes from the image", name="suggest",
            tooltip="fill patch, window, radius and stride from the lattice period of the "
            "image (the current frame of a series); edit them afterwards as you like",
        )
        files = Container(widgets=[self.load_button, self.save_button], layout="horizontal",
                          labels=False, name="param_files", label=" ")
        files.margins = (0, 0, 0, 0)
        self.progress = ProgressBar(value=0, min=0, max=100, name="progress", label=" ")
        self.status = Label(value="", name="status", label=" ", tooltip=RESULT_HELP)
        self.status.native.setWordWrap(True)  # long messages must not widen the dock
        self.hint_panel = HintPanel(viewer, self.fields["n_patterns"], name="hint",
                                    label=" ", tooltip=HINT_HELP)
        series = [self.fields[name] for name in SERIES_FIELDS]
        others = [w for name, w in self.fields.items() if name not in SERIES_FIELDS]
        others.insert(others.index(self.fields["descriptor_name"]) + 1, self.suggest_button)
        self.extend(
            [self.image, self.segment, *series, *others, files, self.probe, self.live,
             self.run_button, self.export_button, self.progress, self.status,
             self.hint_panel]
        )
        self.progress.visible = False
        self.hint_panel.visible = False
        self.suggest_worker = None
        self._suggested = {}  # the fields the last suggestion changed
        self.hint_worker = None
        self._hint_serial = 0  # the latest hint request; older results are dropped
        self._hint_pending = None  # requested while another hint was computing
        # the suggestion and hint workers may finish after the dock (or viewer) is closed
        self._open = True
        self.native.destroyed.connect(lambda *_: setattr(self, "_open", False))

        for widget in (self.fields["descriptor_name"], self.image, self.segment):
            widget.changed.connect(self._update_visible_fields)
        self.image.changed.connect(self._update_lengths)
        for name in SIZE_AXES:
            self.fields[name].changed.connect(self._update_lengths)
            self.fields[name].changed.connect(self._update_probe)
        self.probe.changed.connect(self._update_probe)
        from qtpy.QtCore import QTimer

        self._preview_timer = QTimer()
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self._start_preview)
        self._preview_pending = False
        for widget in (self.image, self.live, *self.fields.values()):
            widget.changed.connect(self._schedule_preview)
        self.fields["descriptor_name"].changed.connect(self._update_probe)
        self._probe_point = None
        self.run_button.changed.connect(self._on_run_clicked)
        self.save_button.changed.connect(lambda *_: self._ask_path(save=True))
        self.load_button.changed.connect(lambda *_: self._ask_path(save=False))
        self.export_button.changed.connect(lambda *_: self._ask_export())
        self.suggest_button.changed.connect(lambda *_: self.suggest())
        for event in ("inserted", "removed", "reordered"):
            getattr(viewer.layers.events, event).connect(self._reset_image_choices)
        self._update_visible_fields()
        self._update_lengths()

    # -- parameters
    def _update_visible_fields(self, *_: Any) -> None:
        shown = set(self.visible_fields())
        for name, widget in self.fields.items():
            widget.visible = name in shown
        layer = self.image.value
        self.segment.visible = layer is not None and layer.ndim == 3

    def series_mode(self) -> bool:
        """True when Run segments every frame of a (T, Y, X) layer."""
        layer = self.image.value
        return layer is not None and layer.ndim == 3 and self.segment.value == ALL_FRAMES

    def _update_lengths(self, *_: Any) -> None:
        """Show the physical length next to each size field of a calibrated layer."""
        layer = self.image.value
        for name, axis in SIZE_AXES.items():
            widget = self.fields[name]
            base = name.replace("_", " ")
            length = None if layer is None else physical_length(layer, axis, widget.value)
            widget.label = f"{base} (= {length})" if length else base

    # -- live preview
    def _schedule_preview(self, *_: Any) -> None:
        """Debounce: (re)start the timer; the run starts when changes pause."""
        if self.live.value:
            self._preview_timer.start()

    def _start_preview(self) -> None:
        if self.worker is not None:  # cancel the outdated run, start again when it ends
            self._preview_pending = True
            self.cancel()
            return
        self.run(preview=True)

    # -- probe
    def _update_probe(self, *_: Any) -> None:
        """Show the patch, the shift window and the local correlation map at the probe."""
        layer = self.image.value
        if not self.probe.value or layer is None:
            return
        try:
            params = self.params()
            image = frame_of(layer, self.viewer)
        except (InvalidLayerError, ParamsError):
            return
        scale = np.asarray(layer.scale[-2:], float)
        translate = np.asarray(layer.translate[-2:], float)
        place = {"scale": tuple(scale), "translate": tuple(translate),
                 "units": tuple(str(u) for u in layer.units[-2:]),
                 "axis_labels": tuple(layer.axis_labels[-2:]),
                 "metadata": {METADATA_KEY: {"source": layer.name}}}
        name = f"{layer.name} probe"
        if self._probe_point is None or self._probe_point not in self.viewer.layers:
            centre = (np.asarray(image.shape) - 1) / 2  # data coordinates
            self._probe_point = self.viewer.add_points(
                [centre], name=name, size=10, face_color="yellow",
                border_color="black", **place,
            )
            self._probe_point.mode = "select"
            self._probe_point.events.data.connect(self._update_probe)
        if len(self._probe_point.data) == 0:
            return
        row, col = np.round(self._probe_point.data[-1][-2:]).astype(int)
        shapes, kinds = probe_shapes(row, col, params)
        old = self.viewer.layers[f"{name} window"] if f"{name} window" in self.viewer.layers \
            else None
        if old is not None and list(old.shape_type) != kinds:
            self.viewer.layers.remove(old)  # another descriptor family: other shapes
        show_layer(self.viewer, shapes, {
            "name": f"{name} window", "shape_type": kinds,
            "edge_color": ["yellow", "cyan"][: len(kinds)] if len(kinds) > 1 else ["cyan"],
            "face_color": "transparent", "edge_width": 1.5, **place}, "shapes")
        try:
            cmap = correlation_map(image, *probe_patch(params), params.window_x,
                                   params.window_y, row, col)
        except ValueError:  # image too small for this patch + window
            return
        beside = _beside(layer, cmap.shape)
        extent = np.asarray(layer.data.shape[-2:], float) * scale
        beside["translate"] = (translate[0] + 0.55 * extent[0], beside["translate"][1])
        show_layer(self.viewer, cmap, {
            "name": f"{layer.name} local correlation map", "colormap": "inferno",
            "contrast_limits": (-1.0, 1.0), "metadata": {METADATA_KEY: {
                "source": layer.name, "pixel": [int(row), int(col)]}}, **beside}, "image")

    def visible_fields(self) -> list[str]:
        """Names of the parameter fields shown for the current descriptor (and mode)."""
        family = FAMILIES[self.fields["descriptor_name"].value]
        shown = {"descriptor_name", *family.fields, *COMMON_FIELDS}
        if self.series_mode():
            shown.update(SERIES_FIELDS)
        return [name for name in self.fields if name in shown]

    def params(self) -> Params:
        """The `Params` of the current field values (raises `ParamsError`).

        An empty ``reference_frames`` field becomes the frame shown now
        (frame 0 for a 2-D layer), so that the layer metadata records it.
        """
        values = {name: _value(widget) for name, widget in self.fields.items()}
        if values["reference_frames"] is None:
            layer = self.image.value
            frame = None if layer is None else frame_index(layer, self.viewer)
            values["reference_frames"] = (0 if frame is None else frame,)
        return Params(**values)

    def set_params(self, params: Params) -> None:
        """Show `params` in the fields."""
        for name, value in params.to_dict().items():
            _set_value(self.fields[name], value)

    def save_params(self, path) -> bool:
        """Write the current parameters as JSON (the CLI's ``--params`` format)."""
        from napari.utils.notifications import show_error, show_info

        try:
            self.params().to_json(path)
        except (ParamsError, OSError) as err:
            show_error(f"Symmetry segmentation: cannot save parameters: {err}")
            return False
        show_info(f"parameters saved to {path}")
        return True

    def load_params(self, path) -> bool:
        """Fill the fields from a JSON file written by `save_params` or the CLI."""
        from napari.utils.notifications import show_error

        try:
            self.set_params(Params.from_json(path))
        except ParamsError as err:
            show_error(f"Symmetry segmentation: cannot load parameters: {err}")
            return False
        return True

    def _ask_path(self, save: bool) -> None:
        from qtpy.QtWidgets import QFileDialog

        dialog = QFileDialog.getSaveFileName if save else QFileDialog.getOpenFileName
        path, _ = dialog(self.native, "Segmentation parameters", "", "JSON (*.json)")
        if path:
            (self.save_params if save else self.load_params)(path)

    # -- export
    def result_layer(self):
        """The ``"<image> patterns"`` layer of the chosen image (None before a run)."""
        from napari.layers import Labels

        layer = self.image.value
        name = None if layer is None else f"{layer.name} patterns"
        found = self.viewer.layers[name] if name in self.viewer.layers else None
        ours = isinstance(found, Labels) and METADATA_KEY in found.metadata
        return found if ours else None

    def export(self, base) -> list | None:
        """Write the chosen image's result files; return their paths (None on failure).

        ``BASE_labels.tif``, ``BASE_params.json``, ``BASE_stats.csv`` and
        ``BASE_overlay.png`` (see `export.export_result`). The labels are
        those of its pattern layer (every frame of a series, with any edit
        made in napari), calibrated from the image layer's scale and units;
        the overlay shows the current frame of a series in the layer's
        colours. The status line lists the files; a failure (no result yet,
        a folder that does not exist or cannot be written) is an error
        message, never an exception.

        Parameters
        ----------
        base : str or Path
            Base file name (a suffix such as ``.tif`` is dropped).
        """
        from napari.utils.notifications import show_error, show_info

        source, patterns = self.image.value, self.result_layer()
        try:
            if source is None or patterns is None:
                raise ExportError("run a segmentation of the chosen image first")
            frame = frame_index(source, self.viewer) if patterns.ndim == 3 else None
            written = export_layer_result(base, source, patterns, frame, METADATA_KEY)
        except (ExportError, ParamsError, OSError) as err:
            self.status.value = f"not exported: {err}"
            show_error(f"Symmetry segmentation: cannot export: {err}")
            return None
        names = ", ".join(path.name for path in written)
        self.status.value = f"exported {names} to {written[0].parent}"
        show_info(f"Symmetry segmentation: wrote {names}")
        return written

    def _ask_export(self) -> None:
        from qtpy.QtWidgets import QFileDialog

        layer = self.image.value
        suggestion = "" if layer is None else re.sub(r"[^\w.-]+", "_", layer.name)
        base, _ = QFileDialog.getSaveFileName(
            self.native, "Export results: base file name", suggestion, "All files (*)"
        )
        if base:
            self.export(base)

    def _reset_image_choices(self, *_: Any) -> None:
        self.image.reset_choices()

    def _while_open(self, slot):
        """`slot`, called only while the widget exists (for workers that outlive it)."""

        def call(*args: Any) -> None:
            if self._open:
                slot(*args)

        return call

    # -- suggested sizes
    def suggest(self):
        """Fill the size fields from the chosen image; return the worker (None on bad input).

        ``suggest_params(frame, current parameters)`` runs in a thread worker
        on the layer's current frame: the lattice estimate (power spectra of
        1024² tiles) takes about 0.3 s for 1024², 0.45 s for 2048² and 0.9 s
        for 4096², too long for the GUI thread. The fields are filled as soon
        as the sizes are known; the status then names the lattice (a second
        estimate, for the text only).
        Only the fields it changes are set, all at once, so a live preview
        runs once afterwards. A failure (e.g. an image without a lattice)
        becomes an error notification and leaves the fields as they were.
        """
        from napari.qt.threading import thread_worker
        from napari.utils.notifications import show_error

        layer = self.image.value
        if layer is None:
            show_error("Symmetry segmentation: choose an image layer first")
            return None
        try:
            params = self.params()
            image = frame_of(layer, self.viewer)
        except (InvalidLayerError, ParamsError) as err:
            show_error(f"Symmetry segmentation: cannot suggest sizes: {err}")
            return None
        worker = thread_worker(suggestion_steps, start_thread=False, ignore_errors=True)(
            image, params
        )
        worker.yielded.connect(self._while_open(partial(self._on_suggested, layer, params)))
        worker.returned.connect(self._while_open(partial(self._on_lattice, layer)))
        worker.errored.connect(self._while_open(self._on_suggest_failed))
        worker.finished.connect(self._while_open(self._on_suggest_finished))
        self.suggest_worker = worker
        self.suggest_button.enabled = False
        if self.worker is None:
            self.status.value = "suggesting sizes…"
        worker.start()
        return worker

    def _on_suggested(self, layer, before: Params, params: Params) -> None:
        old, new = before.to_dict(), params.to_dict()
        self._suggested = {name: value for name, value in new.items() if value != old[name]}
        for name, value in self._suggested.items():
            _set_value(self.fields[name], value)
        self.status.value = suggestion_text(layer, None, self._suggested)

    def _on_lattice(self, layer, lattice: Any) -> None:
        if lattice is not None:  # say what the sizes come from
            self.status.value = suggestion_text(layer, lattice, self._suggested)

    def _on_suggest_failed(self, err: Exception) -> None:
        from napari.utils.notifications import show_error

        show_error(f"Symmetry segmentation: cannot suggest sizes from this image: {err}")
        if self.worker is None:
            self.status.value = "no sizes suggested (see the notification)"

    def _on_suggest_finished(self) -> None:
        self.suggest_worker = None
        self.suggest_button.enabled = True

    # -- number-of-patterns hint
    def _request_hint(self, job, layer_name: str, used: int) -> None:
        """Compute ``job()`` (a `PatternCountHint`) in a worker, then show and store it.

        At most one hint worker runs; a request made meanwhile waits and
        replaces any older waiting one, and only the latest request's hint
        is shown (the layers belong to the latest run).
        """
        self._hint_serial += 1
        request = (self._hint_serial, job, layer_name, used)
        self.hint_panel.visible = True
        self.hint_panel.computing()
        if self.hint_worker is None:
            self._start_hint(request)
        else:
            self._hint_pending = request

    def _start_hint(self, request: tuple) -> None:
        from napari.qt.threading import thread_worker

        serial, job, layer_name, used = request
        worker = thread_worker(job, start_thread=False, ignore_errors=True)()
        worker.returned.connect(self._while_open(partial(self._on_hint, serial, layer_name, used)))
        worker.errored.connect(self._while_open(partial(self._on_hint_failed, serial)))
        worker.finished.connect(self._while_open(self._on_hint_finished))
        self.hint_worker = worker
        worker.start()

    def _on_hint(self, serial: int, layer_name: str, used: int, hint) -> None:
        if serial != self._hint_serial:  # a newer run's hint is on its way
            return
        self.hint_panel.show_hint(hint, used)
        layers = self.viewer.layers
        layer = layers[layer_name] if layer_name in layers else None
        if layer is not None and METADATA_KEY in layer.metadata:
            ours = {**layer.metadata[METADATA_KEY], "pattern_count_hint": hint_metadata(hint)}
            layer.metadata = {**layer.metadata, METADATA_KEY: ours}

    def _on_hint_failed(self, serial: int, err: Exception) -> None:
        if serial == self._hint_serial:
            self.hint_panel.failed(f"not available ({err})")

    def _on_hint_finished(self) -> None:
        self.hint_worker = None
        if self._hint_pending is not None:
            request, self._hint_pending = self._hint_pending, None
            self._start_hint(request)

    # -- running
    def _on_run_clicked(self, *_: Any) -> None:
        if self.worker is not None:
            self.cancel()
        else:
            self.run()

    def run(self, preview: bool = False):
        """Start segmenting the chosen layer; return the worker (None on bad input).

        A `preview` run uses a stride of at least `PREVIEW_STRIDE` and always
        segments the current frame only (also in "all frames" mode).
        """
        from napari.qt.threading import thread_worker
        from napari.utils.notifications import show_error

        layer = self.image.value
        if layer is None:
            show_error("Symmetry segmentation: choose an image layer first")
            return None
        series = self.series_mode() and not preview
        try:
            params = self.params()
            if series:
                check_layer(layer)
                check_series(layer.data)
            else:
                image = frame_of(layer, self.viewer)
        except (InvalidLayerError, InputError, ParamsError) as err:
            show_error(f"Symmetry segmentation: {err}")
            return None
        if preview:
            params = params.replace(stride=max(params.stride, PREVIEW_STRIDE))
        if params.random_state is None:  # draw the seed here so that metadata records it
            params = params.replace(random_state=int(np.random.SeedSequence().entropy % 2**31))
        if series:
            from .series import SeriesRun

            self._series_run = SeriesRun(self, layer, params)
            worker = self._series_run.worker
            # after SeriesRun's own handler (connected first) has made the layer final
            worker.returned.connect(partial(self._on_series_returned, layer))
        else:
            frame = frame_index(layer, self.viewer)
            worker = thread_worker(segment_steps, start_thread=False, ignore_errors=True)(
                image, params
            )
            worker.yielded.connect(self._on_progress)
            worker.returned.connect(partial(self._on_returned, layer, frame))
        worker.errored.connect(self._on_errored)
        worker.finished.connect(self._on_finished)
        self.worker = worker
        self.run_button.text = "Cancel"
        self.progress.value = 0
        self.progress.visible = True
        self.status.value = "starting"
        worker.start()
        return worker

    def cancel(self) -> None:
        """Stop the running segmentation at its next progress step; no layer is added."""
        if self.worker is not None:
            self.status.value = "cancelling"
            self.worker.quit()

    def _on_progress(self, progress: Progress) -> None:
        self.progress.value = round(100 * progress.fraction)
        self.status.value = str(progress)

    def _on_returned(self, layer, frame: int | None, result: Result) -> None:
        layers = self.viewer.layers
        marks = f"{layer.name} selected operations"  # of a series run: not this heatmap's
        if marks in layers and METADATA_KEY in layers[marks].metadata:
            layers.remove(marks)
        before = len(layers)
        for data, kwargs, layer_type in result_layers(layer, result, frame):
            show_layer(self.viewer, data, kwargs, layer_type)
        if len(layers) > before:  # new layers (e.g. the heatmap beside the
            self.viewer.reset_view()  # image): bring them into view; re-runs keep the zoom
        self._request_hint(  # the CLI's hint too: same features, k_max and seed
            partial(result.pattern_count_hint, HINT_K_MAX),
            f"{layer.name} patterns", result.params.n_patterns,
        )

    def _on_series_returned(self, layer, result) -> None:
        """Hint of a series: the reference frames' features under the fitted model."""
        params = result.params
        self._request_hint(
            partial(series_hint, layer.data, result.fit, params.random_state),
            f"{layer.name} patterns", params.n_patterns,
        )

    def _on_errored(self, err: Exception) -> None:
        from napari.utils.notifications import show_error

        show_error(f"Symmetry segmentation failed: {err}")

    def _on_finished(self) -> None:
        aborted = self.worker is not None and self.worker.abort_requested
        if self._series_run is not None:  # a cancelled or failed run leaves no layer
            self._series_run.close()
            self._series_run = None
        self.worker = None
        self.run_button.text = "Run"
        self.progress.visible = False
        self.progress.native.setFormat("%p%")
        self.status.value = "cancelled" if aborted else ""
        if self._preview_pending:  # parameters changed during a preview run
            self._preview_pending = False
            self._preview_timer.start()
