"""How many patterns does an image hold? A hint for the number of clusters.

k-means always returns the k clusters it is asked for, even from a single
crystal. The hint answers two questions on a random subsample of the PCA
features:

1. Is there any cluster structure at all (k = 1 or more)? The gap statistic
   (Tibshirani, Walther & Hastie, J. R. Stat. Soc. B 63, 2001) compares the
   within-cluster dispersion ``W_k`` with that of uniform reference data in
   the features' bounding box (the PCA axes are the principal axes, as the
   method recommends): ``Gap(k) = mean_b log W*_kb - log W_k`` with error
   ``s_k = sd_b(log W*_kb) sqrt(1 + 1/B)``. One pattern is suggested when
   ``Gap(1) >= Gap(2) - s_2`` (the paper's rule, applied at k = 1): two
   clusters explain the features no better than they explain noise.
   A second test (issue 13) catches one crystal whose features drift
   slowly (thickness wedges, bending, illumination, a moire of the lattice
   with the grid), which the gap statistic reads as structure: the best
   two-pattern split must be **separated**, ``separation = sharpness / dip
   >= MIN_SEPARATION``, where, with every grid point projected on the line
   through the two k-means centres (t = 0 at one centre, 1 at the other),
   *dip* is the density of t near 0.5 over the smaller of the densities
   near 0 and near 1 (a gap between two patterns: << 1; a continuum: ~1;
   one Gaussian blob: 1.4), and *sharpness* is the mean |t| step between
   neighbouring grid points of different labels over the mean step between
   neighbours of the same label (a boundary: t jumps there; a drift: t
   changes at the same pace everywhere, ~1-2). Grid-shaped features only
   (flat features: sharpness 1). Measured on synthetic single crystals
   under wedges and bending and on the robustness scenarios
   (docs/robustness.md): one crystal 0.8-3.5, two patterns 4-300 -- but
   narrow twin lamellae overlap (1.8-3.9): with `--auto` sizes the
   descriptor's reach is a large part of a lamella, so their features are a
   continuum too.
   Both tests are overruled by the **score change** (issue 13, when the PCA
   axes are given: `Result.pattern_count_hint` and the widget always give
   them): the two centres' difference taken back to the descriptors, the
   largest change of one symmetry score. One crystal keeps its lattice under
   intensity and thickness changes, so its scores change by hundredths
   (HAADF 0.002-0.02, STM with scan creep 0.15-0.24, real MoS2 0.13, a real
   STM frame 0.24); a twin, a grain or another phase moves the lattice's
   correlation peaks, and some score changes by tenths (0.27-1.0). A split
   that changes a score by ``MIN_SCORE_CHANGE`` (a quarter of a Pearson
   correlation) or more is two patterns. Chosen on development scenarios
   (`benchmarks/hint_scenarios.py`, seeds 10-12), checked on fresh seeds:
   docs/robustness.md. Weak chemical order (an ordered precipitate in a
   matrix of the same lattice) changes scores by 0.05-0.15 only and is
   still read as 1 when its split is not separated.
   **Scan drift** (issue 13, fifth session): a scanned image (STM, AFM,
   STEM) is recorded row after row, so piezo creep and thermal drift
   stretch the lattice as a function of the row (the slow scan axis) alone;
   a stretch of 10-30 % moves the correlation peaks like another lattice
   would (score changes 0.25-0.49 on single STM crystals). A split that is
   not separated and whose position between the two centres is a
   **monotone function of the row alone** (`slow_axis_drift`: the row
   means explain ``>= SLOW_AXIS_SHARE`` of its variance, and they move in
   one direction, ``|sum of steps| / sum of |steps| >= SLOW_AXIS_MONOTONE``)
   is read as that drift when its score change stays below
   ``MAX_DRIFT_CHANGE`` (half a correlation: creep of single STM crystals
   changed scores by 0.14-0.46; another phase or a grain by 0.6-1.0). A real boundary
   parallel to the fast scan axis is usually sharp (separated) and then
   still counts; an unsharp one is read as 1 -- the price of this test.
   **A gradient along one direction** (issue 13, ninth session): a thickness
   wedge whose features saturate at both ends (a plateau, a ramp, a plateau)
   has a dip and a sharpness of a boundary (separation 4.6-8.0 on single
   HAADF crystals), yet it changes no score by more than hundredths. A split
   whose position between the two centres is a **function of one direction
   across the image** (`one_direction_drift`: binned along the direction of
   its least-squares plane, the bin means explain ``>= ONE_DIRECTION_SHARE``
   of its variance) and that changes no score by ``MAX_GRADIENT_CHANGE``
   (0.05) or more is one crystal under a slow gradient, separated or not.
   Single HAADF crystals with separated splits: share 0.92-0.99, score
   change 0.01-0.03; weak chemical order (ordered ellipses, cuboids: score
   changes 0.01-0.06 too) is not a function of one direction (share
   0.19-0.81), so it keeps its reading. The price: a straight boundary
   across which no score changes by 0.05 is read as 1.
   **A low-dose gradient** (issue 13, hint13; with the PCA mean: the
   results' hint always gives it): at a few tens of counts per pixel the
   Pearson scores of the thin side of a wedge shrink, so its split changes
   scores by 0.08-0.18, yet both sides score the same operations high and
   low. A one-direction split whose two centres' score vectors (``mean +
   centre @ axes``, scores only) correlate at ``MIN_GRADIENT_CORRELATION``
   (0.999) or more (`score_correlation`) is a gradient too. Chosen on
   development wedges (4x, 60 counts/px: 0.9991-0.9995) and positives (the
   closest one-direction twin 0.9944); at 30 counts/px wedges reach only
   0.996-0.998 and stay 2 (docs/robustness.md, hint13).
2. Otherwise, which k >= 2? The k of the largest mean silhouette. (The gap
   rule itself over-splits here: descriptors vary periodically with the
   position in the unit cell, so every pattern has sub-structure and the
   gap keeps growing with k; the silhouette prefers well-separated
   patterns.)
"""

