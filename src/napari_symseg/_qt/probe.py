"""The probe in the viewer: a mark to drag, what the descriptor reads there, its map.

`Probe` owns one layer on top of the layer list, ``"<image> probe"``: a
Vectors layer of line segments, the probe's mark (`probe_marker`, a cross
open at its centre) and the outlines of the patch and of what the shifts or
the pooling read (`probe_outline`), all drawn around pixel (0, 0) and moved
by the layer's translate (a drag builds no new lines). It is the active
layer; its own mouse drag callback decides what the left button does:
pressed on the probe (its patch), a drag takes the probe along; pressed
elsewhere, a drag pans the view as napari does and a click puts the probe
there (the layer's ``mouse_pan`` is off but for such a drag; the wheel
zooms); with Space held (napari's hold to pan), every drag pans. One
Vectors layer is what napari adds fastest: ticking
the probe froze napari 76-95 ms (2048² image, idle, `tests/_qt/test_stall.py -k
probe`), where a Points layer for the point plus a Vectors layer for the
outlines took 204 ms (docs/architecture.md).

The probe redraws when its pixel changed, at most every `FOLLOW_MS` (moves
made meanwhile are merged: the latest position wins). The pixel's local
correlation map is computed in a napari thread worker and handed to a
display callback; requests made while one is computing replace each other,
so that dragging never queues computations (the latest request wins) and
the event loop is never blocked by it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from qtpy.QtCore import QTimer

from ..controller import METADATA_KEY
from ..controller.probe import (
    MARK,
    PROBE_ROLE,
    probe_centre,
    probe_frame,
    probe_map,
    probe_marker,
    probe_outline,
    probe_patch,
    probe_pixel,
    probe_pixel_at,
    probe_placement,
)
from ..core.params import ParamsError
from .runner import start_worker
from .warmup import READY_POLL_MS, napari_ready

#: Shortest interval (ms) between two redraws while the probe is dragged: the moves
#: made meanwhile are merged, the redraw takes the latest position.
FOLLOW_MS = 50

#: Colours of the outlines: the patch, then what the shifts / pooling read.
SHAPE_COLOURS = ("yellow", "cyan")

#: Colour of the probe's mark (``features["shape"] == MARK``).
MARK_COLOUR = "magenta"

#: What napari's status bar says while the probe's layer is the active one.
HELP = "probe: drag it, or click where it should go; drag elsewhere to pan"

#: A press released within this many screen pixels of where it started is a click.
CLICK_PX = 3


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
        ``get_params()`` -> `Params`; may raise `ParamsError` (then only
        the mark is drawn, and no map computed).
    show_map : callable
        ``show_map(cmap, pixel, source)``: display a map (e.g.
        `ResultsDock.show_probe`), called on the GUI thread.

    Attributes
    ----------
    layer : napari.layers.Vectors or None
        ``"<image> probe"``, while enabled and an image is chosen.
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
        self.layer = self.source = self.worker = self.pixel = None
        self._enabled = False
        self._panning = False  # Space held (`_hold_to_pan`)
        self._pending = None  # the latest request made while a worker runs
        self._serial = 0  # requests made
        self._shown = 0  # the request whose map is shown
        self._closed = False
        self._drawn = None  # (outline, arm) the layer's segments were made of
        self._follow = QTimer()  # redraws after moves, at most every FOLLOW_MS
        self._follow.setSingleShot(True)
        self._follow.setInterval(FOLLOW_MS)
        self._follow.timeout.connect(self._on_follow)
        viewer.layers.events.removed.connect(self._on_removed)
        viewer.dims.events.current_step.connect(self._on_step)

    # -- on / off
    @property
    def busy(self) -> bool:
        """True while a redraw after moves waits, or a map is computed or waits to be."""
        return self._following() or self.worker is not None or self._pending is not None

    def _following(self) -> bool:
        """True while a redraw after moves waits (`FOLLOW_MS`)."""
        try:
            return self._follow.isActive()
        except RuntimeError:  # deleted by PyQt's clean-up at exit, before the dock closed
            return False

    @property
    def enabled(self) -> bool:
        """Whether the probe is shown (its layer exists while an image is chosen)."""
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
            self._remove_layer()

    def refresh(self) -> None:
        """Redraw after a change of parameters or of the chosen image.

        A new image gets the probe at its centre; no image (or the probe
        switched off) removes the probe's layer. The layer is made once the
        warm-up has loaded napari's kernels (`napari_ready`: the GUI thread
        never waits for numba's compiler lock); until then this tries again
        every `READY_POLL_MS`.
        """
        if not self._enabled or self._closed:
            return
        source = self.get_source()
        if source is not self.source or (source is not None and self.layer is None):
            if source is not None and not napari_ready("shapes"):
                QTimer.singleShot(READY_POLL_MS, self.refresh)
                return
            self._remove_layer()
            if source is not None:
                self._add_layer(source)  # drawn, in place: the map only
                self._redraw(outline=False)
            return
        if self.source is not None:
            self._redraw()

    def move_to(self, row: int, col: int) -> None:
        """Move the probe to a pixel (data coordinates), as a mouse drag does.

        The layer and the map follow within `FOLLOW_MS`; moves made
        meanwhile are merged (the latest wins).
        """
        pixel = (int(row), int(col))
        if self.source is None or pixel == self.pixel:
            return  # a move within the pixel
        self.pixel = pixel
        if not self._following():  # moves meanwhile: this redraw takes the latest
            self._follow.start()

    def close(self) -> None:
        """Remove the layer and stop listening (a running computation is ignored)."""
        self._remove_layer()
        self._closed = True
        self._pending = None
        if self._following():  # (at exit PyQt may have deleted the timer: a slot's error
            self._follow.stop()  # there aborts the process, tests/_qt/test_stall.py)
        self.viewer.layers.events.removed.disconnect(self._on_removed)
        self.viewer.dims.events.current_step.disconnect(self._on_step)

    # -- the layer
    def _add_layer(self, source) -> None:
        from napari.layers import Vectors

        self.source = source
        self.pixel = tuple(round(v) for v in probe_centre(source))
        # sizes in data pixels, proportional to the image: the mark's arms and the lines
        # stay visible (about 15 and 1.5 screen px) when the image is shown whole
        extent = max(np.shape(source.data)[-2:])
        self._arm = max(8.0, extent / 40)
        vectors, shape, colours, self._drawn = self._segments(self._params())
        layer = Vectors(vectors, name=f"{source.name} probe", features={"shape": shape},
                        edge_width=max(1.5, extent / 400), edge_color=colours,
                        vector_style="line", opacity=1.0, **probe_placement(source))
        self._place(layer)
        layer.help = HELP
        layer.cursor = "crosshair"
        layer.mouse_pan = False  # on only for a drag that starts away from the probe
        layer.mouse_drag_callbacks.append(self._on_drag)
        # napari's Space (hold to pan) changes the selected layer's mode, and this one is
        # in pan_zoom already: held here, Space lets every drag pan (the probe stays put)
        layer.bind_key("Space", self._hold_to_pan, overwrite=True)
        layer.events.mode.connect(self._on_mode)
        self.layer = layer
        self.viewer.layers.append(layer)  # on top of every layer
        self.viewer.layers.selection.active = layer

    def _remove_layer(self) -> None:
        layer, self.layer, self.source = self.layer, None, None
        self._drawn = None
        if layer is None:
            return
        layer.events.mode.disconnect(self._on_mode)
        if self._on_drag in layer.mouse_drag_callbacks:
            layer.mouse_drag_callbacks.remove(self._on_drag)
        if layer in self.viewer.layers:
            self.viewer.layers.remove(layer)

    def _on_removed(self, event) -> None:
        """The user deleted the probe's layer: the probe is off that image."""
        if event.value is self.layer and self.layer is not None:
            self._remove_layer()

    def _on_mode(self, event=None) -> None:
        # napari's modes set ``mouse_pan`` (on in pan_zoom): the probe keeps it off
        if self.layer is not None:
            self.layer.mouse_pan = False

    def _hold_to_pan(self, layer):
        """Key binding of the layer: while Space is held, a drag pans (as in napari)."""
        self._panning = True
        layer.mouse_pan = True
        try:
            yield
        finally:
            self._panning = False
            layer.mouse_pan = False

    def _on_drag(self, layer, event):
        """Mouse drag callback of the layer (left button).

        Pressed on the probe (its patch, or its mark when that is larger): the
        probe follows the drag. Pressed elsewhere: a drag pans the view (as
        napari does), a click without moving puts the probe there. With Space
        held, every drag pans.
        """
        if event.button != 1 or self.source is None or self._panning:
            return
        pixel = probe_pixel_at(self.source, event.position)
        if not self._grabbed(pixel):
            yield from self._pan_or_jump(layer, event, pixel)
            return
        self.move_to(*pixel)
        yield
        while event.type == "mouse_move":
            if self.source is not None:
                self.move_to(*probe_pixel_at(self.source, event.position))
            yield

    def _grabbed(self, pixel) -> bool:
        """Whether a press on `pixel` takes hold of the probe: inside its patch (or the
        mark's arms, when longer)."""
        params = self._params()
        half = np.asarray(probe_patch(params) if params is not None else (0, 0), float)
        half = np.maximum(half + 0.5, self._arm)
        return bool(np.all(np.abs(np.subtract(pixel, self.pixel)) <= half))

    def _pan_or_jump(self, layer, event, pixel):
        """A press away from the probe: panning on while the button is held; a click
        (moved less than `CLICK_PX` screen pixels) moves the probe to `pixel`."""
        start = np.asarray(event.pos, dtype=float)
        layer.mouse_pan = True  # the camera pans the moves that follow
        moved = False
        try:
            yield
            while event.type == "mouse_move":
                moved = moved or np.abs(np.asarray(event.pos) - start).max() > CLICK_PX
                yield
        finally:
            layer.mouse_pan = False
        if not moved:
            self.move_to(*pixel)

    # -- redrawing
    def _on_follow(self) -> None:
        # moving the layer costs napari 30-60 ms of GUI thread (its extent, the
        # segments' refresh): once per FOLLOW_MS at most, not once per mouse move
        if self.source is not None and not self._closed:
            self._redraw()

    def _on_step(self, *_: Any) -> None:
        if self.source is not None and self.source.ndim == 3:
            self._redraw(outline=False)  # another frame under the probe

    def _params(self):
        try:
            return self.get_params()
        except ParamsError:
            return None

    def _segments(self, params):
        """The layer's segments around (0, 0), their ``features["shape"]``, colours, key.

        The outlines of `params` (none when they are None: invalid), then the
        mark; the key tells whether the segments changed.
        """
        mark = probe_marker(self._arm)
        outline, shape = (np.zeros((0, 2, 2)), np.zeros(0, np.int64)) if params is None \
            else probe_outline(0, 0, params)
        n = int(shape.max()) + 1 if len(shape) else 0  # outlines: the last ones are cyan
        table = np.array([*SHAPE_COLOURS[len(SHAPE_COLOURS) - n:], MARK_COLOUR])
        shape = np.concatenate([shape, np.full(len(mark), MARK)])
        key = (tuple(outline.ravel()), self._arm)
        return np.concatenate([outline, mark]), shape, table[shape], key

    def _place(self, layer) -> None:
        """The layer's translate: pixel (0, 0) of its segments on the probe's pixel."""
        scale = np.asarray(self.source.scale[-2:], dtype=float)
        layer.translate = tuple(np.asarray(self.source.translate[-2:], dtype=float)
                                + scale * np.asarray(self.pixel))
        layer.metadata = {METADATA_KEY: {**layer.metadata[METADATA_KEY],
                                         "pixel": list(self.pixel)}}

    def _redraw(self, outline: bool = True) -> None:
        params = self._params()
        if outline:
            self._draw(params)
        if params is not None:
            frame = probe_frame(self.source, self.viewer.dims.point)
            self._request((self.source, frame, params, *self.pixel))

    def _draw(self, params) -> None:
        """Move the layer to the probe's pixel; new sizes or another descriptor change
        its segments too (invalid parameters leave them as they are)."""
        if params is not None:  # (invalid ones, while a field is edited: kept as drawn)
            vectors, shape, colours, key = self._segments(params)
            if key != self._drawn:
                self._drawn = key
                self.layer.data = vectors
                self.layer.features = {"shape": shape}
                self.layer.edge_color = colours
        self._place(self.layer)

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
        """True for the probe's layer (its metadata says so)."""
        return layer.metadata.get(METADATA_KEY, {}).get("role") == PROBE_ROLE
