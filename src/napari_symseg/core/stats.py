"""Per-pattern statistics of label images and series: area, regions, intensity."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numba
import numpy as np


class FrameStats(NamedTuple):
    """One frame's statistics, as `core.frame_labels.label_task` returns them.

    Attributes
    ----------
    area_fraction : ndarray, float64, (n_patterns,)
    regions : ndarray, int64, (n_patterns,)
        Connected regions (4-connectivity) of each pattern.
    mean_intensity : ndarray, float64, (n_patterns,)
    unlike : float
        Share of the frame's grid points unlike the model's fit
        (`core.consistency`); NaN when not measured.
    """

    area_fraction: np.ndarray
    regions: np.ndarray
    mean_intensity: np.ndarray
    unlike: float = float("nan")

    @classmethod
    def of(cls, labels, image, n_patterns: int, grid_labels=None,
           unlike: float = float("nan")) -> FrameStats:
        """`frame_statistics` of one frame, named (and its `unlike` share).

        Parameters
        ----------
        labels, image, n_patterns, grid_labels
            As `frame_statistics`.
        unlike : float
            The frame's unlike share (NaN: not measured).

        Returns
        -------
        FrameStats
        """
        return cls(*frame_statistics(labels, image, n_patterns, grid_labels), float(unlike))


def frame_statistics(
    labels: np.ndarray, image: np.ndarray, n_patterns: int, grid_labels: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Area fraction, number of connected regions and mean intensity per pattern.

    Parameters
    ----------
    labels : ndarray of int, (rows, cols)
        Pattern labels ``0 .. n_patterns - 1`` of the image's pixels.
    image : ndarray, (rows, cols)
        The segmented image (for the mean intensity).
    n_patterns : int
        Number of patterns (labels beyond it are ignored).
    grid_labels : ndarray of int, optional
        The labels on the descriptor grid that `labels` was upsampled from
        (nearest neighbour). Regions are then counted on the grid, which is
        faster and gives the same count: every grid point becomes a
        rectangle of pixels, so connectivity is unchanged.

    Returns
    -------
    area_fraction : ndarray, float64, (n_patterns,)
    regions : ndarray, int64, (n_patterns,)
        Connected regions (4-connectivity) of each pattern.
    mean_intensity : ndarray, float64, (n_patterns,)
        NaN for a pattern absent from the image.
    """
    if np.shape(labels) != np.shape(image):
        raise ValueError(f"labels {np.shape(labels)} and image {np.shape(image)} differ in shape")
    lab = np.asarray(labels)
    if lab.dtype.kind == "b":
        lab = lab.view(np.uint8)
    if lab.dtype.kind not in "iu":
        raise TypeError(f"labels must be integers; got dtype {lab.dtype}")
    if lab.dtype.kind == "i" and lab.size and lab.min() < 0:
        raise ValueError("labels must not be negative")
    pixels = np.asarray(image, np.float64)
    if lab.ndim != 2:
        lab, pixels = lab.reshape(1, -1), pixels.reshape(1, -1)
    counts, sums = _pattern_sums(lab, pixels, n_patterns)
    source = labels if grid_labels is None else grid_labels
    return _finish(counts, sums, lab.size, source, n_patterns)


def _finish(counts, sums, size, source, n_patterns):
    """`frame_statistics` from the pixel counts and intensity sums of the patterns
    (regions counted on `source`)."""
    counts = counts.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / counts, np.nan)
    return counts / max(size, 1), count_regions(source, n_patterns), means


def count_regions(labels, n_patterns: int) -> np.ndarray:
    """Connected regions (4-connectivity) of each pattern ``0 .. n_patterns - 1``.

    What ``scipy.ndimage.label(labels == k)[1]`` counts for every k, in one
    pass over a 2-D `labels` (union-find, `_count_regions`) and without
    importing ``scipy.ndimage``: that import took 0.2-0.3 s, inside the first
    frame of every series run of the command (docs/benchmarks.md). Other
    dimensions go to scipy.

    Parameters
    ----------
    labels : ndarray of int
        Pattern labels (values from `n_patterns` on are ignored).
    n_patterns : int
        Number of patterns counted.

    Returns
    -------
    ndarray, int64, (n_patterns,)
    """
    source = np.asarray(labels)
    if source.ndim != 2:
        import scipy.ndimage

        return np.array([scipy.ndimage.label(source == k)[1] for k in range(n_patterns)],
                        np.int64)
    if source.dtype.kind not in "iu":
        source = source.astype(np.int64)
    return _count_regions(np.ascontiguousarray(source), n_patterns)


