"""Synthetic sample images for napari's File > Open Sample menu.

Every sample is deterministic (seeded) and made by the package itself, so
nothing is downloaded. Pixel sizes are illustrative (0.02 nm per pixel,
about a HAADF-STEM image at high magnification).
"""

from __future__ import annotations

import numpy as np

from .core.synthetic import grain_boundary, lattice, two_phase

#: physical pixel size (nm) of the samples
PIXEL_SIZE_NM = 0.02
#: time between frames (s) of the in-situ series
FRAME_INTERVAL_S = 1.0

_IMAGE_KWARGS = {"scale": (PIXEL_SIZE_NM, PIXEL_SIZE_NM), "units": ("nm", "nm")}


def insitu_series(
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
        frame ``t``.
    """
    left = lattice(shape, 8.0, "square")
    right = lattice(shape, 10.0, "hexagonal", offset=(3.0, 5.0))
    cols = np.arange(shape[1])[None, None, :]
    boundary = start + step * np.arange(n_frames)[:, None, None]
    series = np.where(cols < boundary, left[None], right[None])
    rng = np.random.default_rng(seed)
    series = series + noise * rng.standard_normal(series.shape)
    return series.astype(np.float32)


def make_two_phase_sample() -> list[tuple]:
    """Square and hexagonal lattices side by side (512 x 512)."""
    return [(two_phase((512, 512)), {"name": "Two phases", **_IMAGE_KWARGS}, "image")]


def make_grain_boundary_sample() -> list[tuple]:
    """Two grains of a square lattice rotated by +-15 degrees (512 x 512)."""
    return [(grain_boundary((512, 512)), {"name": "Grain boundary", **_IMAGE_KWARGS}, "image")]


def make_insitu_series_sample() -> list[tuple]:
    """A moving phase boundary, 8 frames of 256 x 256."""
    kwargs = {
        "name": "In-situ series",
        "scale": (FRAME_INTERVAL_S, PIXEL_SIZE_NM, PIXEL_SIZE_NM),
        "units": ("s", "nm", "nm"),
        "axis_labels": ("t", "y", "x"),
    }
    return [(insitu_series(), kwargs, "image")]
