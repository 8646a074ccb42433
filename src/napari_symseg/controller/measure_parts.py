"""The pieces of a measurement's layers and table, without Qt: its maps' contrast, the
regions' features and polarisation, the table's cells, the napari layers from their specs
(`napari_symseg.controller.measure.MeasureController` puts them together).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..core.lattice import metric_period
from ..core.table import Table

#: The spacing map's contrast limits: these percentiles of its known values (a few
#: outliers at boundaries and in regions without a lattice must not flatten the rest).
SPACING_PERCENTILES = (2.0, 98.0)


def add_polarisation(m, result, shape) -> None:
    """Add the regions' mean polarisation to `m.regions` for a 2-D polarity `result`."""
    if (result is None or result.operations.kind != "polarity" or result.image is None
            or tuple(np.shape(result.image)) != tuple(shape)):
        return
    from ..core.descriptors.polarity import region_polarisation

    grid = result.grid
    on_grid = m.region_labels[np.ix_(grid.rows, grid.cols)]
    reach = max(result.params.patch_x, result.params.patch_y) / grid.stride
    m.regions.columns.update(region_polarisation(result.polarisation(), on_grid,
                                                 m.regions["region"], reach))


def compact_ids(ids: np.ndarray) -> np.ndarray:
    """Region ids in the smallest unsigned type that holds them (uint8, uint16; else as is).

    napari draws a Labels layer of int32 values through a cast of every
    pixel to its texture type, in its insert, its first draw and each
    refresh; a uint8 or uint16 layer is drawn as it is (the regions layer
    of a 2048² image: its insert and first draw 488-749 ms as int32,
    347-617 ms as uint8, `benchmarks/regions_insert.py`, alternated, load
    14-16). Ids and their colours stay the same.

    Parameters
    ----------
    ids : ndarray of int
        Region ids (0: none), never negative.

    Returns
    -------
    ndarray
        `ids` itself when it needs its type, else a copy in the smaller one.
    """
    top = int(ids.max(initial=0))
    for small in (np.uint8, np.uint16):
        if top <= np.iinfo(small).max and np.dtype(small).itemsize < ids.dtype.itemsize:
            return ids.astype(small)
    return ids


@contextlib.contextmanager
def collections_paused() -> Iterator[None]:
    """No cyclic garbage collection inside (``gc.disable``; enabled again after, if it was).

    The boundary tracing (scikit-image's ``find_contours``: a tuple per
    contour segment, thousands per region, kept until assembled) makes
    container objects by the hundred thousand; they die by reference
    counting, but the collections they trigger meanwhile promote them, and
    every few frames a full collection walked napari's whole heap holding
    the interpreter (1.6 s at load 8: the GUI frozen). Process-wide while
    it lasts: cycles made meanwhile (the GUI thread's too) wait for the
    first collection after it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def make_layer(kind: str, name: str, data, kwargs: dict) -> tuple[Any, str | None]:
    """A napari layer of `kind` from a spec of `MeasureController.compute`, and the name of
    the layer it goes above (the ``above`` keyword; None: on top)."""
    from napari import layers

    cls = {"labels": layers.Labels, "image": layers.Image, "shapes": layers.Shapes,
           "tracks": layers.Tracks}[kind]
    kwargs = dict(kwargs)
    above = kwargs.pop("above", None)
    return cls(data, name=name, **kwargs), above


def robust_limits(values: np.ndarray) -> tuple[float, float]:
    """Contrast limits of a map: the `SPACING_PERCENTILES` of its finite values.

    Parameters
    ----------
    values : ndarray
        The map (NaN where unknown).

    Returns
    -------
    (float, float)
        ``lo < hi`` always (``(0, 1)`` for a map without values; a constant
        map gets ±1 % around its value).
    """
    finite = np.asarray(values, np.float64)
    finite = finite[np.isfinite(finite)]
    if not finite.size:
        return 0.0, 1.0
    lo, hi = (float(v) for v in np.percentile(finite, SPACING_PERCENTILES))
    if hi <= lo:
        pad = 0.01 * abs(lo) or 1.0
        lo, hi = lo - pad, hi + pad
    return lo, hi


def orientation_period(regions: Table) -> float:
    """The largest rotation period (60, 90 or 180 degrees) of the regions' lattices: the
    orientation map's range."""
    periods = [metric_period(a, b, g) for a, b, g in zip(
        regions["a_px"], regions["b_px"], regions["gamma_deg"], strict=True)
        if np.isfinite(a)] if len(regions) else []
    return max(periods, default=180.0)


def region_features(regions: Table) -> dict:
    """One features row per region id (napari's Labels features are keyed by ``index``)."""
    if not len(regions):
        return {}
    ids, first = np.unique(regions["region"], return_index=True)
    cols = {"index": ids}
    for name in ("pattern", "area_px", "orientation_deg", "a_px", "b_px", "gamma_deg"):
        cols[name] = np.asarray(regions[name])[first]
    return cols


def table_cell(value, integer: bool = False, significant: bool = False) -> str:
    """A table cell: integers, 2 decimals (angles, lengths), or 3 significant digits
    (`significant`: a polarisation magnitude, about 0.01, would read 0.01 everywhere)."""
    if integer and isinstance(value, (float, np.floating)) and np.isfinite(value):
        return str(round(float(value)))
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return ""
        return f"{value:.3g}" if significant else f"{value:.2f}"
    return str(value)
