"""Connected regions of every pattern, with their area, centroid, box and lattice.

Regions are the 4-connected components of each pattern's pixels (as the
statistics count them). When the labels were upsampled from the descriptor
grid (every grid point a rectangle of pixels), the components are found on
the grid, which gives the same regions, faster; areas and centroids are
computed from the grid too (each grid point weighted by its rectangle of
pixels: exact). Each region large enough gets its lattice
(`lattice.region_lattice`) and a plane-group guess (`plane_group`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy

from .grid import Grid
from .lattice import Lattice, lattice_and_note
from .lattice_metric import ideal_cell
from .plane_group import MIN_SCORE, UNKNOWN, PlaneGroupGuess, guess_plane_group
from .table import Table

#: regions smaller than this (px) get no lattice (too few cells for an autocorrelation)
MIN_LATTICE_AREA = 900


@dataclass(frozen=True)
class RegionLattice:
    """The lattice and plane-group guess of one region (None / unknown when too small), and
    why it has no lattice (`note`, empty when it has one)."""

    lattice: Lattice | None
    group: PlaneGroupGuess
    note: str = ""


def label_regions(labels: np.ndarray, n_patterns: int | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Connected regions (4-connectivity) of every pattern, numbered 1, 2, ...

    Parameters
    ----------
    labels : ndarray of int, 2-D
        Pattern of every pixel (or grid point); negative values are no pattern.
    n_patterns : int, optional
        Patterns 0 .. n_patterns - 1 (default: up to the largest label).

    Returns
    -------
    regions : ndarray of int32
        Region id of every pixel, 0 where there is no pattern; pattern by
        pattern, each in raster order of its first pixel.
    pattern : ndarray of int64, (n_regions + 1,)
        ``pattern[region_id]`` (``pattern[0] = -1``).
    """
    labels = np.asarray(labels)
    n_patterns = int(labels.max()) + 1 if n_patterns is None else int(n_patterns)
    regions = np.zeros(labels.shape, np.int32)
    pattern = [-1]
    for k in range(n_patterns):
        comp, n = scipy.ndimage.label(labels == k)
        if n:
            inside = comp > 0
            regions[inside] = comp[inside] + (len(pattern) - 1)
            pattern += [k] * n
    return regions, np.asarray(pattern, np.int64)


