"""Scribble-guided patterns: a few painted strokes fix the pattern assignment.

Scribbles are a 2-D integer array of the image's shape: 0 = unlabelled,
``i >= 1`` = pattern ``i - 1``. A run maps them to the descriptor grid
(`grid_classes`) and fits the assignment with **whitened seeded k-means**
(`scribbled_fit`): the PCA features are whitened by the scribbled classes'
pooled within-class scatter (`whitening`), the centre of every scribbled
class is the mean of its scribbled points there (so far this is linear
discriminant analysis with equal priors), and the other patterns (numbers
nobody scribbled, and those above the largest scribbled class) are free
k-means clusters started k-means++ from the remaining points
(`seeded_centres`). The whitening is folded into the PCA axes (`whitened`)
and the centres are plain cluster centres in the scribbles' numbering, so
a saved `Model` labels other images and frames with the same numbers and
its file format is unchanged. Why this and not a classifier or
constrained k-means: docs/scribbles.md (benchmarks/bench_scribbles.py).

The strokes as input (`check_scribbles`, `grid_classes`, `series_scribbles`,
the scribbled points) live in `core.strokes`, the seeded k-means in
`core.seeded_kmeans`; this module re-exports them and keeps the fit.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .clustering import MAX_FIT_SAMPLES
from .pca import PCAModel
from .seeded_kmeans import MAX_ITER, seeded_centres  # noqa: F401  (MAX_ITER: this module's API)
from .strokes import (  # noqa: F401  (the strokes' checks: this module's API)
    check_scribbles,
    grid_classes,
    scribbled_points,
    series_scribbles,
    split_fit_points,
)

#: Iterations of the semi-supervised EM at most (`shared_gaussians`).
EM_ITER = 100
#: PCA components a scribbled run looks at (`separating_components` picks among them).
WIDE_COMPONENTS = 24
#: A component beyond the run's own PCA components is kept when its scribbled
#: classes' between-class variance is at least this times their within-class variance.
MIN_FISHER = 0.5


def whitening(seeds: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """The matrix that whitens the scribbled classes' pooled within-class scatter.

    ``features @ W`` has unit within-class covariance (its correlations
    Ledoit-Wolf shrunk, so a few hundred scribbled points stay stable): the
    nearest scribbled mean in that space is linear discriminant analysis
    with equal priors. Identity when the scatter is zero or there are too
    few points, or a feature does not vary within the classes.

    Parameters
    ----------
    seeds : ndarray, (m, d)
        Scribbled feature vectors.
    classes : ndarray of int, (m,)
        Their classes.

    Returns
    -------
    ndarray, (d, d)
    """
    from sklearn.covariance import ledoit_wolf

    s = np.asarray(seeds, dtype=np.float64)
    d = s.shape[1]
    labels = np.unique(classes, return_inverse=True)[1]
    if len(s) <= len(np.unique(labels)) + 1:
        return np.eye(d)
    means = np.stack([s[labels == c].mean(0) for c in range(labels.max() + 1)])
    within = s - means[labels]
    scale = within.std(0)
    if not (scale > 0).all():
        return np.eye(d)
    # Ledoit-Wolf on the standardised scatter: shrinks the correlations, keeps each
    # feature's own variance (shrinking toward one common variance would undo the
    # whitening of features of very different spread)
    cov = ledoit_wolf(within / scale, assume_centered=True)[0] * np.outer(scale, scale)
    values, vectors = np.linalg.eigh(cov)
    if not np.isfinite(values).all() or values.max() <= 0:
        return np.eye(d)
    values = np.maximum(values, values.max() * 1e-9)
    return vectors / np.sqrt(values)


def separating_components(seeds: np.ndarray, classes: np.ndarray, n_base: int) -> np.ndarray:
    """The PCA components a scribbled run keeps: the run's own and those the strokes separate.

    The first `n_base` components (the run's ``n_pca_components``) are kept,
    and every later one whose scribbled classes differ clearly: the variance
    of the class means at least `MIN_FISHER` times the pooled within-class
    variance. A weak difference (an L1_2 superlattice in fcc) can live in a
    component of little total variance that a 5-component PCA drops; the
    strokes tell which one (docs/scribbles.md, measured).

    Parameters
    ----------
    seeds : ndarray, (m, d)
        Scribbled points' PCA features (all `WIDE_COMPONENTS` of them).
    classes : ndarray of int, (m,)
        Their classes.
    n_base : int
        Components kept whatever the strokes say.

    Returns
    -------
    ndarray of int
        Indices of the kept components, increasing.
    """
    s = np.asarray(seeds, dtype=np.float64)
    labels = np.unique(classes, return_inverse=True)[1]
    keep = np.arange(s.shape[1]) < n_base
    if labels.max() > 0:
        means = np.stack([s[labels == c].mean(0) for c in range(labels.max() + 1)])
        within = (s - means[labels]).var(0)
        between = means.var(0)
        keep |= between >= MIN_FISHER * np.maximum(within, 1e-300)
    return np.flatnonzero(keep)


def shared_gaussians(
    features: np.ndarray, seeds: np.ndarray, classes: np.ndarray, centres: np.ndarray,
    whiten: np.ndarray, random_state=None, max_iter: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Semi-supervised EM of Gaussians with one shared covariance, the strokes clamped.

    Three disks per class see one or two of a pattern's regions (one or
    two of the cuboids), not the spread between them, so the means and
    scatter of the strokes alone misplace the boundary. This EM learns
    them from every point: a mixture of `n_patterns` Gaussians with one
    shared covariance and free weights, started from `centres` and the
    scatter `whiten` whitens; the scribbled points keep their class (weight
    1) and the others are shared by their posteriors. The result is again
    a nearest-centre rule in the space the shared covariance whitens
    (linear discriminant analysis with equal priors), so the model's
    format is unchanged. Measured against the strokes-only fit in
    docs/scribbles.md.

    Parameters
    ----------
    features : ndarray, (n, d)
        Unscribbled feature vectors (subsampled to `MAX_FIT_SAMPLES`).
    seeds : ndarray, (m, d)
        Scribbled feature vectors.
    classes : ndarray of int, (m,)
        Their classes, 1 .. n_patterns.
    centres : ndarray, (n_patterns, d)
        Start means (`seeded_centres`, in the same space).
    whiten : ndarray, (d, d)
        Start covariance as its whitening matrix (`whitening`).
    random_state : int or None
        Seed of the subsample.
    max_iter : int, optional
        EM iterations at most (`EM_ITER` by default; 0 returns the start:
        the strokes-only fit).

    Returns
    -------
    means : ndarray, (n_patterns, d)
    covariance : ndarray, (d, d)
    """
    rng = np.random.default_rng(random_state)
    x = np.asarray(features, dtype=np.float64)
    if len(x) > MAX_FIT_SAMPLES:
        x = x[np.sort(rng.choice(len(x), MAX_FIT_SAMPLES, replace=False))]
    s = np.asarray(seeds, dtype=np.float64)
    k, d = centres.shape
    clamped = np.eye(k)[np.asarray(classes, dtype=np.int64) - 1]
    pts = np.concatenate([x, s])
    means = np.asarray(centres, dtype=np.float64).copy()
    cov = np.linalg.inv(whiten @ whiten.T)
    weights = np.full(k, 1.0 / k)
    for _ in range(EM_ITER if max_iter is None else max_iter):
        w = covariance_whitening(cov)
        z, c = x @ w, means @ w
        log_p = -0.5 * ((z[:, None, :] - c[None]) ** 2).sum(-1) + np.log(np.maximum(weights,
                                                                                   1e-300))
        log_p -= log_p.max(1, keepdims=True)
        r = np.exp(log_p)
        r /= r.sum(1, keepdims=True)
        r = np.concatenate([r, clamped])
        n_k = r.sum(0)
        if (n_k <= 0).any():
            break
        new = (r.T @ pts) / n_k[:, None]
        cov = sum((r[:, j, None] * (pts - new[j])).T @ (pts - new[j]) for j in range(k))
        cov = cov / len(pts) + np.eye(d) * 1e-9 * max(np.trace(cov) / len(pts), 1e-300)
        weights = n_k / n_k.sum()
        done = np.abs(new - means).max() <= 1e-6 * max(np.abs(means).max(), 1.0)
        means = new
        if done:
            break
    return means, cov


def covariance_whitening(cov: np.ndarray) -> np.ndarray:
    """The matrix ``W`` with ``W.T @ cov @ W = I`` (eigenvalues floored at 1e-9 of the largest).

    Parameters
    ----------
    cov : ndarray, (d, d)
        A covariance matrix.

    Returns
    -------
    ndarray, (d, d)
    """
    values, vectors = np.linalg.eigh(cov)
    if not np.isfinite(values).all() or values.max() <= 0:
        return np.eye(len(cov))
    return vectors / np.sqrt(np.maximum(values, values.max() * 1e-9))


def scribbled_fit(chunks, features, scribbles, params, n_base: int | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Components, whitening and centres of a scribbled fit on one or more images.

    Used by `pipeline.fit_steps`, whose PCA keeps up to `WIDE_COMPONENTS`
    components when scribbles are given. The fit is the strokes' fit
    refined by `shared_gaussians` on the components the strokes keep.

    Parameters
    ----------
    chunks, features, scribbles : list
        Per image, as `scribbled_points`.
    params : Params
        ``n_patterns`` and ``random_state``.
    n_base : int, optional
        The run's own number of components (all when None), see
        `separating_components`.

    Returns
    -------
    whiten : ndarray, (d, d_kept)
        The kept components, whitened by the shared covariance of
        `shared_gaussians` (started from `whitening` of the scribbled
        points and `seeded_centres`): ``features @ whiten``.
    centres : ndarray, (n_patterns, d_kept)
        The means of `shared_gaussians` in the whitened space (rotated so
        the first axes are those the centres differ most along).
    kept : ndarray of int
        The kept components (`separating_components`).
    """
    rest, seeds, classes = scribbled_points(chunks, features, scribbles)
    d = seeds.shape[1]
    n_base = d if n_base is None else min(n_base, d)
    kept = separating_components(seeds, classes, n_base)
    em_w, em_c = _em_fit(rest[:, kept], seeds[:, kept], classes, params)
    return (*centres_first(np.eye(d)[:, kept] @ em_w, em_c), kept)


def centres_first(whiten: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`whiten` and `centres` rotated (distances unchanged) so the first axes are those
    the centres differ most along: the scatter plot's first two features show the
    patterns apart.

    Parameters
    ----------
    whiten : ndarray, (d, e)
        Features to model space.
    centres : ndarray, (k, e)
        Centres in model space.

    Returns
    -------
    whiten, centres : ndarray
        Both rotated by the same orthogonal matrix.
    """
    rotation = np.linalg.svd(centres - centres.mean(0), full_matrices=True)[2].T
    return whiten @ rotation, centres @ rotation


def _em_fit(rest, seeds, classes, params, max_iter: int | None = None):
    """The strokes' fit refined by `shared_gaussians` on these features: the whitening
    matrix of its shared covariance and the means in that space (``max_iter=0``: the
    strokes-only fit)."""
    w = whitening(seeds, classes)
    centres = seeded_centres(rest @ w, seeds @ w, classes, params.n_patterns,
                             params.random_state)
    means, cov = shared_gaussians(rest, seeds, classes, centres @ np.linalg.pinv(w), w,
                                  params.random_state, max_iter)
    w = covariance_whitening(cov)
    return w, means @ w


def nearest(features: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest centre of every row (squared Euclidean distance).

    Parameters
    ----------
    features : ndarray, (n, d)
        Feature vectors.
    centres : ndarray, (k, d)
        Centres in the same space.

    Returns
    -------
    ndarray of int, (n,)
    """
    f = np.asarray(features, dtype=np.float64)
    c = np.asarray(centres, dtype=np.float64)
    return ((f * f).sum(1)[:, None] - 2 * f @ c.T + (c * c).sum(1)[None]).argmin(1)


def whitened(pca: PCAModel, whiten: np.ndarray, kept=None) -> PCAModel:
    """`pca` whose `transform` gives ``pca.transform(x) @ whiten``.

    Parameters
    ----------
    pca : PCAModel
        A fitted PCA.
    whiten : ndarray, (n_components, d_kept)
        The kept components, whitened (`scribbled_fit`).
    kept : array of int, optional
        The kept components (their variances stay; all by default).

    Returns
    -------
    PCAModel
        Same mean, the kept components' variances, axes ``whiten.T @ components``.
    """
    kept = np.arange(pca.n_components) if kept is None else np.asarray(kept)
    return replace(pca, components=whiten.T @ pca.components,
                   explained_variance=pca.explained_variance[kept],
                   explained_variance_ratio=pca.explained_variance_ratio[kept])