from __future__ import annotations

import numpy as np

from .kmeans import kmeans, silhouette_scores
from .pattern_count_rule import (  # noqa: F401  (the thresholds are part of this module's API)
    MAX_DRIFT_CHANGE,
    MAX_GRADIENT_CHANGE,
    MIN_GRADIENT_CORRELATION,
    MIN_SCORE_CHANGE,
    MIN_SEPARATION,
    PatternCountHint,
    _needed,
    _one,
    _scan_drift,
)
from .pca import single_threaded_blas
from .split_shape import (  # noqa: F401  (the thresholds are part of this module's API)
    ONE_DIRECTION_SHARE,
    SLOW_AXIS_MONOTONE,
    SLOW_AXIS_SHARE,
    one_direction_drift,
    score_change,
    score_correlation,
    slow_axis_drift,
    split_separation,
)


def _kmeans(x: np.ndarray, k: int, seed: int):
    return kmeans(x, k, n_init=2, random_state=seed)


def _log_dispersion(x: np.ndarray, k: int, seed: int) -> float:
    if k == 1:
        return float(np.log(((x - x.mean(axis=0)) ** 2).sum() + 1e-300))
    return float(np.log(_kmeans(x, k, seed).inertia_ + 1e-300))


def result_features(result) -> np.ndarray:
    """The PCA features of a result that the hint reads: its unclipped grid points.

    The model is fitted on the grid points whose descriptors see whole patches;
    points near the border (clipped patches) differ and are left out. The one
    selection used by `Result.pattern_count_hint` and by the widget's hint of a
    series (every reference frame's result).

    Parameters
    ----------
    result : Result
        A segmentation (`napari_symseg.segment` or a model's ``predict``).

    Returns
    -------
    ndarray, (n_rows, n_cols, n_components)
        ``result.pca_components`` without the clipped border rows and columns
        (all of it when fewer than two rows or columns are unclipped).
    """
    from .descriptors.registry import get_family
    from .grid import inside

    m_rows, m_cols = get_family(result.params.descriptor_name).fit_margin(result.params)
    rows = inside(result.grid.rows, m_rows, result.grid.image_shape[0])
    cols = inside(result.grid.cols, m_cols, result.grid.image_shape[1])
    features = result.pca_components
    if rows.stop - rows.start >= 2 and cols.stop - cols.start >= 2:
        features = features[rows, cols]
    return features


def results_hint(results, k_max: int = 6, full: bool = True) -> PatternCountHint:
    """The number-of-patterns hint of one result, or of the reference frames of a series.

    The one rule behind `Result.pattern_count_hint` (one result) and the
    widget's hint of a series (the reference frames' results under the fitted
    model): `pattern_count_hint` of their `result_features` (stacked; spatial
    neighbours within a frame), with the model's PCA axes for the score
    change test (families whose scores are correlations only,
    `DescriptorFamily.scores_are_correlations`) and the first result's seed.

    Parameters
    ----------
    results : sequence of Result
        Results of one model on images of the same shape (at least one).
    k_max : int
        Largest number of patterns tried.
    full : bool
        Every score (the widget's chart); False: only those the suggestion
        needs (`pattern_count_hint`; the command's note).

    Returns
    -------
    PatternCountHint
    """
    from .descriptors.contrast import n_channels
    from .descriptors.registry import get_family

    first = results[0]
    features = np.stack([result_features(r) for r in results])
    axes = mean = n_scores = None
    if get_family(first.params.descriptor_name).scores_are_correlations:  # the test's units
        axes, mean = first.model.pca.components, first.model.pca.mean
        n_scores = axes.shape[1] - n_channels(first.params)
    return pattern_count_hint(features if len(results) > 1 else features[0], k_max,
                              first.params.random_state, axes=axes, n_scores=n_scores,
                              full=full, mean=mean)


