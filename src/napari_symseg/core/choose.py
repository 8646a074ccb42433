"""``--descriptor auto``: try the descriptor families on the image and keep the best.

Every candidate family (`CANDIDATES`: translations, rotations, reflections)
segments the image with its ``--auto`` parameters (`suggest_params`). The
criterion is the **separation of the patterns it finds**, the number-of-
patterns hint's test (`pattern_count.split_separation`) applied to every pair
of patterns: with the grid points of the two patterns projected on the line
through their centres, *dip* is the density half-way between the centres
relative to the density at the centres (a gap: << 1), and *sharpness* is how
much more the projection jumps between neighbouring grid points of different
labels than between neighbours of one label (a boundary: >> 1). A family's
score is its worst pair's ``sharpness / dip``: all patterns apart in feature
space *and* separated by sharp boundaries in space. Both factors are ratios,
so scores of families with different features and scales compare.

Why not the k-means confidence or the silhouette: they reward compact
clusters, and a family that splits the image along something it does not
see well (a moire, a thickness change, the edge band of a particle) still
gives compact clusters; a real region boundary is sharp and leaves a gap.
Measured in docs/robustness.md on seeds not used to design it.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from .descriptors.registry import get_family
from .grid import inside
from .params import Params
from .pattern_count import split_separation
from .pipeline import segment
from .result import Result
from .suggest import suggest_params

#: The families ``--descriptor auto`` tries, in this order (ties keep the first).
CANDIDATES = (
    "local_correlation_map",
    "rotational_symmetry_maximum_pooling",
    "reflection_symmetry_maximum_pooling",
)
SHORT = {"local_correlation_map": "translations",
         "rotational_symmetry_maximum_pooling": "rotations",
         "reflection_symmetry_maximum_pooling": "reflections"}


@dataclass(frozen=True)
class DescriptorChoice:
    """The family chosen for an image, every candidate's score and result.

    Attributes
    ----------
    params : Params
        The chosen family's ``--auto`` parameters.
    result : Result
        Its segmentation.
    scores : dict of str to float
        Separation of every candidate (larger: better separated patterns).
    reason : str
        One line for the user: what was chosen and why.
    """

    params: Params
    result: Result
    scores: dict
    reason: str


def separation(result: Result) -> float:
    """The worst pair's separation of the patterns of `result` (module docstring).

    Only grid points whose descriptors are unclipped count (the fit points).

    Parameters
    ----------
    result : Result
        A segmentation (its PCA features, grid labels and centres).

    Returns
    -------
    float
        ``inf`` for a single pattern.
    """
    p, grid = result.params, result.grid
    m_rows, m_cols = get_family(p.descriptor_name).fit_margin(p)
    rows = inside(grid.rows, m_rows, grid.image_shape[0])
    cols = inside(grid.cols, m_cols, grid.image_shape[1])
    if rows.stop - rows.start < 2 or cols.stop - cols.start < 2:
        rows, cols = slice(None), slice(None)
    features = result.pca_components[rows, cols]
    labels = result.grid_labels[rows, cols]
    worst = np.inf
    for i, j in combinations(range(len(result.cluster_centres)), 2):
        centres = result.cluster_centres[[i, j]]
        worst = min(worst, split_separation(features, centres, (labels == i) | (labels == j)))
    return float(worst)


def choose_descriptor(image, params: Params | None = None,
                      candidates: tuple[str, ...] = CANDIDATES) -> DescriptorChoice:
    """Segment `image` with every candidate family and keep the best separated.

    Parameters
    ----------
    image : array_like, 2-D
        The image.
    params : Params, optional
        ``n_patterns`` and everything not chosen by ``--auto``.
    candidates : tuple of str
        Families to try.

    Returns
    -------
    DescriptorChoice
    """
    params = Params() if params is None else params
    scores, runs = {}, {}
    for name in candidates:
        chosen = suggest_params(image, params.replace(descriptor_name=name))
        result = segment(image, chosen)
        scores[name] = separation(result)
        runs[name] = (chosen, result)
    best = max(candidates, key=lambda n: scores[n])  # (max keeps the first of ties)
    listed = ", ".join(f"{SHORT.get(n, n)} {scores[n]:.1f}" for n in candidates)
    reason = (f"descriptor: {SHORT.get(best, best)} ({best}), the best separated patterns "
              f"(worst-pair separation: {listed}; larger is better)")
    return DescriptorChoice(runs[best][0], runs[best][1], scores, reason)
