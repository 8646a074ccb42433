"""The number-of-patterns hint's chart: mean silhouette versus k (matplotlib).

Its own module so that opening the dock widget does not import matplotlib
on the GUI thread (`HintPanel` makes the chart when idle, once the widget's
warm-up thread has imported matplotlib, or when a hint is first shown).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from qtpy.QtWidgets import QSizePolicy

from ..core.pattern_count import PatternCountHint
from .canvas import AsyncCanvas


class SilhouetteChart(AsyncCanvas):
    """A small bar chart: mean silhouette versus the number of patterns k.

    Drawn in the renderer process like the dock's plots (`AsyncCanvas`): a
    draw here took about half a second of the GUI thread when a run ended.

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
        # the dock's width is not the chart's business: it takes what it gets
        self.setMinimumWidth(60)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.axes = self.figure.add_subplot()
        self._shown: tuple[PatternCountHint, int] | None = None
        self._bars = self._dot = None  # built once, then updated (clearing axes is slow)
        self._style()
        viewer.events.theme.connect(self._on_theme)
        self.destroyed.connect(lambda *_: _disconnect_theme(viewer, self._on_theme))

    def show_hint(self, hint: PatternCountHint, used: int) -> None:
        """Draw `hint`, marking the number of patterns `used` by the run."""
        self._shown = (hint, int(used))
        self._redraw()

    def _colours(self) -> dict:
        from napari.utils.theme import get_theme

        try:
            theme = get_theme(self.viewer.theme)
            c = {"bg": theme.background.as_hex(), "fg": theme.text.as_hex(),
                 "hi": theme.current.as_hex(), "warn": theme.warning.as_hex()}
        except (ValueError, AttributeError):  # an unknown theme: plain colours
            c = {"bg": "white", "fg": "black", "hi": "tab:blue", "warn": "tab:orange"}
        c["bar"] = to_rgba(c["fg"], 0.35)
        return c

    def _on_theme(self, *_: Any) -> None:
        self._style()
        self._redraw()

    def _style(self) -> None:
        """Theme colours, labels and spines (what does not depend on the hint)."""
        c = self._colours()
        ax = self.axes
        self.figure.set_facecolor(c["bg"])
        ax.set_facecolor(c["bg"])
        ax.yaxis.set_major_locator(MaxNLocator(2))
        ax.tick_params(colors=c["fg"], labelsize=7, length=2, pad=1)
        ax.set_ylabel("silhouette", color=c["fg"], fontsize=7)
        ax.set_xlabel("k patterns", color=c["fg"], fontsize=7, labelpad=1)
        for side, spine in ax.spines.items():
            spine.set_color(c["fg"])
            spine.set_visible(side in ("left", "bottom"))

    def _redraw(self, *_: Any) -> None:
        if self._shown is None:
            self.draw_idle()
            return
        c = self._colours()
        ax = self.axes
        hint, used = self._shown
        ks = np.asarray(hint.k, int)
        sil = np.nan_to_num(np.asarray(hint.silhouette, float), nan=0.0)
        heights = np.where(ks > 1, sil, 0.0)
        if self._bars is None or len(self._bars) != len(ks):
            if self._bars is not None:
                self._bars.remove()
                self._dot.remove()
            self._bars = ax.bar(ks, heights, width=0.7, linewidth=1.8)
            (self._dot,) = ax.plot([1], [0.06], "o", markersize=6, clip_on=False)
            ax.set_xticks(ks)
            ax.set_xlim(0.4, ks[-1] + 0.6)
        one = hint.suggested == 1
        for k, bar, height in zip(ks, self._bars, heights, strict=True):
            bar.set_height(height)
            bar.set_facecolor(c["hi"] if k == hint.suggested else c["bar"])
            bar.set_edgecolor(c["warn"] if k == used != hint.suggested else "none")
        self._dot.set_color(c["hi"] if one else c["fg"])
        self._dot.set_markerfacecolor(c["hi"] if one else "none")
        top = max(0.5, float(sil.max()))
        ax.set_ylim(min(0.0, 1.1 * float(sil.min())), min(1.0, 1.1 * top))
        for k, label in zip(ks, ax.get_xticklabels(), strict=True):
            label.set_color(c["hi"] if k == hint.suggested else c["warn"] if k == used
                            else c["fg"])
            label.set_fontweight("bold" if k == hint.suggested else "normal")
        self.draw_idle()


def _disconnect_theme(viewer, slot) -> None:
    """Stop following the viewer's theme; nothing to do when the viewer went first.

    A chart deleted after its viewer was closed (Qt deletes it later, in
    whatever event loop turn comes) found the viewer's model torn down:
    ``AttributeError: 'Viewer' object has no attribute '__pydantic_private__'``,
    raised in the next test's event loop (CI, session 33).
    """
    try:
        viewer.events.theme.disconnect(slot)
    except (AttributeError, RuntimeError):
        pass