def pattern_count_hint(
    features: np.ndarray,
    k_max: int = 6,
    random_state: int | None = 0,
    n_samples: int = 2000,
    n_references: int = 8,
    axes: np.ndarray | None = None,
    n_scores: int | None = None,
    full: bool = True,
    mean: np.ndarray | None = None,
) -> PatternCountHint:
    """Suggest a number of patterns from the PCA features.

    Parameters
    ----------
    features : ndarray, (..., n_components)
        PCA features, e.g. ``result.pca_components``.
    k_max : int
        Largest number of patterns tried.
    random_state : int, optional
        Seed of the subsample, the reference data and k-means.
    n_samples : int
        Feature vectors used (a random subsample; the scores need few).
    n_references : int
        Uniform reference data sets B of the gap statistic.
    axes : ndarray, (n_components, n_features), optional
        The PCA axes of the features (``model.pca.components``): with them the
        two-pattern split's largest change of one symmetry score is measured
        (`score_change`, module docstring). Without them that test is skipped.
    n_scores : int, optional
        How many of the features are symmetry scores (the first ones; the
        rest, contrast channels, do not count). Default: all.
    full : bool
        Compute every score. False: only those the suggestion depends on,
        given the best two-pattern split's tests (`_needed`): the gap
        statistic and the silhouettes left out are NaN; ``suggested``,
        ``separation``, ``score_change``, ``scan_drift`` and the text are the
        same as with ``full=True`` (the same fits with the same seeds; the
        gap's reference data are drawn last).
    mean : ndarray, (n_features,), optional
        The PCA mean of the features (``model.pca.mean``): with it and `axes`
        the correlation of the two patterns' score vectors is measured
        (`score_correlation`, module docstring). Without it that test is skipped.

    Returns
    -------
    PatternCountHint

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> one = rng.normal(size=(1000, 3))
    >>> pattern_count_hint(one).suggested
    1
    >>> two = np.concatenate([one, rng.normal(size=(1000, 3)) + [8.0, 0, 0]])
    >>> pattern_count_hint(two).suggested
    2
    """
    grid = np.asarray(features, dtype=np.float64)
    if grid.ndim > 3:  # a stack of grids (the reference frames of a series)
        grid = grid.reshape(-1, *grid.shape[-3:])
    x = grid.reshape(-1, np.shape(features)[-1])
    rng = np.random.default_rng(random_state)
    if len(x) > n_samples:
        x = x[rng.choice(len(x), n_samples, replace=False)]
    k_max = int(max(1, min(k_max, len(np.unique(x, axis=0)) - 1)))
    seed = int(rng.integers(2**31))
    ks = np.arange(1, k_max + 1)
    silhouette = np.full(k_max, np.nan)
    gap = np.zeros(2)
    error = np.zeros(2)
    separation = change = correlation = np.nan
    drift = gradient = False
    with single_threaded_blas():
        if k_max >= 2:
            fitted = _kmeans(x, 2, seed)  # the best two-pattern split and its tests
            spatial = grid if grid.ndim >= 3 else grid.reshape(-1, grid.shape[-1])
            separation = split_separation(spatial, fitted.cluster_centers_)
            drift = slow_axis_drift(grid, fitted.cluster_centers_)
            if axes is not None:
                change = score_change(fitted.cluster_centers_, axes, n_scores)
                if mean is not None:
                    correlation = score_correlation(fitted.cluster_centers_, axes, mean,
                                                    n_scores)
                gradient = bool((change < MAX_GRADIENT_CHANGE
                                 or correlation >= MIN_GRADIENT_CORRELATION)
                                and one_direction_drift(grid, fitted.cluster_centers_))
            need_gap, need_silhouette = (True, True) if full else \
                _needed(separation, change, drift, gradient)
            if need_gap:
                lo, hi = x.min(axis=0), x.max(axis=0)
                observed = np.array([_log_dispersion(x, k, seed) for k in (1, 2)])
                reference = np.array([
                    [_log_dispersion(ref, k, seed) for k in (1, 2)]
                    for ref in (rng.uniform(lo, hi, size=x.shape) for _ in range(n_references))
                ])
                gap = reference.mean(axis=0) - observed
                error = reference.std(axis=0) * np.sqrt(1 + 1 / n_references)
            else:
                gap = error = np.full(2, np.nan)
        noise = bool(gap[0] >= gap[1] - error[1])  # the gap test (NaN when skipped: False)
        if k_max >= 2 and need_silhouette and (
                full or not _one(False, noise, separation, change, drift, gradient)):
            scored = {}  # k -> labels with two clusters or more
            for k in ks[1:]:
                labels = (fitted if k == 2 else _kmeans(x, k, seed)).labels_
                if len(np.unique(labels)) > 1:
                    scored[k] = labels
            if scored:  # the pairwise distances once for every k
                silhouette[np.array(list(scored)) - 1] = silhouette_scores(
                    x, scored.values())
    degenerate = k_max == 1 or np.all(np.isnan(silhouette))
    one = _one(degenerate, noise, separation, change, drift, gradient)
    scan_drift = _scan_drift(separation, change, drift)
    suggested = 1 if one else int(np.nanargmax(silhouette) + 1)
    return PatternCountHint(ks, silhouette, gap, error, suggested, float(separation),
                            float(change), scan_drift, gradient, float(correlation))
