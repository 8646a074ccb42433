"""Running a segmentation from the dock widget: start, cancel, progress, errors and
the end of a run (`WidgetRunning`, a part of `_qt.widget.SymsegWidget`).
"""

from __future__ import annotations

from typing import Any

from ..errors import SymsegError
from .collector import collect_when_idle
from .runner import JobRunner


class WidgetRunning:
    """The running part of `_qt.widget.SymsegWidget` (a mixin of a `QWidget`).

    Uses the widget's ``controller``, ``activity``, fields and status; the
    run goes to a `JobRunner`; see `SymsegWidget`.
    """

    # ------------------------------------------------------------------ running
    def busy(self, action: str) -> bool:
        """True (and the status says so) while another activity goes on (a run, a
        suggestion, an export, a measurement, an edit, a scribbled run: the viewer's
        `Activity.refused`): `action` waits for it rather than failing on what it replaces."""
        return self.activity.refused(action, self._tell)

    def _tell(self, text: str) -> None:
        self.status.value = text

    def _on_run_clicked(self, *_: Any) -> None:
        if self.worker is not None:
            self.cancel()
        else:
            self.run()

    def run(self, preview: bool = False):
        """Start segmenting the chosen layer; return the worker (None on bad input).

        A `preview` run uses a stride of at least `PREVIEW_STRIDE`, segments
        the current frame only and shows ``"<image> preview"``.
        """
        if self.worker is not None:
            self.status.value = "a run is going on: wait for it or cancel it"
            return None
        if self.suggest_worker is not None and not preview:
            self.status.value = "sizes are being suggested: Run once they are filled in"
            return None
        if self.busy("preview" if preview else "run"):
            return None
        follow = self.fields["reference_frames"].value.strip() == ""
        try:
            job = self.controller.start_run(self.params(), preview, follow_slider=follow)
        except SymsegError as err:
            self.fail(str(err))
            return None
        self.activity.start("run")
        if not preview:
            self.descriptor_by_hand = False  # Suggest may choose the family again
        runner = JobRunner(job, self._on_status, self._on_error, self._on_done, self.alive)
        self._runner, self.worker = runner, runner.worker
        self.run_button.text = "Cancel"
        self.progress.value = 0
        self.progress.native.setFormat("%p%")
        self.progress.visible = True
        self.status.value = "preview: starting" if preview else "starting"
        self._view.show_now()  # "computing…": the last hint no longer applies
        runner.start()
        return runner.worker

    def cancel(self) -> None:
        """Stop the running segmentation at its next step; nothing of it is added."""
        if self._runner is not None:
            self.status.value = "cancelling"
            self._runner.cancel()

    def _on_status(self, status) -> None:
        # QProgressBar.setValue repaints at once, and a repaint in napari's window (an
        # OpenGL canvas) composes the whole window: one ordinary, coalesced paint instead
        bar = self.progress.native
        bar.setUpdatesEnabled(False)
        try:
            self.progress.value = round(100 * status.fraction)
            bar.setFormat(status.bar)
        finally:
            bar.setUpdatesEnabled(True)  # schedules the paint
        self.status.value = status.text

    def _on_error(self, message: str) -> None:
        from napari.utils.notifications import show_error

        show_error(f"Symmetry segmentation failed: {message}")

    def fail(self, message: str) -> None:
        """Bad input before a run: one notification, the message in the status line."""
        from napari.utils.notifications import show_error

        show_error(f"Symmetry segmentation: {message}")
        self.status.value = message

    def _on_done(self, status: str) -> None:
        """The run ended: idle (``worker`` None) once its results are shown."""
        job = getattr(self._runner, "job", None)
        preview = getattr(job, "preview", False)
        source = getattr(job, "source", None)

        def idle() -> None:
            self._runner = self.worker = None
            self.activity.stop("run")
            self.run_button.text = "Run"
            self.progress.visible = False
            chosen, text = self.controller.source, status
            if job is not None and job.complete and chosen is not None and source is not chosen:
                # another image was chosen during the run: its results stay hidden
                # until it is chosen again, and the status says whose run ended
                self._visibility.follow(chosen)
                text = f"{source.name}: {status} (shown when {source.name} is chosen)"
            self.status.value = text
            if not preview:  # the run made is shown, the image's run of the other mode hidden
                self._visibility.follow_mode(chosen, self.controller.series_mode)
            self._preview.run_ended()
            collect_when_idle()  # the replaced run's objects, once napari is idle
            if not preview:  # a preview leaves the selection alone
                self._select_patterns()
            self.measure.refresh()  # a measurement of the replaced run is outdated

        self._view.request(then=idle)

    def _select_patterns(self) -> None:
        """Make the chosen image's patterns layer the active one (not the hidden
        confidence layer, the last one added)."""
        results = self.controller.results(self.controller.source)
        record = self.controller.current()
        layer = None if results is None else results.layer_of(record)
        active = self.viewer.layers.selection.active
        if layer is not None and layer in self.viewer.layers and (
                active is None or not active.visible or self.controller.store.owner(active)
                is results):
            self.viewer.layers.selection.active = layer
