"""``--descriptor auto``: try the descriptor families on the image and keep the best.

Every candidate family (`CANDIDATES`: translations, rotations, reflections)
segments the image with its ``--auto`` parameters (`suggest_params`). Every
pair of the patterns it finds is measured twice:

- its **separation**, the number-of-patterns hint's test
  (`pattern_count.split_separation`): with the grid points of the two
  patterns projected on the line through their centres, *dip* is the density
  half-way between the centres relative to the density at the centres (a
  gap: << 1), and *sharpness* is how much more the projection jumps between
  neighbouring grid points of different labels than between neighbours of
  one label (a boundary: >> 1); separation = sharpness / dip. Both are
  ratios, so separations of families with different features compare;
- its **score change** (`pattern_count.score_change`): the two centres'
  difference taken back to the descriptors, the largest change of one
  symmetry score (a Pearson correlation for all three families, so the
  units compare too).

A family's score is its worst pair's ``separation * sqrt(score change)``:
the patterns must be apart in feature space, separated by sharp boundaries in
space, *and* differ in what the descriptor measures by more than a trace.
Why both: separation alone is blind to the size of the difference -- on twin
lamellae, rotations (which cannot tell a crystal from its mirror image:
rotations by +a and -a score alike) split the lamellae's edges from their
interiors with a clear boundary (separation 9.8, the best of the three) but
with a score change of 0.15, against 0.60-1.1 for the families that see the
twin; a family splitting an image along noise or intensity (translations on
a mirror-broken basis: the same autocorrelation on both sides) has neither.
The power spectrum (not a default candidate; ``candidates=`` may name it)
gets a fair score change too: its two centres' power spectra are taken back
to the windows' autocorrelation (Wiener-Khinchin, `spectrum_correlations`),
whose values are correlations like the other families' scores; before, it got
a score change of 1 and won the criterion on every image tried.
The square root: on the design seeds every weight of the score change from
0.2 to 0.8 picks a family that passes (0 loses the twin, 1 the nanoparticle
on carbon, where the vacuum/carbon pair is told apart by the contrast
channels and changes the scores little); 0.5 is the middle.

**No family tells its patterns apart** (issue 13, seventh session): where no
family tried passes the number-of-patterns hint's own test for two patterns
on every pair (`patterns_told_apart`: separation at least
`pattern_count.MIN_SEPARATION` or a score change of at least
`pattern_count.MIN_SCORE_CHANGE`), every split reads as one pattern, the
criterion ranks splits that none of the families sees, and the ranking
follows noise. On the old L1_2 cuboids (a weak
superlattice) every family's separations were 1-7, and the *true* split,
measured in each family's own features, 0.2-3.3: on seed 6202 translations
split the matrix (separation 3.3, accuracy 0.71) and won the criterion, while
reflections found the cuboids (separation 1.1, 0.99). There `UNSEPARATED`
(reflections) is kept, the family blind to the fewest differences:
translations (a local autocorrelation) cannot see a broken mirror or an
inversion (Patterson symmetry), rotations cannot tell a crystal from its
mirror image, while another lattice, orientation or basis changes the
reflection scores too. On the development seeds (0-2, 1000-1002, 6200-6202)
reflections were right on 8 of 9 cuboid images (0.905 on 6201), translations
on 4; checked on fresh seeds in docs/robustness.md. The reason says so.
(Separation alone is not the hint's test: twin lamellae are unseparated in
every family, 1.8-3.9, but change scores by 0.6-1.1 in the families that see
the twin; the score change keeps such images with the criterion.)

Where ``--auto`` itself turns the contrast channels on (part of the image
shows no lattice: translations' ``--auto`` parameters switch to rotations,
`suggest_params` with ``pick_family``, step 6), only that family is tried. (The
contrast rule depends on the family's sizes: with reflections' sizes it also
fires on some 256² mirror-broken images with a lattice everywhere; those keep
every candidate.) The criterion cannot see a
boundary in the wrong place, and next to a region without a lattice the
families do put it in different places: a Pearson score over a patch that
straddles the edge is dominated by the side with more variance (film, not
vacuum), so the more the symmetry scores weigh against the contrast channels
(36 reflection scores against rotations' few), the further a vacuum/film edge
moves into the vacuum, while its separation only grows. On the
nanoparticle-on-carbon scenario (design and development seeds 0-2 and 10-14,
both doses: docs/robustness.md) rotations + contrast were as good or better
than reflections + contrast on all 16 images (reflections lower by
0.006-0.018 at 20 counts/px, by 0.016-0.29 at 2000), yet the criterion
preferred reflections on 9 of them. Translations + contrast, with the
edge-preserving smoothing (`core.kuwahara`), split the boundaries sharply and
won the criterion while merging vacuum and film (0.75 on a design seed).

Why not the k-means confidence or the silhouette: they reward compact
clusters, and a family that splits the image along something it does not
see well (a moire, a thickness change, the edge band of a particle) still
gives compact clusters; a real region boundary is sharp and leaves a gap.
Measured in docs/robustness.md on seeds not used to design it.

**With scribbles**, a choice by held-out strokes (the same families with the
same parameters, `candidate_params`, fitted on half of the strokes and
checked on the other half; ties ranked by `criterion_pick`) was measured
worse than this criterion alone on fresh seeds (docs/scribbles.md): it lives
in the repository's ``benchmarks/stroke_check.py``, and
``--descriptor auto --scribbles`` does not use it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from .descriptors.contrast import n_channels
from .descriptors.registry import get_family
from .grid import inside
from .params import Params
from .pattern_count import MIN_SCORE_CHANGE, MIN_SEPARATION, score_change, split_separation
from .pipeline import segment
from .result import Result
from .suggest import TRANSLATIONS, suggest_params

#: The families ``--descriptor auto`` tries, in this order (ties keep the first).
CANDIDATES = (
    "local_correlation_map",
    "rotational_symmetry_maximum_pooling",
    "reflection_symmetry_maximum_pooling",
)
#: where no family separates its patterns, the family with the fewest blind spots (docstring)
UNSEPARATED = "reflection_symmetry_maximum_pooling"
SPECTRUM = "power_spectrum"
SHORT = {SPECTRUM: "power spectrum", "local_correlation_map": "translations",
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
        `family_score` of every candidate (larger: better separated patterns
        that differ more in their scores).
    reason : str
        One line for the user: what was chosen and why, and what the choice cost
        (how many families were run and their wall time, and the chosen one's).
    """

    params: Params
    result: Result
    scores: dict
    reason: str


