"""Series kinetics: regions tracked over frames, boundary displacement and velocity.

Every frame is measured (`measure.measure_frame`); its regions are matched
to the previous frame's by overlap: the intersection over union of every
pair of regions of the same pattern, and ``scipy.optimize.linear_sum_assignment``
for the matching of largest total IoU; a pair counts when its IoU is at
least `MIN_IOU`. A matched region keeps the id of its match, any other gets
a new id: ids are persistent over the series.

A boundary is the pair of (persistent) regions it separates, with one id
over the series. Between two frames, its displacement is the area that
changed hands between the two regions, divided by the boundary's length:
``(area b -> a  -  area a -> b) / length``, positive when ``region_a``
grows. Velocity is displacement per frame; a boundary's mean velocity is
the slope of a least-squares line through its accumulated displacement.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .grid import Grid
from .measure import Measurement, measure_frame
from .table import Table

#: regions overlapping less than this (intersection over union) are not the same region
MIN_IOU = 0.1


@dataclass(frozen=True)
class SeriesMeasurement:
    """What was measured on every frame of a series, with persistent region ids.

    Attributes
    ----------
    regions : Table
        The regions tables of all frames (`Measurement.regions`), ``region``
        the persistent id.
    boundaries : Table
        The boundaries tables of all frames, ``region_a < region_b``
        persistent ids and ``boundary`` one id per pair over the series,
        plus ``displacement_px`` (since the previous frame; NaN in a
        boundary's first frame), ``velocity_px_per_frame`` and
        ``mean_velocity_px_per_frame`` (the boundary's slope over all its
        frames).
    boundary_lines : list of list of ndarray
        Polylines (row, col) of every boundaries row.
    tracks : ndarray, (n, 4)
        ``[region, frame, centroid_y_px, centroid_x_px]`` per region and
        frame (napari's Tracks layer data).
    orientation_maps, spacing_maps : ndarray of float32, (T, n_rows, n_cols)
        The frames' local maps on the grid.
    """

    regions: Table
    boundaries: Table
    boundary_lines: list
    tracks: np.ndarray
    orientation_maps: np.ndarray
    spacing_maps: np.ndarray


def match_regions(prev: np.ndarray, cur: np.ndarray, prev_pattern: np.ndarray,
                  cur_pattern: np.ndarray, weights: np.ndarray | None = None,
                  min_iou: float = MIN_IOU) -> dict[int, int]:
    """Which region of `prev` each region of `cur` continues (largest total overlap).

    Parameters
    ----------
    prev, cur : ndarray of int, same shape
        Region ids (1 ..) of two frames, 0 for none.
    prev_pattern, cur_pattern : ndarray of int
        ``pattern[id]`` of each frame (index 0 unused).
    weights : ndarray, same shape, optional
        Area of every element (grid points stand for rectangles of pixels).
    min_iou : float
        Smallest intersection over union of a match.

    Returns
    -------
    dict of int to int
        ``cur id -> prev id`` for the matched regions.
    """
    n_p, n_c = len(prev_pattern), len(cur_pattern)
    w = None if weights is None else weights.ravel()
    joint = np.bincount(prev.ravel().astype(np.int64) * n_c + cur.ravel(), weights=w,
                        minlength=n_p * n_c).reshape(n_p, n_c)[1:, 1:]
    area_p, area_c = joint.sum(axis=1), joint.sum(axis=0)
    iou = joint / np.maximum(area_p[:, None] + area_c[None, :] - joint, 1e-12)
    iou[np.asarray(prev_pattern)[1:, None] != np.asarray(cur_pattern)[None, 1:]] = 0.0
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(-iou)
    return {int(c) + 1: int(r) + 1 for r, c in zip(rows, cols, strict=True)
            if iou[r, c] >= min_iou}


def _swept(prev: np.ndarray, cur: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Area that was region i in `prev` and is region j in `cur`: an (n, n) matrix."""
    return np.bincount(prev.ravel().astype(np.int64) * n + cur.ravel(), weights=weights.ravel(),
                       minlength=n * n).reshape(n, n)


def measure_series(series, labels, grid: Grid | None = None, n_patterns: int | None = None,
                   max_lag: int = 64, maps: bool = True, cancelled=None) -> SeriesMeasurement:
    """Measure every frame of a segmented series and track its regions.

    Parameters
    ----------
    series : array_like, (T, Y, X)
        The frames (anything indexable by frame).
    labels : array_like of int, (T, n_rows, n_cols) or (T, Y, X)
        Pattern labels per frame, on `grid` or (grid None) per pixel.
    grid : Grid, optional
        The descriptor grid of the labels; the frames' pixels by default.
    n_patterns : int, optional
        Number of patterns.
    max_lag : int
        Largest autocorrelation lag for the lattices, px.
    maps : bool
        Also compute the local orientation and spacing maps.
    cancelled : threading.Event, optional
        Checked before every frame: once set, `errors.Cancelled` is raised.

    Returns
    -------
    SeriesMeasurement
    """
    from ..errors import Cancelled

    n_frames = len(labels)
    frames, persistent, pair_ids = [], [], {}
    prev = None
    next_id = 1
    for t in range(n_frames):
        if cancelled is not None and cancelled.is_set():
            raise Cancelled(f"measurement stopped at frame {t} of {n_frames}")
        m = measure_frame(np.asarray(series[t], np.float64), np.asarray(labels[t]), grid,
                          n_patterns, t, max_lag, maps=maps)
        grid = m.grid
        grid_regions = _grid_regions(m, grid)
        pattern = np.concatenate([[-1], m.regions["pattern"]])
        match = {} if prev is None else match_regions(prev[0], grid_regions, prev[1], pattern,
                                                      _cell_areas(grid))
        ids = np.zeros(len(pattern), np.int64)
        for local in range(1, len(pattern)):
            if local in match:
                ids[local] = prev[2][match[local]]
            else:
                ids[local], next_id = next_id, next_id + 1
        frames.append(m)
        persistent.append(ids)
        prev = (grid_regions, pattern, ids)
    return _assemble(frames, persistent, pair_ids, grid)


def measure_series_result(series, result, maps: bool = True) -> SeriesMeasurement:
    """`measure_series` of a `SeriesResult` (its labels, grid, patterns and lag).

    Parameters
    ----------
    series : array_like, (T, Y, X)
        The series that was segmented.
    result : SeriesResult
        From ``segment_series``.
    maps : bool
        Also compute the local orientation and spacing maps.

    Returns
    -------
    SeriesMeasurement
    """
    from .chunks import grid_for
    from .measure import max_lag_for

    params = result.params
    grid = grid_for(tuple(np.shape(series)[1:]), params)
    labels = result.labels
    if tuple(labels.shape[1:]) != grid.shape:  # upsampled: back to the grid it came from
        labels = _GridView(labels, grid)
    return measure_series(series, labels, grid, params.n_patterns, max_lag_for(params), maps)


class _GridView:
    """Frame t of full-size labels read at the grid points only."""

    def __init__(self, labels, grid: Grid) -> None:
        self.labels, self.grid = labels, grid

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, t: int) -> np.ndarray:
        return np.asarray(self.labels[t])[np.ix_(self.grid.rows, self.grid.cols)]


def _grid_regions(m: Measurement, grid: Grid) -> np.ndarray:
    """The frame's region ids on its grid (the labels were upsampled from there)."""
    return m.region_labels[np.ix_(grid.rows, grid.cols)]


def _cell_areas(grid: Grid) -> np.ndarray:
    ri, ci = grid.nearest_index()
    return np.outer(np.bincount(ri, minlength=grid.shape[0]),
                    np.bincount(ci, minlength=grid.shape[1])).astype(np.float64)


def _assemble(frames: list[Measurement], persistent: list[np.ndarray], pair_ids: dict,
              grid: Grid) -> SeriesMeasurement:
    region_tables, boundary_tables, lines = [], [], []
    weights = _cell_areas(grid)
    prev_img = None
    history: dict[int, list[tuple[int, float]]] = {}
    for t, (m, ids) in enumerate(zip(frames, persistent, strict=True)):
        cols = dict(m.regions.columns)
        cols["region"] = ids[np.asarray(cols["region"], np.int64)]
        region_tables.append(Table(cols))
        img = ids[_grid_regions(m, grid)]
        b = dict(m.boundaries.columns)
        ra, rb = ids[np.asarray(b["region_a"], np.int64)], ids[np.asarray(b["region_b"], np.int64)]
        b["region_a"], b["region_b"] = np.minimum(ra, rb), np.maximum(ra, rb)
        b["boundary"] = np.array([pair_ids.setdefault((int(a), int(c)), len(pair_ids) + 1)
                                  for a, c in zip(b["region_a"], b["region_b"], strict=True)],
                                 np.int64)
        disp = np.full(len(ra), np.nan)
        if prev_img is not None:
            n = int(max(img.max(), prev_img.max())) + 1
            swept = _swept(prev_img, img, weights, n)
            for i, (a, c) in enumerate(zip(b["region_a"], b["region_b"], strict=True)):
                if b["length_px"][i] > 0 and history.get(int(b["boundary"][i])):
                    disp[i] = (swept[c, a] - swept[a, c]) / b["length_px"][i]
        for i, bid in enumerate(b["boundary"]):
            step = 0.0 if np.isnan(disp[i]) else disp[i]
            past = history.setdefault(int(bid), [])
            past.append((t, (past[-1][1] if past else 0.0) + step))
        b["displacement_px"] = disp
        b["velocity_px_per_frame"] = disp.copy()
        boundary_tables.append(Table(b))
        lines += m.boundary_lines
        prev_img = img
    boundaries = Table.concat(boundary_tables)
    slope = {bid: _slope(points) for bid, points in history.items()}
    if len(boundaries):
        boundaries.columns["mean_velocity_px_per_frame"] = np.array(
            [slope[int(b)] for b in boundaries["boundary"]], np.float64)
    regions = Table.concat(region_tables)
    tracks = np.stack([regions["region"], regions["frame"], regions["centroid_y_px"],
                       regions["centroid_x_px"]], axis=1).astype(np.float64) if len(regions) \
        else np.zeros((0, 4))
    return SeriesMeasurement(regions, boundaries, lines, tracks,
                             np.stack([m.orientation_map for m in frames]),
                             np.stack([m.spacing_map for m in frames]))


def _slope(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of accumulated displacement over frames (NaN for one frame)."""
    if len(points) < 2:
        return float("nan")
    t, d = np.asarray(points, np.float64).T
    return float(np.polyfit(t, d, 1)[0])
