"""Segmentation pipeline: descriptors -> PCA -> k-means -> labels.

The work is a generator that yields `Progress` between chunks, so a GUI can
show progress and cancel (stop iterating); `segment` and `Model.predict`
are the plain-function wrappers for library users.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from .clustering import assign, fit_centres, size_order
from .descriptors.operations import Operations
from .descriptors.registry import get_family
from .grid import Grid, inside
from .model import Model
from .params import Params
from .pca import CovarianceAccumulator, PCAModel
from .separability import SeparabilityAccumulator, fisher_separability
from .validation import as_image

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

# share of the total run time of each stage, for an overall progress fraction
_WEIGHTS = {"descriptors": 0.85, "pca": 0.05, "kmeans": 0.07, "labels": 0.03}
_STARTS = {"descriptors": 0.0, "pca": 0.85, "kmeans": 0.90, "labels": 0.97}


@dataclass(frozen=True)
class Progress:
    """One step of a running segmentation.

    Attributes
    ----------
    stage : str
        ``"descriptors"``, ``"pca"``, ``"kmeans"`` or ``"labels"``.
    done, total : int
        Units of the stage done so far / in all.
    fraction : float
        Overall progress in [0, 1].
    """

    stage: str
    done: int
    total: int
    fraction: float = field(init=False)

    def __post_init__(self) -> None:
        part = self.done / self.total if self.total else 1.0
        object.__setattr__(self, "fraction", _STARTS[self.stage] + _WEIGHTS[self.stage] * part)

    def __str__(self) -> str:
        return f"{self.stage} {self.done}/{self.total} ({100 * self.fraction:.0f} %)"


@dataclass(frozen=True)
class Result:
    """Everything a segmentation produced.

    Attributes
    ----------
    labels : ndarray of int32
        Pattern label per pixel, shape of the image (or of the grid when
        ``params.upsampling`` is False).
    grid_labels : ndarray of int32, (n_rows, n_cols)
        Labels on the descriptor grid.
    confidence : ndarray of float32, (n_rows, n_cols)
        Margin between nearest and second-nearest cluster centre, in [0, 1];
        low values mark pattern boundaries, defects and unusual spots.
    descriptors : ndarray of float32, (n_rows, n_cols, n_features), or None
        Raw descriptors on the grid; None when they were too large to keep
        (more than `DESCRIPTOR_BUDGET` bytes) and were streamed instead.
    pca_components : ndarray of float32, (n_rows, n_cols, n_components)
        The PCA features as images on the grid.
    explained_variance_ratio : ndarray, (n_components,)
    operations : Operations
        The symmetry operation behind each descriptor feature.
    separability : ndarray or None, (n_features,)
        Fisher separability of every raw feature (None if not computed).
    pca_separability : ndarray or None, (n_components,)
        Fisher separability of every PCA component.
    cluster_centres : ndarray, (n_patterns, n_components)
        In label order.
    grid : Grid
        Where the descriptors were computed.
    model : Model
        The fitted model: applies the same operations, PCA and centres to
        another image (``result.model.predict(other)``).
    params : Params
    """

    labels: np.ndarray
    grid_labels: np.ndarray
    confidence: np.ndarray
    descriptors: np.ndarray
    pca_components: np.ndarray
    explained_variance_ratio: np.ndarray
    operations: Operations
    separability: np.ndarray | None
    pca_separability: np.ndarray | None
    cluster_centres: np.ndarray
    grid: Grid
    model: Model
    params: Params

    @property
    def confidence_image(self) -> np.ndarray:
        """Confidence upsampled to the image size (nearest grid point)."""
        return self.grid.upsample(self.confidence)

    def pattern_count_hint(self, k_max: int = 6):
        """How many patterns the features suggest (k = 1 .. k_max; see `pattern_count_hint`).

        Parameters
        ----------
        k_max : int
            Largest number of patterns tried.

        Returns
        -------
        PatternCountHint
        """
        from .pattern_count import pattern_count_hint

        return pattern_count_hint(self.pca_components, k_max, self.params.random_state)

    @property
    def pca_images(self) -> np.ndarray:
        """PCA features as a stack of images, (n_components, n_rows, n_cols)."""
        return np.moveaxis(self.pca_components, -1, 0)


def smoothing_reach(sigma: float) -> int:
    """Grid rows on each side that the descriptor smoothing of width `sigma`
    (grid units) reads: scipy's Gaussian radius at `SMOOTHING_TRUNCATE`."""
    return int(SMOOTHING_TRUNCATE * sigma + 0.5)


