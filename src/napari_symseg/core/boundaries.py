"""Boundaries between regions as polylines, their lengths and the misorientation across them.

Every region's outline is traced with ``skimage.measure.find_contours`` (level
0.5 of its mask: the vertices sit halfway between a pixel inside and one
outside). Each vertex knows the region on its outer side; the outline is cut
into runs of one neighbour, and the runs between regions ``i < j`` (traced
from ``i``) are the boundary between them, simplified to within `tolerance`
px (``skimage.measure.approximate_polygon``: the staircase of pixel edges
would make every inclined boundary too long). A pair of regions meeting in
several places has one boundary made of several polylines. Outlines along
the image border are no boundary.

Misorientation: the smallest rotation between the two regions' lattices,
over every choice of their shortest vectors (a, and b or a +- b when they are
as short: `Lattice.equivalent_orientations`):
``min over (s, t) of min(d, 180 - d)`` with ``d = |s - t| mod 180``. For two
square lattices this is the orientation difference folded by 90 degrees
(into [0, 45]), for hexagonal ones by 60 (into [0, 30]); for a rhombic cell it
does not matter which of its two equally short vectors each region reports.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .table import Table


def misorientation(theta_a: float, theta_b: float, period_a: float = 180.0,
                   period_b: float = 180.0) -> float:
    """Smallest rotation (degrees) between two orientations, folded by the lattice symmetry.

    Parameters
    ----------
    theta_a, theta_b : float
        Orientations in degrees.
    period_a, period_b : float
        Rotation symmetry of each lattice (60, 90 or 180); the larger one folds.

    Returns
    -------
    float
        In [0, period / 2]; NaN when an orientation is unknown.
    """
    period = max(period_a, period_b)
    if not (np.isfinite(theta_a) and np.isfinite(theta_b) and np.isfinite(period)):
        return math.nan
    d = abs(theta_a - theta_b) % period
    return min(d, period - d)


def lattice_misorientation(angles_a, angles_b) -> float:
    """Smallest rotation (degrees) between two lattices given the angles of their equally
    short vectors (see the module docstring).

    Parameters
    ----------
    angles_a, angles_b : sequence of float
        `Lattice.equivalent_orientations` of each region (empty: unknown).

    Returns
    -------
    float
        In [0, 90]; NaN when a lattice is unknown.
    """
    if len(angles_a) == 0 or len(angles_b) == 0:
        return math.nan
    return min(misorientation(s, t) for s in angles_a for t in angles_b)


def _runs(values: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of the runs of equal consecutive `values`."""
    cut = np.flatnonzero(np.diff(values)) + 1
    edges = np.concatenate([[0], cut, [len(values)]])
    return [(int(a), int(b)) for a, b in itertools.pairwise(edges)]


def _outer_neighbours(contour: np.ndarray, padded: np.ndarray, rid: int) -> np.ndarray:
    """Region id on the outer side of every contour vertex (0: outside the image)."""
    r, c = contour[:, 0], contour[:, 1]
    r0, c0 = np.floor(r).astype(np.int64), np.floor(c).astype(np.int64)
    r1, c1 = np.ceil(r).astype(np.int64), np.ceil(c).astype(np.int64)
    first, second = padded[r0, c0], padded[r1, c1]
    return np.where(first == rid, second, first)


def region_outline_runs(regions: np.ndarray, rid: int, box) -> list[tuple[int, np.ndarray]]:
    """The outline of region `rid` cut into runs of one neighbour.

    Parameters
    ----------
    regions : ndarray of int, 2-D
        Region ids (0: none).
    rid : int
        The region.
    box : (y0, x0, y1, x1)
        Its bounding box.

    Returns
    -------
    list of (int, ndarray)
        (neighbour id, (n, 2) vertices (row, col) in `regions` coordinates);
        neighbour 0 is the image border or unlabelled pixels.
    """
    from skimage.measure import find_contours

    y0, x0, y1, x1 = (int(v) for v in box)
    h, w = regions.shape
    ya, xa, yb, xb = max(y0 - 1, 0), max(x0 - 1, 0), min(y1 + 1, h), min(x1 + 1, w)
    crop = np.pad(regions[ya:yb, xa:xb], 1)  # 0 outside the image
    out = []
    for contour in find_contours((crop == rid).astype(np.float32), 0.5):
        nb = _outer_neighbours(contour, crop, rid)
        runs = _runs(nb)
        closed = len(contour) > 2 and np.allclose(contour[0], contour[-1])
        if closed and len(runs) > 1 and nb[0] == nb[-1]:  # a run across the loop's start
            (s0, e0), (s1, e1) = runs[0], runs[-1]
            joined = np.concatenate([contour[s1:e1], contour[s0 + 1:e0]])
            pieces = [(int(nb[0]), joined)] + [(int(nb[s]), contour[s:e]) for s, e in runs[1:-1]]
        else:
            pieces = [(int(nb[s]), contour[s:e]) for s, e in runs]
        shift = np.array([ya - 1, xa - 1], np.float64)
        out += [(n, line + shift) for n, line in pieces if len(line) >= 2]
    return out