@numba.njit(cache=True, nogil=True)
def _find(parent, i):  # pragma: no cover - compiled
    """Root of `i`'s set, halving the path on the way."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


@numba.njit(cache=True, nogil=True)
def _count_regions(labels, n):  # pragma: no cover - compiled
    """`count_regions` of 2-D `labels`: every pixel of a pattern starts as its own
    region; joining it to its left or upper neighbour of the same pattern, when
    they were apart, makes one region fewer."""
    rows, cols = labels.shape
    parent = np.arange(rows * cols)
    counts = np.zeros(n, np.int64)
    for i in range(rows):
        for j in range(cols):
            k = labels[i, j]
            if k < 0 or k >= n:
                continue
            p = i * cols + j
            counts[k] += 1
            for q in (p - 1 if j > 0 else -1, p - cols if i > 0 else -1):
                if q < 0 or labels[q // cols, q % cols] != k:
                    continue
                a = _find(parent, q)
                b = _find(parent, p)
                if a != b:
                    parent[max(a, b)] = min(a, b)
                    counts[k] -= 1
    return counts


def upsampled_statistics(grid_labels: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                         image: np.ndarray, n_patterns: int, out: np.ndarray | None = None):
    """Labels upsampled to the pixels and their `frame_statistics`, in one pass.

    The same labels as ``grid_labels[rows][:, cols]`` (`Grid.upsample` with
    ``rows, cols = grid.nearest_index()``) and the same statistics, bit for
    bit, as `frame_statistics` of them with `grid_labels`, without reading
    the upsampled labels back.

    Parameters
    ----------
    grid_labels : ndarray of int, (n_rows, n_cols)
        Labels on the grid, ``0 .. n_patterns - 1``.
    rows, cols : ndarray of int
        Grid row of every image row, grid column of every image column.
    image : ndarray, (len(rows), len(cols))
        The segmented image (for the mean intensity).
    n_patterns : int
        Number of patterns (labels beyond it are ignored in the statistics).
    out : ndarray, optional
        The upsampled labels' array (like `grid_labels`, of the image's shape).

    Returns
    -------
    labels : ndarray, the dtype of `grid_labels`, the image's shape
    statistics : (area_fraction, regions, mean_intensity)
        As `frame_statistics`.
    """
    grid = np.asarray(grid_labels)
    if grid.dtype.kind not in "iu":
        raise TypeError(f"labels must be integers; got dtype {grid.dtype}")
    if grid.dtype.kind == "i" and grid.size and grid.min() < 0:
        raise ValueError("labels must not be negative")
    pixels = np.asarray(image, np.float64)
    rows = np.asarray(rows, np.int64)
    cols = np.asarray(cols, np.int64)
    if pixels.shape != (len(rows), len(cols)):
        raise ValueError(f"image {pixels.shape} and rows x cols {(len(rows), len(cols))} "
                         "differ in shape")
    if out is None:
        out = np.empty(pixels.shape, grid.dtype)
    counts, sums = _gathered_sums(grid, rows, cols, pixels, n_patterns, out, True)
    return out, _finish(counts, sums, out.size, grid, n_patterns)


@numba.njit(cache=True, nogil=True)
def _pattern_sums(labels, image, n):  # pragma: no cover - compiled
    """Pixel count and intensity sum of labels 0 .. n - 1 of 2-D arrays in one pass:
    what ``np.bincount(labels.ravel())`` and ``np.bincount(labels.ravel(),
    weights=image.ravel())`` give, summed in the same order (equal bit for bit),
    without their flattened int64 copies."""
    rows = np.arange(labels.shape[0])
    cols = np.arange(labels.shape[1])
    return _gathered_sums(labels, rows, cols, image, n, labels[:0, :0], False)


@numba.njit(cache=True, nogil=True)
def _gathered_sums(grid, rows, cols, image, n, out, write):  # pragma: no cover - compiled
    """`_pattern_sums` of the labels ``grid[rows][:, cols]``, written to `out` if `write`.

    Pixels in row-major order, as `_pattern_sums` of the gathered labels. An
    image row whose grid row is the previous one's copies the previous row.
    """
    counts = np.zeros(n, np.int64)
    sums = np.zeros(n, np.float64)
    # the count and running sum of the current run of one label stay in registers
    current, run, total = -1, 0, 0.0
    for i in range(image.shape[0]):  # row by row: no flattened copy of a strided view
        source = grid[rows[i]]
        if write:
            if i > 0 and rows[i] == rows[i - 1]:
                out[i] = out[i - 1]
            else:
                target = out[i]
                for j in range(cols.shape[0]):
                    target[j] = source[cols[j]]
        for j in range(image.shape[1]):
            k = source[cols[j]]
            if k >= n:
                continue
            if k != current:
                if current >= 0:
                    counts[current] += run
                    sums[current] = total
                current, run, total = k, 0, sums[k]
            run += 1
            total += image[i, j]
    if current >= 0:
        counts[current] += run
        sums[current] = total
    return counts, sums


@dataclass
class PatternStats:
    """Per-frame, per-pattern statistics of a segmented series (or one image).

    Rows of frames not (yet) labelled hold NaN / -1.

    Attributes
    ----------
    area_fraction : ndarray, float64, (n_frames, n_patterns)
    regions : ndarray, int64, (n_frames, n_patterns)
        Connected regions (4-connectivity) of each pattern.
    mean_intensity : ndarray, float64, (n_frames, n_patterns)
    done : ndarray of bool, (n_frames,)
        Frames whose statistics are filled in.
    names : tuple of str
        Pattern names (empty: no ``name`` column).
    unlike : ndarray, float64, (n_frames,) or None
        Series: share of each frame's points unlike the reference frames
        (`core.consistency`); NaN where not measured.
    """

    area_fraction: np.ndarray
    regions: np.ndarray
    mean_intensity: np.ndarray
    done: np.ndarray
    names: tuple = ()
    unlike: np.ndarray | None = None

    @classmethod
    def empty(cls, n_frames: int, n_patterns: int) -> PatternStats:
        """A table with no frame filled in yet."""
        shape = (n_frames, n_patterns)
        return cls(
            np.full(shape, np.nan), np.full(shape, -1, np.int64), np.full(shape, np.nan),
            np.zeros(n_frames, bool), unlike=np.full(n_frames, np.nan),
        )

    @property
    def n_patterns(self) -> int:
        """Number of patterns (columns)."""
        return self.area_fraction.shape[1]

    def set(self, frame: int, row: FrameStats) -> None:
        """Fill in `frame` with one frame's statistics.

        Parameters
        ----------
        frame : int
            The frame.
        row : FrameStats
            Its statistics (`label_task`'s, or `FrameStats.of`).

        Raises
        ------
        TypeError
            If `row` is not a `FrameStats`.
        """
        if not isinstance(row, FrameStats):
            raise TypeError(f"PatternStats.set takes a FrameStats; got {type(row).__name__}")
        self.area_fraction[frame] = row.area_fraction
        self.regions[frame] = row.regions
        self.mean_intensity[frame] = row.mean_intensity
        if self.unlike is not None:
            self.unlike[frame] = row.unlike
        self.done[frame] = True

    def rows(self, time_step: float | None = None, time_column: str = "time",
             image_area: float | None = None, area_column: str = "area") -> list[dict]:
        """One dict per (done frame, pattern), the CSV's rows.

        Parameters
        ----------
        time_step : float, optional
            Time between frames; adds the `time_column`.
        time_column : str
            Name of the time column.
        image_area : float, optional
            The image's area in some unit²; adds the `area_column` (area
            fraction times `image_area`).
        area_column : str
            Name of the area column.

        Returns
        -------
        list of dict
            Keys ``frame``, the time column, ``pattern``, ``name`` (named
            patterns), ``area_fraction``, the area column, ``regions``,
            ``mean_intensity``.
        """
        out = []
        for t in np.flatnonzero(self.done):
            for k in range(self.n_patterns):
                row = {"frame": int(t)}
                if time_step is not None:
                    row[time_column] = float(t * time_step)
                row["pattern"] = k
                if self.names:
                    row["name"] = self.names[k] if k < len(self.names) else ""
                row["area_fraction"] = float(self.area_fraction[t, k])
                if image_area is not None:
                    row[area_column] = float(self.area_fraction[t, k]) * image_area
                row.update(regions=int(self.regions[t, k]),
                           mean_intensity=float(self.mean_intensity[t, k]))
                out.append(row)
        return out

    def to_csv(self, path: str | Path, time_step: float | None = None,
               time_column: str = "time", image_area: float | None = None,
               area_column: str = "area") -> None:
        """Write the table as CSV (one row per frame and pattern), atomically.

        The one writer of the statistics CSV: `io.statistics.write_stats_csv`
        calls it with the calibrated time and area columns.

        Parameters
        ----------
        path : str or Path
            The CSV file.
        time_step, time_column, image_area, area_column
            As `rows`.
        """
        from .._atomic import write_text_atomic

        rows = self.rows(time_step, time_column, image_area, area_column)
        fields = ["frame", *([time_column] if time_step is not None else []), "pattern",
                  *(["name"] if self.names else []), "area_fraction",
                  *([area_column] if image_area is not None else []), "regions",
                  "mean_intensity"]
        text = io.StringIO(newline="")
        writer = csv.DictWriter(text, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
        write_text_atomic(path, text.getvalue(), newline="")
