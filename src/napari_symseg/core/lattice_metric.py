"""Which rotations map a 2-D lattice's metric onto itself, allowing for scan distortion.

A reduced cell (``|a| <= |b|``, gamma in [90, 120] degrees) is square or
hexagonal when a linear map close to a rotation times a scale takes the ideal
cell onto it: the distortion is that map's anisotropy ``s_max / s_min - 1``
(``s`` its singular values), about ``e`` for a shear or a stretch by ``e``
along any direction. STEM scan drift shears and stretches a whole image by
several %, so a hexagonal crystal's cell reads gamma 116-119 degrees and
sides 2-5 % apart (the MoS2 image: 3-9 % in its regions); its angles must
still fold by 60 degrees, not 180. `ideal_cell` gives that undistorted cell (same area):
its side is the crystal's lattice constant, and its map from the distorted cell conjugates
the ideal cell's symmetry operations (`plane_group`).
"""

from __future__ import annotations

import math

import numpy as np

#: a cell this close to a square or hexagonal one (`metric_distortion`: the anisotropy of
#: the linear map between them) is that cell distorted: STEM scan drift shears and stretches
#: whole images by several % (the MoS2 image: 3-9 % in its regions, gamma 116-119 degrees)
MAX_DISTORTION = 0.10


def metric_distortion(a_length: float, b_length: float, gamma: float,
                      ideal_gamma: float) -> float:
    """How far a cell is from one of two equal sides at `ideal_gamma`: the anisotropy
    ``s_max / s_min - 1`` of the linear map taking that ideal cell onto this one (``s`` its
    singular values; rotation and scale cost nothing).

    A shear or a stretch by a small ``e`` gives about ``e``; a hexagonal cell stretched
    by 5 % along any direction gives 0.05.

    Parameters
    ----------
    a_length, b_length : float
        Reduced basis lengths (`lattice.reduce_basis`).
    gamma : float
        Angle between them, degrees, in [90, 120] (a reduced basis).
    ideal_gamma : float
        90 (square) or 120 (hexagonal), degrees.

    Returns
    -------
    float
        0 for the ideal cell itself; inf when the cell is degenerate.
    """
    if not (np.isfinite(gamma) and a_length > 0 and b_length > 0):
        return math.inf
    g, g0 = math.radians(gamma), math.radians(ideal_gamma)
    cell = np.array([[a_length, 0.0], [b_length * math.cos(g), b_length * math.sin(g)]])
    ideal = np.array([[1.0, 0.0], [math.cos(g0), math.sin(g0)]])
    s = np.linalg.svd(np.linalg.solve(ideal, cell), compute_uv=False)
    return float(s[0] / s[1] - 1.0) if s[1] > 0 else math.inf


def metric_period(a_length: float, b_length: float, gamma: float,
                  tolerance: float = MAX_DISTORTION) -> float:
    """60, 90 or 180: the smallest rotation (degrees) mapping a lattice of this metric onto
    itself, after the two-fold rotation every lattice has.

    A reduced cell within `tolerance` (`metric_distortion`) of a hexagonal (square) one is
    a distorted hexagonal (square) lattice: scan drift distorts a whole image by a few %.
    A rectangular or rhombic lattice that close to square or hexagonal is folded as one.

    Parameters
    ----------
    a_length, b_length : float
        Reduced basis lengths.
    gamma : float
        Angle between them, degrees.
    tolerance : float
        Largest distortion (relative) of a square or hexagonal cell.
    """
    square = metric_distortion(a_length, b_length, gamma, 90.0)
    hexagonal = metric_distortion(a_length, b_length, gamma, 120.0)
    if min(square, hexagonal) > tolerance:
        return 180.0
    return 90.0 if square <= hexagonal else 60.0


def ideal_cell(a, b, tolerance: float = MAX_DISTORTION
               ) -> tuple[np.ndarray, np.ndarray, float] | None:
    """The undistorted square or hexagonal cell a distorted one stands for.

    The ideal cell has the same area as ``a, b`` (a shear leaves the area unchanged, so
    scan drift's shear does not bias it), its first vector along `a` and its second on
    `b`'s side at 90 or 120 degrees. Its side is the lattice constant the image would show
    without the distortion (`metric_distortion`), the mean scale of the cell's short vectors.

    Parameters
    ----------
    a, b : array_like, (2,)
        A reduced basis (row, col), ``|a| <= |b|``, gamma in [90, 120] degrees.
    tolerance : float
        Largest distortion of a square or hexagonal cell (`metric_period`).

    Returns
    -------
    (ndarray, ndarray, float) or None
        The ideal vectors ``a0, b0`` and the distortion; None when the cell is within
        `tolerance` of neither a square nor a hexagonal one.
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    la, lb = math.hypot(*a), math.hypot(*b)
    if not (la > 0 and lb > 0):
        return None
    gamma = math.degrees(math.acos(max(-1.0, min(1.0, float(a @ b) / (la * lb)))))
    period = metric_period(la, lb, gamma, tolerance)
    if period == 180.0:
        return None
    ideal_gamma = 90.0 if period == 90.0 else 120.0
    cross = float(a[0] * b[1] - a[1] * b[0])
    side = math.sqrt(abs(cross) / math.sin(math.radians(ideal_gamma)))
    unit = a / la
    normal = np.array([-unit[1], unit[0]]) * math.copysign(1.0, cross)  # on b's side
    t = math.radians(ideal_gamma)
    a0 = side * unit
    b0 = side * (math.cos(t) * unit + math.sin(t) * normal)
    return a0, b0, metric_distortion(la, lb, gamma, ideal_gamma)
