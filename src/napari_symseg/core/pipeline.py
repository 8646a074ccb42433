"""Segmentation pipeline: descriptors -> PCA -> k-means -> labels.

The work is a generator that yields `Progress` between chunks, so a GUI can
show progress and cancel (stop iterating); `segment` and `Model.predict`
are the plain-function wrappers for library users. The stages live in
their own modules: descriptors in row chunks (`chunks`), labels and the
`Result` (`labelling`, `result`); this module fits the model.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np

from .._meta import __version__
from ..errors import ParamsError
from .chunks import DescriptorChunks, Tally, exceeds_budget, grid_for, project
from .clustering import assign, fit_centres, size_order
from .consistency import reach
from .descriptors.contrast import contrast_scales, n_channels
from .descriptors.operations import Operations
from .descriptors.registry import get_family
from .grid import Grid
from .labelling import label_steps
from .model import Model
from .params import Params
from .pca import CovarianceAccumulator
from .progress import Progress, run
from .result import Result
from .scribbles import WIDE_COMPONENTS, check_scribbles, scribbled_fit, whitened
from .threads import image_workers, map_in_threads
from .validation import as_image


def _pixel_weights(grid: Grid) -> np.ndarray:
    """Number of image pixels whose nearest grid point is each grid point."""
    ri, ci = grid.nearest_index()
    return np.outer(
        np.bincount(ri, minlength=grid.shape[0]), np.bincount(ci, minlength=grid.shape[1])
    )


@dataclass
class Fit:
    """A model fitted on one or more images, with what the fit computed on them.

    Attributes
    ----------
    model : Model
    chunks : list of DescriptorChunks
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
    images: list[np.ndarray], params: Params, operations: Operations | None = None,
    scribbles: list | None = None, kept: list | None = None,
) -> Generator[Progress, None, Fit]:
    """Fit operations -> PCA -> k-means on validated 2-D images of one shape.

    The descriptors of all images feed one PCA and one k-means, so a model
    can be fitted on several frames of a series. Descriptors are kept when
    they fit in `DESCRIPTOR_BUDGET` together, else streamed.

    Parameters
    ----------
    images : list of ndarray, 2-D float64
        Validated images (`as_image`) of one shape.
    params : Params
        Descriptor, PCA and k-means parameters.
    operations : Operations, optional
        Replaces the descriptor family's default operations (of the same kind).
    scribbles : list of (ndarray or None), optional
        Per image, checked scribbles (`core.scribbles.check_scribbles`):
        seeded k-means in the scribbles' numbering instead of k-means
        sorted by size (see `core.scribbles`).
    kept : list of ndarray, optional
        Per image, its descriptors of `operations` already computed
        (float32, grid x features; e.g. columns of a fit with more
        operations, which are the same bit for bit): used instead of
        computing them again, unless the descriptors are streamed.

    Returns
    -------
    Fit

    Raises
    ------
    ParamsError
        If `operations` are not of the kind the descriptor family scores.
        (the generator's return value)
    """
    default = get_family(params.descriptor_name).operations(params)
    if operations is None:
        operations = default
    elif operations.kind != default.kind:
        raise ParamsError(f"{params.descriptor_name} scores {default.kind} operations; got "
                          f"{operations.kind} operations")
    grid = grid_for(images[0].shape, params)
    n_features = len(operations) + n_channels(params)
    stream = exceeds_budget(len(images) * DescriptorChunks.nbytes(grid, n_features))
    tally = Tally()
    chunks = [DescriptorChunks(img, params, operations, 2, stream, tally) for img in images]

    if kept is not None and not stream:
        for c, descriptors in zip(chunks, kept, strict=True):
            c.kept = descriptors
            tally.done += len(c.slices)
    acc = CovarianceAccumulator(n_features)
    todo = [c for c in chunks if c.kept is None]
    workers = min(image_workers(), len(todo))
    if not stream and workers > 1:  # several images (a series' reference frames)
        yield from _keep_all_in_threads(todo, workers)
    for c in chunks:
        if stream:
            yield from c.each(lambda sl, block, c=c: acc.add(c.fit_part(block, sl)))
        else:
            acc.add(c.fit_part(c.kept if c.kept is not None else (yield from c.keep_all())))
    if not stream:  # (a streamed run's projection pass is still descriptor work)
        yield Progress("pca", 0, 1)
    scales = None
    if n_features > len(operations):  # contrast channels: weighted by the documented rule
        scales = contrast_scales(acc.covariance()[1], len(operations), params.contrast_weight)
    pca = acc.fit(params.n_pca_components, params.pca_variance, scales)
    guided = scribbles is not None and any(s is not None for s in scribbles)
    n_base = pca.n_components
    if guided:  # more components: the strokes pick those that separate them (core.scribbles)
        pca = acc.fit(min(max(n_base, WIDE_COMPONENTS), n_features), None, scales)
    features = []
    for c in chunks:
        features.append((yield from project(c, pca)))
    yield Progress("pca", 1, 1)

    yield Progress("kmeans", 0, 1)
    flat = np.concatenate([c.fit_part(f).reshape(-1, f.shape[-1])
                           for c, f in zip(chunks, features, strict=True)])
    if guided:  # the whitening is folded into the PCA: the model predicts the same way
        whiten, centres, kept = scribbled_fit(chunks, features, scribbles, params, n_base)
        pca = whitened(pca, whiten, kept)
        features = [(f @ whiten).astype(np.float32) for f in features]
    else:
        centres = fit_centres(flat, params.n_patterns, params.random_state)
    assigned = [assign(f, centres) for f in features]
    if params.sort_labels_by_pattern_size and not guided:  # scribbles keep their numbers
        weights = _pixel_weights(grid).ravel()
        all_labels = np.concatenate([lab.ravel() for lab, _ in assigned])
        order = size_order(all_labels, len(centres), np.tile(weights, len(images)))
        centres = centres[order]
        rank = np.argsort(order).astype(np.int32)
        assigned = [(rank[lab], conf) for lab, conf in assigned]
    yield Progress("kmeans", 1, 1)
    # how far the fitted points lie from their centres: images labelled later with this model
    # are checked against it (core.consistency.model_note)
    model = Model(params, operations, pca, centres, __version__,
                  reach=reach(features, centres))
    return Fit(model, chunks, features, assigned)


