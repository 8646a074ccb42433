"""The number-of-patterns hint panel of the dock widget.

The hint itself is computed in the run's worker (see
`napari_symseg.controller.hints`); `HintPanel` shows the hint of the
chosen image's current run: one line of text, a small bar chart of the
mean silhouette versus k (drawn off the GUI thread, `AsyncCanvas`), and a
button that sets ``n_patterns`` to the suggestion when it differs. It
shows nothing for an image without a run, and "computing…" while a run of
that image goes on.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from magicgui.widgets import Container, Label, PushButton
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from qtpy.QtWidgets import QSizePolicy

from ..controller.hints import HINT_HELP, hint_about, hint_text
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
        self.destroyed.connect(lambda *_: viewer.events.theme.disconnect(self._on_theme))

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


class HintPanel(Container):
    """The number-of-patterns hint: a line of text, a chart and "use k = ...".

    Hidden until there is something to show. The text is highlighted when
    the hint differs from the number of patterns the run used; the button
    (shown while the ``n_patterns`` field differs from the hint) sets it.
    The text wraps: a long hint never widens the dock.

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
        self.text.native.setMinimumWidth(40)
        self.text.native.setSizePolicy(QSizePolicy.Policy.Ignored,
                                       QSizePolicy.Policy.Preferred)
        self.chart = SilhouetteChart(viewer)
        self.chart.setToolTip(HINT_HELP)
        self.native.layout().addWidget(self.chart)
        self.hint: PatternCountHint | None = None
        self.used: int | None = None
        self.use_button.changed.connect(self._use)
        n_patterns.changed.connect(self._update_button)
        self.use_button.visible = False
        self.visible = False
        self._shown_key = None

    def clear(self) -> None:
        """Show nothing (an image without a run): the panel hides."""
        self.hint = self.used = None
        self.text.value = ""
        self.use_button.visible = False
        self.visible = False

    def computing(self) -> None:
        """Say that a new hint is being computed (the old one no longer applies)."""
        self.hint = self.used = None
        self.visible = True
        self.text.value = "hint: computing…"
        self.text.native.setStyleSheet("")
        self.chart.setVisible(False)
        self.use_button.visible = False

    def failed(self, message: str) -> None:
        """Show that no hint could be computed (and why)."""
        self.hint = self.used = None
        self.visible = True
        self.text.value = f"hint: {message}"
        self.text.native.setStyleSheet("")
        self.chart.setVisible(False)
        self.use_button.visible = False

    def show_hint(self, hint: PatternCountHint, used: int, about=None,
                  preview_shown: bool = False) -> None:
        """Show `hint` of a run that used `used` patterns.

        Parameters
        ----------
        hint : PatternCountHint
            The run's hint.
        used : int
            The run's number of patterns.
        about : RunRecord, optional
            The run: the text says which one (`hint_about`).
        preview_shown : bool
            A live preview (which has no hint) is shown: the text says so.
        """
        self.hint, self.used = hint, int(used)
        self.visible = True
        differs = hint.suggested != self.used
        if about is None:
            tail = f"; this run used {self.used}" if differs else ""
        else:
            tail = hint_about(about, differs, preview_shown)
        self.text.value = hint_text(hint) + tail
        self.text.native.setStyleSheet(
            f"color: {self.chart._colours()['warn']}; font-weight: bold" if differs else ""
        )
        self.chart.setVisible(True)
        self.chart.show_hint(hint, self.used)
        self.use_button.text = f"use k = {hint.suggested}"
        self._update_button()

    def show_record(self, record, running: bool = False, preview_shown: bool = False) -> None:
        """Show the hint of a run's record (`RunRecord`), "computing…" or nothing.

        Parameters
        ----------
        record : RunRecord or None
            The chosen image's current run.
        running : bool
            A run of that image is going on: its hint will replace this one.
        preview_shown : bool
            A live preview of that image, newer than `record`, is shown.
        """
        key = (running, preview_shown, id(record),
               None if record is None else (id(record.hint), record.hint_error,
                                            getattr(record, "edited_patterns", None)))
        if key == self._shown_key:  # a chart redraw costs tens of milliseconds
            return
        self._shown_key = key
        if running:
            self.computing()
        elif record is None:
            self.clear()
        elif record.hint is not None:
            self.show_hint(record.hint, record.params.n_patterns, record, preview_shown)
        elif record.hint_error is not None:
            self.failed(f"not available ({record.hint_error})")
        else:
            self.computing()

    def _update_button(self, *_: Any) -> None:
        self.use_button.visible = (
            self.hint is not None and self.n_patterns.value != self.hint.suggested
        )

    def _use(self, *_: Any) -> None:
        if self.hint is not None:
            self.n_patterns.value = self.hint.suggested
