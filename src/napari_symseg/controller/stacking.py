"""Where every layer the plugin adds goes in napari's layer list: one rule, one place.

The rule (docs/user-guide.md, "Where the plugin's layers go"):

- An image and every layer the plugin adds for it (a run's patterns, PCA,
  confidence, preview and polarisation layers, Measure's layers, the
  scribbles and scribbled patterns) form the image's **group**: the image,
  then its layers directly above it. A layer belongs to the group of the
  image its ``metadata[METADATA_KEY]["source"]`` names.
- A new layer goes on top of its group; a *low* one (Measure's translucent
  orientation and spacing maps) directly above the image, so that it never
  hides the patterns.
- Adding a layer to a group raises the whole group (image included) to the
  top of the layer list, so a new result is seen at once, never under
  another image stacked above its source.
- The probe's two layers (role ``"probe"``) always stay on top of everything.
- Choosing an image in the widget raises its group when another image above
  it covers it (`raise_if_covered`): the chosen image is the one seen.

`place` is the only function that inserts or moves the plugin's layers
(the run's `apply_spec`, Measure, the scribbles and the probe call it).
"""

from __future__ import annotations

import numpy as np

from . import METADATA_KEY

__all__ = ["add_labels", "covering", "group_of", "is_probe", "place", "raise_group",
           "raise_if_covered"]

#: Blendings with which an image hides what is under it (napari's names).
_HIDING = ("opaque", "translucent", "translucent_no_depth")


def _ours(layer) -> dict:
    meta = getattr(layer, "metadata", None) or {}
    found = meta.get(METADATA_KEY)
    return found if isinstance(found, dict) else {}


def is_probe(layer) -> bool:
    """True for the probe's point and window layers."""
    return _ours(layer).get("role") == "probe"


def group_of(layers, source) -> list:
    """`source` and the plugin's layers of it, in layer-list order (the probe excluded).

    Parameters
    ----------
    layers : napari.components.LayerList
        The viewer's layers.
    source : napari.layers.Layer
        The image.

    Returns
    -------
    list of Layer
    """
    return [layer for layer in layers if layer is source or (
        not is_probe(layer) and _ours(layer).get("source") == source.name)]


def place(layers, layer, source, low: bool = False):
    """Add `layer` (or move it, when it is in `layers` already) into `source`'s group.

    The group is first raised to the top of the list, below the probe's
    layers (only when it is not there already: no reorder event otherwise),
    then `layer` goes on top of the group, or directly above `source` when
    `low`.

    Parameters
    ----------
    layers : napari.components.LayerList
        The viewer's layers.
    layer : napari.layers.Layer
        The layer to add or move.
    source : napari.layers.Layer or None
        Its image (None or not in `layers`: `layer` goes on top, below the probe).
    low : bool
        Directly above the image rather than on top of the group.

    Returns
    -------
    napari.layers.Layer
        `layer`.
    """
    probes = [i for i, lay in enumerate(layers) if is_probe(lay) and lay is not layer]
    if source is None or source not in layers:
        top = probes[0] if probes else len(layers)
        _put(layers, layer, top)
        return layer
    members = raise_group(layers, source, without=layer)
    members_at = [layers.index(lay) for lay in members]
    _put(layers, layer, (members_at[0] if low else members_at[-1]) + 1)
    return layer


def add_labels(layers, source, data, **kwargs):
    """A new napari Labels layer of `data` (`kwargs`: its keywords) `place`-d in
    `source`'s group.

    Parameters
    ----------
    layers : napari.components.LayerList
        The viewer's layers.
    source : napari.layers.Layer
        Its image.
    data : array
        The labels.
    **kwargs
        ``napari.layers.Labels`` keywords (name, metadata, scale, ...).

    Returns
    -------
    napari.layers.Labels
    """
    from napari.layers import Labels

    return place(layers, Labels(data, **kwargs), source)


def raise_group(layers, source, without=None) -> list:
    """Raise `source`'s group to the top of the list, below the probe's layers.

    Nothing moves (no reorder event) when it is there already.

    Parameters
    ----------
    layers : napari.components.LayerList
        The viewer's layers.
    source : napari.layers.Layer
        The image (in `layers`).
    without : napari.layers.Layer, optional
        A layer left where it is (`place` moves it next).

    Returns
    -------
    list of Layer
        The group's members (`without` excluded), bottom to top.
    """
    members = [lay for lay in group_of(layers, source) if lay is not without]
    indices = [layers.index(lay) for lay in members]
    others = [i for i, lay in enumerate(layers) if lay is not without and not is_probe(lay)]
    if indices != others[len(others) - len(indices):]:  # not the top: raise it
        probes = [i for i, lay in enumerate(layers) if is_probe(lay) and lay is not without]
        layers.move_multiple(indices, probes[0] if probes else len(layers))
    return members


def covering(layers, source) -> list:
    """The visible images above `source`'s group that hide part of it.

    An image covers when it is an Image layer of another group, shown, not
    fully transparent, blended so that it hides what is under it (not
    additive, say), and its extent overlaps `source`'s in the displayed
    (last two) dimensions. The plugin's own result layers of other images
    do not count (the widget hides them when another image is chosen).

    Parameters
    ----------
    layers : napari.components.LayerList
        The viewer's layers.
    source : napari.layers.Layer
        The chosen image (in `layers`).

    Returns
    -------
    list of Layer
    """
    from napari.layers import Image

    members = group_of(layers, source)
    top = max(layers.index(lay) for lay in members)
    low, high = _yx_extent(source)
    found = []
    for layer in list(layers)[top + 1:]:
        if (not isinstance(layer, Image) or _ours(layer) or not layer.visible
                or layer.opacity <= 0 or str(layer.blending) not in _HIDING):
            continue
        other_low, other_high = _yx_extent(layer)
        if np.all(other_low < high) and np.all(low < other_high):
            found.append(layer)
    return found


def raise_if_covered(layers, source) -> bool:
    """Raise `source`'s group to the top when another image covers it (`covering`).

    Parameters
    ----------
    layers : napari.components.LayerList
        The viewer's layers.
    source : napari.layers.Layer
        The chosen image.

    Returns
    -------
    bool
        Whether the group was raised.
    """
    if source not in layers or not covering(layers, source):
        return False
    raise_group(layers, source)
    return True


def _yx_extent(layer):
    """The world extent (min, max corners) of `layer` in its last two dimensions."""
    world = np.asarray(layer.extent.world, dtype=float)[:, -2:]
    return world[0], world[1]


def _put(layers, layer, index: int) -> None:
    """Insert `layer` at `index`, or move it there when it is in the list."""
    if layer in layers:
        here = layers.index(layer)
        if here != index and here != index - 1:
            layers.move(here, index)
    else:
        layers.insert(index, layer)
