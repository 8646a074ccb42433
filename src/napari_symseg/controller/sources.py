"""Which layers may be segmented, and what a worker may read of them (no Qt).

`source_layers` lists what the widget offers: grey-scale Image layers that
are not the package's own output (any layer whose
``metadata[METADATA_KEY]`` has a ``role``: results, previews, the probe).
`SourceSnapshot` is the data and calibration of a source at run start,
what a worker thread reads instead of the layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError
from . import METADATA_KEY


class InvalidLayerError(InputError):
    """The chosen layer cannot be segmented (RGB, multiscale, wrong number of dimensions)."""


def role_of(layer) -> str | None:
    """The package role of a layer (``"patterns"``, ``"probe"``...), None for others."""
    meta = getattr(layer, "metadata", None) or {}
    ours = meta.get(METADATA_KEY)
    return ours.get("role") if isinstance(ours, dict) else None


def source_layers(layers) -> list:
    """The layers the widget offers for segmentation: Image layers without a role.

    Parameters
    ----------
    layers : napari.components.LayerList
        The viewer's layers.
    """
    from napari.layers import Image

    return [layer for layer in layers if isinstance(layer, Image) and role_of(layer) is None]


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
    """The frame of a (T, Y, X) layer shown in the viewer now (None for 2-D layers).

    Parameters
    ----------
    layer : napari.layers.Layer
        A 2-D or (T, Y, X) layer.
    viewer : napari.components.ViewerModel
        Its ``dims.point`` is the time slider.
    """
    if layer.ndim != 3:
        return None
    t = layer.world_to_data(viewer.dims.point)[0]
    return int(np.clip(round(t), 0, layer.data.shape[0] - 1))


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


@dataclass(frozen=True)
class SourceSnapshot:
    """What a worker may read of a source layer: its data and calibration at run start.

    Duck-compatible with a layer for `layer_calibration` and `result_features`.

    Attributes
    ----------
    name : str
    data : array_like
    scale, translate : tuple of float
    units, axis_labels : tuple of str
    """

    name: str
    data: Any = field(repr=False)
    scale: tuple
    translate: tuple
    units: tuple
    axis_labels: tuple

    @classmethod
    def of(cls, layer) -> SourceSnapshot:
        """Snapshot of a napari layer (read on the GUI thread)."""
        return cls(layer.name, layer.data, tuple(float(s) for s in layer.scale),
                   tuple(float(t) for t in layer.translate),
                   tuple(str(u) for u in layer.units), tuple(layer.axis_labels))

    @property
    def ndim(self) -> int:
        """Number of axes."""
        return len(self.scale)
