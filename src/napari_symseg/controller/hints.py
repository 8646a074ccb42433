"""The number-of-patterns hint and the suggested sizes, without Qt.

Two helpers for choosing parameters, both computed in thread workers:

- **Suggest** fills the size fields from the image
  (`napari_symseg.core.suggest.suggest_params`); `suggestion_steps` also
  says what was found (the lattice) for the status line.
- **Number-of-patterns hint** after every run: one rule,
  `napari_symseg.core.pattern_count.results_hint`, on the run's result
  (`Result.pattern_count_hint`) or, for a series, on the reference frames'
  results under the fitted model (`series_hint`).
  `napari_symseg._qt.hints.HintPanel` shows it.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np

from ..core import suggest
from ..core.params import Params
from ..core.pattern_count import (
    MIN_SEPARATION,
    PatternCountHint,
    result_features,
    results_hint,
)
from ..core.validation import frame_image
from .text import count

#: Largest number of patterns the hint tries.
HINT_K_MAX = 6
#: What the pattern-count hint means, for tooltips.
HINT_HELP = (
    "number-of-patterns hint from the run's PCA features (random subsample): "
    "k = 1 when two patterns explain the features no better than noise (gap statistic), "
    "or when the best split into two is not separated (a drift, as one crystal under a "
    "thickness change) and no symmetry score changes by 0.25 or more across it, or when "
    "the split only follows one direction (a thickness wedge, a scan's drift along the "
    "rows) and changes the scores little; "
    "otherwise the k of the largest mean silhouette (bars; the number after 'distinct': "
    "1 = perfectly separated patterns, 0 = overlapping)"
)


# ------------------------------------------------------------------ computation
def reference_results(series, fit) -> list:
    """The fitted model applied again to the reference frames of a series fit.

    `SeriesFit` keeps the model, not the features it was fitted on; the
    model (its operations and PCA) applied again to the reference frames
    gives back exactly those features.

    Parameters
    ----------
    series : array_like, (T, Y, X)
        The series that was segmented.
    fit : SeriesFit
        Its reference fit (``SeriesResult.fit``).

    Returns
    -------
    list of Result
        One per reference frame.
    """
    import dataclasses

    model = fit.model
    # features only: no separability pass
    model = dataclasses.replace(model, params=model.params.replace(separability_analysis=False))
    return [model.predict(frame_image(series, t)) for t in fit.reference_frames]


def series_features(series, fit) -> np.ndarray:
    """PCA features the hint reads of a series fit: every reference frame's unclipped points.

    Parameters
    ----------
    series : array_like, (T, Y, X)
        The series that was segmented.
    fit : SeriesFit
        Its reference fit (``SeriesResult.fit``).

    Returns
    -------
    ndarray, (n_frames, n_rows, n_cols, n_components)
        `napari_symseg.core.pattern_count.result_features` of every reference frame.
    """
    return np.stack([result_features(r) for r in reference_results(series, fit)])


def series_hint(series, fit, random_state: int | None = None) -> PatternCountHint:
    """The hint of the reference frames under the fitted model.

    The same rule as a single image's `Result.pattern_count_hint`
    (`napari_symseg.core.pattern_count.results_hint`), on every reference
    frame's unclipped grid points, with ``k_max = HINT_K_MAX``.

    Parameters
    ----------
    series : array_like, (T, Y, X)
        The series that was segmented.
    fit : SeriesFit
        Its reference fit.
    random_state : int or None
        Unused (the model's own seed is the run's seed); kept for callers.

    Returns
    -------
    PatternCountHint
    """
    return results_hint(reference_results(series, fit), HINT_K_MAX)


def hint_metadata(hint: PatternCountHint) -> dict:
    """The hint as JSON-compatible layer metadata (NaN becomes None).

    Parameters
    ----------
    hint : PatternCountHint
        A hint (`series_hint` or `Result.pattern_count_hint`).

    Returns
    -------
    dict
        ``{"k": [...], "silhouette": [...], "gap": [...], "gap_error": [...],
        "suggested": int, "separation": float, "score_change": float}``.
    """

    def floats(values):
        return [None if not np.isfinite(v) else float(v) for v in np.asarray(values, float)]

    return {
        "k": [int(k) for k in hint.k],
        "silhouette": floats(hint.silhouette),
        "gap": floats(hint.gap),
        "gap_error": floats(hint.gap_error),
        "suggested": int(hint.suggested),
        "separation": floats([hint.separation])[0],
        "score_change": floats([hint.score_change])[0],
    }


def hint_text(hint: PatternCountHint) -> str:
    """One short line in a microscopist's words, e.g. ``"hint: 2 patterns (distinct: 0.86 of 1)"``.

    The number is the mean silhouette (1: perfectly separated patterns, 0:
    overlapping); the tooltip (`HINT_HELP`) names it.

    Parameters
    ----------
    hint : PatternCountHint
        A hint (`series_hint` or `Result.pattern_count_hint`).
    """
    if hint.suggested == 1:
        if hint.gradient:
            return "hint: 1 pattern (one crystal under a slow gradient: the split follows it)"
        if hint.scan_drift:
            return "hint: 1 pattern (one crystal stretched by the scan's drift along the rows)"
        if hint.gap[0] < hint.gap[1] - hint.gap_error[1] and hint.separation < MIN_SEPARATION:
            return "hint: 1 pattern (one crystal changing gradually: no clear split)"
        return "hint: 1 pattern (no groups in the image beyond noise)"
    best = hint.silhouette[hint.suggested - 1]
    return f"hint: {hint.suggested} patterns (distinct: {best:.2f} of 1)"


def hint_about(record, used_differs: bool = False, preview_shown: bool = False) -> str:
    """Which run a hint belongs to, e.g. ``" · of the last run (2 patterns)"``.

    The hint panel shows the hint of the chosen image's last full run; a live
    preview has none, so while a preview is shown the text says so.

    Parameters
    ----------
    record : RunRecord
        The run (its ``params.n_patterns``, ``frame`` and ``slot``).
    used_differs : bool
        The hint differs from the run's number of patterns (said as "which
        used N patterns").
    preview_shown : bool
        A live preview newer than the run is shown.
    """
    if record.slot == "series":
        what = "the all-frames run"
    elif record.frame is not None:
        what = f"the last run on frame {record.frame}"
    else:
        what = "the last run"
    used = count(record.params.n_patterns, "pattern")
    text = f" · of {what}, which used {used}" if used_differs else f" · of {what} ({used})"
    edited = getattr(record, "edited_patterns", None)
    if edited is not None:  # merge / split since (issue 15): the hint is of the unedited run
        text += f", before its edits (now {count(edited, 'pattern')})"
    return text + ("; the live preview has no hint" if preview_shown else "")


def result_patterns(record) -> int:
    """Patterns of a run's result as shown: its edited number after a merge or split.

    Parameters
    ----------
    record : RunRecord
        The run (its ``params.n_patterns`` and ``edited_patterns``).
    """
    edited = getattr(record, "edited_patterns", None)
    return int(record.params.n_patterns if edited is None else edited)


def offers_hint(hint, field: int, record=None) -> bool:
    """Whether "use N patterns" is offered: it would change the field, and the
    result shown does not have N patterns already (a merge down to the hint's
    number: a new run with N gives what is shown; tester newuser10).

    Parameters
    ----------
    hint : PatternCountHint or None
        The hint shown.
    field : int
        The ``n_patterns`` field's value.
    record : RunRecord, optional
        The run the hint belongs to (`result_patterns`).
    """
    if hint is None or int(field) == int(hint.suggested):
        return False
    return record is None or result_patterns(record) != int(hint.suggested)


def suggestion_steps(image: np.ndarray, params: Params,
                     pick_family: bool = False) -> Generator[Params, None, Any]:
    """Yield `suggest_params` of an image, then return the lattice it found.

    A generator so that a GUI can fill the fields as soon as the sizes are
    known and describe the lattice when a second estimate (for the text
    only) has finished.

    Parameters
    ----------
    image : ndarray, 2-D
        The image (the current frame of a series).
    params : Params
        The current parameters (everything but the sizes is kept).
    pick_family : bool
        The descriptor may change (`napari_symseg.core.suggest.family_for`).

    Yields
    ------
    Params
        ``suggest_params(image, params, pick_family)``, once.

    Returns
    -------
    LatticeEstimate, float or None
        ``estimate_lattice(image)`` (or the ``dominant_period`` in px of an
        older core); None when the core offers neither or it fails. Only
        for the status text: the sizes come from `suggest_params` alone.

    Raises
    ------
    InputError, ValueError
        The image has no lattice to measure (from `suggest_params`).
    """
    yield suggest.suggest_params(image, params, pick_family)
    for name in ("estimate_lattice", "dominant_period"):
        estimate = getattr(suggest, name, None)
        if estimate is None:
            continue
        try:
            found = estimate(image)
        except (ValueError, ArithmeticError):  # the sizes are there; the text is optional
            return None
        return found if name == "estimate_lattice" else float(found)
    return None


def repeat_unit(image: np.ndarray, params: Params):
    """The image's repeat unit as *Measure* finds a region's lattice (None if none).

    Suggest's lattice (`core.suggest.estimate_lattice`) is the strongest
    spacings of the power spectrum: they set the sizes. The repeat unit is
    the autocorrelation's (`core.lattice.region_lattice`, the whole image as
    one region): the shortest translations that map the image onto itself.
    They differ when the brightest columns sit on a finer sub-lattice (the
    M3B2 boride: spacings 22.7 px, repeat unit 45 px = 0.58 nm, its cell).

    Parameters
    ----------
    image : ndarray, 2-D
        The image (the current frame of a series).
    params : Params
        The suggested sizes (the largest lag, as Measure: `core.measure.max_lag_for`).
    """
    from ..core.lattice import region_lattice
    from ..core.measure import max_lag_for

    try:
        return region_lattice(image, np.ones(np.shape(image), bool), max_lag_for(params))
    except (ValueError, ArithmeticError):
        return None