def _n_chunks(grid: Grid, margin_rows: int) -> int:
    """Chunks of about CHUNK_POINTS grid points, but each at least four
    margins tall: every chunk re-reads about one margin of rows on each
    side, which must stay small next to the chunk itself."""
    by_size = -(-grid.size // CHUNK_POINTS)
    by_margin = grid.shape[0] // (4 * -(-margin_rows // grid.stride))
    return int(np.clip(min(by_size, by_margin), 1, MAX_CHUNKS))


def grid_for(image_shape: tuple[int, int], params: Params) -> Grid:
    """The descriptor grid of `params` on an image of `image_shape`."""
    family = get_family(params.descriptor_name)
    return Grid.for_margin(
        image_shape, family.margin(params), params.stride, what=params.descriptor_name
    )


class _Tally:
    """Descriptor chunks done / in all, shared by the images of one fit."""

    def __init__(self) -> None:
        self.done = 0
        self.total = 0


class _Chunks:
    """The descriptor grid cut into row chunks, computed pass after pass.

    Small descriptor arrays are computed once and kept; arrays larger than
    `DESCRIPTOR_BUDGET` are streamed: every pass recomputes the chunks into
    one reusable buffer, so memory stays bounded by a chunk.
    """

    def __init__(
        self,
        image,
        params: Params,
        operations: Operations,
        passes: int,
        stream: bool | None = None,
        tally: _Tally | None = None,
    ) -> None:
        """`passes`: descriptor passes of a streamed run (for progress); `stream`: force
        streaming on or off (default: by `DESCRIPTOR_BUDGET`); `tally`: shared progress."""
        self.family = get_family(params.descriptor_name)
        self.image, self.params, self.operations = image, params, operations
        self.grid = grid_for(image.shape, params)
        reach = self.family.margin(params)[0] + self.grid.stride * smoothing_reach(
            params.smoothing / self.grid.stride)
        self.slices = self.grid.row_chunks(_n_chunks(self.grid, reach))
        self.stream = self.nbytes(self.grid, operations) > DESCRIPTOR_BUDGET if stream is None \
            else stream
        fit_rows, fit_cols = self.family.fit_margin(params)
        self.fit_area = (inside(self.grid.rows, fit_rows, self.grid.image_shape[0]),
                         inside(self.grid.cols, fit_cols, self.grid.image_shape[1]))
        self.tally = _Tally() if tally is None else tally
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
    def nbytes(grid: Grid, operations: Operations) -> int:
        """Size of the float32 descriptor array of `operations` on `grid`."""
        return grid.size * len(operations) * 4

    def _compute(self, sl: slice, out: np.ndarray) -> np.ndarray:
        sigma = self.params.smoothing / self.grid.stride
        if sigma <= 0:
            return self.family.compute(
                self.image, self.params, self.operations, self.grid.rows[sl], self.grid.cols,
                out=out,
            )
        # smoothed: compute the chunk with a halo of grid rows, filter, crop. The halo
        # covers the filter's reach, so chunks give exactly the whole-grid filter.
        halo = smoothing_reach(sigma)
        lo, hi = max(0, sl.start - halo), min(self.grid.shape[0], sl.stop + halo)
        block = self.family.compute(
            self.image, self.params, self.operations, self.grid.rows[lo:hi], self.grid.cols
        )
        ndimage.gaussian_filter(
            block, (sigma, sigma, 0), mode="nearest", truncate=SMOOTHING_TRUNCATE, output=block
        )
        out[...] = block[sl.start - lo : sl.stop - lo]
        return out

    def keep_all(self) -> Generator[Progress, None, np.ndarray]:
        """Compute and keep every descriptor (only when not streaming)."""
        out = np.empty((*self.grid.shape, len(self.operations)), dtype=np.float32)
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
        n_cols, n_ops = self.grid.shape[1], len(self.operations)
        buffer = np.empty((max(s.stop - s.start for s in self.slices), n_cols, n_ops), np.float32)
        for i, sl in enumerate(self.slices):
            block = self._compute(sl, buffer[: sl.stop - sl.start])
            consume(sl, block)
            if stage == "descriptors":
                self.tally.done += 1
                yield Progress(stage, self.tally.done, self.tally.total)
            else:
                yield Progress(stage, i + 1, len(self.slices) + 1)


def descriptor_steps(
    image: np.ndarray, params: Params, operations: Operations | None = None
) -> Generator[Progress, None, tuple[Grid, np.ndarray]]:
    """Compute (and keep) all descriptors chunk by chunk; returns ``(grid, descriptors)``.

    `image` must already be validated (float64, 2-D).
    """
    family = get_family(params.descriptor_name)
    operations = family.operations(params) if operations is None else operations
    chunks = _Chunks(image, params, operations, passes=1, stream=False)
    descriptors = yield from chunks.keep_all()
    return chunks.grid, descriptors


def _pixel_weights(grid: Grid) -> np.ndarray:
    """Number of image pixels whose nearest grid point is each grid point."""
    ri, ci = grid.nearest_index()
    return np.outer(
        np.bincount(ri, minlength=grid.shape[0]), np.bincount(ci, minlength=grid.shape[1])
    )


def _project(chunks: _Chunks, pca: PCAModel) -> Generator[Progress, None, np.ndarray]:
    features = np.empty((*chunks.grid.shape, pca.n_components), dtype=np.float32)

    def consume(sl, block):
        features[sl] = pca.transform(block)

    yield from chunks.each(consume)
    return features


@dataclass
class Fit:
    """A model fitted on one or more images, with what the fit computed on them.

    Attributes
    ----------
    model : Model
    chunks : list
        Per image, its descriptor chunks (kept descriptors, or streamed).
    features : list of ndarray
        Per image, the PCA features on its grid.
    assigned : list of (labels, confidence)
        Per image, the grid labels and confidence of the fit.
    """

    model: Model
    chunks: list
    features: list
    assigned: list


def fit_steps(
    images: list[np.ndarray], params: Params, operations: Operations | None = None
) -> Generator[Progress, None, Fit]:
    """Fit operations -> PCA -> k-means on validated 2-D images of one shape.

    The descriptors of all images feed one PCA and one k-means, so a model
    can be fitted on several frames of a series. Descriptors are kept when
    they fit in `DESCRIPTOR_BUDGET` together, else streamed.
    """
    operations = get_family(params.descriptor_name).operations(params) \
        if operations is None else operations
    grid = grid_for(images[0].shape, params)
    stream = len(images) * _Chunks.nbytes(grid, operations) > DESCRIPTOR_BUDGET
    tally = _Tally()
    chunks = [_Chunks(img, params, operations, 2, stream, tally) for img in images]

    acc = CovarianceAccumulator(len(operations))
    for c in chunks:
        if stream:
            yield from c.each(lambda sl, block, c=c: acc.add(c.fit_part(block, sl)))
        else:
            acc.add(c.fit_part((yield from c.keep_all())))
    if not stream:  # (a streamed run's projection pass is still descriptor work)
        yield Progress("pca", 0, 1)
    pca = acc.fit(params.n_pca_components, params.pca_variance)
    features = []
    for c in chunks:
        features.append((yield from _project(c, pca)))
    yield Progress("pca", 1, 1)

    yield Progress("kmeans", 0, 1)
    flat = np.concatenate([c.fit_part(f).reshape(-1, f.shape[-1])
                           for c, f in zip(chunks, features, strict=True)])
    centres = fit_centres(flat, params.n_patterns, params.random_state)
    assigned = [assign(f, centres) for f in features]
    if params.sort_labels_by_pattern_size:
        weights = _pixel_weights(grid).ravel()
        all_labels = np.concatenate([lab.ravel() for lab, _ in assigned])
        order = size_order(all_labels, len(centres), np.tile(weights, len(images)))
        centres = centres[order]
        rank = np.argsort(order).astype(np.int32)
        assigned = [(rank[lab], conf) for lab, conf in assigned]
    yield Progress("kmeans", 1, 1)

    from .. import __version__

    return Fit(Model(params, operations, pca, centres, __version__), chunks, features, assigned)


def segment_steps(
    image, params: Params | None = None, operations: Operations | None = None
) -> Generator[Progress, None, Result]:
    """Segment a 2-D image, yielding `Progress` between steps.

    Iterate it (e.g. in a GUI thread worker) and stop iterating to cancel;
    the `Result` is the generator's return value. See `segment`.
    `operations` replaces the descriptor family's default operations.
    """
    params = Params() if params is None else params
    fit = yield from fit_steps([as_image(image)], params, operations)
    yield Progress("labels", 0, 1)
    result = yield from _label(fit.chunks[0], fit.features[0], fit.model, fit.assigned[0])
    return result


def _label(chunks: _Chunks, features, model: Model, assigned=None):
    params, grid = model.params, chunks.grid
    grid_labels, confidence = assign(features, model.centres) if assigned is None else assigned
    labels = grid.upsample(grid_labels) if params.upsampling else grid_labels
    sep = pca_sep = None
    if params.separability_analysis and model.n_patterns > 1:
        acc = SeparabilityAccumulator(len(model.operations), model.n_patterns)
        yield from chunks.each(lambda sl, block: acc.add(block, grid_labels[sl]), "labels")
        sep = acc.result()
        pca_sep = fisher_separability(features, grid_labels)
    yield Progress("labels", 1, 1)
    return Result(
        labels=np.ascontiguousarray(labels, dtype=np.int32),
        grid_labels=grid_labels,
        confidence=confidence,
        descriptors=chunks.kept,
        pca_components=features,
        explained_variance_ratio=model.pca.explained_variance_ratio,
        operations=model.operations,
        separability=sep,
        pca_separability=pca_sep,
        cluster_centres=model.centres,
        grid=grid,
        model=model,
        params=params,
    )


def predict_steps(model: Model, image) -> Generator[Progress, None, Result]:
    """Label `image` with a fitted model (same operations, PCA and centres)."""
    img = as_image(image)
    chunks = _Chunks(img, model.params, model.operations, passes=1)
    if not chunks.stream:
        yield from chunks.keep_all()
    features = yield from _project(chunks, model.pca)
    yield Progress("labels", 0, 1)
    result = yield from _label(chunks, features, model)
    return result


def relay(steps: Generator, convert) -> Generator:
    """Re-yield ``convert(p)`` for every progress step `p` of `steps`; return its value.

    Closing the relay (a cancel) closes `steps` too.
    """
    try:
        while True:
            try:
                p = next(steps)
            except StopIteration as stop:
                return stop.value
            yield convert(p)
    finally:
        steps.close()


def run(steps: Generator) -> Result:
    """Drive a progress generator to completion and return its result."""
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value


def segment(image, params: Params | None = None, **changes) -> Result:
    """Segment an atomic-resolution image into crystal patterns.

    Local symmetry descriptors on a strided grid, PCA, k-means, labels
    sorted by pattern size and upsampled to the full image.

    Parameters
    ----------
    image : array_like, 2-D
        The image (any real dtype; it is not modified).
    params : Params, optional
        Parameters (defaults: pySTEM's, with ``random_state=0``).
    **changes
        Parameter overrides, e.g. ``n_patterns=3, stride=4``.

    Returns
    -------
    Result

    Examples
    --------
    >>> from napari_symseg import segment
    >>> from napari_symseg.core.samples import two_phase
    >>> image = two_phase((160, 160))
    >>> result = segment(image, patch_x=8, patch_y=8, window_x=10, window_y=10, stride=4)
    >>> result.labels.shape
    (160, 160)
    >>> int(result.labels[80, 5]) != int(result.labels[80, 150])
    True
    """
    params = Params() if params is None else params
    if changes:
        params = params.replace(**changes)
    return run(segment_steps(image, params))


__all__ = [
    "Fit",
    "PCAModel",
    "Progress",
    "Result",
    "descriptor_steps",
    "fit_steps",
    "grid_for",
    "predict_steps",
    "relay",
    "run",
    "segment",
    "segment_steps",
]
