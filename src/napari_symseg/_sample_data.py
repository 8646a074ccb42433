"""Synthetic sample images for napari's File > Open Sample menu.

Every sample is deterministic (seeded) and made by the package itself, so
nothing is downloaded. Pixel sizes are illustrative (0.02 nm per pixel,
about a HAADF-STEM image at high magnification).
"""

from __future__ import annotations

from .core.samples import grain_boundary, moving_boundary_series, two_phase

#: physical pixel size (nm) of the samples
PIXEL_SIZE_NM = 0.02
#: time between frames (s) of the in-situ series
FRAME_INTERVAL_S = 1.0

_IMAGE_KWARGS = {"scale": (PIXEL_SIZE_NM, PIXEL_SIZE_NM), "units": ("nm", "nm")}


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
    return [(moving_boundary_series(), kwargs, "image")]
