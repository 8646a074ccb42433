"""The probe in the viewer: a point to drag, what the descriptor reads there, its map.

`Probe` owns two layers on top of the layer list, ``"<image> probe"`` (one
point, the active layer in select mode: dragging it moves it at once) and,
just below it, ``"<image> probe window"`` (a Vectors layer: the outlines of
the patch and of what the shifts or the pooling read, `probe_outline`, drawn
around pixel (0, 0) and moved by the layer's translate: a drag builds no new
lines). The window is added a turn after the point, with its first
outlines: two shorter freezes of napari's, not one. Both follow a mouse drag
move by move: napari holds the point's data events until the button is
released, so the probe also listens to the point's ``set_data`` (each move
refreshes the layer) and redraws when the point's pixel changed, at most
every `FOLLOW_MS` (moves made meanwhile are merged: the latest position
wins). The pixel's local correlation map is computed in a napari thread
worker and handed to a display callback; requests made while one is
computing replace each other, so that dragging never queues computations
(the latest request wins) and the event loop is never blocked by it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from qtpy.QtCore import QTimer

from ..controller import METADATA_KEY
from ..controller.probe import (
    PROBE_ROLE,
    probe_centre,
    probe_frame,
    probe_map,
    probe_outline,
    probe_pixel,
    probe_placement,
)
from ..core.params import ParamsError
from .runner import start_worker
from .stall import next_turn
from .warmup import READY_POLL_MS, napari_ready

#: Shortest interval (ms) between two redraws while the point is dragged: the moves
#: made meanwhile are merged, the redraw takes the latest position.
FOLLOW_MS = 50

#: Colours of the outlines: the patch, then what the shifts / pooling read.
SHAPE_COLOURS = ("yellow", "cyan")


def _compute(data, frame: int | None, params, row: int, col: int):
    """Worker body: the map and the pixel it belongs to (reads only what it needs)."""
    image = data if frame is None else data[frame]
    pixel = probe_pixel(np.shape(image), params, row, col)
    return probe_map(image, params, row, col), pixel


class Probe:
    """A draggable probe over the chosen image with its local correlation map.

    Parameters
    ----------
    viewer : napari.viewer.Viewer
    get_source : callable
        ``get_source()`` -> the chosen Image layer, or None.
    get_params : callable
        ``get_params()`` -> `Params`; may raise `ParamsError` (then nothing
        is redrawn).
    show_map : callable
        ``show_map(cmap, pixel, source)``: display a map (e.g.
        `ResultsDock.show_probe`), called on the GUI thread.

    Attributes
    ----------
    point : napari.layers.Points or None
        ``"<image> probe"``, while enabled and an image is chosen.
    window : napari.layers.Vectors or None
        ``"<image> probe window"``, from the first redraw on.
    source : napari.layers.Image or None
        The image the probe is on.
    worker : FunctionWorker or None
        The map computation running now.
    pixel : (int, int) or None
        The probe's pixel (data coordinates of the image's last two axes).
    """

    def __init__(self, viewer, get_source: Callable, get_params: Callable,
                 show_map: Callable) -> None:
        self.viewer = viewer
        self.get_source = get_source
        self.get_params = get_params
        self.show_map = show_map
        self.point = self.window = self.source = self.worker = self.pixel = None
        self._enabled = False
        self._pending = None  # the latest request made while a worker runs
        self._serial = 0  # requests made
        self._shown = 0  # the request whose map is shown
        self._closed = False
        self._due = False  # the first redraw waits for the next turn (`refresh`)
        self._follow = QTimer()  # redraws after moves, at most every FOLLOW_MS
        self._follow.setSingleShot(True)
        self._follow.setInterval(FOLLOW_MS)
        self._follow.timeout.connect(self._on_follow)
        viewer.layers.events.removed.connect(self._on_removed)
        viewer.dims.events.current_step.connect(self._on_step)

    # -- on / off
    @property
    def busy(self) -> bool:
        """True while a redraw waits for its turn, or a map is computed or waits to be."""
        return (self._due or self._following() or self.worker is not None
                or self._pending is not None)

    def _following(self) -> bool:
        """True while a redraw after moves waits (`FOLLOW_MS`)."""
        try:
            return self._follow.isActive()
        except RuntimeError:  # deleted by PyQt's clean-up at exit, before the dock closed
            return False

    @property
    def enabled(self) -> bool:
        """Whether the probe is shown (its layers exist while an image is chosen)."""
        return self._enabled

    @enabled.setter
    def enabled(self, value: bool) -> None:
        value = bool(value)
        if value == self._enabled:
            return
        self._enabled = value
        if value:
            self.refresh()
        else:
            self._remove_layers()

    def refresh(self) -> None:
        """Redraw after a change of parameters or of the chosen image.

        A new image gets the probe at its centre; no image (or the probe
        switched off) removes the probe's layers. The layers are made once
        the warm-up has compiled napari's kernels (`napari_ready`: the GUI
        thread never waits for numba's compiler lock); until then this
        tries again every `READY_POLL_MS`.
        """
        if not self._enabled or self._closed:
            return
        source = self.get_source()
        if source is not self.source or (source is not None and self.point is None):
            if source is not None and not napari_ready("shapes"):
                QTimer.singleShot(READY_POLL_MS, self.refresh)
                return
            self._remove_layers()
            if source is not None:
                self._add_layers(source)
                # the window and the map a turn later: two shorter freezes, not one
                self._due = True
                next_turn(self._first_redraw)
                return
        if self.source is None:
            return
        self._redraw()

    def _first_redraw(self) -> None:
        self._due = False
        if self.source is not None and not self._closed:
            self._redraw()

    def close(self) -> None:
        """Remove the layers and stop listening (a running computation is ignored)."""
        self._remove_layers()
        self._closed = True
        self._pending = None
        if self._following():  # (at exit PyQt may have deleted the timer: a slot's error
            self._follow.stop()  # there aborts the process, tests/_qt/test_stall.py)
        self.viewer.layers.events.removed.disconnect(self._on_removed)
        self.viewer.dims.events.current_step.disconnect(self._on_step)

    # -- layers
    def _add_layers(self, source) -> None:
        place = probe_placement(source)
        self.source = source
        self.pixel = tuple(round(v) for v in probe_centre(source))
        # the point above every other layer; the window comes below it with the first
        # redraw (`_draw_shapes`). Sizes are in data pixels: proportional to the image,
        # so that the point and the lines stay visible (about 10 and 1.5 screen px)
        # when it is shown whole
        extent = max(np.shape(source.data)[-2:])
        self._edge = max(1.5, extent / 400)
        self._shapes_key = None
        self._place = place
        self.point = self.viewer.add_points(
            [self.pixel], name=f"{source.name} probe", size=max(10.0, extent / 60),
            face_color="yellow", border_color="black", border_width=0.15, **place)
        # a mouse drag blocks the point's data events until the button is released
        # (napari's select mode): each move refreshes the layer (``set_data``) though
        self.point.events.data.connect(self._on_moved)
        self.point.events.set_data.connect(self._on_moved)
        self.viewer.layers.selection.active = self.point
        self.point.mode = "select"  # a drag moves the point, it does not pan

    def _add_window(self, vectors, colours, shape) -> None:
        """The window layer, just below the point (the point stays the active layer)."""
        from napari.layers import Vectors

        self.window = Vectors(
            vectors, name=f"{self.source.name} probe window", edge_width=self._edge,
            edge_color=colours, vector_style="line", features={"shape": shape}, **self._place)
        self.viewer.layers.insert(self.viewer.layers.index(self.point), self.window)
        self.viewer.layers.selection.active = self.point

    def _remove_layers(self) -> None:
        point, window = self.point, self.window
        self.point = self.window = self.source = None
        if point is not None:
            point.events.data.disconnect(self._on_moved)
            point.events.set_data.disconnect(self._on_moved)
        for layer in (window, point):
            if layer is not None and layer in self.viewer.layers:
                self.viewer.layers.remove(layer)

    def _on_removed(self, event) -> None:
        """The user deleted one of the probe's layers: remove the other one too."""
        if event.value is self.point or event.value is self.window:
            self._remove_layers()

    # -- redrawing
    def _on_moved(self, event=None) -> None:
        if str(getattr(event, "action", "changed")).endswith("ing"):
            return  # "changing", "adding": the data is not set yet
        if self.point is None or len(self.point.data) == 0:
            return
        pixel = tuple(int(v) for v in np.round(self.point.data[-1][-2:]))
        if pixel == self.pixel:
            return  # a redraw of the layer, or a move within the pixel
        self.pixel = pixel
        if not self._following():  # moves meanwhile: this redraw takes the latest
            self._follow.start()

    def _on_follow(self) -> None:
        # moving the window's shapes costs napari 30-60 ms of GUI thread (its extent,
        # the shapes' refresh): once per FOLLOW_MS at most, not once per mouse move
        if self.source is not None and not self._closed:
            self._redraw()

    def _on_step(self, *_: Any) -> None:
        if self.source is not None and self.source.ndim == 3:
            self._redraw(shapes=False)  # another frame under the probe

    def _redraw(self, shapes: bool = True) -> None:
        try:
            params = self.get_params()
        except ParamsError:
            return
        if shapes:
            self._draw_shapes(params)
        frame = probe_frame(self.source, self.viewer.dims.point)
        self._request((self.source, frame, params, *self.pixel))

    def _draw_shapes(self, params) -> None:
        """The outlines around pixel (0, 0), moved to the probe by the layer's translate.

        Dragging only changes the translate (no new lines: cheap); new sizes
        or another descriptor change the outlines themselves. The first call
        adds the window layer.
        """
        vectors, shape = probe_outline(0, 0, params)
        key = (tuple(shape), tuple(vectors.ravel()))
        colours = np.array(SHAPE_COLOURS[1:2] if shape.max() == 0 else SHAPE_COLOURS)[shape]
        if self.window is None:
            self._shapes_key = key
            self._add_window(vectors, colours, shape)
        elif key != self._shapes_key:
            self._shapes_key = key
            self.window.data = vectors
            self.window.features = {"shape": shape}
            self.window.edge_color = colours
        window = self.window
        scale = np.asarray(self.source.scale[-2:], dtype=float)
        window.translate = tuple(np.asarray(self.source.translate[-2:], dtype=float)
                                 + scale * np.asarray(self.pixel))
        window.metadata = {METADATA_KEY: {**window.metadata[METADATA_KEY],
                                          "pixel": list(self.pixel)}}

    # -- the map, latest request wins
    def _request(self, request: tuple) -> None:
        self._serial += 1
        if self.worker is None:
            self._start(self._serial, request)
        else:
            self._pending = (self._serial, request)

    def _start(self, serial: int, request: tuple) -> None:
        source, frame, params, row, col = request
        # counted by the warm-up's thaw (`runner.start_worker`); a map that comes after
        # `close` is dropped, and the next request is started only while open
        self.worker = start_worker(
            _compute, source.data, frame, params, row, col,
            alive=lambda: not self._closed, cleanup=self._on_finished,
            returned=lambda out: self._on_map(serial, source, out))

    def _on_map(self, serial: int, source, out: tuple) -> None:
        # while dragging, each map shown is newer than the last one (workers run in
        # turn); a map of another image, or after the probe was closed, is dropped
        if self._closed or serial <= self._shown or source is not self.source:
            return
        self._shown = serial
        cmap, pixel = out
        self.show_map(cmap, pixel, source)

    def _on_finished(self) -> None:
        self.worker = None
        if self._pending is not None and not self._closed:
            (serial, request), self._pending = self._pending, None
            self._start(serial, request)

    @staticmethod
    def is_probe_layer(layer) -> bool:
        """True for the probe's point and window layers (their metadata says so)."""
        return layer.metadata.get(METADATA_KEY, {}).get("role") == PROBE_ROLE
