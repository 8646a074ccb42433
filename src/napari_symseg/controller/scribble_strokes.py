"""The strokes of an image's scribbles layer, for a run of the main dock.

The main dock's runs read the Scribbles dock's strokes: `scribbles_for`
(a 2-D image, or one frame of a series: `controller.runs`) and
`series_scribbles_for` (an all-frames run of a (T, Y, X) series:
`controller.series`, `controller.lazy_series`); both find the layer
through `scribbles.ScribbleSession` and return None when nothing is
painted.
"""

from __future__ import annotations

import numpy as np

from ..core.scribbles import series_scribbles
from .scribbles import ScribbleSession


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
