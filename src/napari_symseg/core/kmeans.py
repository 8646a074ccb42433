"""k-means (k-means++ seeding, Lloyd iterations) and the mean silhouette, in numpy
(each Lloyd pass in one numba loop).

The same algorithm as scikit-learn's ``KMeans(init="k-means++",
algorithm="lloyd")`` (version 1.x), step for step and with the same random
draws from ``numpy.random.RandomState(random_state)``: the data are centred,
the greedy k-means++ seeding tries ``2 + int(log k)`` candidates per centre,
Lloyd iterations stop when the labels no longer change or the squared centre
shift is at most ``tol`` times the mean feature variance, empty clusters take
the points farthest from their centres, and of ``n_init`` runs the one of
lowest inertia is kept (unless it is the same partition). Only the order of
floating-point sums differs from scikit-learn's (which also depends on its
thread count), so results agree to rounding: the same partition where k-means
is not ambiguous, the same inertia to ~1e-12 relative
(tests/core/test_kmeans.py compares both on many seeded data sets).

A cancelled run (`core.progress.stop_flag`) stops `kmeans` between its
seedings' centres and its Lloyd iterations (`Stopped`); the flag is only
read, so a run that is not stopped computes the same bits.

Written for the start-up time: importing scikit-learn costs about a second
(it pulls in scipy.stats and pandas), more than a whole small segmentation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from .progress import raise_if_stopped, stop_flag

#: scikit-learn's defaults
MAX_ITER = 300
TOL = 1e-4


@dataclass(frozen=True)
class KMeansResult:
    """A k-means fit.

    Attributes
    ----------
    cluster_centers_ : ndarray, (k, d)
    labels_ : ndarray of int32, (n,)
    inertia_ : float
        Sum of squared distances of the points to their centres.
    n_iter_ : int
        Lloyd iterations of the kept run.
    """

    cluster_centers_: np.ndarray
    labels_: np.ndarray
    inertia_: float
    n_iter_: int


def kmeans(x: np.ndarray, n_clusters: int, n_init: int = 1, random_state=None,
           max_iter: int = MAX_ITER, tol: float = TOL) -> KMeansResult:
    """k-means++ / Lloyd clustering, as ``sklearn.cluster.KMeans(...).fit(x)``.

    Parameters
    ----------
    x : ndarray, (n, d)
        Points (converted to float64).
    n_clusters : int
        k (at most n).
    n_init : int
        Seedings tried; the fit of lowest inertia is kept.
    random_state : int or None
        Seed of ``numpy.random.RandomState`` (None: fresh entropy).
    max_iter : int
        Most Lloyd iterations per run.
    tol : float
        Relative tolerance on the squared centre shift (times the mean
        variance of the features).

    Returns
    -------
    KMeansResult
        With scikit-learn's attribute names.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[0.0, 0], [0, 1], [10, 0], [10, 1]])
    >>> fit = kmeans(x, 2, random_state=0)
    >>> sorted(fit.cluster_centers_.tolist())
    [[0.0, 0.5], [10.0, 0.5]]
    >>> float(fit.inertia_)
    1.0
    """
    stop = stop_flag()  # a cancelled run stops between seedings and iterations
    x = np.array(x, dtype=np.float64, order="C")  # a copy: centred in place
    if x.ndim != 2 or not 1 <= n_clusters <= len(x):
        raise ValueError(f"need 1 <= n_clusters <= n points, got {n_clusters} for {x.shape}")
    rng = np.random.RandomState(random_state)
    tol = float(np.mean(np.var(x, axis=0)) * tol) if tol else 0.0
    mean = x.mean(axis=0)
    x -= mean
    norms = np.einsum("ij,ij->i", x, x)
    best = None
    scratch = np.empty_like(x)
    for _ in range(n_init):
        centres = _plusplus(x, n_clusters, norms, rng, stop)
        labels, inertia, centres, n_iter = _lloyd(x, centres, max_iter, tol, scratch, stop)
        if best is None or (inertia < best[1] and not _same_partition(labels, best[0],
                                                                     n_clusters)):
            best = (labels, inertia, centres, n_iter)
    labels, inertia, centres, n_iter = best
    return KMeansResult(centres + mean, labels, float(inertia), n_iter)


def _squared_distances(a, x, x_norms):
    """Squared distances (len(a), len(x)) as scikit-learn's ``_euclidean_distances``."""
    d = np.einsum("ij,ij->i", a, a)[:, None] - 2 * (a @ x.T) + x_norms[None, :]
    np.maximum(d, 0, out=d)
    return d