def _fit_points(result: Result) -> tuple[np.ndarray, np.ndarray]:
    """PCA features and grid labels of the unclipped grid points (the fit points)."""
    p, grid = result.params, result.grid
    m_rows, m_cols = get_family(p.descriptor_name).fit_margin(p)
    rows = inside(grid.rows, m_rows, grid.image_shape[0])
    cols = inside(grid.cols, m_cols, grid.image_shape[1])
    if rows.stop - rows.start < 2 or cols.stop - cols.start < 2:
        rows, cols = slice(None), slice(None)
    return result.pca_components[rows, cols], result.grid_labels[rows, cols]


def spectrum_correlations(features: np.ndarray, freqs: np.ndarray,
                          window: tuple[int, int]) -> np.ndarray:
    """The normalised autocorrelation that power-spectrum features stand for.

    By the Wiener-Khinchin theorem the autocorrelation of a window is the
    inverse Fourier transform of its power spectrum: with ``P(k) = exp(f_k)
    - 1`` (the features are ``log(1 + P)``, `descriptors.power_spectrum`) and
    ``P(-k) = P(k)``, ``R(s) = sum_k P(k) cos(2 pi (k_r s_r / N_x + k_c s_c /
    N_y))`` over the kept half plane, and ``rho(s) = R(s) / R(0)``: a
    correlation in [-1, 1] at every shift ``s`` of the window, the units of
    the translation family's Pearson scores (circular, of the tapered window,
    without the frequency 0).

    Parameters
    ----------
    features : ndarray, (n, n_freqs)
        Power-spectrum features (log(1 + power)), one row per vector.
    freqs : ndarray of int, (n_freqs, 2)
        Their frequencies ``(k_r, k_c)`` (`power_spectrum.frequencies`).
    window : (int, int)
        ``(window_x, window_y)``, the half sizes.

    Returns
    -------
    ndarray, (n, n_shifts)
        ``rho`` at the shifts ``s_r`` in ``-window_x .. window_x``, ``s_c`` in
        ``0 .. window_y`` (``rho(-s) = rho(s)``), row-major; the shift 0 (1 by
        definition) is left out.
    """
    wx, wy = int(window[0]), int(window[1])
    sr, sc = np.meshgrid(np.arange(-wx, wx + 1), np.arange(0, wy + 1), indexing="ij")
    keep = (sr != 0) | (sc != 0)
    sr, sc = sr[keep], sc[keep]
    k = np.asarray(freqs, dtype=np.float64)
    phase = 2 * np.pi * (np.outer(k[:, 0], sr) / (2 * wx + 1)
                         + np.outer(k[:, 1], sc) / (2 * wy + 1))
    power = np.expm1(np.clip(np.atleast_2d(np.asarray(features, np.float64)), 0.0, None))
    total = power.sum(axis=1, keepdims=True)
    return power @ np.cos(phase) / np.where(total > 0, total, 1.0)


