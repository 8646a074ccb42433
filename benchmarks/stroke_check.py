"""Held-out strokes choose the descriptor family (`core.choose` with scribbles).

**Measured and not adopted by the command line** (docs/scribbles.md,
"Choosing the descriptor from the strokes"): on fresh seeds of three
scenarios this choice was worse than `core.choose`'s unsupervised criterion
alone (which ``--descriptor auto --scribbles`` keeps using): the benchmark's
strokes are three disks per pattern, a fit on half of them is much weaker
than on all, and the held-out score then ranks noise. It stays callable
(`choose_by_strokes`).

Without strokes, ``--descriptor auto`` (`core.choose`) ranks the families
by an unsupervised criterion: how clearly each one's patterns are apart.
With strokes the user has said which pixels belong together, and a family
that cannot see the difference between the painted patterns shows it on
the strokes themselves: fitted on some of them, it gets the others wrong.
On the mirror-broken basis (one lattice, the regions differ only in point
symmetry) translations with strokes reach ~0.6 while reflections reach
~0.99 (docs/scribbles.md), and the held-out strokes tell them apart.

The rule (`choose_by_strokes`):

1. The strokes are split into two folds (`stroke_folds`): each class's
   connected strokes (8-connected, `scipy.ndimage.label`) alternate between
   fold A and fold B in raster order; a class painted as one stroke is cut
   at the median along its longest axis, so both folds have every class.
2. Every family `core.choose` would try (`choose.candidate_params`: the same
   candidates, the same ``--auto`` parameters) is fitted with fold A's
   strokes and scored on fold B's pixels (the fraction labelled with their
   painted class, `held_out_accuracy`), then the other way round; its score
   is the mean of the two (`held_out_score`). The family's descriptors are
   computed once: the second fold's fit reuses them (``kept``), so a
   family costs one descriptor pass and two scribbled fits.
3. The best score wins and runs with all strokes (reusing its descriptors);
   the reason line lists every family's held-out accuracy. Scores within
   `TIE` (0.1) of the best are a tie; then `--descriptor auto`'s own
   criterion decides among the tied (`choose.criterion_pick` on an
   unsupervised run of each, again on its descriptors already computed).
   So the strokes *rule out* the families that get them clearly wrong, and
   the criterion ranks the rest. Why: the strokes are few disks far from
   every boundary, so the held-out score is coarse and blind to errors
   elsewhere. On the design seeds (0-2 at 256²) a tie within 0.01 kept
   rotations on the L1_2 cuboids' seed 2 (held out 1.000 against
   reflections' 0.941; with all strokes 0.772 against 0.995), and on
   mirror seed 1 rotations and reflections both scored 1.000; the real
   differences there were 0.12 or more (mirror seeds 0 and 2: reflections
   1.000, the next 0.81-0.88). 0.1 lies between; on fresh seeds it did
   not hold (gaps of 0.11-0.25 pointed the wrong way: docs/scribbles.md).

Measured in docs/scribbles.md ("Choosing the descriptor from the strokes").
"""

from __future__ import annotations

import time

import numpy as np
from scipy import ndimage

from napari_symseg.core.choose import (
    CANDIDATES,
    SHORT,
    DescriptorChoice,
    candidate_params,
    criterion_pick,
    family_score,
    not_tried,
    patterns_told_apart,
)
from napari_symseg.core.labelling import label_steps
from napari_symseg.core.params import Params
from napari_symseg.core.pipeline import fit_steps
from napari_symseg.core.progress import run
from napari_symseg.core.strokes import check_scribbles
from napari_symseg.core.validation import as_image

#: 8-connectivity: a diagonal one-pixel line is one stroke.
_CONNECTED = np.ones((3, 3), bool)
#: Held-out scores at most this far below the best tie (module docstring, step 3).
TIE = 0.1


