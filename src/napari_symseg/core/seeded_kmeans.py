"""Seeded k-means: the scribbled classes' centres fixed, the free patterns started
k-means++ and moved by Lloyd iterations (`seeded_centres`; used by `core.scribbles`).
"""

from __future__ import annotations

import numpy as np

from .clustering import MAX_FIT_SAMPLES, N_INIT, assign

#: Lloyd iterations of the seeded k-means at most.
MAX_ITER = 100


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
