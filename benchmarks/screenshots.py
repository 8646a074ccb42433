"""Screenshots of the dock widget for the user guide (docs/images/guide/).

Usage (a real napari window; headless under Xvfb)::

    QT_API=pyqt6 xvfb-run -a -s "-screen 0 1920x1080x24" \\
        python benchmarks/screenshots.py [--out docs/images/guide] [--data ../shared/data/real]

Opens napari in a 1366x768 window (a laptop), loads the package's samples
(File > Open Sample), docks the *Symmetry segmentation* widget and drives it
through its public behaviour (parameter fields, Suggest, Run, the probe and
live-preview check boxes, "segment: all frames"), waiting for the widget's
own workers (``widget.suggest_worker``, ``widget.worker``) and for the plots
dock (``widget.results_dock``) to finish drawing, never for a guessed time.
Each step saves a numbered PNG (256 colours). `benchmarks/gui_session.py`
takes the 1366x768 and 1920x1080 shots of a whole session.
The last shot uses a real, calibrated image of the data folder (the MoS2
monolayer of docs/gallery.md) when it is there; the image is not stored,
only the screenshot.

Shots: 01 the widget docked on the two-phase sample, 02 the descriptor
choice (rotations: other fields), 03 after Suggest sizes, 04 after Run
(patterns, the separability plot, hint), 05 the confidence layer, 06 the hint
offering another k, 07 the probe with live preview (its map in the plots
dock), 08 series mode with the area-fraction plot, 09 a real calibrated
image (the hint says 1 pattern), 10 after *Export results…* (the status
line names the files).
Each scene (01-07, 08, 09-10) has its own fresh viewer.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: the repository's benchmarks importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_OUT = ROOT / "docs" / "images" / "guide"
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "real"
WINDOW = (1366, 768)
#: longest wait for one worker (s); the machine may be busy with other jobs
TIMEOUT = 300.0


class Shooter:
    """A napari viewer with the widget docked, and helpers to wait and save."""

    def __init__(self, out: Path) -> None:
        import napari
        from qtpy.QtWidgets import QApplication

        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        self.viewer = napari.Viewer(title="napari-symseg", show=True)
        self.app = QApplication.instance()
        window = self.viewer.window._qt_window
        window.resize(*WINDOW)
        window.move(0, 0)
        self.dock, self.widget = self.viewer.window.add_plugin_dock_widget(
            "napari-symseg", "Symmetry segmentation"
        )
        self.saved: list[Path] = []

    # -- waiting
    def settle(self, rounds: int = 30) -> None:
        """Let Qt and the canvas process what is queued (layout, repaint)."""
        from qtpy.QtCore import QEventLoop

        for _ in range(rounds):
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)

    def wait(self, condition, what: str, timeout: float = TIMEOUT) -> None:
        """Process events until `condition()` holds; fail after `timeout` seconds."""
        from qtpy.QtCore import QEventLoop

        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        self.settle()

    def idle(self) -> bool:
        """No segmentation or suggestion running, no plot waiting for its drawing."""
        w = self.widget
        return w.worker is None and w.suggest_worker is None and self.plots_drawn()

    def plots_drawn(self) -> bool:
        """Every plot of the plots dock, and the hint's chart, shows its latest figure."""
        dock = self.widget.results_dock
        return not any(canvas.busy for canvas in
                       (dock.area_plot.canvas, dock.separability_plot.canvas,
                        dock.probe_plot.canvas, self.widget.hint_panel.chart))

    def suggest(self) -> None:
        assert self.widget.suggest() is not None, "Suggest refused to start"
        self.wait(lambda: self.widget.suggest_worker is None, "Suggest sizes")

    def run(self) -> None:
        assert self.widget.run() is not None, "Run refused to start: " + self.widget.status.value
        self.wait(self.idle, "the segmentation and its plots")
        self.viewer.reset_view()

    # -- saving
    def shot(self, name: str, what: str = "window") -> Path:
        """Save the whole window (or only the dock) as ``out/name.png``."""
        from PIL import Image
        from qtpy.QtCore import QBuffer, QIODevice

        window = self.viewer.window._qt_window
        window.resize(*WINDOW)  # new docks and longer texts may have grown it
        self.settle()
        self.wait(self.plots_drawn, "the plots")  # redrawn for the window's size
        target = window if what == "window" else self.dock
        pixmap = target.grab()
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        pixmap.save(buffer, "PNG")
        image = Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGB")
        if what == "dock":  # drop the empty rows below the widget
            pixels = np.asarray(image)
            filled = np.flatnonzero((pixels != pixels[-1, 0]).any(axis=(1, 2)))
            image = image.crop((0, 0, image.width, int(filled[-1]) + 12))
        path = self.out / f"{name}.png"
        # octree keeps small areas of a rare colour (the probe's magenta mark became
        # blue with median cut) and makes smaller files
        image.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(
            path, optimize=True)
        self.saved.append(path)
        print(f"wrote {path} ({image.width}x{image.height}, "
              f"{path.stat().st_size / 1000:.0f} kB)", flush=True)
        return path

    def only(self, *names: str) -> None:
        """Show only the layers called `names` (and keep the others hidden)."""
        for layer in self.viewer.layers:
            layer.visible = layer.name in names
        self.settle()


