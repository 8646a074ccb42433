"""The descriptor stage: descriptors on the grid, computed in row chunks.

Descriptors are computed chunk by chunk (progress and cancel between
chunks). Small descriptor arrays are kept whole; arrays larger than
`DESCRIPTOR_BUDGET` are streamed: every pass over them (covariance, PCA
features, separability) recomputes the chunks into one reusable buffer, so
memory stays bounded by a chunk. The optional descriptor smoothing is done
here too, chunk by chunk with a halo, so chunks give exactly the whole-grid
filter: a Gaussian, or with the contrast channels on the edge-preserving
`kuwahara` mean (steps between vacuum, film and crystal are not averaged
into the region in between).
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import scipy

from .descriptors.contrast import contrast_box, image_level, local_contrast, n_channels
from .descriptors.operations import Operations
from .descriptors.registry import get_family
from .grid import Grid, inside
from .kuwahara import kuwahara, window_half
from .params import Params
from .pca import PCAModel
from .progress import Progress, raise_if_stopped, stop_flag

#: aim for descriptor chunks of about this many grid points (progress/cancel
#: granularity; larger chunks waste less work on chunk borders)
CHUNK_POINTS = 50_000
MAX_CHUNKS = 32
#: Descriptor arrays larger than this (bytes) are streamed: computed chunk by
#: chunk in two or three passes (covariance, PCA features, separability)
#: and never held at once; `Result.descriptors` is then None.
DESCRIPTOR_BUDGET = 256 * 2**20
#: The descriptor smoothing's Gaussian is cut at this many sigmas.
SMOOTHING_TRUNCATE = 3.0
#: Features smoothed together (a cancelled run stops between such groups).
SMOOTHING_FEATURES = 32


def smoothing_reach(sigma: float) -> int:
    """Grid rows on each side that the descriptor smoothing of width `sigma`
    (grid units) reads: scipy's Gaussian radius at `SMOOTHING_TRUNCATE`."""
    return int(SMOOTHING_TRUNCATE * sigma + 0.5)


def edge_preserving(params: Params) -> bool:
    """Whether the descriptor smoothing is the edge-preserving `kuwahara` mean
    (``Params.edge_smoothing``): it mixes the features (one window for all), so a
    subset of the features smoothed is not the subset of all of them smoothed."""
    return params.smoothing > 0 and params.edge_smoothing


def exceeds_budget(nbytes: int) -> bool:
    """Whether descriptors of `nbytes` bytes must be streamed (`DESCRIPTOR_BUDGET`)."""
    return nbytes > DESCRIPTOR_BUDGET