def _plusplus(x, k, norms, rng, stop=None):
    """Greedy k-means++ seeding with scikit-learn's draws (`stop`: raises `Stopped`
    between centres once ``stop[0]`` is set)."""
    n = len(x)
    weights = np.ones(n)
    trials = 2 + int(np.log(k))
    centres = np.empty((k, x.shape[1]))
    first = rng.choice(n, p=weights / weights.sum())
    centres[0] = x[first]
    closest = _squared_distances(x[first][None, :], x, norms)
    potential = closest @ weights
    for c in range(1, k):
        if stop is not None:
            raise_if_stopped(stop)
        draws = rng.uniform(size=trials) * potential
        candidates = np.searchsorted(np.cumsum(weights * closest), draws)
        np.clip(candidates, None, closest.size - 1, out=candidates)
        to_candidates = _squared_distances(x[candidates], x, norms)
        np.minimum(closest, to_candidates, out=to_candidates)
        potentials = to_candidates @ weights.reshape(-1, 1)
        pick = np.argmin(potentials)
        potential = potentials[pick]
        closest = to_candidates[pick]
        centres[c] = x[candidates[pick]]
    return centres


@numba.njit(cache=True, nogil=True)
def _assign_and_sum(x, centres, centre_norms, labels, sums, counts, add=True):  # pragma: no cover
    """One Lloyd pass: `labels` of the nearest centres (first on ties, by
    ``|c|^2 - 2 x.c``, scikit-learn's E-step) and, if `add`, each cluster's
    coordinate sums and count added in the points' order (as ``np.bincount``,
    so the same bits); ``add=False`` gives a fit's final labels by the same rule."""
    n, d = x.shape
    k = len(centres)
    for i in range(n):
        best = np.inf
        pick = 0
        for j in range(k):
            dot = 0.0
            for m in range(d):
                dot += x[i, m] * centres[j, m]
            half = centre_norms[j] - 2.0 * dot
            if half < best:
                best = half
                pick = j
        labels[i] = pick
        if add:
            counts[pick] += 1.0
            for m in range(d):
                sums[pick, m] += x[i, m]


def _lloyd(x, centres, max_iter, tol, scratch=None, stop=None):
    """One Lloyd run from `centres`: labels, inertia, centres, iterations
    (`scratch`: an array like `x` to reuse, see `_inertia`; `stop`: raises `Stopped`
    before an iteration once ``stop[0]`` is set)."""
    k, d = centres.shape
    labels_old = np.full(len(x), -1, dtype=np.int32)
    strict = False
    labels = labels_old.copy()
    for n_iter in range(1, max_iter + 1):  # noqa: B007 (returned)
        if stop is not None:
            raise_if_stopped(stop)
        labels_old, labels = labels, labels_old  # (two buffers, swapped)
        sums = np.zeros((k, d))
        counts = np.zeros(k)
        _assign_and_sum(x, centres, np.einsum("ij,ij->i", centres, centres), labels, sums,
                        counts)
        _relocate_empty(x, centres, sums, counts, labels)
        # scikit-learn multiplies by 1 / weight; a centre of no weight stays at 0
        new = sums * (1.0 / np.where(counts > 0, counts, 1.0))[:, None]
        shift = ((new - centres) ** 2).sum()
        centres = new
        if np.array_equal(labels, labels_old):
            strict = True
            break
        if shift <= tol:
            break
    if not strict:  # the labels of the final centres (labels_old is free)
        _assign_and_sum(x, centres, np.einsum("ij,ij->i", centres, centres), labels_old, sums,
                        counts, False)
        labels = labels_old
    return labels, _inertia(x, centres, labels, scratch), centres, n_iter


