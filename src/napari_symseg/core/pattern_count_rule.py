"""How the number-of-patterns hint reads its tests: the thresholds and the rule.

`PatternCountHint` holds the scores and the suggestion, and says in words
why (`str`); `_one` is the rule that reads the best two-pattern split's
tests (gap, separation, score change, scan drift, one-direction gradient)
as one pattern or more, `_needed` which scores that reading depends on.
Why these tests and these thresholds (measured, with their prices):
`napari_symseg.core.pattern_count`'s docstring, which computes the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: a two-pattern split below this separation (sharpness / dip) is one drifting pattern
MIN_SEPARATION = 4.0
#: ... unless one symmetry score differs by at least this between its two patterns
MIN_SCORE_CHANGE = 0.25
#: ... and it is not a scan drift (`slow_axis_drift`) whose score change is below this
#: (creep of one crystal: 0.14-0.46 measured)
MAX_DRIFT_CHANGE = 0.5
#: a split that follows one direction (`one_direction_drift`) and changes no score by
#: this much is a slow gradient of one crystal, separated or not
MAX_GRADIENT_CHANGE = 0.05
#: ... or whose two patterns' score vectors correlate at least this much (`score_correlation`:
#: a dose or thickness gradient shrinks the scores but keeps their pattern)
MIN_GRADIENT_CORRELATION = 0.999


@dataclass(frozen=True)
class PatternCountHint:
    """Scores of k = 1 .. k_max patterns and the suggested k.

    Attributes
    ----------
    k : ndarray of int
        Numbers of patterns tried, 1 .. k_max.
    silhouette : ndarray
        Mean silhouette of the k-means clustering into k patterns (NaN at
        k = 1, where it is undefined); in [-1, 1], higher is better.
    gap : ndarray, (2,)
        Gap(1) and Gap(2).
    gap_error : ndarray, (2,)
        s_1 and s_2.
    suggested : int
    separation : float
        Separation of the best two-pattern split (`pattern_count`'s docstring;
        NaN when not computed).
    score_change : float
        Largest change of one symmetry score between the two patterns of that
        split (`score_change`; NaN when not computed).
    scan_drift : bool
        That split is a monotone function of the row alone and not separated
        (`slow_axis_drift`): read as creep or drift of a scan, not as a pattern.
    gradient : bool
        That split is a function of one direction across the image
        (`one_direction_drift`) and changes no score by `MAX_GRADIENT_CHANGE`
        or its two patterns' score vectors correlate at
        `MIN_GRADIENT_CORRELATION` or more: read as a slow gradient (a
        thickness wedge) of one crystal.
    score_correlation : float
        Correlation of the two patterns' score vectors (`score_correlation`;
        NaN when not computed: no PCA mean given).
    """

    k: np.ndarray
    silhouette: np.ndarray
    gap: np.ndarray
    gap_error: np.ndarray
    suggested: int
    separation: float = float("nan")
    score_change: float = float("nan")
    scan_drift: bool = False
    gradient: bool = False
    score_correlation: float = float("nan")

    def __str__(self) -> str:
        measured = not np.isnan(self.score_change)
        if self.suggested == 1 and self.gradient and self.score_change >= MAX_GRADIENT_CHANGE:
            return (
                "suggested number of patterns: 1 (the best split into two follows one "
                "direction across the image and its two patterns score the same symmetry "
                f"operations high and low (correlation {self.score_correlation:.4f} >= "
                f"{MIN_GRADIENT_CORRELATION:g}), only weaker on one side "
                f"(score change {self.score_change:.2f}): one crystal under a thickness "
                "wedge or a dose gradient)"
            )
        if self.suggested == 1 and self.gradient and self.separation >= MIN_SEPARATION:
            return (
                "suggested number of patterns: 1 (the best split into two changes no "
                f"symmetry score by {MAX_GRADIENT_CHANGE:g} or more ({self.score_change:.2f}) "
                "and follows one direction across the image: one crystal under a thickness "
                "wedge or a slow intensity gradient)"
            )
        if self.suggested == 1 and self.scan_drift and self.score_change >= MIN_SCORE_CHANGE:
            return (
                "suggested number of patterns: 1 (the best split into two is not separated: "
                f"{self.separation:.1f} < {MIN_SEPARATION:g}, and it changes along the rows "
                "only, in one direction: a scan's creep or drift stretching one crystal)"
            )
        if self.suggested == 1:
            unchanged = (f", and no symmetry score changes by {MIN_SCORE_CHANGE:g} or more "
                         f"across it ({self.score_change:.2f})") if measured else ""
            if self.separation < MIN_SEPARATION:
                return (
                    "suggested number of patterns: 1 (the best split into two is not "
                    f"separated: {self.separation:.1f} < {MIN_SEPARATION:g}{unchanged}; the "
                    "features drift continuously, as one crystal under a thickness or "
                    "intensity change)"
                )
            return (
                "suggested number of patterns: 1 (the features show no cluster structure "
                f"beyond noise{unchanged}: more patterns would split one pattern)"
            )
        best = self.silhouette[self.suggested - 1]
        text = f"suggested number of patterns: {self.suggested} (silhouette {best:.2f}"
        if measured and self.score_change >= MIN_SCORE_CHANGE:
            text += ("; the best split into two changes a symmetry score by "
                     f"{self.score_change:.2f}")
        return text + ")"


def _scan_drift(separation: float, change: float, drift: bool) -> bool:
    """The split is a scan's drift: not separated, along the rows, scores change < half."""
    return bool(separation < MIN_SEPARATION and drift and not change >= MAX_DRIFT_CHANGE)


def _one(degenerate: bool, noise: bool, separation: float, change: float,
         drift: bool, gradient: bool = False) -> bool:
    """The rule: is the suggestion one pattern? (`pattern_count`'s docstring)"""
    drifting = separation < MIN_SEPARATION
    distinct = change >= MIN_SCORE_CHANGE  # False when not measured (NaN)
    return bool(degenerate or gradient or (
        (noise or drifting) and (_scan_drift(separation, change, drift) or not distinct)))


def _needed(separation: float, change: float, drift: bool,
            gradient: bool = False) -> tuple[bool, bool]:
    """Whether the suggestion depends on the gap statistic, and on the silhouettes.

    Given the two-pattern split's tests, `_one` is evaluated for both
    outcomes of the gap test (``noise``) with non-degenerate silhouettes: the
    gap is needed when the answers differ; the silhouettes unless both say
    one pattern (then they could only confirm it).
    """
    answers = [_one(False, noise, separation, change, drift, gradient)
               for noise in (False, True)]
    return answers[0] != answers[1], not all(answers)
