"""The last stage: labels, confidence and separability from the PCA features.

`label_steps` turns the features of one image into a `Result`;
`predict_steps` labels a new image with a fitted model (`Model.predict`).
Nothing here fits anything, so a model can use it without a cycle.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import numpy as np

from .chunks import DescriptorChunks, project
from .progress import Progress
from .result import Result
from .separability import SeparabilityAccumulator, fisher_separability
from .validation import as_image

if TYPE_CHECKING:
    from .model import Model


def label_steps(
    chunks: DescriptorChunks, features: np.ndarray, model: Model, assigned=None
) -> Generator[Progress, None, Result]:
    """Labels (and the separability analysis) of one image's features; returns a `Result`.

    Parameters
    ----------
    chunks : DescriptorChunks
        The image's descriptors (kept, or streamed: one more pass for the
        separability of the raw features).
    features : ndarray, (n_rows, n_cols, n_components)
        Its PCA features.
    model : Model
        The fitted model.
    assigned : (labels, confidence), optional
        Grid labels and confidence already computed by the fit.

    Returns
    -------
    Result
        (the generator's return value)
    """
    params, grid = model.params, chunks.grid
    grid_labels, confidence = model.assign(features) if assigned is None else assigned
    labels = grid.upsample(grid_labels) if params.upsampling else grid_labels
    sep = pca_sep = None
    if params.separability_analysis and model.n_patterns > 1:
        n_ops = len(model.operations)  # (contrast channels, if any, come after the scores)
        acc = SeparabilityAccumulator(n_ops, model.n_patterns)
        yield from chunks.each(lambda sl, block: acc.add(block[..., :n_ops], grid_labels[sl]),
                               "labels")
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
        image=chunks.image,
    )


def predict_steps(model: Model, image) -> Generator[Progress, None, Result]:
    """Label `image` with a fitted model (same operations, PCA and centres).

    Parameters
    ----------
    model : Model
        A fitted model (``result.model``).
    image : array_like, 2-D
        The image (not modified).

    Returns
    -------
    Result
        (the generator's return value)
    """
    img = as_image(image)
    chunks = DescriptorChunks(img, model.params, model.operations, passes=1)
    if not chunks.stream:
        yield from chunks.keep_all()
    features = yield from project(chunks, model.pca)
    yield Progress("labels", 0, 1)
    result = yield from label_steps(chunks, features, model)
    return result
