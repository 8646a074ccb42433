"""Replay a microscopist's session in a real napari window and measure every freeze.

Usage (headless under Xvfb; the screen must hold a 1920x1080 window)::

    QT_API=pyqt6 xvfb-run -a -s "-screen 0 1920x1080x24" \\
        python benchmarks/gui_session.py [--data ../shared/data/real] [--out docs/images/guide]

The session, through the widget's public API only (the same calls a click
makes): open a real calibrated image (``.npy`` with its ``.json`` pixel
size from the data folder), Suggest, Run, tick the probe and drag it,
switch to a second real image, Suggest and Run there, Export, re-open the
exported labels (``viewer.open``), open the in-situ sample series, run all
frames while scrubbing the time slider, switch back to the first image.
An `EventLoopWatch` measures the longest stall of napari's event loop at
each step; a table is printed (and written as JSON with ``--json``).
Screenshots of the whole window at 1366x768 and 1920x1080 are taken after
the main steps (``session-<width>-<nn>-<step>.png``). Without the data
folder the script says so and exits (status 0).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "real"
DEFAULT_OUT = ROOT / "docs" / "images" / "guide"
#: The two real images of the session (the first one found of each pair is used).
FIRST = ("temul_MoS2_Se_implanted_HAADF", "ingrained_Ni_M3B2_boride_HAADF91")
SECOND = ("ingrained_Ni_M3B2_boride_HAADF91", "pystem_high_entropy_alloy")
SIZES = ((1366, 768), (1920, 1080))
TIMEOUT = 600.0
LIMIT_MS = 200.0


def load_real(data: Path, names: tuple[str, ...], avoid: str = "") -> tuple[str, dict] | None:
    """The first of `names` found in `data` (not `avoid`): its array and layer keywords."""
    for name in names:
        path = data / f"{name}.npy"
        if name == avoid or not path.exists():
            continue
        meta_path = data / f"{name}.json"
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        pixel = meta.get("pixel_size_nm")
        kwargs = {"name": name.split("_", 1)[1][:24]}
        if pixel:
            kwargs.update(scale=(pixel, pixel), units=("nm", "nm"))
        return name, {"data": np.load(path), **kwargs}
    return None


class Session:
    """A shown napari window with the widget, and helpers to wait, watch and shoot."""

    def __init__(self, out: Path) -> None:
        import napari
        from qtpy.QtWidgets import QApplication

        from napari_symseg._qt.stall import EventLoopWatch

        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        self.viewer = napari.Viewer(title="napari-symseg session", show=True)
        self.app = QApplication.instance()
        self.window = self.viewer.window._qt_window
        self.window.resize(*SIZES[0])
        self.window.move(0, 0)
        self.rows: list[dict] = []
        self.shots: list[Path] = []
        self.watch = EventLoopWatch()
        self.pump(1.0)
        self.step("open the widget", self._open_widget)

    def _open_widget(self) -> None:
        self.dock, self.widget = self.viewer.window.add_plugin_dock_widget(
            "napari-symseg", "Symmetry segmentation")

    # -- waiting without a busy loop
    def pump(self, seconds: float, until=lambda: False) -> None:
        """Run the event loop for `seconds` or until `until()` holds (checked every 20 ms)."""
        from qtpy.QtCore import QEventLoop, QTimer

        loop, deadline = QEventLoop(), time.perf_counter() + seconds
        timer = QTimer()
        timer.setInterval(20)
        timer.timeout.connect(lambda: (until() or time.perf_counter() > deadline)
                              and loop.quit())
        timer.start()
        loop.exec()
        timer.stop()

    def wait(self, condition, what: str) -> None:
        """Run the event loop until `condition()`; fail after `TIMEOUT` seconds."""
        start = time.perf_counter()
        self.pump(TIMEOUT, condition)
        if not condition():
            raise TimeoutError(f"{what}: not done after {time.perf_counter() - start:.0f} s")

    def idle(self) -> bool:
        """No run and no suggestion in the widget."""
        return self.widget.worker is None and getattr(self.widget, "suggest_worker", None) is None

    # -- steps
    def step(self, name: str, action, settle: float = 0.5) -> None:
        """Do `action()` (it may wait itself), let the loop settle, record the worst stall."""
        start = time.perf_counter()
        with self.watch:
            action()
            self.pump(settle)
        row = {"step": name, "seconds": round(time.perf_counter() - start, 2),
               **self.watch.summary()}
        self.rows.append(row)
        flag = "" if row["max_ms"] < LIMIT_MS else "  <-- stall"
        print(f"{name:44s} {row['seconds']:7.2f} s  max gap {row['max_ms']:7.1f} ms  "
              f"p99 {row['p99_ms']:6.1f} ms{flag}", flush=True)

    def plots_ready(self) -> bool:
        """No plot of the results dock, nor the hint's chart, waits for its render."""
        dock = getattr(self.widget, "results_dock", None)
        canvases = [self.widget.hint_panel.chart]
        if dock is not None:
            canvases += [dock.area_plot.canvas, dock.separability_plot.canvas,
                         dock.probe_plot.canvas]
        return not any(canvas.busy for canvas in canvases)

    def run(self) -> None:
        if self.widget.run() is None:
            raise RuntimeError(f"Run refused: {self.widget.status.value}")
        self.wait(self.idle, "the run")

    def suggest(self) -> None:
        if self.widget.suggest() is None:
            raise RuntimeError(f"Suggest refused: {self.widget.status.value}")
        self.wait(self.idle, "Suggest")

    def add_image(self, image: dict):
        data = image.pop("data")
        return self.viewer.add_image(data, **image)

    # -- screenshots
    def shoot(self, name: str) -> None:
        """The whole window at every size of `SIZES`, as 256-colour PNGs."""
        from PIL import Image
        from qtpy.QtCore import QBuffer, QIODevice

        for width, height in SIZES:
            self.window.resize(width, height)
            self.pump(0.5)  # layout; then the plots rendered for the new size
            self.pump(20.0, self.plots_ready)
            self.pump(0.3)
            pixmap = self.window.grab()
            buffer = QBuffer()
            buffer.open(QIODevice.OpenModeFlag.WriteOnly)
            pixmap.save(buffer, "PNG")
            image = Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGB")
            path = self.out / f"session-{width}-{len(self.shots) // len(SIZES) + 1:02d}-{name}.png"
            image.quantize(256, method=Image.Quantize.MEDIANCUT,
                           dither=Image.Dither.NONE).save(path, optimize=True)
            self.shots.append(path)
            print(f"  wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} "
                  f"({image.width}x{image.height})", flush=True)
        self.window.resize(*SIZES[0])
        self.pump(0.5)