def spectrum_score_change(centres: np.ndarray, result: Result) -> float:
    """`pattern_count.score_change` for the power spectrum: the largest change of one
    autocorrelation value (`spectrum_correlations`) between two centres.

    The centres are taken back to the features (PCA mean + centre @ axes, the
    power-spectrum features only, not the contrast channels) and from there to
    the window's autocorrelation, whose values are correlations like the
    other families' scores.

    Parameters
    ----------
    centres : ndarray, (2, n_components)
        Two cluster centres in the PCA features of `result`.
    result : Result
        A power-spectrum segmentation (its model's PCA, frequencies, params).

    Returns
    -------
    float
    """
    model, p = result.model, result.params
    freqs = np.asarray(model.operations.values)
    x = model.pca.mean + np.asarray(centres, np.float64) @ model.pca.components
    rho = spectrum_correlations(x[:, : len(freqs)], freqs, (p.window_x, p.window_y))
    return float(np.max(np.abs(rho[1] - rho[0]))) if rho.shape[1] else 0.0


def pair_measures(result: Result) -> list[tuple[float, float]]:
    """Separation and score change of every pair of patterns of `result` (module docstring).

    Only grid points whose descriptors are unclipped count (the fit points).
    The power spectrum's score change is that of its autocorrelation
    (`spectrum_score_change`); other families whose scores are not
    correlations get a score change of 1.

    Parameters
    ----------
    result : Result
        A segmentation (its PCA features, grid labels, centres and PCA axes).

    Returns
    -------
    list of (float, float)
        ``(separation, score change)`` per pair ``i < j``; empty for one pattern.
    """
    features, labels = _fit_points(result)
    p = result.params
    axes = result.model.pca.components if get_family(p.descriptor_name).scores_are_correlations \
        else None
    out = []
    for i, j in combinations(range(len(result.cluster_centres)), 2):
        centres = result.cluster_centres[[i, j]]
        sep = split_separation(features, centres, (labels == i) | (labels == j))
        if p.descriptor_name == SPECTRUM:
            change = spectrum_score_change(centres, result)
        elif axes is None:
            change = 1.0
        else:
            change = score_change(centres, axes, axes.shape[1] - n_channels(p))
        out.append((float(sep), float(change)))
    return out


def separation(result: Result) -> float:
    """The worst pair's separation of the patterns of `result` (module docstring).

    Parameters
    ----------
    result : Result
        A segmentation (its PCA features, grid labels and centres).

    Returns
    -------
    float
        ``inf`` for a single pattern.
    """
    return min((sep for sep, _ in pair_measures(result)), default=np.inf)


def patterns_told_apart(result: Result) -> bool:
    """Whether every pair of patterns of `result` passes the number-of-patterns hint's test
    for two patterns: separated (``separation >= MIN_SEPARATION``) or differing in one
    symmetry score by ``MIN_SCORE_CHANGE`` or more (`pattern_count` docstring).

    Parameters
    ----------
    result : Result
        A segmentation.

    Returns
    -------
    bool
        True when every pair passes (and for a single pattern, which has no
        pair); False when some pair fails: the hint would read those two
        patterns as one.
    """
    return all(sep >= MIN_SEPARATION or change >= MIN_SCORE_CHANGE
               for sep, change in pair_measures(result))


def family_score(result: Result) -> float:
    """The criterion of `choose_descriptor`: the worst pair's ``separation * sqrt(score
    change)`` (module docstring).

    Parameters
    ----------
    result : Result
        A segmentation.

    Returns
    -------
    float
        ``inf`` for a single pattern; larger is better.
    """
    return min((sep * np.sqrt(change) for sep, change in pair_measures(result)),
               default=np.inf)