def trace_boundaries(regions: np.ndarray, boxes: np.ndarray, tolerance: float = 1.0
                     ) -> dict[tuple[int, int], list[np.ndarray]]:
    """The polylines between every pair of adjacent regions.

    Parameters
    ----------
    regions : ndarray of int, 2-D
        Region ids 1 .. n (0: none).
    boxes : ndarray of int, (n, 4)
        Bounding boxes (y0, x0, y1, x1) of regions 1 .. n.
    tolerance : float
        Polylines are simplified to within this distance (px) of the traced
        pixel edges (0: not simplified).

    Returns
    -------
    dict of (int, int) to list of ndarray
        ``(i, j)`` with ``i < j`` to the (n, 2) (row, col) polylines between
        regions i and j.
    """
    from skimage.measure import approximate_polygon

    lines: dict[tuple[int, int], list[np.ndarray]] = {}
    for rid, box in enumerate(boxes, start=1):
        for nb, line in region_outline_runs(regions, rid, box):
            if nb > rid:
                if tolerance > 0:
                    line = approximate_polygon(line, tolerance)
                lines.setdefault((rid, nb), []).append(line)
    return lines


def polyline_length(lines: list[np.ndarray], scale=(1.0, 1.0)) -> float:
    """Total length of polylines, with (row, col) pixel sizes `scale`.

    Parameters
    ----------
    lines : list of ndarray, (n, 2)
        Polylines (row, col).
    scale : (float, float)
        Size of a row step and a column step.
    """
    s = np.asarray(scale, np.float64)
    return float(sum(np.hypot(*(np.diff(line, axis=0) * s).T).sum() for line in lines))


def polyline_midpoint(lines: list[np.ndarray]) -> np.ndarray:
    """The mean position along polylines: every point of the lines weighs by its length.

    Each segment counts with its length at its midpoint, so the result does
    not depend on where the simplification put the vertices (a straight
    line's vertex mean moves towards wherever a step leaves vertices). Lines
    of zero length (single points) give the mean of their vertices.

    Parameters
    ----------
    lines : list of ndarray, (n, 2)
        Polylines (row, col).

    Returns
    -------
    ndarray, (2,)
        (row, col).
    """
    total, weighted = 0.0, np.zeros(2)
    for line in lines:
        line = np.asarray(line, np.float64)
        length = np.hypot(*np.diff(line, axis=0).T)
        total += float(length.sum())
        weighted += (length[:, None] * 0.5 * (line[1:] + line[:-1])).sum(axis=0)
    if total > 0:
        return weighted / total
    return np.concatenate(lines).astype(np.float64).mean(axis=0)


def boundaries_table(frame: int, pairs: list[tuple[int, int]], lines: list[list[np.ndarray]],
                     angles: dict, first_id: int = 1) -> Table:
    """The boundaries table of one frame.

    Parameters
    ----------
    frame : int
        Frame index (0 for an image).
    pairs : list of (int, int)
        Region ids (as in the regions table) on either side of each boundary.
    lines : list of list of ndarray
        Polylines of each boundary in image pixels (row, col).
    angles : dict of int to tuple of float
        `Lattice.equivalent_orientations` of every region id (empty: no lattice).
    first_id : int
        Id of the first boundary.

    Returns
    -------
    Table
        ``frame``, ``boundary``, ``region_a``, ``region_b``, ``length_px``,
        ``misorientation_deg``, ``n_lines``, ``mid_y_px``, ``mid_x_px``
        (the mean position along the polylines, `polyline_midpoint`).
    """
    n = len(pairs)
    mis, mid = np.full(n, np.nan), np.full((n, 2), np.nan)
    for i, (ra, rb) in enumerate(pairs):
        mis[i] = lattice_misorientation(angles.get(ra, ()), angles.get(rb, ()))
        mid[i] = polyline_midpoint(lines[i])
    return Table({
        "frame": np.full(n, frame, np.int64),
        "boundary": np.arange(first_id, first_id + n, dtype=np.int64),
        "region_a": np.array([p[0] for p in pairs], np.int64),
        "region_b": np.array([p[1] for p in pairs], np.int64),
        "length_px": np.array([polyline_length(ls) for ls in lines], np.float64),
        "misorientation_deg": mis,
        "n_lines": np.array([len(ls) for ls in lines], np.int64),
        "mid_y_px": mid[:, 0], "mid_x_px": mid[:, 1],
    })
