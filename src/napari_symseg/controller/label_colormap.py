"""A patterns layer's colormap that napari can draw without compiling numba kernels.

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
