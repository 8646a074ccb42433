"""A plane-group guess for a region: p2, p2mm, c2mm, p3, p3m1, p31m, p4mm or p6mm, with a
score.

The region's patches at up to `MAX_CELLS` lattice points are averaged (the
lattice-averaged motif: noise falls with the number of cells). The
average is compared with its copies rotated by 180, 90, 60 and 120 degrees and
reflected across the lattice's candidate mirror lines (along and across
``a``, ``b``, ``a + b`` and ``a - b``): each score is the best Pearson
correlation over shifts within one cell (the symmetry centre is not known),
from ``skimage.feature.match_template``. A cell within
`lattice_metric.MAX_DISTORTION` of a square or hexagonal one (scan drift: the
MoS2 image's reads gamma 117 degrees) is that cell distorted by a linear map D
(`lattice_metric.ideal_cell`); its operations are the ideal cell's conjugated,
``D^-1 R D``, which map the distorted lattice onto itself (a true 60-degree
rotation does not: such a hexagonal crystal read c2mm). The guess is the highest symmetry
the lattice metric allows whose operations all score at least `THRESHOLD`;
its score is the weakest of them (p2: the two-fold rotation's). When even
the two-fold rotation scores under `MIN_SCORE`, no group is named (the
score is kept).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy

from .lattice import Lattice
from .lattice_metric import ideal_cell

#: operations scoring at least this count as symmetries of the region
THRESHOLD = 0.9
#: below this best score no plane group is named (empty name, the score kept): the average
#: cell does not even match its own 180-degree rotation, so it shows no motif to classify
MIN_SCORE = 0.5
#: most unit cells averaged
MAX_CELLS = 48
#: most pixel samples of all averaged patches together (bounds the cost for large cells)
MAX_SAMPLES = 250_000


@dataclass(frozen=True)
class PlaneGroupGuess:
    """The guessed plane group and the scores behind it.

    Attributes
    ----------
    name : str
        ``"p2"``, ``"p2mm"``, ``"c2mm"``, ``"p3"``, ``"p3m1"`` (mirrors across the
        short translations), ``"p31m"`` (mirrors along them), ``"p4mm"``, ``"p6mm"``, or ``""``
        when the region is too small to tell or the best score is under
        `MIN_SCORE`.
    score : float
        The weakest score of the group's operations (NaN when unknown).
    scores : dict of str to float
        ``"2"`` and, for a square or hexagonal metric, ``"4"`` or ``"6"`` and ``"3"``
        (rotations); for a hexagonal one ``"m_along_a"`` and ``"m_across_a"``;
        ``"m_a"`` (best mirror along or across ``a``) and ``"m"`` (the best mirror;
        other lines are tried only when ``"m_a"`` fails).
    """

    name: str
    score: float
    scores: dict = field(default_factory=dict)


UNKNOWN = PlaneGroupGuess("", math.nan)


def average_cell(image: np.ndarray, mask: np.ndarray, lattice: Lattice, half: int):
    """Mean of the (2 half + 1)² patches of `image` at the region's lattice points.

    Parameters
    ----------
    image : ndarray, 2-D
        The image (or a crop).
    mask : ndarray of bool, same shape
        The region; only patches wholly inside it are averaged.
    lattice : Lattice
        The region's lattice.
    half : int
        Half size of the patch, px.

    Returns
    -------
    ndarray or None
        None when fewer than 3 patches fit inside the region.
    """
    row_n, col_n = mask.sum(axis=1), mask.sum(axis=0)
    rows, cols = np.flatnonzero(row_n), np.flatnonzero(col_n)
    centre = np.array([row_n @ np.arange(len(row_n)), col_n @ np.arange(len(col_n))]) / \
        max(row_n.sum(), 1)
    basis = np.stack([lattice.a, lattice.b])
    corners = np.array([[rows[0], cols[0]], [rows[0], cols[-1]],
                        [rows[-1], cols[0]], [rows[-1], cols[-1]]]) - centre
    span = np.abs(corners @ np.linalg.inv(basis)).max(axis=0).astype(int) + 1
    i, j = np.meshgrid(np.arange(-span[0], span[0] + 1), np.arange(-span[1], span[1] + 1),
                       indexing="ij")
    points = centre + np.stack([i.ravel(), j.ravel()], axis=1) @ basis
    h, w = mask.shape
    inside = ((points[:, 0] >= half) & (points[:, 0] < h - 1 - half)
              & (points[:, 1] >= half) & (points[:, 1] < w - 1 - half))
    points = points[inside]
    r0, c0 = np.round(points).astype(int).T
    corner_ok = np.ones(len(points), bool)
    for dr in (-half, 0, half):
        for dc in (-half, 0, half):
            corner_ok &= mask[r0 + dr, c0 + dc]
    points = points[corner_ok]
    most = max(3, min(MAX_CELLS, MAX_SAMPLES // (2 * half + 1) ** 2))  # large cells: fewer
    if len(points) > most:
        points = points[np.linspace(0, len(points) - 1, most).round().astype(int)]
    off = np.arange(-half, half + 1, dtype=np.float64)
    rr = points[:, 0, None, None] + off[None, :, None] + 0 * off[None, None, :]
    cc = points[:, 1, None, None] + 0 * off[None, :, None] + off[None, None, :]
    whole = mask[np.round(rr).astype(int), np.round(cc).astype(int)].all(axis=(1, 2))
    if whole.sum() < 3:
        return None
    return _bilinear(image, rr[whole], cc[whole]).mean(axis=0)


def _bilinear(image: np.ndarray, rr: np.ndarray, cc: np.ndarray) -> np.ndarray:
    """`image` at fractional (row, col) positions inside it, linear interpolation."""
    r0 = np.clip(np.floor(rr).astype(np.int64), 0, image.shape[0] - 2)
    c0 = np.clip(np.floor(cc).astype(np.int64), 0, image.shape[1] - 2)
    fr, fc = rr - r0, cc - c0
    return ((1 - fr) * ((1 - fc) * image[r0, c0] + fc * image[r0, c0 + 1])
            + fr * ((1 - fc) * image[r0 + 1, c0] + fc * image[r0 + 1, c0 + 1]))


def _transformed(patch: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    centre = (np.array(patch.shape) - 1) / 2.0
    return scipy.ndimage.affine_transform(patch, matrix, offset=centre - matrix @ centre, order=1)


def _rotation(deg: float) -> np.ndarray:
    t = math.radians(deg)
    return np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])


def _mirror(vector) -> np.ndarray:
    u = np.asarray(vector, np.float64) / math.hypot(*vector)
    return 2 * np.outer(u, u) - np.eye(2)


def symmetry_score(patch: np.ndarray, matrix: np.ndarray, shift: int) -> float:
    """Best Pearson correlation of `patch` with its image under `matrix` (about the patch
    centre), over shifts of up to `shift` px.

    Parameters
    ----------
    patch : ndarray, (n, n)
        The averaged cell patch, n = 2 half + 1.
    matrix : ndarray, (2, 2)
        Rotation or reflection in (row, col) coordinates.
    shift : int
        Largest shift, px (about one lattice spacing).
    """
    from skimage.feature import match_template

    moved = _transformed(patch, matrix)
    n = patch.shape[0]
    inner = moved[shift:n - shift, shift:n - shift]
    if inner.std() == 0 or patch.std() == 0:
        return 0.0
    return float(match_template(patch, inner).max())


def guess_plane_group(image: np.ndarray, mask: np.ndarray, lattice: Lattice | None
                      ) -> PlaneGroupGuess:
    """The plane group of the masked region (see the module docstring).

    Parameters
    ----------
    image : ndarray, 2-D
        The image (or a crop holding the region).
    mask : ndarray of bool, same shape
        The region.
    lattice : Lattice or None
        Its lattice (`region_lattice`); None gives an unknown guess.

    Returns
    -------
    PlaneGroupGuess
    """
    if lattice is None:
        return UNKNOWN
    shift = math.ceil(lattice.b_length)
    inner = math.ceil(1.5 * lattice.b_length)
    patch = average_cell(image, mask, lattice, inner + shift)
    if patch is None:
        return UNKNOWN
    a, b = lattice.a, lattice.b
    to_ideal = np.eye(2)  # D: the distorted cell onto the ideal one
    ideal = ideal_cell(a, b)
    if ideal is not None:  # a distorted square / hexagonal cell: its ideal operations
        to_ideal = np.column_stack(ideal[:2]) @ np.linalg.inv(np.column_stack([a, b]))
        a, b = ideal[0], ideal[1]
    across = lambda v: np.array([v[1], -v[0]])  # noqa: E731
    back = np.linalg.inv(to_ideal)
    score = lambda matrix: symmetry_score(patch, back @ matrix @ to_ideal, shift)  # noqa: E731
    period = lattice.symmetry_period
    scores = {"2": score(_rotation(180))}
    if period < 180:  # only a square or hexagonal metric can have 4- or 6-fold rotations
        scores[str(360 // int(period))] = score(_rotation(period))
    if period == 60.0:
        scores["3"] = score(_rotation(120))
    along, normal = score(_mirror(a)), score(_mirror(across(a)))
    if period == 60.0:  # p31m's and p3m1's mirrors
        scores["m_along_a"], scores["m_across_a"] = along, normal
    scores["m_a"] = max(along, normal)
    scores["m"] = scores["m_a"]
    if scores["m_a"] < THRESHOLD:  # mirrors of a centred cell run along b or a +- b
        scores["m"] = max(scores["m_a"], *(score(_mirror(v)) for v in (
            b, across(b), a + b, across(a + b), a - b, across(a - b))))
    for name, k in (("p6mm", "6"), ("p4mm", "4")):
        if min(scores.get(k, 0.0), scores["m"]) >= THRESHOLD:
            return PlaneGroupGuess(name, min(scores[k], scores["m"]), scores)
    if scores.get("3", 0.0) >= THRESHOLD:  # three-fold only: mirrors across or along a
        mirror, name = max((normal, "p3m1"), (along, "p31m"))  # both: the better one
        if mirror >= THRESHOLD:
            return PlaneGroupGuess(name, min(scores["3"], mirror), scores)
        return PlaneGroupGuess("p3", scores["3"], scores)
    if abs(lattice.gamma - 90.0) <= 2.0 and scores["m_a"] >= THRESHOLD:
        return PlaneGroupGuess("p2mm", min(scores["m_a"], scores["2"]), scores)
    if scores["m"] >= THRESHOLD:
        return PlaneGroupGuess("c2mm", min(scores["m"], scores["2"]), scores)
    return PlaneGroupGuess("p2" if scores["2"] >= MIN_SCORE else "", scores["2"], scores)
