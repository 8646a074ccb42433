"""The probe, without Qt: what a descriptor reads at one pixel, and its local correlation map.

The probe is a mark the user drags over the image (`probe_marker`). Around it
the widget draws what the chosen descriptor reads there (`probe_outline`) and shows
that pixel's local correlation map (paper Fig. 3, `probe_map`), computed
from the patch `probe_patch` gives: the translations' own patch, the
circular patch's radius for rotations and reflections, half the window for
the power spectrum.
"""

from __future__ import annotations

import numpy as np

from ..core.descriptors.translation import correlation_map
from ..core.params import Params
from . import METADATA_KEY

#: ``metadata[METADATA_KEY]["role"]`` of the probe's layer.
PROBE_ROLE = "probe"

#: Line segments of the polygon that draws a circular patch (`probe_outline`).
CIRCLE_SEGMENTS = 48

#: The probe layer's ``features["shape"]`` of the mark's segments (`probe_marker`; the
#: outlines are 0, 1, ...).
MARK = -1


def probe_patch(params: Params) -> tuple[int, int]:
    """Patch half sizes of the probe's local correlation map.

    Parameters
    ----------
    params : Params
        The descriptor and its sizes.

    Returns
    -------
    (int, int)
        The descriptor's own patch for translations, the circular patch's
        radius for rotations/reflections, half the FFT window for the power
        spectrum.
    """
    if params.is_translation or params.descriptor_name == "polarity":
        return params.patch_x, params.patch_y
    if params.descriptor_name == "power_spectrum":
        return max(1, params.window_x // 2), max(1, params.window_y // 2)
    return params.radius, params.radius


def probe_shapes(row: int, col: int, params: Params) -> tuple[list[np.ndarray], list[str]]:
    """Shapes (data coordinates) showing what the descriptor reads at a pixel.

    Translations: the patch and everything the translated patches cover
    (patch + shift window), as rectangles on pixel edges. Rotations and
    reflections: the circular patch and everything the max-pooling reads
    (pooling window + radius). Power spectrum: the FFT window.

    Parameters
    ----------
    row, col : int
        The pixel (data coordinates of the image's last two axes).
    params : Params
        The descriptor and its sizes.

    Returns
    -------
    shapes : list of ndarray
        Corner points of each shape, (row, col).
    kinds : list of str
        napari shape types (``"rectangle"``, ``"ellipse"``), one per shape.
    """

    def box(hx, hy):
        return np.array([[row - hx - 0.5, col - hy - 0.5], [row + hx + 0.5, col + hy + 0.5]])

    if params.is_translation or params.descriptor_name in ("power_spectrum", "polarity"):
        hx, hy = (0, 0) if params.descriptor_name == "power_spectrum" else (
            params.patch_x, params.patch_y)
        shapes = [box(hx + params.window_x, hy + params.window_y)]
        return ([box(hx, hy), *shapes], ["rectangle", "rectangle"]) if hx else (
            shapes, ["rectangle"])
    r = params.radius
    circle = np.array([[row - r, col - r], [row - r, col + r], [row + r, col + r],
                       [row + r, col - r]], dtype=float)
    return [circle, box(r + params.window_x, r + params.window_y)], ["ellipse", "rectangle"]


def probe_outline(row: int, col: int, params: Params) -> tuple[np.ndarray, np.ndarray]:
    """`probe_shapes` as line segments, the data of a napari Vectors layer.

    A rectangle is its 4 edges, an ellipse a polygon of `CIRCLE_SEGMENTS`
    edges inscribed in its box. A Vectors layer is what napari adds fastest:
    ~60-80 ms of GUI thread for the probe's window where a Shapes layer took
    ~360-770 ms (Xvfb, 2048² image; docs/benchmarks.md).

    Parameters
    ----------
    row, col : int
        The pixel (data coordinates of the image's last two axes).
    params : Params
        The descriptor and its sizes.

    Returns
    -------
    vectors : ndarray, float64, (n, 2, 2)
        Each segment's start point and its displacement, (row, col).
    shape : ndarray, int64, (n,)
        The `probe_shapes` index each segment draws.
    """
    shapes, kinds = probe_shapes(row, col, params)
    vectors, owner = [], []
    for index, (corners, kind) in enumerate(zip(shapes, kinds, strict=True)):
        low, high = corners.min(axis=0), corners.max(axis=0)
        if kind == "rectangle":
            points = np.array([low, [low[0], high[1]], high, [high[0], low[1]]])
        else:
            angle = 2 * np.pi * np.arange(CIRCLE_SEGMENTS) / CIRCLE_SEGMENTS
            points = (low + high) / 2 + (high - low) / 2 * np.stack(
                [np.cos(angle), np.sin(angle)], axis=1)
        vectors.append(np.stack([points, np.roll(points, -1, axis=0) - points], axis=1))
        owner += [index] * len(points)
    return np.concatenate(vectors), np.array(owner, dtype=np.int64)


def probe_marker(arm: float) -> np.ndarray:
    """The probe's own mark, a cross open at its centre, around pixel (0, 0).

    Four segments (data of a napari Vectors layer, as `probe_outline`'s)
    from ``arm / 3`` to ``arm`` pixels away from the pixel's centre: the
    pixel itself stays visible.

    Parameters
    ----------
    arm : float
        Length of the cross's half arms (data pixels).

    Returns
    -------
    ndarray, float64, (4, 2, 2)
        Each segment's start point and its displacement, (row, col).
    """
    gap, length = arm / 3, arm - arm / 3
    starts = np.array([[-arm, 0.0], [gap, 0.0], [0.0, -arm], [0.0, gap]])
    steps = np.array([[length, 0.0], [length, 0.0], [0.0, length], [0.0, length]])
    return np.stack([starts, steps], axis=1)


def probe_pixel(shape: tuple[int, int], params: Params, row: int, col: int) -> tuple[int, int]:
    """The pixel whose map `probe_map` computes: (row, col) moved inside by the least amount.

    Parameters
    ----------
    shape : (int, int)
        The image's shape.
    params : Params
        The descriptor and its sizes (see `probe_patch`).
    row, col : int
        The probe's pixel (may lie anywhere, even outside the image).

    Raises
    ------
    ValueError
        When the image is smaller than one patch plus the window.
    """
    (px, py), wx, wy = probe_patch(params), params.window_x, params.window_y
    h, w = shape
    if h < 2 * (px + wx) + 1 or w < 2 * (py + wy) + 1:
        raise ValueError(f"image {h} x {w} px is smaller than the probe's patch and window "
                         f"({2 * (px + wx) + 1} x {2 * (py + wy) + 1} px)")
    return (int(np.clip(row, px + wx, h - 1 - px - wx)),
            int(np.clip(col, py + wy, w - 1 - py - wy)))


def probe_map(image, params: Params, row: int, col: int) -> np.ndarray:
    """The local correlation map of one pixel (paper Fig. 3) for the chosen descriptor.

    Only the pixels the map reads are taken from `image` (and converted to
    float), so this costs the same for a 4096² image, a memory map or a dask
    frame as for a small one.

    Parameters
    ----------
    image : array_like, 2-D
        The image (any array that slices: numpy, memory map, dask).
    params : Params
        The descriptor and its sizes (`probe_patch`, ``window_x``, ``window_y``).
    row, col : int
        The pixel; moved inside the image as `probe_pixel` says.

    Returns
    -------
    ndarray, float32, (2 window_x + 1, 2 window_y + 1)
        Equal to `correlation_map` of the whole image at `probe_pixel`.

    Raises
    ------
    ValueError
        When the image is smaller than one patch plus the window.
    """
    (px, py), wx, wy = probe_patch(params), params.window_x, params.window_y
    row, col = probe_pixel(np.shape(image), params, row, col)
    rx, ry = px + wx, py + wy
    crop = np.asarray(image[row - rx: row + rx + 1, col - ry: col + ry + 1], dtype=np.float64)
    return correlation_map(crop, px, py, wx, wy, rx, ry)


def probe_centre(source) -> tuple[float, float]:
    """The centre of the image's last two axes, in data coordinates (row, col).

    Parameters
    ----------
    source : napari.layers.Image
        The probed image (2-D or a (T, Y, X) series).
    """
    h, w = np.shape(source.data)[-2:]
    return (h - 1) / 2, (w - 1) / 2


def probe_pixel_at(source, position) -> tuple[int, int]:
    """The pixel of the image's last two axes under a world position (a mouse event's).

    Parameters
    ----------
    source : napari.layers.Image
        The probed image (2-D or a (T, Y, X) series).
    position : sequence of float
        World coordinates (``event.position`` of a mouse callback).

    Returns
    -------
    (int, int)
        (row, col) data coordinates, rounded; the pixel may lie outside the image.
    """
    row, col = np.asarray(source.world_to_data(position), dtype=float)[-2:]
    return int(np.round(row)), int(np.round(col))


def probe_placement(source) -> dict:
    """Layer keywords that put a 2-D overlay on the last two axes of `source`.

    Parameters
    ----------
    source : napari.layers.Image
        The probed image (2-D or a (T, Y, X) series).

    Returns
    -------
    dict
        ``scale``, ``translate``, ``units``, ``axis_labels`` and ``metadata``
        (``{METADATA_KEY: {"role": "probe", "source": name}}``).
    """
    return {
        "scale": tuple(float(v) for v in source.scale[-2:]),
        "translate": tuple(float(v) for v in source.translate[-2:]),
        "units": tuple(str(u) for u in source.units[-2:]),
        "axis_labels": tuple(source.axis_labels[-2:]),
        "metadata": {METADATA_KEY: {"role": PROBE_ROLE, "source": source.name}},
    }


def probe_frame(source, world_point) -> int | None:
    """The frame of a (T, Y, X) source under the time slider (None for 2-D).

    Parameters
    ----------
    source : napari.layers.Image
        The probed image.
    world_point : sequence of float
        ``viewer.dims.point``.
    """
    if source.ndim != 3:
        return None
    t = source.world_to_data(world_point)[0]
    return int(np.clip(round(t), 0, source.data.shape[0] - 1))
