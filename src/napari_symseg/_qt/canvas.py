"""A matplotlib canvas for Qt that draws its figure in another process.

matplotlib draws through ``backend_qtagg``, which uses the Qt binding napari
already runs on (qtpy / the ``QT_API`` variable): no binding is imported
here by name.

Why another process: a full draw of the dock's figures takes 70-400 ms
(text layout, constrained layout), too long for napari's event loop, and a
draw in a thread of the same process freezes the loop just as long (the
drawing thread keeps taking the GIL back: 150-500 ms gaps were measured). So
`AsyncCanvas` pickles the figure (about 20 ms), one renderer process draws the
copy with Agg and sends back the pixels and the axes positions, and the GUI
thread only paints the image. Requests made while a render runs replace
each other (the latest wins). The figure the GUI holds stays the model that
code and tests read and change; it takes the axes positions of the render
so that mouse events hit what is shown. Overlays that must follow the time
slider at once (the current-frame line) are painted by Qt over the image.
"""

from __future__ import annotations

import atexit
import pickle
import queue
import struct
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.transforms import Bbox
from qtpy.QtCore import QObject, QTimer, Signal
from qtpy.QtGui import QColor, QImage, QPainter

#: Least time (ms) between the starts of two renders of one canvas.
MIN_INTERVAL_MS = 250


def render(payload: bytes) -> tuple[np.ndarray, list[tuple[float, ...]]]:
    """Draw a pickled figure with Agg; return its pixels and axes positions.

    What the renderer process does for every request (here for use in
    this process, e.g. in tests).

    Parameters
    ----------
    payload : bytes
        ``pickle.dumps(figure)``.

    Returns
    -------
    rgba : ndarray of uint8, (height, width, 4)
    positions : list of tuple
        ``(x0, y0, width, height)`` in figure fractions of every axes of
        ``figure.axes``, after layout and aspect.
    """
    figure = pickle.loads(payload)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba()).copy()
    return rgba, [axes.get_position(original=False).bounds for axes in figure.axes]


#: The renderer process: numpy and matplotlib only (fast to start, nothing of the
#: package: the figures pickle without it). Requests and answers are pickles framed
#: by their length; stray prints of the process go to stderr, not into the answers.
#: When napari closes (its process ends) mid-render, the answer's pipe is gone: the
#: process ends without a word (no BrokenPipeError traceback, tester newuser10); Ctrl-C in
#: the terminal (sent to the whole process group) is napari's to handle, not this process's.
SERVER = r"""
import os, pickle, signal, struct, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
answers = os.fdopen(os.dup(1), "wb")
os.dup2(2, 1)
import numpy as np
import matplotlib
matplotlib.use("agg")
from matplotlib.backends.backend_agg import FigureCanvasAgg
requests = sys.stdin.buffer

def read(n):
    data = b""
    while len(data) < n:
        chunk = requests.read(n - len(data))
        if not chunk:
            sys.exit(0)
        data += chunk
    return data

def serve():
    while True:
        key, payload = pickle.loads(read(struct.unpack("<Q", read(8))[0]))
        try:
            figure = pickle.loads(payload)
            canvas = FigureCanvasAgg(figure)
            canvas.draw()
            answer = (key, np.asarray(canvas.buffer_rgba()).copy(),
                      [a.get_position(original=False).bounds for a in figure.axes], None)
        except Exception as err:
            answer = (key, None, None, repr(err))
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        answers.write(struct.pack("<Q", len(data)) + data)
        answers.flush()

try:
    serve()
except (BrokenPipeError, ConnectionError, EOFError, OSError, SystemExit):
    pass  # napari is gone: nothing to answer, nothing to say
os._exit(0)  # no flush of a closed pipe at exit either
"""


