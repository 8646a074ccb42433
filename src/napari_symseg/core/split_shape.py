"""The shape of a two-pattern split: the tests the number-of-patterns hint reads.

Every grid point's features are projected on the line through the two
k-means centres (t = 0 at one, 1 at the other). How t is laid out on the grid
tells a boundary between two patterns from one crystal whose features drift:
its separation (`split_separation`), whether it is a monotone function of the
row alone (`slow_axis_drift`: a scan's creep) or a function of one direction
(`one_direction_drift`: a wedge); how much the split changes one symmetry
score (`score_change`), and how well the two patterns' score vectors
correlate (`score_correlation`). The rule that combines them, with the measurements
behind every threshold, is `pattern_count`'s.
"""

from __future__ import annotations

import numpy as np

#: a split is a scan drift when the row means explain this share of its variance ...
SLOW_AXIS_SHARE = 0.95
#: ... and move in one direction (|sum of steps| / sum of |steps| at least this)
SLOW_AXIS_MONOTONE = 0.9
#: a split is a function of one direction when its bin means explain this share
ONE_DIRECTION_SHARE = 0.85


def score_change(centres: np.ndarray, axes: np.ndarray, n_scores: int | None = None) -> float:
    """Largest change of one symmetry score between two cluster centres.

    The centres' difference in the PCA features, taken back to the
    descriptors through the PCA axes (within the kept components): the
    largest absolute change of one score (a Pearson correlation for
    translations, rotations and reflections). One crystal under a slow
    intensity or thickness change keeps its lattice, so its scores change by
    a few hundredths; a twin, a grain or another phase moves the lattice's
    peaks, and some score changes by tenths.

    Parameters
    ----------
    centres : ndarray, (2, n_components)
        The two cluster centres in the PCA features.
    axes : ndarray, (n_components, n_features)
        The PCA axes (``model.pca.components``).
    n_scores : int, optional
        Only the first `n_scores` features count (the symmetry scores; the
        contrast channels after them are weighted and are not scores).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> axes = np.array([[0.6, 0.8, 0.0], [0.0, 0.0, 1.0]])
    >>> round(score_change(np.array([[0.0, 0.0], [0.5, 2.0]]), axes, n_scores=2), 6)
    0.4
    """
    centres = np.asarray(centres, dtype=np.float64)
    diff = (centres[1] - centres[0]) @ np.asarray(axes, dtype=np.float64)
    diff = diff[: len(diff) if n_scores is None else n_scores]
    return float(np.max(np.abs(diff))) if diff.size else 0.0


def score_correlation(centres: np.ndarray, axes: np.ndarray, mean: np.ndarray,
                      n_scores: int | None = None) -> float:
    """Pearson correlation of the two cluster centres' symmetry-score vectors.

    Each centre taken back to the descriptors (``mean + centre @ axes``, within
    the kept components): its mean score of every symmetry operation. One
    crystal under a dose or thickness gradient keeps which operations score
    high and which low -- at low counts all scores shrink, but their pattern
    stays (0.9989-1.0 under 4x wedges at 60-600 counts/px, 0.996-0.998 at
    30); a twin, a grain or another phase moves the lattice's peaks, so other
    operations score high (0.02-0.994 where the split follows one direction,
    on the hint's development seeds; docs/robustness.md, hint13).

    Parameters
    ----------
    centres, axes : ndarray
        The two cluster centres in the PCA features and the PCA axes, as for
        `score_change`.
    mean : ndarray, (n_features,)
        The PCA mean (``model.pca.mean``).
    n_scores : int, optional
        Only the first `n_scores` features count (the symmetry scores; the
        contrast channels after them are intensities).

    Returns
    -------
    float
        In [-1, 1]; NaN when a score vector is constant.

    Examples
    --------
    >>> import numpy as np
    >>> axes = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    >>> mean = np.array([0.9, 0.1, 5.0])
    >>> round(score_correlation(np.array([[0.0, 0.0], [-0.4, -0.04]]), axes, mean, 2), 6)
    1.0
    >>> score_correlation(np.array([[0.0, 0.0], [-0.8, 0.8]]), axes, mean, 2) < 0
    True
    """
    scores = np.asarray(mean, dtype=np.float64) + np.asarray(centres, dtype=np.float64) \
        @ np.asarray(axes, dtype=np.float64)
    scores = scores[:, : scores.shape[1] if n_scores is None else n_scores]
    spread = scores - scores.mean(axis=1, keepdims=True)
    norms = np.sqrt((spread**2).sum(axis=1))
    if scores.shape[1] < 2 or not np.all(norms > 0):
        return float("nan")
    return float(np.clip(spread[0] @ spread[1] / (norms[0] * norms[1]), -1.0, 1.0))


