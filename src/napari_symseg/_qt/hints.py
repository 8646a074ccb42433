"""Hints of the dock widget: suggested sizes and the number-of-patterns hint.

Two helpers for choosing parameters, both computed in thread workers by
`SymsegWidget`:

- **Suggest** fills the size fields from the image
  (`napari_symseg.core.suggest.suggest_params`); `suggestion_steps` also
  says what was found (the lattice) for the status line.
- **Number-of-patterns hint** after every run
  (`napari_symseg.core.pattern_count.pattern_count_hint` on the run's PCA
  features; for a series, on the reference frames' features under the
  fitted model, see `series_features`). `HintPanel` shows it: one line of
  text, a small bar chart of the mean silhouette versus k, and a button
  that sets ``n_patterns`` to the suggestion when it differs.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
from magicgui.widgets import Container, Label, PushButton
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..core import suggest
from ..core.params import Params
from ..core.pattern_count import PatternCountHint, pattern_count_hint
from ..core.validation import frame_image

#: Largest number of patterns the hint tries.
HINT_K_MAX = 6
#: What the pattern-count hint means, for tooltips.
HINT_HELP = (
    "number-of-patterns hint from the run's PCA features (random subsample): "
    "k = 1 when two patterns explain the features no better than noise (gap statistic), "
    "otherwise the k of the largest mean silhouette (bars; 1 = perfectly separated "
    "patterns, 0 = overlapping)"
)


# ------------------------------------------------------------------ computation
def compute_hint(features: np.ndarray, random_state: int | None) -> PatternCountHint:
    """The widget's number-of-patterns hint of some PCA features.

    Parameters
    ----------
    features : ndarray, (..., n_components)
        PCA features, e.g. ``result.pca_components``.
    random_state : int or None
        Seed of the subsample and of k-means (the run's seed).

    Returns
    -------
    PatternCountHint
        ``pattern_count_hint(features, k_max=HINT_K_MAX, random_state=random_state)``.
    """
    return pattern_count_hint(features, k_max=HINT_K_MAX, random_state=random_state)


def series_features(series, fit) -> np.ndarray:
    """PCA features of the reference frames of a series fit, (n_points, n_components).

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
    ndarray
        The features of every grid point of every reference frame.
    """
    import dataclasses

    model = fit.model
    # features only: no separability pass
    model = dataclasses.replace(model, params=model.params.replace(separability_analysis=False))
    parts = [model.predict(frame_image(series, t)).pca_components for t in fit.reference_frames]
    return np.concatenate([p.reshape(-1, p.shape[-1]) for p in parts])


def series_hint(series, fit, random_state: int | None) -> PatternCountHint:
    """`compute_hint` of the reference frames' features (`series_features`).

    Parameters
    ----------
    series : array_like, (T, Y, X)
        The series that was segmented.
    fit : SeriesFit
        Its reference fit.
    random_state : int or None
        The run's seed.

    Returns
    -------
    PatternCountHint
    """
    return compute_hint(series_features(series, fit), random_state)


def hint_metadata(hint: PatternCountHint) -> dict:
    """The hint as JSON-compatible layer metadata (NaN becomes None).

    Parameters
    ----------
    hint : PatternCountHint
        A hint (`compute_hint`).

    Returns
    -------
    dict
        ``{"k": [...], "silhouette": [...], "gap": [...], "gap_error": [...],
        "suggested": int}``.
    """

    def floats(values):
        return [None if not np.isfinite(v) else float(v) for v in np.asarray(values, float)]

    return {
        "k": [int(k) for k in hint.k],
        "silhouette": floats(hint.silhouette),
        "gap": floats(hint.gap),
        "gap_error": floats(hint.gap_error),
        "suggested": int(hint.suggested),
    }


def hint_text(hint: PatternCountHint) -> str:
    """One short line, e.g. ``"hint: 2 patterns (silhouette 0.86)"``.

    Parameters
    ----------
    hint : PatternCountHint
        A hint (`compute_hint`).
    """
    if hint.suggested == 1:
        return "hint: 1 pattern (no cluster structure beyond noise)"
    best = hint.silhouette[hint.suggested - 1]
    return f"hint: {hint.suggested} patterns (silhouette {best:.2f})"


def suggestion_steps(image: np.ndarray, params: Params) -> Generator[Params, None, Any]:
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

    Yields
    ------
    Params
        ``suggest_params(image, params)``, once.

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
    yield suggest.suggest_params(image, params)
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


# ------------------------------------------------------------------ the panel
class SilhouetteChart(FigureCanvasQTAgg):
    """A small bar chart: mean silhouette versus the number of patterns k.

    The suggested k is filled in the highlight colour; the k the run used
    is outlined in the warning colour when it differs; at k = 1 (no
    silhouette) a dot says whether the gap test found any structure
    (hollow) or not (filled: one pattern suggested).

    Parameters
    ----------
    viewer : napari.viewer.Viewer
        Its theme gives the colours.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    axes : matplotlib.axes.Axes
    """

    def __init__(self, viewer) -> None:
        self.figure = Figure(figsize=(3.2, 1.15), layout="constrained")
        super().__init__(self.figure)
        self.viewer = viewer
        self.setFixedHeight(100)
        self.axes = self.figure.add_subplot()
        self._shown: tuple[PatternCountHint, int] | None = None
        viewer.events.theme.connect(self._redraw)
        self.destroyed.connect(lambda *_: viewer.events.theme.disconnect(self._redraw))

    def show_hint(self, hint: PatternCountHint, used: int) -> None:
        """Draw `hint`, marking the number of patterns `used` by the run."""
        self._shown = (hint, int(used))
        self._redraw()

    def _colours(self) -> dict:
        from napari.utils.theme import get_theme

        try:
            theme = get_theme(self.viewer.theme)
            return {"bg": theme.background.as_hex(), "fg": theme.text.as_hex(),
                    "hi": theme.current.as_hex(), "warn": theme.warning.as_hex()}
        except (ValueError, AttributeError):  # an unknown theme: plain colours
            return {"bg": "white", "fg": "black", "hi": "tab:blue", "warn": "tab:orange"}

    def _redraw(self, *_: Any) -> None:
        c = self._colours()
        c["bar"] = to_rgba(c["fg"], 0.35)
        ax = self.axes
        ax.clear()
        self.figure.set_facecolor(c["bg"])
        ax.set_facecolor(c["bg"])
        ax.yaxis.set_major_locator(MaxNLocator(2))
        ax.tick_params(colors=c["fg"], labelsize=7, length=2, pad=1)
        if self._shown is not None:
            hint, used = self._shown
            ks = np.asarray(hint.k, int)
            sil = np.nan_to_num(np.asarray(hint.silhouette, float), nan=0.0)
            fill = [c["hi"] if k == hint.suggested else c["bar"] for k in ks]
            edge = [c["warn"] if k == used != hint.suggested else "none" for k in ks]
            ax.bar(ks, np.where(ks > 1, sil, 0.0), width=0.7, color=fill, edgecolor=edge,
                   linewidth=1.8)
            one = hint.suggested == 1
            ax.plot([1], [0.06], "o", markersize=6, color=c["hi"] if one else c["fg"],
                    markerfacecolor=c["hi"] if one else "none", clip_on=False)
            ax.set_xticks(ks)
            ax.set_xlim(0.4, ks[-1] + 0.6)
            top = max(0.5, float(sil.max()))
            ax.set_ylim(min(0.0, 1.1 * float(sil.min())), min(1.0, 1.1 * top))
            for k, label in zip(ks, ax.get_xticklabels(), strict=True):
                if k == hint.suggested:
                    label.set_color(c["hi"])
                    label.set_fontweight("bold")
                elif k == used:
                    label.set_color(c["warn"])
        ax.set_ylabel("silhouette", color=c["fg"], fontsize=7)
        ax.set_xlabel("k patterns", color=c["fg"], fontsize=7, labelpad=1)
        for side, spine in ax.spines.items():
            spine.set_color(c["fg"])
            spine.set_visible(side in ("left", "bottom"))
        self.draw_idle()


class HintPanel(Container):
    """The number-of-patterns hint: a line of text, a chart and "use k = ...".

    Hidden until the first hint. The text is highlighted when the hint
    differs from the number of patterns the run used; the button (shown
    while the ``n_patterns`` field differs from the hint) sets it.

    Parameters
    ----------
    viewer : napari.viewer.Viewer
        Its theme gives the colours.
    n_patterns : SpinBox
        The ``n_patterns`` field the button sets.

    Attributes
    ----------
    text : Label
    use_button : PushButton
    chart : SilhouetteChart
    hint : PatternCountHint or None
        What is shown.
    used : int or None
        The number of patterns of the run the hint belongs to.
    """

    def __init__(self, viewer, n_patterns, **kwargs: Any) -> None:
        self.viewer = viewer
        self.n_patterns = n_patterns
        self.text = Label(value="", name="hint_text", tooltip=HINT_HELP)
        self.use_button = PushButton(text="use k = 1", name="use_k",
                                     tooltip="set the number of patterns to the hint")
        row = Container(widgets=[self.text, self.use_button], layout="horizontal",
                        labels=False, name="hint_row")
        row.margins = (0, 0, 0, 0)
        super().__init__(widgets=[row], labels=False, **kwargs)
        self.margins = (0, 0, 0, 0)
        self.text.native.setWordWrap(True)
        self.chart = SilhouetteChart(viewer)
        self.chart.setToolTip(HINT_HELP)
        self.native.layout().addWidget(self.chart)
        self.hint: PatternCountHint | None = None
        self.used: int | None = None
        self.use_button.changed.connect(self._use)
        n_patterns.changed.connect(self._update_button)
        self.use_button.visible = False

    def computing(self) -> None:
        """Say that a new hint is being computed (the old one no longer applies)."""
        self.text.value = "hint: computing…"
        self.text.native.setStyleSheet("")
        self.use_button.visible = False

    def failed(self, message: str) -> None:
        """Show that no hint could be computed (and why)."""
        self.hint = self.used = None
        self.text.value = f"hint: {message}"
        self.text.native.setStyleSheet("")
        self.chart.setVisible(False)
        self.use_button.visible = False

    def show_hint(self, hint: PatternCountHint, used: int) -> None:
        """Show `hint` of a run that used `used` patterns."""
        self.hint, self.used = hint, int(used)
        differs = hint.suggested != self.used
        self.text.value = hint_text(hint) + (f"; this run used {self.used}" if differs else "")
        self.text.native.setStyleSheet(
            f"color: {self.chart._colours()['warn']}; font-weight: bold" if differs else ""
        )
        self.chart.setVisible(True)
        self.chart.show_hint(hint, self.used)
        self.use_button.text = f"use k = {hint.suggested}"
        self._update_button()

    def _update_button(self, *_: Any) -> None:
        self.use_button.visible = (
            self.hint is not None and self.n_patterns.value != self.hint.suggested
        )

    def _use(self, *_: Any) -> None:
        if self.hint is not None:
            self.n_patterns.value = self.hint.suggested