def _halves(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Whether each pixel of one stroke is in its first half along the stroke's longest
    axis (the principal axis of its pixel coordinates), cut at the median: pixels of one
    position along the axis stay together (a clean cut; the halves may then differ by a
    row of pixels). The first half has the median, or the only pixel."""
    xy = np.stack([rows, cols], 1).astype(np.float64)
    xy -= xy.mean(0)
    axis = np.linalg.eigh(xy.T @ xy)[1][:, -1]  # (eigh: eigenvalues ascending)
    along = np.round(xy @ axis, 9)  # (a position shared by pixels rounds alike)
    cut = np.sort(along)[(len(along) - 1) // 2]
    first = along <= cut
    if first.all() and (along < cut).any():  # the median is the largest: cut below it
        first = along < cut
    return first


def stroke_folds(scribbles) -> tuple[np.ndarray, np.ndarray]:
    """Split the strokes into two disjoint folds that both have every class.

    Per class, its connected strokes (8-connected) go alternately to fold A
    and fold B in `scipy.ndimage.label`'s (raster) order; a class painted
    as a single stroke is cut across its longest axis (the principal axis
    of its pixels) at its median, the first half to A. (A class painted
    as one pixel, or as pixels all at one position along the axis, stays in
    fold A only.)

    Parameters
    ----------
    scribbles : array_like, 2-D int
        0 = unlabelled, i >= 1 = pattern i - 1.

    Returns
    -------
    fold_a, fold_b : ndarray of int64
        Each the scribbles restricted to its fold (0 elsewhere); disjoint,
        their sum is the scribbles.
    """
    s = np.asarray(scribbles).astype(np.int64)
    fold_a, fold_b = np.zeros_like(s), np.zeros_like(s)
    for c in np.unique(s[s > 0]):
        parts, n = ndimage.label(s == c, structure=_CONNECTED)
        if n >= 2:
            odd = parts % 2 == 1  # components 1, 3, 5, ...: fold A
            fold_a[(parts > 0) & odd] = c
            fold_b[(parts > 0) & ~odd] = c
        else:
            rows, cols = np.nonzero(parts)
            first = _halves(rows, cols)
            fold_a[rows[first], cols[first]] = c
            fold_b[rows[~first], cols[~first]] = c
    return fold_a, fold_b


def held_out_accuracy(grid_labels: np.ndarray, grid, held_out: np.ndarray) -> float:
    """Fraction of the held-out scribbled pixels labelled with their painted class.

    A pixel's label is that of its nearest grid point (the labels' upsampling,
    `Grid.upsample`), whatever ``params.upsampling`` says.

    Parameters
    ----------
    grid_labels : ndarray of int, (n_rows, n_cols)
        Labels on the descriptor grid of a fit.
    grid : Grid
        That grid.
    held_out : ndarray of int, 2-D
        Scribbles the fit did not see (0 = unlabelled, i = pattern i - 1).

    Returns
    -------
    float
        In [0, 1]; nan when `held_out` scribbles no pixel.
    """
    rows, cols = np.nonzero(held_out)
    if not len(rows):
        return float("nan")
    ri, ci = grid.nearest_index()
    labels = np.asarray(grid_labels)[ri[rows], ci[cols]]
    return float(np.mean(labels == held_out[rows, cols] - 1))


def _fit(img: np.ndarray, params: Params, strokes, kept):
    """`fit_steps` of `img` scribbled by `strokes` (checked, or None), on descriptors already
    computed with `params` (`kept`: an earlier fit's; None computes them)."""
    return run(fit_steps([img], params, None, None if strokes is None else [strokes],
                         None if kept is None else [kept]))


def _segment_kept(img: np.ndarray, params: Params, strokes, kept):
    """`segment` of `img` (as `_fit`), labelled."""
    fit = _fit(img, params, strokes, kept)
    return run(label_steps(fit.chunks[0], fit.features[0], fit.model, fit.assigned[0]))


def _fold_fit(img: np.ndarray, params: Params, fold: np.ndarray, kept):
    """Grid labels, grid and descriptors of a scribbled fit on `fold` alone."""
    fit = _fit(img, params, check_scribbles(fold, img.shape, params.n_patterns), kept)
    chunks = fit.chunks[0]
    return fit.assigned[0][0], chunks.grid, chunks.kept


def held_out_score(image, params: Params, folds: tuple[np.ndarray, np.ndarray]
                   ) -> tuple[float, tuple[float, float], np.ndarray | None]:
    """A family's held-out accuracy: fitted on one fold's strokes, checked on the other's.

    Parameters
    ----------
    image : array_like, 2-D
        The image.
    params : Params
        The family and its parameters.
    folds : (ndarray, ndarray)
        `stroke_folds` of the scribbles.

    Returns
    -------
    score : float
        The mean of the two accuracies (of those that are not nan).
    accuracies : (float, float)
        Fitted on fold A checked on B, fitted on B checked on A
        (`held_out_accuracy`).
    kept : ndarray or None
        The image's descriptors (computed once for both fits; None when they
        were streamed), for a later run with the same parameters.
    """
    img = as_image(image)
    fold_a, fold_b = folds
    labels_a, grid, kept = _fold_fit(img, params, fold_a, None)
    labels_b, _, kept = _fold_fit(img, params, fold_b, kept)
    accuracies = (held_out_accuracy(labels_a, grid, fold_b),
                  held_out_accuracy(labels_b, grid, fold_a))
    score = float(np.nanmean(accuracies)) if not np.isnan(accuracies).all() else -np.inf
    return score, accuracies, kept


def choose_by_strokes(image, params: Params | None, scribbles,
                      candidates: tuple[str, ...] = CANDIDATES) -> DescriptorChoice:
    """``--descriptor auto`` with scribbles: the family whose held-out strokes are right.

    Parameters
    ----------
    image : array_like, 2-D
        The image.
    params : Params, optional
        ``n_patterns`` and everything not chosen by ``--auto``.
    scribbles : array_like, 2-D int
        The strokes (as `segment`'s).
    candidates : tuple of str
        Families to try.

    Returns
    -------
    DescriptorChoice
        The chosen family's parameters, its run with all strokes, every
        candidate's held-out score (-inf: not tried) and the reason line.

    Raises
    ------
    ScribbleError
        Scribbles `segment` would refuse.
    """
    params = Params() if params is None else params
    img = as_image(image)
    strokes = check_scribbles(scribbles, img.shape, params.n_patterns)  # before any work
    folds = stroke_folds(strokes)
    start = time.perf_counter()
    tried = candidate_params(img, params, candidates)
    scores = {name: -np.inf for name in candidates}
    kept = {}  # the descriptors of the families tied with the best so far
    for name, family in tried.items():
        scores[name], _, kept[name] = held_out_score(img, family, folds)
        top = max(scores.values())
        kept = {n: k for n, k in kept.items() if scores[n] >= top - TIE}
    tied = list(kept)  # (the candidates' order)
    best, why = tied[0], ""
    if len(tied) > 1:  # the criterion of --descriptor auto without strokes, on the tied
        criterion, told = {}, {}
        for n in tied:  # an unsupervised run on the descriptors already computed
            unsupervised = _segment_kept(img, tried[n], None, kept[n])
            criterion[n], told[n] = family_score(unsupervised), patterns_told_apart(unsupervised)
        best, why = criterion_pick(criterion, told)
        listed = ", ".join(f"{SHORT.get(n, n)} {v:.1f}" for n, v in criterion.items())
        why = (f"; {' and '.join(SHORT.get(n, n) for n in tied)} tied (within {TIE:g}): "
               f"--descriptor auto's criterion without strokes chose, {why} ({listed})")
    checked = time.perf_counter() - start
    start = time.perf_counter()
    result = _segment_kept(img, tried[best], strokes, kept[best])
    final = time.perf_counter() - start
    others = ", ".join(f"{SHORT.get(n, n)} {scores[n]:.2f}" for n in tried if n != best)
    reason = (f"descriptor: {SHORT.get(best, best)} ({best}): held-out strokes "
              f"{scores[best]:.2f}" + (f" ({others})" if others else "")
              + ": the fraction of one half of the strokes' pixels right when fitted on the "
              f"other half, mean of both ways{why}{not_tried(candidates, tried)}; checked "
              f"{len(tried)} {'family' if len(tried) == 1 else 'families'} in {checked:.1f} s "
              f"(--auto sizes, two fits each), the run with all strokes {final:.1f} s")
    return DescriptorChoice(tried[best], result, scores, reason)


__all__ = ["choose_by_strokes", "held_out_accuracy", "held_out_score", "stroke_folds"]