def split_separation(features: np.ndarray, centres: np.ndarray,
                     mask: np.ndarray | None = None) -> float:
    """Separation (sharpness / dip) of the two-pattern split by `centres` (module docstring).

    Parameters
    ----------
    features : ndarray, ([n_frames,] n_rows, n_cols, n_components) or (n, n_components)
        PCA features on the grid, or on a stack of grids (neighbours within
        one grid only); flat: no spatial sharpness, taken as 1.
    centres : ndarray, (2, n_components)
        The two cluster centres.
    mask : ndarray of bool, optional
        Only these points (and neighbour pairs of them) count, e.g. the
        points of two patterns out of more.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> ramp = np.linspace(0, 1, 64)[None, :, None] + 0.02 * rng.normal(size=(64, 64, 1))
    >>> split_separation(ramp, np.array([[0.25], [0.75]])) < 4
    True
    >>> step = (np.arange(64) >= 32)[None, :, None] + 0.02 * rng.normal(size=(64, 64, 1))
    >>> split_separation(step, np.array([[0.0], [1.0]])) > 100
    True
    """
    x = np.asarray(features, dtype=np.float64)
    d = centres[1] - centres[0]
    if not np.any(d):
        return 0.0
    t = (x - centres[0]) @ d / (d @ d)
    mask = np.ones(t.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if not mask.any():
        return 0.0
    inside = t[mask]
    near = min(np.mean(np.abs(inside) < 0.1), np.mean(np.abs(inside - 1) < 0.1))
    dip = np.mean(np.abs(inside - 0.5) < 0.1) / max(near, 1.0 / inside.size)
    sharpness = 1.0
    if t.ndim >= 2 and min(t.shape[-2:]) > 1:
        label = t > 0.5
        steps, across, both = [], [], []
        for axis in (-2, -1):
            steps.append(np.abs(np.diff(t, axis=axis)).ravel())
            across.append(np.diff(label, axis=axis).ravel())
            pair = mask[..., 1:, :] & mask[..., :-1, :] if axis == -2 else \
                mask[..., 1:] & mask[..., :-1]
            both.append(pair.ravel())
        both = np.concatenate(both)
        steps, across = np.concatenate(steps)[both], np.concatenate(across)[both]
        if across.any() and (~across).any():
            sharpness = steps[across].mean() / max(steps[~across].mean(), 1e-300)
    return float(sharpness / max(dip, 1e-300))


def slow_axis_drift(features: np.ndarray, centres: np.ndarray) -> bool:
    """Whether the two-pattern split by `centres` is a monotone function of the row alone.

    Every grid point is projected on the line through the two centres (t = 0
    at one, 1 at the other); the split is a drift along the slow scan axis
    when the mean of t over each row explains at least `SLOW_AXIS_SHARE` of
    t's variance and those row means move in one direction (``|sum of
    steps| / sum of |steps| >= SLOW_AXIS_MONOTONE``) -- on every grid of a
    stack. Flat features (no rows): False.

    Parameters
    ----------
    features : ndarray, ([n_frames,] n_rows, n_cols, n_components)
        PCA features on the grid, or on a stack of grids.
    centres : ndarray, (2, n_components)
        The two cluster centres.

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np
    >>> rows = np.exp(-np.arange(60) / 12.0)[:, None, None] * np.ones((60, 50, 1))
    >>> slow_axis_drift(rows, np.array([[1.0], [0.0]]))
    True
    >>> slow_axis_drift(rows.transpose(1, 0, 2), np.array([[1.0], [0.0]]))
    False
    """
    x = np.asarray(features, dtype=np.float64)
    d = centres[1] - centres[0]
    if x.ndim < 3 or min(x.shape[-3:-1]) < 2 or not np.any(d):
        return False
    t = ((x - centres[0]) @ d / (d @ d)).reshape(-1, *x.shape[-3:-1])
    for frame in t:
        profile = frame.mean(axis=1)
        total = frame.var()
        steps = np.diff(profile)
        if total <= 0 or not np.any(steps):
            return False
        share = 1.0 - np.mean((frame - profile[:, None]) ** 2) / total
        if share < SLOW_AXIS_SHARE or abs(steps.sum()) < SLOW_AXIS_MONOTONE * np.abs(steps).sum():
            return False
    return True


def one_direction_drift(features: np.ndarray, centres: np.ndarray) -> bool:
    """Whether the two-pattern split by `centres` is a function of one direction.

    Every grid point is projected on the line through the two centres (t = 0
    at one, 1 at the other); t is fitted by a plane in the grid coordinates,
    and the points are binned (one grid step wide) along that plane's
    gradient. The split follows one direction when the bin means explain at
    least `ONE_DIRECTION_SHARE` of t's variance -- on every grid of a stack.
    Flat features (no rows): False.

    Parameters
    ----------
    features : ndarray, ([n_frames,] n_rows, n_cols, n_components)
        PCA features on the grid, or on a stack of grids.
    centres : ndarray, (2, n_components)
        The two cluster centres.

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np
    >>> r, c = np.mgrid[0:40, 0:40]
    >>> wedge = np.tanh((r + 0.5 * c - 30) / 6.0)[..., None]
    >>> one_direction_drift(wedge, np.array([[-1.0], [1.0]]))
    True
    >>> disc = np.where(np.hypot(r - 20, c - 20) < 12, 1.0, -1.0)[..., None]
    >>> one_direction_drift(disc, np.array([[-1.0], [1.0]]))
    False
    """
    x = np.asarray(features, dtype=np.float64)
    d = centres[1] - centres[0]
    if x.ndim < 3 or min(x.shape[-3:-1]) < 2 or not np.any(d):
        return False
    t = ((x - centres[0]) @ d / (d @ d)).reshape(-1, *x.shape[-3:-1])
    rows, cols = np.mgrid[0:t.shape[1], 0:t.shape[2]].astype(np.float64)
    plane = np.stack([rows.ravel(), cols.ravel(), np.ones(rows.size)], axis=1)
    for frame in t:
        values = frame.ravel()
        total = values.var()
        slope = np.linalg.lstsq(plane, values, rcond=None)[0][:2]
        if total <= 0 or not np.any(slope):
            return False
        u = plane[:, :2] @ (slope / np.hypot(*slope))
        bins = np.floor(u - u.min()).astype(np.int64)
        means = np.bincount(bins, values) / np.maximum(np.bincount(bins), 1)
        share = 1.0 - np.mean((values - means[bins]) ** 2) / total
        if share < ONE_DIRECTION_SHARE:
            return False
    return True