def candidate_params(image, params: Params, candidates: tuple[str, ...] = CANDIDATES) -> dict:
    """The families `choose_descriptor` tries on `image`, each with its ``--auto`` parameters.

    Every candidate gets `suggest_params` (``pick_family=True``). Where
    ``--auto``'s own family rule fires on translations (part of the image
    shows no lattice: the contrast channels on, translations -> rotations),
    only that family is tried (module docstring); a family whose ``--auto``
    switches to another family is not tried either.

    Parameters
    ----------
    image : array_like, 2-D
        The image.
    params : Params
        ``n_patterns`` and everything not chosen by ``--auto``.
    candidates : tuple of str
        Families to try.

    Returns
    -------
    dict of str to Params
        The families tried, in the order of `candidates`, and their parameters.
    """
    suggested = {name: suggest_params(image, params.replace(descriptor_name=name),
                                      pick_family=True) for name in candidates}
    # part of the image shows no lattice: the --auto family rule's family alone
    # --auto's own family rule fired (translations -> rotations: the contrast rule as
    # --auto applies it; the other families' sizes may turn the channels on elsewhere)
    lattice_free = set()
    switched = suggested.get(TRANSLATIONS)
    if switched is not None and switched.descriptor_name != TRANSLATIONS:
        lattice_free = {switched.descriptor_name} & set(candidates)  # (empty: try the rest)
    return {name: suggested[name] for name in candidates
            if suggested[name].descriptor_name == name
            and not (lattice_free and name not in lattice_free)}


def not_tried(candidates: tuple[str, ...], tried) -> str:
    """``"; not tried: ..."`` for the reason line (empty when every candidate was tried)."""
    skipped = [SHORT.get(n, n) for n in candidates if n not in tried]
    if not skipped:
        return ""
    return (f"; not tried: {', '.join(skipped)}: part of the image shows no lattice, "
            "where they place its edge worse")


def criterion_pick(scores: dict, told: dict) -> tuple[str, str]:
    """The family the criterion keeps among those tried, and why (in words).

    The largest `family_score` (the first of ties); where no family tells its
    patterns apart (`patterns_told_apart` False for all, more than one tried),
    `UNSEPARATED` if it was tried (module docstring).

    Parameters
    ----------
    scores : dict of str to float
        `family_score` of every family tried, in the candidates' order.
    told : dict of str to bool
        `patterns_told_apart` of the same families.

    Returns
    -------
    best : str
    why : str
    """
    best = max(scores, key=lambda n: scores[n])  # (max keeps the first of ties)
    why = "the one whose patterns differ most clearly in their symmetry"
    if UNSEPARATED in scores and len(scores) > 1 and not any(told[n] for n in scores):
        best = UNSEPARATED  # no family tells its patterns apart: the criterion reads noise
        why = (f"no family tells its patterns apart (separation < {MIN_SEPARATION:g} and "
               f"score change < {MIN_SCORE_CHANGE:g} for all: weak differences), so the one "
               "blind to the fewest")
    return best, why


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
    scores, runs, seconds, told = {}, {}, {}, {}
    tried_params = candidate_params(image, params, candidates)
    for name in candidates:
        if name not in tried_params:
            scores[name] = -np.inf
            continue
        chosen = tried_params[name]
        start = time.perf_counter()
        result = segment(image, chosen)
        scores[name] = family_score(result)
        told[name] = patterns_told_apart(result)
        runs[name] = (chosen, result)
        seconds[name] = time.perf_counter() - start
    tried = [n for n in candidates if n in runs]
    best, why = criterion_pick({n: scores[n] for n in tried}, told)
    listed = ", ".join(f"{SHORT.get(n, n)} {scores[n]:.1f}" for n in tried)
    listed += not_tried(candidates, runs)
    # in words; the criterion (worst pair's separation x sqrt(score change)) is the docstring's
    # the cost, in the same line: a choice runs every family tried (wall time)
    cost = (f"tried {len(tried)} {'family' if len(tried) == 1 else 'families'} in "
            f"{sum(seconds.values()):.1f} s, the chosen one alone {seconds[best]:.1f} s")
    reason = (f"descriptor: {SHORT.get(best, best)} ({best}), {why} (score of each: "
              f"{listed}; larger is better; {cost})")
    return DescriptorChoice(runs[best][0], runs[best][1], scores, reason)
