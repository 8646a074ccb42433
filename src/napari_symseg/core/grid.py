"""The strided grid of pixels at which descriptors are computed.

Descriptors are computed on every ``stride``-th pixel at least a family's
margin from the border (the shift window for translations, whose patches
are clipped to the image nearer the border; radius + pooling reach for
rotations and reflections). The grid is centred in that valid region so
that the unused remainder is split evenly between both sides. Labels are
brought back to full size by nearest-neighbour upsampling: every pixel gets
the label of the nearest grid point, border pixels included.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..errors import ImageTooSmallError


def inside(coords: np.ndarray, margin: int, size: int) -> slice:
    """Indices of the sorted `coords` at least `margin` px from both ends of ``[0, size)``
    (an empty slice when there are none)."""
    return slice(int(np.searchsorted(coords, margin)),
                 int(np.searchsorted(coords, size - margin)))




def _axis(size: int, margin: int, stride: int, axis_name: str, what: str) -> np.ndarray:
    usable = size - 2 * margin
    if usable < 1:
        raise ImageTooSmallError(
            f"image is too small: {size} px along {axis_name}, but {what} needs at least "
            f"{2 * margin + 1} px (margin of {margin} px on each side); use a larger image "
            "or smaller patch/window/radius"
        )
    n = (usable - 1) // stride + 1
    start = margin + ((usable - 1) - (n - 1) * stride) // 2
    return start + stride * np.arange(n, dtype=np.int64)


@dataclass(frozen=True)
class Grid:
    """Rows and columns (image coordinates) of the descriptor grid.

    Attributes
    ----------
    rows, cols : ndarray of int64
        Image row / column of every grid row / column, equally spaced by
        `stride`.
    image_shape : tuple of int
        (height, width) of the full image.
    stride : int
        Spacing of the grid in pixels.
    """

    rows: np.ndarray
    cols: np.ndarray
    image_shape: tuple[int, int]
    stride: int

    @classmethod
    def for_margin(
        cls,
        image_shape: tuple[int, int],
        margin: tuple[int, int],
        stride: int,
        what: str = "the descriptor",
    ) -> Grid:
        """Grid of all strided pixels at least `margin` (rows, cols) from the border."""
        h, w = (int(s) for s in image_shape)
        rows = _axis(h, int(margin[0]), stride, "rows (y)", what)
        cols = _axis(w, int(margin[1]), stride, "columns (x)", what)
        return cls(rows=rows, cols=cols, image_shape=(h, w), stride=int(stride))

    @property
    def shape(self) -> tuple[int, int]:
        """(number of grid rows, number of grid columns)."""
        return (len(self.rows), len(self.cols))

    @property
    def size(self) -> int:
        """Number of grid points."""
        return len(self.rows) * len(self.cols)

    def row_chunks(self, n_chunks: int) -> list[slice]:
        """Split the grid rows into at most `n_chunks` contiguous slices."""
        n = len(self.rows)
        n_chunks = max(1, min(n_chunks, n))
        bounds = np.linspace(0, n, n_chunks + 1).round().astype(int)
        return [slice(a, b) for a, b in itertools.pairwise(bounds) if b > a]

    def nearest_index(self) -> tuple[np.ndarray, np.ndarray]:
        """Index of the nearest grid row for every image row, and likewise for columns."""

        def nearest(coords: np.ndarray, size: int) -> np.ndarray:
            pix = np.arange(size)
            idx = np.floor((pix - coords[0]) / self.stride + 0.5).astype(np.int64)
            return np.clip(idx, 0, len(coords) - 1)

        return nearest(self.rows, self.image_shape[0]), nearest(self.cols, self.image_shape[1])

    def upsample(self, values: np.ndarray) -> np.ndarray:
        """Nearest-neighbour upsampling of grid values to the full image.

        Parameters
        ----------
        values : ndarray, shape (n_rows, n_cols, ...)
            Values on the grid.

        Returns
        -------
        ndarray, shape (height, width, ...)
            Every image pixel holds the value of its nearest grid point.
        """
        ri, ci = self.nearest_index()
        # np.take: C-contiguous (``values[ri][:, ci]`` is not, and then gets copied)
        return np.take(np.take(values, ri, axis=0), ci, axis=1)
