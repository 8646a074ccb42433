"""Deterministic synthetic HAADF-like lattice images: the package's sample images.

Atomic columns are Gaussian blobs on a 2-D lattice; regions of the image
take different lattices. Everything is seeded, so the same call always
returns the same image. These are the images of napari's File > Open Sample
menu, of ``napari-symseg demo`` and of the docstring examples; the
robustness scenarios built from them live in ``benchmarks/scenarios.py``
(not part of the package).
"""

from __future__ import annotations

import numpy as np


def lattice(
    shape: tuple[int, int],
    spacing: float,
    kind: str = "square",
    angle: float = 0.0,
    sigma: float | None = None,
    offset: tuple[float, float] = (0.0, 0.0),
    basis: tuple[tuple[float, float, float], ...] = ((0.0, 0.0, 1.0),),
) -> np.ndarray:
    """A perfect lattice of Gaussian atoms.

    Parameters
    ----------
    shape : (int, int)
        Image shape (rows, cols).
    spacing : float
        Lattice constant in pixels.
    kind : {"square", "hexagonal", "rectangular"}
        Lattice type ("rectangular": second vector 1.5 times longer).
    angle : float
        Rotation of the lattice in degrees.
    sigma : float, optional
        Gaussian width of the atoms (default ``spacing / 5``).
    offset : (float, float)
        Position (row, col) of one lattice point.
    basis : tuple of (frac_a, frac_b, weight)
        Atoms per unit cell in fractional coordinates with their intensity.

    Returns
    -------
    ndarray, float64
    """
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float64)
    return sample_lattice(rows, cols, spacing, kind, angle, sigma, offset, basis)


def two_phase(
    shape: tuple[int, int] = (256, 256),
    boundary: int | None = None,
    noise: float = 0.05,
    seed: int = 0,
) -> np.ndarray:
    """Square lattice (left) next to a hexagonal lattice (right).

    The phases meet at a vertical boundary at column `boundary` (default:
    the middle): pixels with ``col < boundary`` belong to phase 0.
    The two lattices differ in translations (spacing 8 vs 10 px), rotations
    (4-fold vs 6-fold) and reflections, so every descriptor family can
    separate them.

    Returns
    -------
    ndarray, float32
    """
    boundary = shape[1] // 2 if boundary is None else boundary
    left = lattice(shape, 8.0, "square")
    right = lattice(shape, 10.0, "hexagonal", angle=0.0, offset=(3.0, 5.0))
    img = np.where(np.arange(shape[1])[None, :] < boundary, left, right)
    rng = np.random.default_rng(seed)
    img = img + noise * rng.standard_normal(shape)
    return img.astype(np.float32)


def two_phase_truth(shape: tuple[int, int] = (256, 256), boundary: int | None = None):
    """Ground-truth labels of `two_phase` (0 left, 1 right)."""
    boundary = shape[1] // 2 if boundary is None else boundary
    return np.broadcast_to((np.arange(shape[1]) >= boundary).astype(np.int32), shape).copy()


def grain_boundary(
    shape: tuple[int, int] = (256, 256), noise: float = 0.05, seed: int = 1
) -> np.ndarray:
    """Two grains of the same square lattice rotated by +-15 degrees.

    The boundary runs diagonally from top-left to bottom-right.

    Returns
    -------
    ndarray, float32
    """
    a = lattice(shape, 9.0, "square", angle=15.0)
    b = lattice(shape, 9.0, "square", angle=-15.0, offset=(2.0, 4.0))
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    img = np.where(rows * shape[1] > cols * shape[0], a, b)
    rng = np.random.default_rng(seed)
    return (img + noise * rng.standard_normal(shape)).astype(np.float32)


def moving_boundary_series(
    n_frames: int = 8,
    shape: tuple[int, int] = (256, 256),
    start: int = 100,
    step: int = 4,
    noise: float = 0.05,
    seed: int = 2,
) -> np.ndarray:
    """A square lattice growing into a hexagonal one, frame by frame.

    Parameters
    ----------
    n_frames : int
        Number of frames T.
    shape : (int, int)
        Frame shape (rows, cols).
    start : int
        Column of the vertical phase boundary in frame 0.
    step : int
        Columns the boundary moves to the right per frame.
    noise : float
        Standard deviation of the additive Gaussian noise.
    seed : int
        Seed of the noise.

    Returns
    -------
    ndarray, float32, (n_frames, rows, cols)
        Pixels with ``col < start + step * t`` belong to the square phase in
        frame ``t`` (see `moving_boundary_truth`).
    """
    left = lattice(shape, 8.0, "square")
    right = lattice(shape, 10.0, "hexagonal", offset=(3.0, 5.0))
    cols = np.arange(shape[1])[None, None, :]
    boundary = start + step * np.arange(n_frames)[:, None, None]
    series = np.where(cols < boundary, left[None], right[None])
    rng = np.random.default_rng(seed)
    series = series + noise * rng.standard_normal(series.shape)
    return series.astype(np.float32)


def moving_boundary_truth(
    n_frames: int = 8, shape: tuple[int, int] = (256, 256), start: int = 100, step: int = 4
) -> np.ndarray:
    """Ground truth of `moving_boundary_series`: 0 square phase, 1 hexagonal, uint8."""
    cols = np.arange(shape[1])[None, None, :]
    boundary = start + step * np.arange(n_frames)[:, None, None]
    return np.broadcast_to(cols >= boundary, (n_frames, *shape)).astype(np.uint8)


def sample_lattice(
    rows,
    cols,
    spacing: float,
    kind: str = "square",
    angle: float = 0.0,
    sigma: float | None = None,
    offset: tuple[float, float] = (0.0, 0.0),
    basis: tuple[tuple[float, float, float], ...] = ((0.0, 0.0, 1.0),),
) -> np.ndarray:
    """`lattice` evaluated at arbitrary (fractional) pixel positions.

    ``sample_lattice(*np.mgrid[:h, :w], ...)`` equals ``lattice((h, w), ...)``;
    other positions model what a distorted scan or a mirrored region sees.

    Parameters
    ----------
    rows, cols : array_like of float, same shape
        Specimen position (row, col) sampled by every pixel.
    spacing, kind, angle, sigma, offset, basis
        As in `lattice`.

    Returns
    -------
    ndarray, float64, shape of `rows`
    """
    rows = np.asarray(rows, dtype=np.float64)
    cols = np.asarray(cols, dtype=np.float64)
    a1 = np.array([1.0, 0.0])
    a2 = {
        "square": np.array([0.0, 1.0]),
        "hexagonal": np.array([0.5, np.sqrt(3) / 2]),
        "rectangular": np.array([0.0, 1.5]),
    }[kind]
    t = np.deg2rad(angle)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    basis_m = np.array([spacing * rot @ a1, spacing * rot @ a2]).T  # (x=col, y=row) columns
    inv = np.linalg.inv(basis_m)
    sigma = spacing / 5 if sigma is None else sigma
    xy = np.stack([cols.ravel() - offset[1], rows.ravel() - offset[0]])
    frac0 = inv @ xy
    out = np.zeros(rows.size)
    for fa, fb, weight in basis:
        f = frac0 - np.array([[fa], [fb]])
        f -= np.round(f)
        for da in (-1, 0, 1):
            for db in (-1, 0, 1):
                d = basis_m @ (f + np.array([[da], [db]]))
                out += weight * np.exp(-(d**2).sum(axis=0) / (2 * sigma**2))
    return out.reshape(rows.shape)