def scrub_while_running(s: Session, n_frames: int) -> int:
    """Start an all-frames run and drag the time slider to and fro until it ends."""
    if s.widget.run() is None:
        raise RuntimeError(f"Run refused: {s.widget.status.value}")
    moves = 0
    while s.widget.worker is not None:
        t = moves % (2 * n_frames - 2)
        s.viewer.dims.set_current_step(0, t if t < n_frames else 2 * n_frames - 2 - t)
        s.pump(0.05)
        moves += 1
    return moves


def session(s: Session, data: Path, export_dir: Path) -> None:
    """The whole sequence (see the module docstring)."""
    from napari_symseg._sample_data import make_insitu_series_sample

    viewer, widget = s.viewer, s.widget
    first_name, first = load_real(data, FIRST)
    second_name, second = load_real(data, SECOND, avoid=first_name)
    layers = {}
    s.step(f"open {first_name[:30]}", lambda: layers.update(first=s.add_image(first)))
    s.step("choose it in the widget", lambda: setattr(widget.image, "value", layers["first"]))
    s.step("Suggest", s.suggest)
    s.step("Run", s.run)
    s.shoot("real-image-run")

    def probe_on() -> None:
        widget.probe.value = True
        s.pump(2.0)

    def drag() -> None:
        point = next(layer for layer in viewer.layers if layer.name.endswith(" probe"))
        h, w = layers["first"].data.shape[-2:]
        for k in range(40):
            point.data = np.array([[h * (0.3 + 0.01 * k), w * (0.3 + 0.008 * k)]])
            s.pump(0.016)
        s.pump(1.0)

    s.step("tick the probe", probe_on)
    s.step("drag the probe (40 moves)", drag)
    s.shoot("probe")
    s.step("untick the probe", lambda: setattr(widget.probe, "value", False))
    s.step(f"open {second_name[:30]}", lambda: layers.update(second=s.add_image(second)))
    s.step("switch to it", lambda: setattr(widget.image, "value", layers["second"]))
    s.step("Suggest", s.suggest)
    s.step("Run", s.run)
    s.shoot("second-image")
    def export() -> None:  # what the Export… button does: the files written in a worker
        assert widget.start_export(export_dir / "second") is not None
        s.wait(lambda: widget.export_worker is None, "Export")

    s.step("Export (button: written in a worker)", export)
    written = sorted(export_dir.glob("second_*"))
    labels = next((p for p in written if p.name.endswith("_labels.tif")), None)
    if labels is None:
        raise RuntimeError(f"Export wrote no labels file: {widget.status.value}")
    s.step("re-open the exported labels", lambda: viewer.open(str(labels),
                                                              plugin="napari-symseg"))
    series = make_insitu_series_sample()[0]
    s.step("open the in-situ series sample",
           lambda: layers.update(series=viewer.add_image(series[0], **series[1])))

    def series_mode() -> None:
        widget.image.value = layers["series"]
        widget.segment.value = "all frames"

    s.step("choose it, all frames", series_mode)
    s.step("Suggest", s.suggest)
    moves = []
    s.step("run all frames while scrubbing",
           lambda: moves.append(scrub_while_running(s, series[0].shape[0])))
    s.rows[-1]["slider_moves"] = moves[0]
    s.shoot("series")
    s.step("switch back to the first image",
           lambda: setattr(widget.image, "value", layers["first"]))
    s.shoot("switched-back")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="real images folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder of the PNGs")
    parser.add_argument("--json", type=Path, default=None, help="write the table as JSON")
    args = parser.parse_args(argv)
    if load_real(args.data, FIRST) is None or load_real(args.data, SECOND) is None:
        print(f"no real images in {args.data} (see its README): session skipped")
        return 0
    start = time.perf_counter()
    s = Session(args.out)
    with tempfile.TemporaryDirectory() as folder:
        try:
            session(s, args.data, Path(folder))
        finally:
            worst = max(s.rows, key=lambda row: row["max_ms"])
            print(f"\n{len(s.rows)} steps in {time.perf_counter() - start:.0f} s; worst stall "
                  f"{worst['max_ms']:.0f} ms ({worst['step']}); {len(s.shots)} screenshots")
            if args.json is not None:
                args.json.write_text(json.dumps(s.rows, indent=1))
            s.viewer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