class RenderProcess:
    """One renderer process and the two threads that talk to it.

    Attributes
    ----------
    alive : bool
        False once the process ended (a new one is started on the next request).
    """

    def __init__(self) -> None:
        self._process = subprocess.Popen([sys.executable, "-c", SERVER],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._requests = queue.Queue()
        self._callbacks: dict[int, Callable] = {}
        self._lock = threading.Lock()
        self._key = 0
        self.alive = True
        threading.Thread(target=self._write, daemon=True, name="symseg-render-in").start()
        threading.Thread(target=self._read, daemon=True, name="symseg-render-out").start()

    def submit(self, payload: bytes, callback: Callable) -> None:
        """Render a pickled figure; ``callback(rgba, positions, error)`` in another thread."""
        with self._lock:
            self._key += 1
            self._callbacks[self._key] = callback
            key = self._key
        # queued: a write blocks while the process renders, the GUI thread never does
        self._requests.put(pickle.dumps((key, payload), protocol=pickle.HIGHEST_PROTOCOL))

    def _write(self) -> None:
        pipe = self._process.stdin
        while (data := self._requests.get()) is not None:
            try:
                pipe.write(struct.pack("<Q", len(data)) + data)
                pipe.flush()
            except OSError:
                break
        self._stop()

    def _read(self) -> None:
        pipe = self._process.stdout
        while len(header := pipe.read(8)) == 8:
            key, rgba, positions, error = pickle.loads(pipe.read(struct.unpack("<Q", header)[0]))
            with self._lock:
                callback = self._callbacks.pop(key, None)
            if callback is not None:
                callback(rgba, positions, error)
        self._stop()

    def _stop(self) -> None:
        with self._lock:
            self.alive = False
            waiting, self._callbacks = list(self._callbacks.values()), {}
        for callback in waiting:
            callback(None, None, "the renderer process ended")

    def close(self) -> None:
        """End the process (it also ends by itself when this process ends)."""
        self._requests.put(None)
        try:
            self._process.stdin.close()
        except OSError:
            pass


_PROCESS: list[RenderProcess] = []


def renderer() -> RenderProcess:
    """The renderer process, started on first use (again if it ended).

    Starting takes about half a second, in the background; call this early
    (the dock does when it is made) to have it ready.
    """
    if not _PROCESS or not _PROCESS[0].alive:
        _PROCESS[:] = [RenderProcess()]
        if len(_PROCESS) == 1 and not getattr(renderer, "_atexit", False):
            atexit.register(lambda: _PROCESS and _PROCESS[0].close())
            renderer._atexit = True
    return _PROCESS[0]


def _qimage(rgba: np.ndarray, ratio: float) -> QImage:
    height, width = rgba.shape[:2]
    image = QImage(rgba.data, width, height, 4 * width, QImage.Format.Format_RGBA8888).copy()
    image.setDevicePixelRatio(ratio)
    return image


class _Relay(QObject):
    """Brings a finished render from the pool's thread to the GUI thread."""

    done = Signal(object)


class AsyncCanvas(FigureCanvasQTAgg):
    """A Qt canvas whose figure is drawn in the renderer process, the latest request winning.

    ``draw_idle`` (what matplotlib and the plots call after a change) starts
    a render; the GUI thread only paints the finished image. ``draw`` still
    draws here and at once (for code that needs the layout now). A hidden
    canvas (another tab) renders when it is shown.

    Parameters
    ----------
    figure : matplotlib.figure.Figure

    Attributes
    ----------
    overlays : list of callable
        ``overlay(painter)``, painted over the figure by Qt on every repaint.
    renders : int
        Renders finished in the background so far.
    """

    def __init__(self, figure) -> None:
        super().__init__(figure)
        self.overlays = []
        self.renders = 0
        self._image = None
        self._running = False
        self._again = False
        self._stale = True
        self._deferred = False  # a render waits for MIN_INTERVAL_MS
        self._started = -1e9
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_rendered)

    @property
    def busy(self) -> bool:
        """True while a render runs or waits to run."""
        return self._running or self._deferred or (self._stale and self.isVisible())

    def draw_idle(self) -> None:
        """Render the figure in the background (again when the running render ends).

        Renders start at most every `MIN_INTERVAL_MS` (a dragged probe asks
        for one per mouse move; the renderer's CPU is the canvas's too).
        """
        if not self.isVisible() or self.width() <= 1 or self.height() <= 1:
            self._stale = True  # rendered when shown
        elif self._running:
            self._again = True
        elif not self._deferred:
            wait = MIN_INTERVAL_MS - 1000 * (time.perf_counter() - self._started)
            if wait > 0:
                self._deferred = True
                QTimer.singleShot(int(wait) + 1, self._after_wait)
            else:
                self._start()

    def _after_wait(self) -> None:
        self._deferred = False
        self.draw_idle()

    def draw(self) -> None:
        """Render the figure here and now (the layout is then up to date)."""
        super().draw()
        self._image = _qimage(np.asarray(self.buffer_rgba()), self.device_pixel_ratio)

    def _start(self) -> None:
        self._stale = self._again = False
        self._started = time.perf_counter()
        try:
            payload = pickle.dumps(self.figure)
        except Exception:  # an artist that does not pickle: draw here
            traceback.print_exc()
            self._draw_here()
            return
        self._running = True
        relay = self._relay

        def finished(rgba, positions, error) -> None:  # in the renderer's reading thread
            try:
                relay.done.emit((rgba, positions, error))
            except RuntimeError:  # the canvas is gone
                pass

        renderer().submit(payload, finished)

    def _draw_here(self) -> None:
        self.draw()
        self.update()

    def _on_rendered(self, answer: tuple) -> None:
        self._running = False
        rgba, positions, error = answer
        if error is not None:  # e.g. the renderer ended: draw this one here
            print(f"napari-symseg: background render failed ({error})", file=sys.stderr)
            self._draw_here()
            return
        self._image = _qimage(rgba, self.device_pixel_ratio)
        self.renders += 1
        axes = self.figure.axes
        if not self._again and len(axes) == len(positions):  # mouse events hit the axes drawn
            for ax, bounds in zip(axes, positions, strict=True):
                ax._set_position(Bbox.from_bounds(*bounds), which="active")
        self.update()
        if self._again:
            self.draw_idle()

    def showEvent(self, event) -> None:
        """Render what changed while hidden."""
        super().showEvent(event)
        if self._stale:
            QTimer.singleShot(0, self.draw_idle)

    def paintEvent(self, event) -> None:
        """Paint the last rendered image (never draw the figure here), then the overlays."""
        painter = QPainter(self)
        try:
            painter.fillRect(self.rect(), QColor.fromRgbF(*self.figure.get_facecolor()))
            if self._image is not None:
                painter.drawImage(0, 0, self._image)
                for overlay in self.overlays:
                    overlay(painter)
        finally:
            painter.end()
        if self._stale and not self._running:
            QTimer.singleShot(0, self.draw_idle)