def two_phase_steps(s: Shooter) -> None:
    """Shots 01-07 on the two-phase sample (File > Open Sample > napari-symseg)."""
    viewer, widget = s.viewer, s.widget
    viewer.open_sample("napari-symseg", "two_phase")
    image = viewer.layers["Two phases"]
    widget.image.value = image
    s.shot("01-widget-docked")

    descriptor = widget.fields["descriptor_name"]
    descriptor.value = "rotational_symmetry_maximum_pooling"
    s.shot("02-descriptor-rotations", "dock")
    descriptor.value = "local_correlation_map"

    s.suggest()
    s.shot("03-suggest-sizes")

    s.run()
    s.shot("04-run-patterns")

    s.only("Two phases", "Two phases confidence")
    viewer.layers.selection.active = viewer.layers["Two phases confidence"]
    s.shot("05-confidence")

    s.only("Two phases", "Two phases patterns")
    widget.fields["n_patterns"].value = 3
    s.run()
    viewer.layers.selection.active = viewer.layers["Two phases patterns"]
    s.shot("06-hint-use-k")

    # the probe, dragged next to the boundary, with live preview on: changing a
    # size re-runs the segmentation (stride >= 6, the "<image> preview" layer)
    # and updates the probe's shapes and map (in the plots dock)
    widget.fields["n_patterns"].value = 2
    widget.advanced.expand(animate=False)  # the probe and live preview are in there
    widget.probe.value = True
    probe_plot = widget.results_dock.probe_plot
    s.wait(lambda: probe_plot.cmap is not None, "the probe's map")
    # a press of the left button there (pixels 256, 236): the probe moves
    from benchmarks.napari_window import canvas_drag

    canvas_drag(viewer, [viewer.layers["Two phases"].data_to_world((256.0, 236.0))])
    s.wait(lambda: probe_plot.pixel == (256, 236), "the probe's map after the drag")
    widget.live.value = True
    patch = widget.fields["patch_x"].value + 2
    widget.fields["patch_x"].value = patch

    def previewed() -> bool:  # the preview layer records the parameters of its run
        if "Two phases preview" not in viewer.layers:
            return False
        used = viewer.layers["Two phases preview"].metadata["napari_symseg"]["params"]
        return used["patch_x"] == patch and s.idle()

    s.wait(previewed, "the live preview")
    s.only("Two phases", "Two phases preview", "Two phases probe")
    viewer.layers.selection.active = viewer.layers["Two phases probe"]
    viewer.reset_view()
    s.shot("07-probe-live-preview")
    widget.live.value = False


def series_steps(s: Shooter) -> None:
    """Shot 08: the in-situ series sample, "segment: all frames", frame 5 shown."""
    from napari_symseg._qt.widget import ALL_FRAMES

    viewer, widget = s.viewer, s.widget
    viewer.open_sample("napari-symseg", "insitu_series")
    series = viewer.layers["In-situ series"]
    widget.image.value = series
    widget.segment.value = ALL_FRAMES
    s.suggest()
    s.run()
    viewer.dims.set_current_step(0, 5)  # the time slider at frame 5
    widget.results_dock.select("area fraction")
    s.shot("08-series")


def real_image_steps(s: Shooter, data: Path) -> bool:
    """Shots 09-10: the MoS2 monolayer (calibrated, one crystal): Suggest, Run, hint 1;
    Export."""
    import json

    name = "temul_MoS2_Se_implanted_HAADF"
    if not (data / f"{name}.npy").exists():
        print(f"{data / name}.npy not found: shot 09 skipped")
        return False
    viewer, widget = s.viewer, s.widget
    meta = json.loads((data / f"{name}.json").read_text())
    pixel = meta["pixel_size_nm"]
    image = viewer.add_image(np.load(data / f"{name}.npy"), name="MoS2",
                             scale=(pixel, pixel), units=("nm", "nm"))
    widget.image.value = image
    s.suggest()
    s.run()
    viewer.layers["MoS2 patterns"].opacity = 0.45
    viewer.layers.selection.active = viewer.layers["MoS2 patterns"]
    s.shot("09-real-image-hint")
    # Export results… (its file dialog skipped: the base name it would return)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="symseg_shots_") as folder:
        assert widget.export(Path(folder) / "mos2") is not None, widget.status.value
        s.shot("10-export")
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder of the PNGs")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="folder of the real images (shots 09-10)")
    parser.add_argument("--size", default="1366x768",
                        help="window size WxH (the guide's shots: 1366x768, a laptop)")
    args = parser.parse_args(argv)
    global WINDOW
    WINDOW = tuple(int(v) for v in args.size.lower().split("x"))

    start = time.perf_counter()
    saved = []
    scenes = [two_phase_steps, series_steps, lambda s: real_image_steps(s, args.data)]
    for scene in scenes:  # a fresh viewer for each: no layer or dock left from before
        shooter = Shooter(args.out)
        try:
            scene(shooter)
        finally:
            saved += shooter.saved
            shooter.viewer.close()
    total = sum(p.stat().st_size for p in saved)
    print(f"{len(saved)} screenshots, {total / 1e6:.1f} MB, "
          f"{time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
