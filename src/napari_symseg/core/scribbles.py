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
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import ScribbleError
from .clustering import MAX_FIT_SAMPLES, N_INIT, assign
from .grid import Grid
from .pca import PCAModel

#: Lloyd iterations of the seeded k-means at most.
MAX_ITER = 100


def check_scribbles(scribbles, image_shape: tuple[int, int], n_patterns: int) -> np.ndarray:
    """Validate scribbles against an image and a number of patterns.

    Class numbers may have gaps (e.g. only 1 and 3 painted): the numbers
    nobody painted become free (unsupervised) patterns at those places, so
    erasing one class's strokes in napari never makes a run fail and the
    output keeps the numbers the user painted.

    Parameters
    ----------
    scribbles : array_like, 2-D, integer
        0 = unlabelled, i >= 1 = pattern i - 1.
    image_shape : (int, int)
        Shape of the image the scribbles were painted on.
    n_patterns : int
        Number of patterns of the run.

    Returns
    -------
    ndarray of int64
        The scribbles (a copy; the input is not modified).

    Raises
    ------
    ScribbleError
        Wrong number of axes or shape, non-integer or negative values, a
        class larger than `n_patterns`, or no scribbled pixel at all.
    """
    s = np.asarray(scribbles)
    if s.ndim != 2 or tuple(s.shape) != tuple(image_shape):
        raise ScribbleError(f"scribbles must have the image's shape {tuple(image_shape)}; "
                            f"got {tuple(s.shape)}")
    if s.dtype.kind == "b" or s.dtype.kind not in "iuf":
        raise ScribbleError(f"scribbles must be integers (0 = unlabelled); got {s.dtype}")
    if s.dtype.kind == "f" and not (np.isfinite(s).all() and (s == np.round(s)).all()):
        raise ScribbleError("scribbles must be whole numbers (0 = unlabelled, i = pattern i-1)")
    s = s.astype(np.int64)
    if (s < 0).any():
        raise ScribbleError(f"scribbles must not be negative; found {int(s.min())}")
    top = int(s.max())
    if top == 0:
        raise ScribbleError("scribbles cover no pixel (all 0): paint at least one class")
    if top > n_patterns:
        raise ScribbleError(f"scribbles use class {top} but n_patterns is {n_patterns}: "
                            f"raise n_patterns to at least {top}")
    return s


def grid_classes(scribbles: np.ndarray, grid: Grid) -> np.ndarray:
    """The scribbled class of every descriptor grid point (0 = none).

    A grid point takes the majority class among the scribbled pixels of its
    cell (the pixels whose nearest grid point it is, as in the labels'
    upsampling; ties go to the smaller class). A majority of the cell, not
    the one pixel at its centre: a thin brush stroke between two grid points
    would otherwise be lost at stride 4 and more, and every pixel of the
    cell lies inside the point's patch anyway.

    Parameters
    ----------
    scribbles : ndarray, 2-D int
        Checked scribbles (`check_scribbles`) of the grid's image shape.
    grid : Grid
        The descriptor grid.

    Returns
    -------
    ndarray of int32, (n_rows, n_cols)
    """
    ri, ci = grid.nearest_index()
    rr, cc = np.nonzero(scribbles)
    cls = scribbles[rr, cc]
    point = ri[rr] * grid.shape[1] + ci[cc]
    n_cls = int(cls.max()) + 1 if len(cls) else 1
    votes = np.bincount(point * n_cls + cls, minlength=grid.size * n_cls)
    votes = votes.reshape(grid.size, n_cls)
    out = np.where(votes.any(1), votes.argmax(1), 0)
    return out.reshape(grid.shape).astype(np.int32)


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


def seeded_centres(
    features: np.ndarray, seeds: np.ndarray, classes: np.ndarray, n_patterns: int,
    random_state=None, max_iter: int = MAX_ITER, move_seeded: bool = False,
) -> np.ndarray:
    """Cluster centres of seeded k-means, in the scribbles' numbering.

    The centre of a scribbled class is the mean of its scribbled points;
    the free patterns (numbers nobody scribbled) start k-means++ from the
    unscribbled points and move by Lloyd iterations, the scribbled centres
    staying put (unless `move_seeded`: then the scribbled points are fixed
    to their class but every centre moves -- measured worse, see
    docs/scribbles.md).

    Parameters
    ----------
    features : ndarray, (n, d)
        The unscribbled feature vectors (subsampled to `MAX_FIT_SAMPLES`).
    seeds : ndarray, (m, d)
        Feature vectors of the scribbled grid points.
    classes : ndarray of int, (m,)
        Their classes, 1 .. n_patterns (pattern = class - 1).
    n_patterns : int
        Number of centres.
    random_state : int or None
        Seed of the subsample and of the free centres' k-means++ start.
    max_iter : int
        Lloyd iterations at most.
    move_seeded : bool
        Move the scribbled classes' centres too (constrained k-means).

    Returns
    -------
    ndarray, (n_patterns, d)
        Centre ``i`` belongs to pattern ``i`` (scribbled class ``i + 1``);
        free patterns fill the numbers nobody scribbled, smallest first.
    """
    rng = np.random.default_rng(random_state)
    x = np.asarray(features, dtype=np.float64)
    if len(x) > MAX_FIT_SAMPLES:
        x = x[np.sort(rng.choice(len(x), MAX_FIT_SAMPLES, replace=False))]
    s = np.asarray(seeds, dtype=np.float64)
    y = np.asarray(classes, dtype=np.int64) - 1
    fixed = np.unique(y)
    free = np.setdiff1d(np.arange(n_patterns), fixed)
    start = np.zeros((n_patterns, s.shape[1]))
    for c in fixed:
        start[c] = s[y == c].mean(0)
    if not move_seeded and (len(free) == 0 or len(x) == 0):
        start[free] = start[fixed[0]]
        return start
    moving = np.arange(n_patterns) if move_seeded else free
    best = None
    for _ in range(N_INIT if len(free) else 1):
        centres = start.copy()
        _plus_plus(x, centres, fixed, free, rng)
        centres, inertia, sizes = _lloyd(x, s, y, centres, moving, max_iter)
        if best is None or inertia < best[1]:
            best = (centres, inertia, sizes)
    centres, _, sizes = best
    order = free[np.argsort(sizes[free], kind="stable")]  # free patterns: smallest first
    out = centres.copy()
    out[free] = centres[order]
    return out


