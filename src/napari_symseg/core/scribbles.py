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
#: Iterations of the semi-supervised EM at most (`shared_gaussians`).
EM_ITER = 100
#: PCA components a scribbled run looks at (`separating_components` picks among them).
WIDE_COMPONENTS = 24
#: A component beyond the run's own PCA components is kept when its scribbled
#: classes' between-class variance is at least this times their within-class variance.
MIN_FISHER = 0.5

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


def scribbled_points(chunks, features, scribbles):
    """The scribbled points of one or more images and their unscribbled fit points.

    Parameters
    ----------
    chunks : list of DescriptorChunks
        Per image, its descriptor chunks (their grid and fit area).
    features : list of ndarray, (n_rows, n_cols, d)
        Per image, its PCA features.
    scribbles : list of (ndarray or None)
        Per image, checked scribbles of its shape (or None).

    Returns
    -------
    unscribbled : ndarray, (n, d)
        Unscribbled fit points of every image.
    seeds : ndarray, (m, d)
    seed_classes : ndarray of int, (m,)
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
    return np.concatenate(rest), np.concatenate(seeds), np.concatenate(classes)


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


def series_scribbles(scribbles, series_shape, n_patterns: int, frame: int | None = None
                     ) -> dict[int, np.ndarray]:
    """Scribbles of a (T, Y, X) series as ``{frame: checked 2-D scribbles}``.

    One form on the command line and in `segment_series`: a 2-D array of
    the frames' shape plus the `frame` it was painted on. The widget, whose
    scribbles layer has the series' shape, passes a mapping of the painted
    frames. Every scribbled frame becomes a reference frame of the fit.

    Parameters
    ----------
    scribbles : array_like, 2-D int, or dict of int to array_like
        Strokes of one frame (with `frame`), or per frame.
    series_shape : tuple of int
        (T, Y, X).
    n_patterns : int
        Number of patterns of the run.
    frame : int, optional
        The frame a 2-D `scribbles` was painted on (required for 2-D).

    Returns
    -------
    dict of int to ndarray
        Frames with at least one scribbled pixel.

    Raises
    ------
    ScribbleError
        A 2-D array without `frame`, a frame outside the series, a frame
        with a mapping, a 3-D array, or another shape (`check_scribbles`).
    """
    n_frames, shape = int(series_shape[0]), tuple(series_shape[-2:])
    if isinstance(scribbles, dict):
        if frame is not None:
            raise ScribbleError("give the scribbles' frame either as the mapping's keys or "
                                "as the frame, not both")
        given = {int(t): s for t, s in scribbles.items()}
    else:
        s = np.asarray(scribbles)
        if s.ndim != 2:
            raise ScribbleError(f"scribbles of a series are one frame's strokes (2-D, "
                                f"{shape}) plus the frame they were painted on; got "
                                f"{s.ndim}-D {tuple(s.shape)}")
        if frame is None:
            raise ScribbleError("scribbles of a series need the frame they were painted on "
                                "(scribbles_frame / --scribbles-frame N)")
        given = {int(frame): s}
    bad = [t for t in given if not 0 <= t < n_frames]
    if bad:
        raise ScribbleError(f"scribbles frame {bad[0]} does not exist: the series has "
                            f"{n_frames} frames (0..{n_frames - 1})")
    out = {}
    for t, s in sorted(given.items()):
        arr = np.asarray(s)
        if arr.ndim == 2 and arr.shape == shape and not arr.any():
            continue  # an unpainted frame of the widget's layer
        out[t] = check_scribbles(arr, shape, n_patterns)
    if not out:
        raise ScribbleError("scribbles cover no pixel (all 0): paint at least one class")
    return out