def _keep_all(chunks: DescriptorChunks) -> np.ndarray:
    """One image's descriptors, computed and kept (`DescriptorChunks.keep_all`)."""
    return run(chunks.keep_all())


def _keep_all_in_threads(chunks: list, workers: int) -> Generator[Progress, None, None]:
    """Compute and keep the descriptors of several images, one image per thread
    (`core.threads`; the caller adds them to the covariance in the images' order).
    Progress after each image; stopping waits for the images being computed."""
    tally = chunks[0].tally
    done = tally.done
    yield Progress("descriptors", done, tally.total)
    kept = map_in_threads(_keep_all, ((c,) for c in chunks), workers)
    try:
        for c, _ in zip(chunks, kept, strict=True):
            done += len(c.slices)
            yield Progress("descriptors", done, tally.total)
    finally:
        kept.close()
    tally.done = done  # (the threads' own counts may have raced)


def segment_steps(
    image, params: Params | None = None, operations: Operations | None = None,
    scribbles=None,
) -> Generator[Progress, None, Result]:
    """Segment a 2-D image, yielding `Progress` between steps.

    Iterate it (e.g. in a GUI thread worker) and stop iterating to cancel;
    the `Result` is the generator's return value. See `segment`.

    Parameters
    ----------
    image : array_like, 2-D
        The image (not modified).
    params : Params, optional
        Parameters (defaults: pySTEM's, with ``random_state=0``).
    operations : Operations, optional
        Replaces the descriptor family's default operations.
    scribbles : array_like, 2-D int, optional
        See `segment`.

    Returns
    -------
    Result
        (the generator's return value)
    """
    params = Params() if params is None else params
    img = as_image(image)
    if scribbles is not None:
        scribbles = [check_scribbles(scribbles, img.shape, params.n_patterns)]
    fit = yield from fit_steps([img], params, operations, scribbles)
    yield Progress("labels", 0, 1)
    result = yield from label_steps(fit.chunks[0], fit.features[0], fit.model, fit.assigned[0])
    return result


def segment(image, params: Params | None = None, scribbles=None, **changes) -> Result:
    """Segment an atomic-resolution image into crystal patterns.

    Local symmetry descriptors on a strided grid, PCA, k-means, labels
    sorted by pattern size and upsampled to the full image.

    Parameters
    ----------
    image : array_like, 2-D
        The image (any real dtype; it is not modified).
    params : Params, optional
        Parameters (defaults: pySTEM's, with ``random_state=0``).
    scribbles : array_like, 2-D int, optional
        A few painted strokes of the image's shape: 0 = unlabelled, i >= 1 =
        pattern i - 1. The scribbled grid points seed and constrain the
        k-means (`core.scribbles`); pattern i - 1 of the result is scribbled
        class i (not the size order), unscribbled patterns are free.
    **changes
        Parameter overrides, e.g. ``n_patterns=3, stride=4``.

    Returns
    -------
    Result

    Raises
    ------
    ScribbleError
        Scribbles of another shape, with a class above ``n_patterns``, or
        covering nothing.

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
    return run(segment_steps(image, params, scribbles=scribbles))


__all__ = ["Fit", "fit_steps", "segment", "segment_steps"]
