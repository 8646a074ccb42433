"""The colormaps of the plugin's Labels layers: one colour per pattern everywhere.

`pattern_colormap` makes the colormap of every Labels layer that shows
patterns (patterns, preview, series, scribbled patterns, the warm-up's
layer) and `region_colormap` that of the regions layer (each region in its
pattern's colour): a pattern has one colour in all of them (the tester saw
a pattern in three colours: napari's default colours for the scribbled
patterns and the regions). The warm-up's layers use the same helper for
both data types the plugin gives napari (uint8 and int32), so that napari
compiles its label-colour kernels in the warm-up thread, never on the GUI
thread.

A patterns layer's colormap that napari can draw without compiling numba kernels:

napari maps uint8 labels through a `DirectLabelColormap` with a 256-entry
table (``colour of every uint8 value``) that it computes once per colormap:
with numba installed through a typed dict, whose kernels cannot be cached
and compile in every process (3-15 s, load 1-11: the first all-frames run of
a fresh session waited for them before showing its layer). The same table
computed with napari's numpy implementation (the one it uses without numba)
is put into the colormap's cache here, so neither the layer's thumbnail nor
its texture calls numba.
"""

from __future__ import annotations

import numpy as np

from ..io.colours import label_colour_dict
from ..io.labels import LABEL_OFFSET

#: Opacity of the regions layer: the regions of a pattern are painted in its colour over
#: the patterns layer (which has napari's 0.7): at 0.7 the two hid the atoms after
#: Measure; at 0.25 the view barely changes and the image shows through. Not napari's
#: ``contour`` mode: its outlines are computed on the GUI thread at every refresh
#: (a grey dilation and erosion of the slice), and the boundaries layer draws them already.
REGIONS_OPACITY = 0.25


def pattern_colormap(n_patterns: int, dtype, offset: int = LABEL_OFFSET) -> object:
    """The colormap of a Labels layer showing pattern ``k`` as label ``k + offset``.

    Parameters
    ----------
    n_patterns : int
        Number of patterns.
    dtype : numpy dtype
        The layer's data type (`label_colormap`).
    offset : int
        Label value of pattern 0.

    Returns
    -------
    napari.utils.colormaps.DirectLabelColormap or dict
        See `label_colormap`.
    """
    return label_colormap(label_colour_dict(int(n_patterns), offset), dtype)


def region_colormap(regions, patterns, dtype=np.int32) -> object:
    """The regions layer's colormap: each region in its pattern's colour.

    Parameters
    ----------
    regions : array of int
        Region ids (label values of the regions layer; 0 is background).
    patterns : array of int
        The pattern (0-based) of each region.
    dtype : numpy dtype
        The layer's data type.

    Returns
    -------
    napari.utils.colormaps.DirectLabelColormap or dict
        See `label_colormap`.
    """
    regions = np.asarray(regions, int)
    patterns = np.asarray(patterns, int)
    n = int(patterns.max()) + 1 if len(patterns) else 1
    palette = label_colour_dict(n, LABEL_OFFSET)
    colours = {None: palette[None]} | {
        int(r): palette[int(p) + LABEL_OFFSET] for r, p in zip(regions, patterns, strict=True)
    }
    return label_colormap(colours, dtype)


def label_colormap(colours: dict, dtype) -> object:
    """A `DirectLabelColormap` of `colours` whose table for `dtype` is filled already.

    Parameters
    ----------
    colours : dict
        Label value (or None for the default) -> colour, as napari takes it.
    dtype : numpy dtype
        The layer's data type; only uint8 gets its table (napari's table of a
        uint16 layer has 65536 entries and is made when first drawn).

    Returns
    -------
    napari.utils.colormaps.DirectLabelColormap or dict
        `colours` itself when napari's private helpers are not there (another
        napari version): napari then computes the table as before.
    """
    from napari.utils.colormaps import DirectLabelColormap

    colormap = DirectLabelColormap(color_dict=colours)
    if np.dtype(dtype) != np.uint8:
        return colormap
    try:
        from napari.utils.colormaps import _accelerated_cmap
        from napari.utils.colormaps.colormap import _texture_dtype

        data_dtype = np.dtype(np.uint8)
        target = _texture_dtype(colormap._num_unique_colors, data_dtype)
        values = np.arange(np.iinfo(target).max + 1, dtype=target).astype(data_dtype)
        plain = colormap._cmap_without_selection()
        cast = _accelerated_cmap._labels_raw_to_texture_direct_numpy(values, plain)
        colormap._cache_mapping[(data_dtype, target)] = colormap._map_precast(
            cast, apply_selection=False)
    except (ImportError, AttributeError, TypeError):  # pragma: no cover (napari changed)
        return colours
    return colormap


def kernel_free(colormap) -> bool:
    """True when napari draws uint8 labels with `colormap` without numba (`label_colormap`)."""
    cache = getattr(colormap, "_cache_mapping", None)
    return bool(cache) and any(key[0] == np.uint8 for key in cache)