def _plus_plus(x, centres, fixed, free, rng) -> None:
    """k-means++ starts of the `free` centres, given the `fixed` ones (in place)."""
    chosen = list(fixed)
    for c in free:
        if len(x) == 0:
            centres[c] = centres[chosen[0]]
            continue
        d2 = ((x[:, None, :] - centres[chosen][None]) ** 2).sum(-1).min(1)
        p = d2 / d2.sum() if d2.sum() > 0 else None
        centres[c] = x[rng.choice(len(x), p=p)]
        chosen.append(c)


def _lloyd(x, s, y, centres, moving, max_iter):
    """Lloyd iterations moving only the `moving` centres, the seeds fixed to their
    classes; returns (centres, inertia, sizes)."""
    k = len(centres)
    pts = np.concatenate([x, s])
    labels = None
    for _ in range(max_iter):
        new = assign(x, centres)[0]
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
        all_labels = np.concatenate([labels, y])
        counts = np.bincount(all_labels, minlength=k)
        sums = np.zeros_like(centres)
        np.add.at(sums, all_labels, pts)
        move = np.zeros(k, bool)
        move[moving] = True
        move &= counts > 0
        centres[move] = sums[move] / counts[move, None]
    labels = assign(x, centres)[0]
    inertia = float(((x - centres[labels]) ** 2).sum())
    return centres, inertia, np.bincount(labels, minlength=k)


def split_fit_points(features: np.ndarray, classes: np.ndarray, fit_mask: np.ndarray):
    """Scribbled points (anywhere on the grid) and unscribbled fit points.

    Parameters
    ----------
    features : ndarray, (n_rows, n_cols, d)
        PCA features on the grid.
    classes : ndarray of int, (n_rows, n_cols)
        `grid_classes`.
    fit_mask : ndarray of bool, (n_rows, n_cols)
        Points the model is fitted on (unclipped descriptors).

    Returns
    -------
    unscribbled : ndarray, (n, d)
    seeds : ndarray, (m, d)
    seed_classes : ndarray of int, (m,)
    """
    scribbled = classes > 0
    return features[fit_mask & ~scribbled], features[scribbled], classes[scribbled]


def scribbled_fit(chunks, features, scribbles, params) -> tuple[np.ndarray, np.ndarray]:
    """Whitening and seeded centres of a fit on one or more images (`pipeline.fit_steps`).

    Parameters
    ----------
    chunks : list of DescriptorChunks
        Per image, its descriptor chunks (their grid and fit area).
    features : list of ndarray, (n_rows, n_cols, d)
        Per image, its PCA features.
    scribbles : list of (ndarray or None)
        Per image, checked scribbles of its shape (or None).
    params : Params
        ``n_patterns`` and ``random_state``.

    Returns
    -------
    whiten : ndarray, (d, d)
        `whitening` of the scribbled points (features @ whiten).
    centres : ndarray, (n_patterns, d)
        `seeded_centres` in the whitened space.
    """
    rest, seeds, classes = [], [], []
    for c, f, s in zip(chunks, features, scribbles, strict=True):
        cls = np.zeros(c.grid.shape, np.int32) if s is None else grid_classes(s, c.grid)
        mask = np.zeros(c.grid.shape, bool)
        c.fit_part(mask)[...] = True
        x, seed, y = split_fit_points(f, cls, mask)
        rest.append(x)
        seeds.append(seed)
        classes.append(y)
    seeds, classes = np.concatenate(seeds), np.concatenate(classes)
    w = whitening(seeds, classes)
    centres = seeded_centres(np.concatenate(rest) @ w, seeds @ w, classes, params.n_patterns,
                             params.random_state)
    return w, centres


def whitened(pca: PCAModel, whiten: np.ndarray) -> PCAModel:
    """`pca` whose `transform` gives ``pca.transform(x) @ whiten``.

    Parameters
    ----------
    pca : PCAModel
        A fitted PCA.
    whiten : ndarray, (n_components, n_components)
        `whitening` of the features.

    Returns
    -------
    PCAModel
        Same mean and variances, axes ``whiten.T @ components``.
    """
    return replace(pca, components=whiten.T @ pca.components)
