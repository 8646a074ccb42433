"""Two patterns of very unequal size: split along the direction of largest skewness.

k-means minimises the spread inside its clusters. When one of two patterns
covers a small part of the image (ordered precipitates, 10-15 %) and differs
only weakly, the spread along directions that have nothing to do with the
patterns (a thickness field, the random composition of atom columns, noise
left after smoothing) is larger than the gap, and k-means cuts the image in
two halves along one of them (docs/robustness.md, the L1_2 cuboids).

A small pattern leaves a trace that spread does not: along the direction
separating it the distribution is **skewed** -- a 90/10 mixture has a
skewness of (1 - 2p) / sqrt(p (1 - p)) = 2.7, smooth fields and noise are
nearly symmetric. So, for two patterns, the PCA features are whitened
and the direction of largest |skewness| is searched (`skew_axis`: one-unit
FastICA with g(u) = u^2 from a few random starts); k-means on that one axis
is the alternative split. It is tried only when the k-means split is **not
already two patterns** by the number-of-patterns hint's rule
(`pattern_count`: separation >= ``MIN_SEPARATION``, or a symmetry score
changing by ``MIN_SCORE_CHANGE`` or more -- twins, grains, phases), and
**kept only when it separates better** than
the k-means split on all components, by the criterion of ``--descriptor
auto`` (`pattern_count.split_separation`: a gap between the two centres
and sharp boundaries in space), and by at least ``MIN_SKEW_SEPARATION``
(one Gaussian blob or a slow drift reads 0.7-1.4: a single crystal under a
wedge and a mirror-broken basis seen by reflections reached 0.8-1.2 with
a wrong split); otherwise the k-means fit is unchanged.
With equal halves the skewness is ~0, the axis is noise and the k-means
split wins.
"""

from __future__ import annotations

import numpy as np

from .clustering import MAX_FIT_SAMPLES, assign, fit_centres
from .pattern_count import MIN_SCORE_CHANGE, MIN_SEPARATION, score_change, split_separation

#: the skewness split must show a boundary: one blob or a slow drift reads 0.7-1.4
MIN_SKEW_SEPARATION = 2.0
#: random starts of the skewness search (the best |skewness| is kept)
N_STARTS = 8
#: fixed-point iterations per start at most
MAX_ITER = 200


def skew_axis(features: np.ndarray, random_state=None) -> np.ndarray:
    """The direction of largest |skewness| of standardised feature vectors.

    Parameters
    ----------
    features : ndarray, (n, d)
        Feature vectors (subsampled to `clustering.MAX_FIT_SAMPLES`).
    random_state : int or None
        Seed of the subsample and of the random starts.

    Returns
    -------
    ndarray, (d,)
        ``features @ axis`` is the whitened projection (unit variance).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(4000, 3))
    >>> x[:400, 2] += 4.0  # a 10 % minority along the third axis
    >>> axis = skew_axis(x, 0)
    >>> int(np.argmax(np.abs(axis)))
    2
    """
    rng = np.random.default_rng(random_state)
    x = np.asarray(features, dtype=np.float64)
    if len(x) > MAX_FIT_SAMPLES:
        x = x[np.sort(rng.choice(len(x), MAX_FIT_SAMPLES, replace=False))]
    x = x - x.mean(0)
    values, vectors = np.linalg.eigh(np.cov(x, rowvar=False).reshape(x.shape[1], -1))
    white = vectors / np.sqrt(np.maximum(values, max(values.max(), 1e-300) * 1e-9))
    z = x @ white  # whitened: every direction has unit variance
    best, best_w = -1.0, np.eye(z.shape[1])[0]
    for _ in range(N_STARTS):
        w = rng.normal(size=z.shape[1])
        w /= np.linalg.norm(w)
        for _ in range(MAX_ITER):
            u = z @ w
            new = (z * (u * u)[:, None]).mean(0)  # FastICA, g(u) = u^2 (E[u] = 0)
            norm = np.linalg.norm(new)
            if norm == 0:
                break
            new /= norm
            done = abs(abs(new @ w) - 1.0) < 1e-10
            w = new
            if done:
                break
        score = abs(np.mean((z @ w) ** 3))
        if score > best:
            best, best_w = score, w
    return white @ best_w


def split_quality(parts: list, centres: np.ndarray) -> float:
    """`pattern_count.split_separation` of the nearest-centre split of two patterns.

    Parameters
    ----------
    parts : list of ndarray, (n_rows, n_cols, d)
        Per image, the features of its fit area (one shape).
    centres : ndarray, (2, d)
        The two centres.

    Returns
    -------
    float
    """
    x = parts[0] if len(parts) == 1 else np.stack(parts)
    labels, _ = assign(x, centres)
    return split_separation(x, centres, (labels == 0) | (labels == 1))


def minority_split(parts: list, flat: np.ndarray, centres: np.ndarray, random_state=None,
                   axes: np.ndarray | None = None, n_scores: int | None = None):
    """The skewness split of two patterns, if it separates better than k-means (module doc).

    Parameters
    ----------
    parts : list of ndarray, (n_rows, n_cols, d)
        Per image, the PCA features of its fit area.
    flat : ndarray, (n, d)
        The same points, flat (what the k-means was fitted on).
    centres : ndarray, (2, d)
        The k-means centres.
    random_state : int or None
        Seed.
    axes : ndarray, (n_components, n_features), optional
        The PCA axes, for the score change of the k-means split.
    n_scores : int, optional
        How many of the features are symmetry scores (`score_change`).

    Returns
    -------
    (axis, centres) or None
        ``axis`` (d, 1): features @ axis is the one feature of the split;
        ``centres`` (2, 1) on it. None: keep the k-means fit (also for
        other numbers of patterns than two).
    """
    if len(centres) != 2 or flat.shape[1] < 2:
        return None
    # the k-means split is already two patterns by the hint's rule: keep it
    quality = split_quality(parts, centres)
    if quality >= MIN_SEPARATION or (
            axes is not None and score_change(centres, axes, n_scores) >= MIN_SCORE_CHANGE):
        return None
    axis = skew_axis(flat, random_state)[:, None]
    on_axis = fit_centres(flat @ axis, 2, random_state)
    better = split_quality([p @ axis for p in parts], on_axis)
    if better <= quality or better < MIN_SKEW_SEPARATION:
        return None
    return axis, on_axis


__all__ = ["minority_split", "skew_axis", "split_quality"]