def _inertia(x, centres, labels, scratch=None):
    """Sum of squared distances of `x` to their centres: ``((x - centres[labels])**2).sum()``
    (the same bits), in `scratch` (like `x`) if given: a fresh 1.5 MB temporary costs
    more in page faults than the arithmetic (3.5 vs 0.6 ms on 39k x 5 points)."""
    buf = np.empty_like(x) if scratch is None else scratch
    np.take(centres, labels, axis=0, out=buf)
    np.subtract(x, buf, out=buf)
    np.multiply(buf, buf, out=buf)
    return buf.sum()


def _relocate_empty(x, centres, sums, counts, labels):
    """Empty clusters take the points farthest from their centres (scikit-learn's rule)."""
    empty = np.flatnonzero(counts == 0)
    if not len(empty):
        return
    distances = ((x - centres[labels]) ** 2).sum(axis=1)
    if distances.max() == 0:
        return
    far = np.argpartition(distances, -len(empty))[: -len(empty) - 1 : -1]
    for new_id, point in zip(empty, far, strict=True):
        old_id = labels[point]
        sums[old_id] -= x[point]
        sums[new_id] = x[point]
        counts[new_id] = 1.0
        counts[old_id] -= 1.0


def _same_partition(a, b, k) -> bool:
    """Whether every cluster of `a` (labels 0 .. k-1) lies within one cluster of `b`.

    Vectorised (a loop over the points took ~50 ms on 40k labels): one point's
    `b` label per cluster of `a`, then every point must agree with it.
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"{a.shape} labels against {b.shape}")
    mapping = np.full(k, -1, dtype=np.int64)
    mapping[a] = b
    return bool(np.array_equal(mapping[a], b))


def silhouette_score(x: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette coefficient, as ``sklearn.metrics.silhouette_score(x, labels)``.

    For every point, ``s = (b - a) / max(a, b)`` with ``a`` the mean distance to
    the other points of its cluster and ``b`` the smallest mean distance to the
    points of another cluster; 0 for a point alone in its cluster.

    Parameters
    ----------
    x : ndarray, (n, d)
        Points.
    labels : ndarray of int, (n,)
        Cluster of every point (at least two distinct labels).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[0.0], [1.0], [10.0], [11.0]])
    >>> round(silhouette_score(x, np.array([0, 0, 1, 1])), 4)
    0.8997
    """
    return silhouette_scores(x, [labels])[0]


def silhouette_scores(x: np.ndarray, labelings) -> list[float]:
    """`silhouette_score` of several labelings of the same points.

    The pairwise distances, the bulk of the work, are computed once for all
    labelings (the number-of-patterns hint scores k = 2 .. 6 on the same
    sample); each score is the same arithmetic as `silhouette_score`.

    Parameters
    ----------
    x : ndarray, (n, d)
        Points.
    labelings : sequence of ndarray of int, (n,)
        Cluster of every point, per labeling (each with at least two labels).

    Returns
    -------
    list of float
        One mean silhouette per labeling.
    """
    x = np.asarray(x, dtype=np.float64)
    norms = np.einsum("ij,ij->i", x, x)
    blocks = []
    for start in range(0, len(x), 1024):  # distances in blocks of rows (memory)
        d = _squared_distances(x[start : start + 1024], x, norms)
        rows = np.arange(len(d))
        d[rows, start + rows] = 0.0
        blocks.append(np.sqrt(d, out=d))
    return [_silhouette(blocks, labels) for labels in labelings]


def _silhouette(blocks: list[np.ndarray], labels: np.ndarray) -> float:
    """Mean silhouette from the rows of root distances `blocks` (1024 points each)."""
    _, labels = np.unique(labels, return_inverse=True)
    n = len(labels)
    k = int(labels.max()) + 1
    if k < 2:
        raise ValueError("silhouette needs at least 2 distinct labels")
    sizes = np.bincount(labels, minlength=k).astype(np.float64)
    onehot = np.zeros((n, k))
    onehot[np.arange(n), labels] = 1.0
    sums = np.empty((n, k))
    for i, block in enumerate(blocks):
        sums[i * 1024 : i * 1024 + len(block)] = block @ onehot
    own = sizes[labels]
    a = sums[np.arange(n), labels] / np.maximum(own - 1, 1)
    means = sums / sizes[None, :]
    means[np.arange(n), labels] = np.inf
    b = means.min(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = (b - a) / np.maximum(a, b)
    s = np.where(own > 1, np.nan_to_num(s), 0.0)
    return float(s.mean())
