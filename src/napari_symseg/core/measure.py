"""Measure one segmented image: regions with their lattices, boundaries, local lattice maps.

`measure_frame` ties `regions`, `lattice`, `plane_group`, `boundaries` and
`local_lattice` together; ``Result.measure()`` calls it with the run's image,
grid labels and grid. Everything is in pixels; the writers in
``napari_symseg.io.measure`` add the calibrated columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .boundaries import boundaries_table, trace_boundaries
from .grid import Grid
from .lattice import angle_of
from .local_lattice import local_lattice_maps
from .params import Params
from .regions import label_regions, region_geometry, region_lattices, regions_table
from .table import Table


@dataclass(frozen=True)
class Measurement:
    """What was measured on one segmented image (or one frame of a series).

    Attributes
    ----------
    regions : Table
        One row per connected region: ``frame, region, pattern, area_px,
        centroid_y_px, centroid_x_px, bbox_y0, bbox_x0, bbox_y1, bbox_x1,
        orientation_deg, a_px, b_px, gamma_deg, a_y_px, a_x_px, b_y_px,
        b_x_px, a_ideal_px, distortion, plane_group, plane_group_score, lattice_note``
        (lattice columns NaN for regions too small for a lattice).
    boundaries : Table
        One row per pair of adjacent regions: ``frame, boundary, region_a,
        region_b, length_px, misorientation_deg, n_lines, mid_y_px, mid_x_px``.
    boundary_lines : list of list of ndarray
        The (n, 2) (row, col) polylines of every boundary, in image pixels.
    region_labels : ndarray of int32
        Region id of every image pixel (0: none).
    orientation_map, spacing_map : ndarray of float32, grid shape
        Local orientation (degrees, folded by the local lattice's rotation
        symmetry) and shortest lattice spacing (px) on the descriptor grid.
    grid : Grid
        The grid of the maps.
    """

    regions: Table
    boundaries: Table
    boundary_lines: list
    region_labels: np.ndarray
    orientation_map: np.ndarray
    spacing_map: np.ndarray
    grid: Grid


def pixel_grid(shape) -> Grid:
    """The grid of every pixel (stride 1), for labels that are not on a descriptor grid.

    Parameters
    ----------
    shape : (int, int)
        Image shape.
    """
    h, w = (int(s) for s in shape)
    return Grid(np.arange(h, dtype=np.int64), np.arange(w, dtype=np.int64), (h, w), 1)


def max_lag_for(params: Params | None) -> int:
    """Largest autocorrelation lag: three shift windows, at least 64 px and at most 160 px.

    Parameters
    ----------
    params : Params or None
        Of the run.
    """
    if params is None:
        return 64
    return int(max(64, min(160, 3 * max(params.window_x, params.window_y))))


def measure_frame(image: np.ndarray, grid_labels: np.ndarray, grid: Grid | None = None,
                  n_patterns: int | None = None, frame: int = 0, max_lag: int = 64,
                  maps: bool = True, plane_groups: bool = True) -> Measurement:
    """Regions, lattices, boundaries and local maps of one segmented image.

    Parameters
    ----------
    image : ndarray, 2-D
        The image.
    grid_labels : ndarray of int
        Pattern labels on `grid` (or of every pixel when `grid` is None).
    grid : Grid, optional
        Where the labels are; the image's pixels by default.
    n_patterns : int, optional
        Number of patterns (default: from the labels).
    frame : int
        Frame index written to the tables.
    max_lag : int
        Largest autocorrelation lag (px) for the regions' lattices.
    maps : bool
        Also compute the local orientation and spacing maps.
    plane_groups : bool
        Also guess the plane groups.

    Returns
    -------
    Measurement
    """
    image = np.asarray(image, np.float64)
    grid = pixel_grid(image.shape) if grid is None else grid
    grid_regions, pattern = label_regions(grid_labels, n_patterns)
    n = len(pattern) - 1
    full = grid.upsample(grid_regions) if grid.stride != 1 or grid.shape != image.shape \
        else grid_regions
    geometry, grid_boxes = region_geometry(grid_regions, n, grid)
    boxes = np.stack([geometry[k] for k in ("bbox_y0", "bbox_x0", "bbox_y1", "bbox_x1")],
                     axis=1)
    lattices = region_lattices(image, full, boxes, max_lag, plane_groups)
    ids = np.arange(1, n + 1)
    regions = regions_table(frame, ids, pattern[1:], geometry, lattices)
    angles = {int(i): (item.lattice.equivalent_orientations if item.lattice is not None else ())
              for i, item in zip(ids, lattices, strict=True)}
    period = {int(i): (item.lattice.symmetry_period if item.lattice is not None else np.nan)
              for i, item in zip(ids, lattices, strict=True)}
    traced = trace_boundaries(grid_regions, grid_boxes, tolerance=0.5)
    pairs = sorted(traced)
    lines = [[_to_image(line, grid) for line in traced[p]] for p in pairs]
    boundaries = boundaries_table(frame, pairs, lines, angles)
    if maps:
        spacing = {int(i): v for i, v in zip(ids, regions["a_px"], strict=True)}
        direction = {int(i): angle_of(item.lattice.a) for i, item in zip(ids, lattices,
                                                                          strict=True)
                     if item.lattice is not None}
        omap, smap = local_lattice_maps(image, grid, grid_regions, spacing, period, direction)
    else:
        omap = smap = np.full(grid.shape, np.nan, np.float32)
    return Measurement(regions, boundaries, lines, full.astype(np.int32, copy=False),
                       omap, smap, grid)


def _to_image(line: np.ndarray, grid: Grid) -> np.ndarray:
    """Grid coordinates (fractional indices) to image pixels (row, col); vertices on the
    grid's first or last row (column) go to the image border, as the upsampled labels do."""
    origin = np.array([grid.rows[0], grid.cols[0]], np.float64)
    out = origin + grid.stride * line
    for axis, n in enumerate(grid.shape):
        out[line[:, axis] == 0, axis] = -0.5
        out[line[:, axis] == n - 1, axis] = grid.image_shape[axis] - 0.5
    return out


__all__ = ["Measurement", "Table", "max_lag_for", "measure_frame", "pixel_grid"]
