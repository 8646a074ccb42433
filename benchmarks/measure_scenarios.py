"""Synthetic images with known crystallography for the measurement (issue 14).

Every generator returns the image and its truth: orientations are the
angle of the shortest lattice vector, counter-clockwise from the x axis with
y up, folded by the lattice's rotation symmetry (90 degrees square, 60
hexagonal), as ``napari_symseg.core.lattice`` reports them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmarks.scenarios import apply_dose
from napari_symseg.core.samples import sample_lattice

PERIOD = {"square": 90.0, "hexagonal": 60.0}


@dataclass(frozen=True)
class Grains:
    """An image of grains and its truth.

    Attributes
    ----------
    image : ndarray, float32
    truth : ndarray of int
        Grain index per pixel.
    orientations : tuple of float
        Orientation of every grain (degrees, folded).
    spacing : float
        Lattice constant, px.
    kind : str
        ``"square"`` or ``"hexagonal"``.
    boundary : (point, direction)
        A point (row, col) on the straight boundary and its unit direction.
    """

    image: np.ndarray
    truth: np.ndarray
    orientations: tuple
    spacing: float
    kind: str
    boundary: tuple


def _grain(rows, cols, spacing, kind, orientation, offset):
    # samples.lattice's `angle` turns clockwise on screen (rows point down)
    return sample_lattice(rows, cols, spacing, kind, angle=-orientation, offset=offset)


def two_grains(shape=(512, 512), spacing=9.0, kind="square", orientations=(12.0, 37.0),
               tilt=20.0, position=None, counts=None, seed=0) -> Grains:
    """Two grains meeting at a straight boundary inclined by `tilt` degrees from vertical.

    Parameters
    ----------
    shape : (int, int)
        Image shape.
    spacing : float
        Lattice constant, px.
    kind : {"square", "hexagonal"}
        Lattice.
    orientations : (float, float)
        Orientation of the left and right grains, degrees.
    tilt : float
        Inclination of the boundary from the vertical, degrees.
    position : float, optional
        Column where the boundary crosses the middle row (default: the middle).
    counts : float, optional
        Poisson dose in counts per pixel (None: noise-free).
    seed : int
        Seed of the noise.
    """
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float64)
    mid = np.array([(shape[0] - 1) / 2, (shape[1] - 1) / 2 if position is None else position])
    t = np.deg2rad(tilt)
    direction = np.array([np.cos(t), np.sin(t)])  # (row, col)
    normal = np.array([-direction[1], direction[0]])
    side = ((rows - mid[0]) * normal[0] + (cols - mid[1]) * normal[1]) > 0  # right grain
    left = _grain(rows, cols, spacing, kind, orientations[0], (0.0, 0.0))
    right = _grain(rows, cols, spacing, kind, orientations[1], (2.0, 3.0))
    clean = np.where(side, right, left) + 0.05
    image = apply_dose(clean, counts, seed)
    period = PERIOD[kind]
    return Grains(image, side.astype(np.int32), tuple(o % period for o in orientations),
                  spacing, kind, (mid, direction))


def migrating_boundary(n_frames=10, shape=(256, 320), spacing=9.0, start=110.0, rate=3.5,
                       orientations=(10.0, 35.0), counts=None, seed=0):
    """A vertical boundary between two square grains moving right by `rate` px per frame.

    Returns
    -------
    series : ndarray, float32, (n_frames, rows, cols)
    positions : ndarray, (n_frames,)
        Column of the boundary in every frame (pixels with smaller columns
        belong to the left grain).
    """
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float64)
    left = _grain(rows, cols, spacing, "square", orientations[0], (0.0, 0.0))
    right = _grain(rows, cols, spacing, "square", orientations[1], (2.0, 3.0))
    positions = start + rate * np.arange(n_frames)
    frames = [apply_dose(np.where(cols < p, left, right) + 0.05, counts, seed + t)
              for t, p in enumerate(positions)]
    return np.stack(frames).astype(np.float32), positions


def angle_error(measured: float, truth: float, period: float) -> float:
    """Smallest difference of two angles modulo `period`, degrees.

    Parameters
    ----------
    measured, truth : float
        Angles, degrees.
    period : float
        Symmetry period, degrees.
    """
    d = abs(measured - truth) % period
    return min(d, period - d)


def boundary_offset(lines, point, direction) -> float:
    """Mean distance (px) of the polylines' vertices from the straight true boundary.

    Parameters
    ----------
    lines : list of ndarray, (n, 2)
        Polylines (row, col).
    point, direction : ndarray, (2,)
        A point of the true boundary and its unit direction (row, col).
    """
    pts = np.concatenate(lines) - np.asarray(point)
    normal = np.array([-direction[1], direction[0]])
    return float(np.abs(pts @ normal).mean())
