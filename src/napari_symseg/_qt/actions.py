"""Files from the dock widget: parameters as JSON, *Export results…*, their dialogs.

Every failure is one error notification and a line in the status bar,
never an exception.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from magicgui.widgets import Container, PushButton

from ..core.params import Params
from ..errors import SymsegError

#: What "Export results…" writes (button tooltip).
EXPORT_HELP = (
    "Export the chosen image's last full run (never a live preview): BASE_labels.tif "
    "(patterns 0..k-1, calibrated ImageJ TIFF with the parameters), BASE_params.json "
    "(Load parameters… reads it), BASE_stats.csv (per pattern and frame: area fraction, "
    "area, regions, mean intensity) and BASE_overlay.png (image + patterns + scale bar; "
    "the current frame of a series). In 'all frames' mode the series run, otherwise the "
    "run of the image or of its last segmented frame"
)
#: What a run adds to the viewer (Run button and status tooltips).
RESULT_HELP = (
    "Run adds (or updates) layers named after the image, directly above it: "
    "'<image> patterns' (labels, pattern + 1; per-pattern statistics as features), "
    "'<image> PCA' (hidden; the first three PCA components as red, green, blue) and "
    "'<image> confidence' (hidden; 0..1 margin between the nearest and second-nearest "
    "pattern centre: low values mark pattern boundaries, defects and unusual spots; magma "
    "colours). One frame of a series: '<image> patterns (frame t)' etc.; all frames: one "
    "(T, Y, X) '<image> patterns'; live preview: '<image> preview'. The separability of "
    "every operation and a series' area fraction versus time are in the plots dock"
)


class FileActions:
    """Save/load parameters and export results for a `SymsegWidget`.

    Parameters
    ----------
    widget : SymsegWidget
        Its fields, controller and status line.

    Attributes
    ----------
    row : Container
        The "Load parameters…" and "Save parameters…" buttons.
    worker : FunctionWorker or None
        The export being written (None when idle).
    """

    def __init__(self, widget) -> None:
        self.widget = widget
        self.worker = None
        self.load_button = PushButton(text="Load parameters…", name="load_params")
        self.save_button = PushButton(text="Save parameters…", name="save_params")
        self.row = Container(widgets=[self.load_button, self.save_button], layout="horizontal",
                             labels=False, name="param_files", label="parameters")
        self.row.margins = (0, 0, 0, 0)
        self.save_button.changed.connect(lambda *_: self.ask_params(save=True))
        self.load_button.changed.connect(lambda *_: self.ask_params(save=False))

    def _error(self, message: str) -> None:
        from napari.utils.notifications import show_error

        show_error(f"Symmetry segmentation: {message}")
        self.widget.status.value = message

    def save_params(self, path) -> bool:
        """Write the current parameters as JSON (the CLI's ``--params`` format).

        Through the package's one output policy (`io.export.write_params`):
        the file appears whole or not at all.
        """
        from napari.utils.notifications import show_info

        from ..io.export import write_params

        try:
            write_params(path, self.widget.params())
        except (SymsegError, OSError) as err:
            self._error(f"cannot save parameters: {err}")
            return False
        self.widget.status.value = f"parameters saved to {path}"
        show_info(f"parameters saved to {path}")
        return True

    def load_params(self, path) -> bool:
        """Fill the fields from a JSON file written by `save_params`, Export or the CLI."""
        try:
            params = Params.from_json(path)
        except SymsegError as err:
            self._error(f"cannot load parameters: {err}")
            return False
        self.widget.set_params(params)
        self.widget.status.value = f"parameters loaded from {path}"
        return True

    def ask_params(self, save: bool) -> None:
        """Ask for a JSON file, then save or load the parameters."""
        from qtpy.QtWidgets import QFileDialog

        dialog = QFileDialog.getSaveFileName if save else QFileDialog.getOpenFileName
        path, _ = dialog(self.widget, "Segmentation parameters", "", "JSON (*.json)")
        if path:
            (self.save_params if save else self.load_params)(path)

    def export(self, base) -> list | None:
        """`Session.export` now: the files in the status line, a failure as one notification."""
        try:
            written = self.widget.controller.export(base)
        except (SymsegError, OSError) as err:
            self._export_failed(err)
            return None
        self._exported(written)
        return written

    def start_export(self, base):
        """Export in a thread worker (what the button does): big images take seconds.

        The layers are read now (`Session.prepare_export`); the files are
        written in the worker, the Export button disabled and the status
        line saying so meanwhile. The outcome is shown as `export` shows it.

        Returns
        -------
        FunctionWorker or None
            The started worker (`worker` until it finishes); None when there
            is nothing to export (the error is shown).
        """
        from .runner import start_worker

        if self.widget.busy("export"):
            return None
        try:
            write = self.widget.controller.prepare_export(base)
        except (SymsegError, OSError) as err:
            self._export_failed(err)
            return None
        activity = self.widget.activity
        activity.start("export")  # the buttons follow it
        name = Path(base).name
        self.widget.status.value = (f"exporting: writing {name}_labels.tif, {name}_params.json, "
                                    f"{name}_stats.csv, {name}_overlay.png…")

        def finished() -> None:
            activity.stop("export")
            self.worker = None

        self.worker = start_worker(write, alive=self.widget.alive, returned=self._exported,
                                   errored=self._export_failed, finished=finished)
        return self.worker

    def _exported(self, written: list) -> None:
        from napari.utils.notifications import show_info

        names = ", ".join(path.name for path in written)
        self.widget.status.value = f"exported {names} to {written[0].parent}"
        show_info(f"Symmetry segmentation: wrote {names}")

    def _export_failed(self, err: Exception) -> None:
        self._error(f"cannot export: {err}")
        self.widget.status.value = f"not exported: {err}"

    def ask_export(self, *_: Any) -> None:
        """Ask for a base file name, then `start_export`."""
        from qtpy.QtWidgets import QFileDialog

        if self.widget.busy("export"):
            return
        layer = self.widget.image.value
        suggestion = "" if layer is None else re.sub(r"[^\w.-]+", "_", layer.name)
        base, _ = QFileDialog.getSaveFileName(
            self.widget, "Export results: base file name", suggestion, "All files (*)")
        if base:
            self.start_export(base)