def region_geometry(regions: np.ndarray, n_regions: int, grid: Grid
                    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Area, centroid and bounding box (in image pixels) of regions 1 .. n_regions on a grid.

    The labels are upsampled by nearest neighbour, so every grid point stands
    for a rectangle of pixels: sums over grid points weighted by their
    rectangles give the pixel areas and centroids exactly, without the
    full-size image.

    Parameters
    ----------
    regions : ndarray of int, grid.shape
        Region id per grid point (0: none).
    n_regions : int
        Largest id.
    grid : Grid
        The grid (stride 1 and every pixel: the image itself).

    Returns
    -------
    geometry : dict of str to ndarray
        ``area_px``, ``centroid_y_px``, ``centroid_x_px``, ``bbox_y0``,
        ``bbox_x0``, ``bbox_y1``, ``bbox_x1`` (half-open, image pixels), one
        entry per region 1 .. n_regions.
    grid_boxes : ndarray of int, (n_regions, 4)
        The same boxes in grid indices.
    """
    ri, ci = grid.nearest_index()
    n_r, n_c = regions.shape
    cnt_r = np.bincount(ri, minlength=n_r).astype(np.float64)
    cnt_c = np.bincount(ci, minlength=n_c).astype(np.float64)
    sum_r = np.bincount(ri, weights=np.arange(len(ri), dtype=np.float64), minlength=n_r)
    sum_c = np.bincount(ci, weights=np.arange(len(ci), dtype=np.float64), minlength=n_c)
    flat, n = regions.ravel(), n_regions + 1

    def total(weights):
        return np.bincount(flat, weights=weights.ravel(), minlength=n)[1:n]

    area = total(np.outer(cnt_r, cnt_c))
    with np.errstate(invalid="ignore", divide="ignore"):
        cy, cx = total(np.outer(sum_r, cnt_c)) / area, total(np.outer(cnt_r, sum_c)) / area
    grid_boxes = np.zeros((n_regions, 4), np.int64)
    for i, sl in enumerate(scipy.ndimage.find_objects(regions, max_label=n_regions)):
        if sl is not None:
            grid_boxes[i] = (sl[0].start, sl[1].start, sl[0].stop, sl[1].stop)
    y0 = np.searchsorted(ri, grid_boxes[:, 0], "left")
    y1 = np.searchsorted(ri, grid_boxes[:, 2] - 1, "right")
    x0 = np.searchsorted(ci, grid_boxes[:, 1], "left")
    x1 = np.searchsorted(ci, grid_boxes[:, 3] - 1, "right")
    geometry = {"area_px": area, "centroid_y_px": cy, "centroid_x_px": cx,
                "bbox_y0": y0, "bbox_x0": x0, "bbox_y1": y1, "bbox_x1": x1}
    return geometry, grid_boxes


def region_lattices(image: np.ndarray, regions: np.ndarray, boxes: np.ndarray,
                    max_lag: int = 64, plane_groups: bool = True) -> list[RegionLattice]:
    """The lattice and plane-group guess of every region.

    Parameters
    ----------
    image : ndarray, 2-D
        The image.
    regions : ndarray of int, same shape
        Region ids 1 .. n.
    boxes : ndarray of int, (n, 4)
        Bounding boxes (y0, x0, y1, x1) of the regions.
    max_lag : int
        Largest autocorrelation lag, px.
    plane_groups : bool
        Also guess the plane groups.

    Returns
    -------
    list of RegionLattice
        One per region, in id order.
    """
    out = []
    for rid, (y0, x0, y1, x1) in enumerate(boxes, start=1):
        mask = regions[y0:y1, x0:x1] == rid
        if mask.sum() < MIN_LATTICE_AREA:
            out.append(RegionLattice(None, UNKNOWN, f"under {MIN_LATTICE_AREA} px"))
            continue
        crop = image[y0:y1, x0:x1]
        lat, note = lattice_and_note(crop, mask, max_lag)
        group = guess_plane_group(crop, mask, lat) if plane_groups else UNKNOWN
        if plane_groups and lat is not None and not group.name:
            note = ("no plane group: fewer than 3 whole patches 5 b wide fit in the "
                    "region" if math.isnan(group.score) else
                    f"no plane group: even the two-fold rotation scores under {MIN_SCORE:g}")
        out.append(RegionLattice(lat, group, note))
    return out


def lattice_columns(lattices: list[RegionLattice]) -> dict[str, np.ndarray]:
    """Table columns of the regions' lattices (NaN / empty where unknown).

    Parameters
    ----------
    lattices : list of RegionLattice
        One per region.

    Returns
    -------
    dict of str to ndarray
        ``orientation_deg``, ``a_px``, ``b_px``, ``gamma_deg``, the vectors'
        components ``a_y_px``, ``a_x_px``, ``b_y_px``, ``b_x_px`` (rows
        down, columns right), ``a_ideal_px`` and ``distortion`` (side of the
        undistorted square or hexagonal cell of the same area and the cell's distortion
        from it, `lattice_metric.ideal_cell`; NaN for other lattices),
        ``plane_group``, ``plane_group_score``, ``lattice_note`` (why a region has no
        lattice or no plane group; empty when it has both).
    """
    nan = math.nan
    rows = []
    for item in lattices:
        lat = item.lattice
        if lat is None:
            rows.append((nan,) * 10)
        else:
            ideal = ideal_cell(lat.a, lat.b)
            side, distortion = (nan, nan) if ideal is None else (
                float(np.hypot(*ideal[0])), ideal[2])
            rows.append((lat.orientation, lat.a_length, lat.b_length, lat.gamma,
                         *lat.a, *lat.b, side, distortion))
    values = np.asarray(rows, np.float64).reshape(len(lattices), 10)
    names = ("orientation_deg", "a_px", "b_px", "gamma_deg", "a_y_px", "a_x_px", "b_y_px",
             "b_x_px", "a_ideal_px", "distortion")
    cols = {name: values[:, i] for i, name in enumerate(names)}
    cols["plane_group"] = np.array([item.group.name for item in lattices], dtype=object)
    cols["plane_group_score"] = np.array([item.group.score for item in lattices], np.float64)
    cols["lattice_note"] = np.array([item.note for item in lattices], dtype=object)
    return cols


def regions_table(frame: int, ids: np.ndarray, pattern: np.ndarray, geometry: dict,
                  lattices: list[RegionLattice]) -> Table:
    """The regions table of one frame (columns in the documented order).

    Parameters
    ----------
    frame : int
        Frame index (0 for an image).
    ids : ndarray of int, (n,)
        Region ids written to the table (persistent ids for a series).
    pattern : ndarray of int, (n,)
        Pattern of each region.
    geometry : dict
        From `region_geometry`.
    lattices : list of RegionLattice
        From `region_lattices`.
    """
    n = len(ids)
    cols = {"frame": np.full(n, frame, np.int64), "region": np.asarray(ids, np.int64),
            "pattern": np.asarray(pattern, np.int64)}
    cols.update(geometry)
    cols.update(lattice_columns(lattices))
    return Table(cols)