def _n_chunks(grid: Grid, margin_rows: int) -> int:
    """Chunks of about CHUNK_POINTS grid points, but each at least four
    margins tall: every chunk re-reads about one margin of rows on each
    side, which must stay small next to the chunk itself."""
    by_size = -(-grid.size // CHUNK_POINTS)
    by_margin = grid.shape[0] // (4 * -(-margin_rows // grid.stride))
    return int(np.clip(min(by_size, by_margin), 1, MAX_CHUNKS))


def grid_for(image_shape: tuple[int, int], params: Params) -> Grid:
    """The descriptor grid of `params` on an image of `image_shape`.

    Parameters
    ----------
    image_shape : (int, int)
        Image shape (rows, cols).
    params : Params
        Descriptor family, sizes and stride.

    Returns
    -------
    Grid
    """
    family = get_family(params.descriptor_name)
    return Grid.for_margin(
        image_shape, family.margin(params), params.stride, what=params.descriptor_name
    )


class Tally:
    """Descriptor chunks done / in all, shared by the images of one fit."""

    def __init__(self) -> None:
        self.done = 0
        self.total = 0


class DescriptorChunks:
    """The descriptor grid of one image cut into row chunks, computed pass after pass.

    Small descriptor arrays are computed once and kept; arrays larger than
    `DESCRIPTOR_BUDGET` are streamed: every pass recomputes the chunks into
    one reusable buffer, so memory stays bounded by a chunk.

    Parameters
    ----------
    image : ndarray, 2-D float64
        The validated image.
    params : Params
    operations : Operations
        The symmetry operations whose scores are the descriptor features.
    passes : int
        Descriptor passes of a streamed run (for progress).
    stream : bool, optional
        Force streaming on or off (default: by `DESCRIPTOR_BUDGET`).
    tally : Tally, optional
        Progress shared with the other images of a fit.

    Attributes
    ----------
    grid : Grid
        Where the descriptors are computed.
    n_features : int
        Features per grid point: one score per operation, then the contrast
        channels (`descriptors.contrast`) when ``params.contrast_features``.
    stream : bool
        Whether the descriptors are streamed rather than kept.
    kept : ndarray or None
        The kept descriptors, (n_rows, n_cols, n_operations), once computed.
    """

    def __init__(
        self,
        image,
        params: Params,
        operations: Operations,
        passes: int,
        stream: bool | None = None,
        tally: Tally | None = None,
    ) -> None:
        self.family = get_family(params.descriptor_name)
        self.image, self.params, self.operations = image, params, operations
        self.grid = grid_for(image.shape, params)
        self.n_features = len(operations) + n_channels(params)
        self.level = image_level(image) if n_channels(params) else (0.0, 1.0)
        reach = self.family.margin(params)[0] + self.grid.stride * smoothing_reach(
            params.smoothing / self.grid.stride)
        self.slices = self.grid.row_chunks(_n_chunks(self.grid, reach))
        self.stream = exceeds_budget(self.nbytes(self.grid, self.n_features)) if stream is None \
            else stream
        fit_rows, fit_cols = self.family.fit_margin(params)
        self.fit_area = (inside(self.grid.rows, fit_rows, self.grid.image_shape[0]),
                         inside(self.grid.cols, fit_cols, self.grid.image_shape[1]))
        self.tally = Tally() if tally is None else tally
        self.tally.total += len(self.slices) * (passes if self.stream else 1)
        self.kept = None

    def fit_part(self, values: np.ndarray, sl: slice | None = None) -> np.ndarray:
        """The part of grid `values` (all rows, or the chunk `sl`) the model is fitted on:
        points whose descriptors are unclipped (all points if there are none)."""
        rows, cols = self.fit_area
        if rows.stop <= rows.start or cols.stop <= cols.start:
            return values
        start = 0 if sl is None else sl.start
        return values[max(rows.start - start, 0) : max(rows.stop - start, 0), cols]

    @staticmethod
    def nbytes(grid: Grid, n_features: int) -> int:
        """Size of the float32 descriptor array of `n_features` features on `grid`."""
        return grid.size * n_features * 4

    def _features(self, rows: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Scores (and contrast channels) at the grid rows `rows`, all grid columns."""
        cols, n_ops = self.grid.cols, len(self.operations)
        if out is None:
            out = np.empty((len(rows), len(cols), self.n_features), dtype=np.float32)
        if self.n_features == n_ops:
            return self.family.compute(self.image, self.params, self.operations, rows, cols,
                                       out=out)
        # (the families write only into contiguous arrays: the scores' slice is not one)
        out[..., :n_ops] = self.family.compute(self.image, self.params, self.operations, rows,
                                               cols)
        local_contrast(self.image, contrast_box(self.family.box(self.params), self.params), rows,
                       cols, self.level,
                       out=out[..., n_ops:])
        return out

    def _compute(self, sl: slice, out: np.ndarray) -> np.ndarray:
        sigma = self.params.smoothing / self.grid.stride
        if sigma <= 0:
            return self._features(self.grid.rows[sl], out)
        # smoothed: compute the chunk with a halo of grid rows, filter, crop. The halo
        # covers the filter's reach, so chunks give exactly the whole-grid filter.
        halo = smoothing_reach(sigma)
        edges = edge_preserving(self.params)
        if edges:
            halo = max(halo, window_half(sigma))
        lo, hi = max(0, sl.start - halo), min(self.grid.shape[0], sl.stop + halo)
        block = self._features(self.grid.rows[lo:hi])
        if edges:
            block = kuwahara(block, window_half(sigma))
        else:
            # a few features at a time (each is filtered alone: the same values), so that a
            # cancelled run stops between them (seconds on thousands of features)
            stop = stop_flag()
            for f0 in range(0, block.shape[-1], SMOOTHING_FEATURES):
                part = block[..., f0 : f0 + SMOOTHING_FEATURES]
                scipy.ndimage.gaussian_filter(
                    part, (sigma, sigma, 0), mode="nearest", truncate=SMOOTHING_TRUNCATE,
                    output=part
                )
                raise_if_stopped(stop)
        out[...] = block[sl.start - lo : sl.stop - lo]
        return out

    def keep_all(self) -> Generator[Progress, None, np.ndarray]:
        """Compute and keep every descriptor (only when not streaming)."""
        out = np.empty((*self.grid.shape, self.n_features), dtype=np.float32)
        tally = self.tally
        yield Progress("descriptors", tally.done, tally.total)
        for sl in self.slices:
            self._compute(sl, out[sl])
            tally.done += 1
            yield Progress("descriptors", tally.done, tally.total)
        self.kept = out
        return out

    def each(self, consume, stage: str = "descriptors") -> Generator[Progress, None, None]:
        """One pass: ``consume(slice, block)`` for every chunk.

        Progress is reported as part of the descriptor stage, or, for a pass
        made later in the run, as `stage` on its own counter.
        """
        if self.kept is not None:
            for sl in self.slices:
                consume(sl, self.kept[sl])
            return
        n_cols = self.grid.shape[1]
        buffer = np.empty((max(s.stop - s.start for s in self.slices), n_cols, self.n_features),
                          np.float32)
        for i, sl in enumerate(self.slices):
            block = self._compute(sl, buffer[: sl.stop - sl.start])
            consume(sl, block)
            if stage == "descriptors":
                self.tally.done += 1
                yield Progress(stage, self.tally.done, self.tally.total)
            else:
                yield Progress(stage, i + 1, len(self.slices) + 1)


def project(chunks: DescriptorChunks, pca: PCAModel) -> Generator[Progress, None, np.ndarray]:
    """The PCA features of every chunk, (n_rows, n_cols, n_components) float32.

    Parameters
    ----------
    chunks : DescriptorChunks
        The descriptors (kept, or streamed: one more pass).
    pca : PCAModel
        The fitted PCA.

    Returns
    -------
    ndarray
        (the generator's return value)
    """
    features = np.empty((*chunks.grid.shape, pca.n_components), dtype=np.float32)

    def consume(sl, block):
        features[sl] = pca.transform(block)

    yield from chunks.each(consume)
    return features


def descriptor_steps(
    image: np.ndarray, params: Params, operations: Operations | None = None
) -> Generator[Progress, None, tuple[Grid, np.ndarray]]:
    """Compute (and keep) all descriptors chunk by chunk; returns ``(grid, descriptors)``.

    Parameters
    ----------
    image : ndarray, 2-D float64
        An image already validated (`as_image`).
    params : Params
        Descriptor family, sizes, stride and smoothing.
    operations : Operations, optional
        Replaces the descriptor family's default operations.

    Returns
    -------
    (Grid, ndarray)
        (the generator's return value) The grid and the descriptors,
        (n_rows, n_cols, n_operations) float32.
    """
    family = get_family(params.descriptor_name)
    operations = family.operations(params) if operations is None else operations
    chunks = DescriptorChunks(image, params, operations, passes=1, stream=False)
    descriptors = yield from chunks.keep_all()
    return chunks.grid, descriptors
