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

from magicgui.widgets import Container, Label, PushButton
from qtpy.QtCore import QTimer
from qtpy.QtWidgets import QSizePolicy

from ..controller.hints import HINT_HELP, hint_about, hint_text, offers_hint, result_patterns
from ..controller.text import count
from ..core.pattern_count import PatternCountHint

#: How many times (100 ms apart) the panel checks for the warm-up's matplotlib
#: before leaving the chart to the first hint.
CHART_TRIES = 600


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
        Made when idle once the warm-up has imported matplotlib (or on first use):
        opening the widget imports no matplotlib.
    hint : PatternCountHint or None
        What is shown.
    used : int or None
        The number of patterns of the run the hint belongs to.
    on_chart : callable or None
        Called with the chart when it is made (the dock keeps it in view:
        after Measure at 1366x768 it was a cut 20 px strip).
    """

    def __init__(self, viewer, n_patterns, **kwargs: Any) -> None:
        self.viewer = viewer
        self.n_patterns = n_patterns
        self.text = Label(value="", name="hint_text", tooltip=HINT_HELP)
        self.use_button = PushButton(text="use 1 pattern", name="use_k",
                                     tooltip="set the number of patterns to the hint's "
                                     "(then Run again)")
        row = Container(widgets=[self.text, self.use_button], layout="horizontal",
                        labels=False, name="hint_row")
        row.margins = (0, 0, 0, 0)
        self.row = row  # the one-line answer: kept in view above the chart (layout)
        super().__init__(widgets=[row], labels=False, **kwargs)
        self.margins = (0, 0, 0, 0)
        self.text.native.setWordWrap(True)
        self.text.native.setMinimumWidth(40)
        self.text.native.setSizePolicy(QSizePolicy.Policy.Ignored,
                                       QSizePolicy.Policy.Preferred)
        self._chart = None  # made when a hint is first shown (matplotlib: `chart`)
        self.on_chart = None
        self.hint: PatternCountHint | None = None
        self.used: int | None = None
        self.about = None  # the run the hint belongs to (RunRecord)
        self.use_button.changed.connect(self._use)
        n_patterns.changed.connect(self._update_button)
        self.use_button.visible = False
        self.visible = False
        self._shown_key = None
        QTimer.singleShot(0, lambda: self._prepare_chart(CHART_TRIES))

    def _prepare_chart(self, tries: int) -> None:
        """Make the chart (hidden) when idle once the warm-up thread has imported
        matplotlib (`PLOTS_WARM`), checking every 100 ms, at most `tries` times; not
        at the end of the first run, where it was a gap of its own."""
        from .warmup import PLOTS_WARM

        try:
            if self._chart is not None:
                return
            if PLOTS_WARM.is_set():
                self.chart.setVisible(False)
            elif tries > 0:
                QTimer.singleShot(100, lambda: self._prepare_chart(tries - 1))
        except RuntimeError:  # the panel was deleted meanwhile
            return

    @property
    def chart(self):
        """The silhouette chart (`hint_chart.SilhouetteChart`), made on first use."""
        if self._chart is None:
            from .warmup import PLOTS_IMPORT

            with PLOTS_IMPORT:
                from .hint_chart import SilhouetteChart

            self._chart = SilhouetteChart(self.viewer)
            self._chart.setToolTip(HINT_HELP)
            self.native.layout().addWidget(self._chart)
            if self.on_chart is not None:
                self.on_chart(self._chart)
        return self._chart

    def clear(self) -> None:
        """Show nothing (an image without a run): the panel hides."""
        self.hint = self.used = self.about = None
        self.text.value = ""
        self.use_button.visible = False
        self.visible = False

    def computing(self) -> None:
        """Say that a new hint is being computed (the old one no longer applies)."""
        self.hint = self.used = self.about = None
        self.visible = True
        self.text.value = "hint: computing…"
        self.text.native.setStyleSheet("")
        if self._chart is not None:
            self._chart.setVisible(False)
        self.use_button.visible = False

    def failed(self, message: str) -> None:
        """Show that no hint could be computed (and why)."""
        self.hint = self.used = self.about = None
        self.visible = True
        self.text.value = f"hint: {message}"
        self.text.native.setStyleSheet("")
        if self._chart is not None:
            self._chart.setVisible(False)
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
        self.hint, self.used, self.about = hint, int(used), about
        self.visible = True
        differs = hint.suggested != self.used
        if about is None:
            tail = f"; this run used {self.used}" if differs else ""  # (no run named)
        else:
            tail = hint_about(about, differs, preview_shown)
        self.text.value = hint_text(hint) + tail
        # highlighted while the result shown (edited: merged or split) differs from the hint
        shown = self.used if about is None else result_patterns(about)
        self.text.native.setStyleSheet(
            f"color: {self.chart._colours()['warn']}; font-weight: bold"
            if hint.suggested != shown else ""
        )
        self.chart.setVisible(True)
        self.chart.show_hint(hint, self.used)
        self.use_button.text = f"use {count(hint.suggested, 'pattern')}"
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
        self.use_button.visible = offers_hint(self.hint, self.n_patterns.value, self.about)

    def _use(self, *_: Any) -> None:
        if self.hint is not None:
            self.n_patterns.value = self.hint.suggested
