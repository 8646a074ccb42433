"""The overlay figure: image + pattern colours + boundaries + scale bar + legend, as a PNG.

One image pixel is one PNG pixel (`matplotlib.figure.Figure.figimage`
places the RGB overlay without resampling); matplotlib (already a
dependency, no pyplot state, safe in a worker thread) draws the scale bar
label and the legend on top with its own fonts and layout. The scale bar is
drawn as a filled rectangle on whole pixels, so its length is exact to the
pixel; its length is the largest 1-2-5 number not above a fifth of the
image width, in the calibration's unit (pixels when uncalibrated).
matplotlib-scalebar would add a dependency for one rectangle and a label,
and it rounds lengths to its own unit prefixes (Å instead of the file's nm),
so we keep to matplotlib.

Pattern colours are `pattern_colours` (`napari_symseg.io.colours`), the
colours of the widget's pattern layer too, so a figure written by the CLI or
the widget shows each pattern in the colour it has in napari.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np

from .colours import (  # noqa: F401  (the colour table is part of this module's API)
    OKABE_ITO,
    label_colour_dict,
    pattern_colours,
)

#: Patterns named in the legend at most (a legend of more would hide the image).
MAX_LEGEND = 12
#: Colour of the scale bar and its label (on a dark translucent box).
BAR_COLOUR = (255, 255, 255)
_DPI = 100.0


def _grey(image: np.ndarray) -> np.ndarray:
    """`image` stretched to 0..255 between its 1st and 99th percentiles (float64)."""
    img = np.asarray(image, dtype=np.float64)
    finite = img[np.isfinite(img)]
    lo, hi = np.percentile(finite, (1, 99)) if finite.size else (0.0, 1.0)
    grey = np.clip((img - lo) / (hi - lo if hi > lo else 1.0), 0, 1) * 255
    return np.nan_to_num(grey)


def pattern_boundaries(labels: np.ndarray) -> np.ndarray:
    """Pixels (bool) whose right or lower neighbour has another label.

    Parameters
    ----------
    labels : ndarray of int, (Y, X)
        Pattern of every pixel.
    """
    lab = np.asarray(labels)
    edge = np.zeros(lab.shape, bool)
    edge[:-1] |= lab[:-1] != lab[1:]
    edge[:, :-1] |= lab[:, :-1] != lab[:, 1:]
    return edge


def overlay_rgb(
    image: np.ndarray, labels: np.ndarray, alpha: float = 0.35, colours: np.ndarray | None = None
) -> np.ndarray:
    """Grey image (1-99 percentile stretch) blended with coloured labels, uint8 RGB.

    Parameters
    ----------
    image : ndarray, (Y, X)
        The segmented image.
    labels : ndarray of int, (Y, X)
        Pattern of every pixel; values without a colour stay grey.
    alpha : float
        Weight of the pattern colour.
    colours : ndarray, (n, 3), optional
        RGB (0..255) of patterns ``0 .. n - 1``; `pattern_colours` by default.

    Returns
    -------
    ndarray of uint8, (Y, X, 3)
        With the pattern boundaries in white.
    """
    lab = np.asarray(labels)
    if np.shape(image) != lab.shape:
        raise ValueError(f"image {np.shape(image)} and labels {lab.shape} differ in shape")
    if colours is None:
        colours = pattern_colours(int(lab.max(initial=0)) + 1)
    colours = np.asarray(colours, dtype=np.float64).reshape(-1, 3)
    grey = _grey(image)[..., None]
    coloured = (lab >= 0) & (lab < len(colours))
    rgb = np.repeat(grey, 3, axis=-1)
    rgb[coloured] = (1 - alpha) * rgb[coloured] + alpha * colours[lab[coloured]]
    rgb[pattern_boundaries(lab)] = 255  # visible on any image
    return rgb.round().astype(np.uint8)


def nice_length(target: float) -> float:
    """The largest number of the 1-2-5 series (…, 0.5, 1, 2, 5, 10, …) not above `target`.

    Parameters
    ----------
    target : float
        A positive length.

    Examples
    --------
    >>> nice_length(204.8), nice_length(1.3), nice_length(0.07)
    (200.0, 1.0, 0.05)
    """
    if not target > 0:
        raise ValueError(f"target must be positive; got {target}")
    power = 10.0 ** np.floor(np.log10(target))
    mantissa = max(m for m in (1, 2, 5, 10) if m * power <= target * (1 + 1e-9))
    return float(f"{mantissa * power:.12g}")


def scale_bar(width: int, calibration=None, fraction: float = 0.2) -> tuple[int, str]:
    """Length in pixels and label of the scale bar of an image `width` pixels wide.

    Parameters
    ----------
    width : int
        Image width in pixels.
    calibration : Calibration, optional
        Of the image; its last axis (x) gives the pixel size and unit.
    fraction : float
        The bar is the longest 1-2-5 length up to this fraction of the width.

    Returns
    -------
    pixels : int
        Bar length in (whole) pixels.
    label : str
        E.g. ``"2 nm"``, or ``"200 px"`` when uncalibrated.
    """
    from .calibration import unit_symbol

    size, unit = 1.0, "pixel"
    if calibration is not None and str(calibration.units[-1]) != "pixel":
        size, unit = float(calibration.scale[-1]), str(calibration.units[-1])
    length = nice_length(max(fraction * width, 1.0) * size)
    symbol = "px" if unit == "pixel" else unit_symbol(unit)
    return max(1, round(length / size)), f"{length:g} {symbol}"


def overlay_figure(
    image: np.ndarray,
    labels: np.ndarray,
    calibration=None,
    colours: np.ndarray | None = None,
    n_patterns: int | None = None,
    alpha: float = 0.35,
    legend: bool = True,
    names=(),
    caption: str = "",
) -> np.ndarray:
    """The overlay with boundaries, scale bar and legend, as an RGB image of the image's size.

    Parameters
    ----------
    image : ndarray, (Y, X)
        The segmented image.
    labels : ndarray of int, (Y, X)
        Patterns ``0 .. n_patterns - 1`` (other values stay grey).
    calibration : Calibration, optional
        Of the image (the scale bar's unit); pixels when None.
    colours : ndarray, (n, 3), optional
        RGB (0..255) of every pattern; `pattern_colours` by default.
    n_patterns : int, optional
        Patterns named in the legend (default: the largest label + 1).
    alpha : float
        Weight of the pattern colours.
    legend : bool
        Name the pattern colours (up to `MAX_LEGEND` patterns) in the upper
        right corner.
    names : sequence of str, optional
        Names of patterns 0, 1, ... in the legend (``--pattern-names``); a pattern
        without a name (or an empty one) is called ``pattern k``.
    caption : str, optional
        Written in the lower left corner (a series' frame: `frame_caption`).

    Returns
    -------
    ndarray of uint8, (Y, X, 3)
        One pixel per image pixel; the scale bar in `BAR_COLOUR` in the lower
        right corner.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, Rectangle

    lab = np.asarray(labels)
    n = int(lab.max(initial=0)) + 1 if n_patterns is None else int(n_patterns)
    colours = pattern_colours(n) if colours is None else np.asarray(colours).reshape(-1, 3)
    rgb = overlay_rgb(image, lab, alpha, colours)
    height, width = lab.shape
    fig = Figure(figsize=(width / _DPI, height / _DPI), dpi=_DPI)
    FigureCanvasAgg(fig)
    # pixel for pixel, never resampled; below the axes that hold the scale bar and legend
    fig.figimage(rgb, xo=0, yo=0, origin="upper", zorder=-1)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_axis_off()
    ax.set_xlim(0, width)  # axes units = pixel edges, y down like the image
    ax.set_ylim(height, 0)
    font = float(np.clip(round(min(height, width) / 32), 7, 40))  # pixels
    points = font * 72.0 / _DPI
    bar_px, label = scale_bar(width, calibration)
    thick = max(2, round(font / 4))
    margin, pad = max(2, round(font * 0.8)), max(2, round(font / 3))
    # a translucent box in the lower right corner: the bar (on whole pixels) under its label
    box_w = max(bar_px, 0.62 * font * len(label)) + 2 * pad
    box_h = thick + 1.35 * font + 2 * pad
    right, bottom = width - margin + pad, height - margin + pad
    centre = right - box_w / 2
    x0, y0 = round(centre - bar_px / 2), height - margin - thick
    ax.add_patch(Rectangle((right - box_w, bottom - box_h), box_w, box_h,
                           facecolor="black", alpha=0.55, edgecolor="none"))
    bar = np.array(BAR_COLOUR) / 255
    ax.add_patch(Rectangle((x0, y0), bar_px, thick, facecolor=bar, edgecolor="none",
                           antialiased=False))
    ax.text(centre, y0 - 0.25 * font, label, color=bar, fontsize=points,
            ha="center", va="bottom")
    if caption:
        ax.text(margin, height - margin, caption, color="white", fontsize=points, ha="left",
                va="bottom", bbox={"facecolor": "black", "alpha": 0.55, "edgecolor": "none",
                                "pad": pad * 72.0 / _DPI})
    if legend and 0 < n <= MAX_LEGEND:
        handles = [Patch(facecolor=colours[k] / 255, edgecolor="white", linewidth=0.5,
                         label=legend_name(names, k)) for k in range(n)]
        ax.legend(handles=handles, loc="upper right", fontsize=0.8 * points, frameon=True,
                  facecolor="black", edgecolor="none", framealpha=0.55, labelcolor="white",
                  borderaxespad=margin / font, handlelength=1.0, handleheight=1.0)
    fig.canvas.draw()
    out = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
    if out.shape[:2] != (height, width):  # rounding of the figure size: never resample
        raise RuntimeError(f"figure is {out.shape[:2]}, expected {(height, width)}")
    return out


def frame_caption(t: int, n_frames: int, calibration=None) -> str:
    """The overlay's caption of frame `t` of a series: ``frame t+1 / T``, and its time.

    Frames are counted from 1 here (napari's time slider shows `t`, from 0);
    the time (``origin + t * scale`` of the first axis) is added when the
    series is calibrated in time.

    Parameters
    ----------
    t : int
        The frame (0-based).
    n_frames : int
        Frames in the series.
    calibration : Calibration, optional
        Of the (T, Y, X) series.

    Examples
    --------
    >>> frame_caption(2, 12)
    'frame 3 / 12'
    """
    from .calibration import unit_symbol

    text = f"frame {int(t) + 1} / {int(n_frames)}"
    if calibration is not None and len(calibration.units) == 3 \
            and str(calibration.units[0]) not in ("pixel", ""):
        origin = float(calibration.origin[0]) if len(calibration.origin) == 3 else 0.0
        time = origin + int(t) * float(calibration.scale[0])
        text += f" · t = {time:.4g} {unit_symbol(str(calibration.units[0]))}"
    return text


def legend_name(names, k: int) -> str:
    """The legend's name of pattern `k`: its given name, else ``pattern k``.

    Parameters
    ----------
    names : sequence of str
        Given names of patterns 0, 1, ... (may be shorter, or hold empty names).
    k : int
        Pattern index.
    """
    names = tuple(names or ())
    return str(names[k]) if k < len(names) and str(names[k]).strip() else f"pattern {k}"


#: Largest pixel aspect (rows : columns or the reverse) the overlay is drawn with; a
#: larger one is drawn as it is (pixel for pixel), not as an image tens of times larger.
MAX_ASPECT = 16.0


def square_pixels(image: np.ndarray, labels: np.ndarray, calibration=None):
    """`image` and `labels` on square pixels when `calibration` says the pixels are not.

    A 2:1 pixel (rows twice as tall as columns are wide, e.g. a fast-scan STM
    image) is drawn as two rows: the overlay then shows the sample's shape as
    napari does, with its scale bar in the right length. Rows or columns are
    repeated (nearest neighbour, never averaged), so the PNG only grows.

    Parameters
    ----------
    image, labels : ndarray, (Y, X)
        The image and the pattern of every pixel.
    calibration : Calibration, optional
        Of the image (its last two ``scale`` entries); None: square pixels.

    Returns
    -------
    image, labels, calibration
        Resampled (and a calibration with square pixels), or the inputs.
    """
    if calibration is None or len(calibration.scale) < 2:
        return image, labels, calibration
    rows, cols = (float(s) for s in calibration.scale[-2:])
    if rows <= 0 or cols <= 0 or math.isclose(rows, cols, rel_tol=1e-6):
        return image, labels, calibration
    if max(rows / cols, cols / rows) > MAX_ASPECT:
        return image, labels, calibration
    axis = 0 if rows > cols else 1  # the coarser axis gets more samples
    n = np.shape(labels)[axis]
    new = round(n * max(rows, cols) / min(rows, cols))
    index = np.minimum((np.arange(new) + 0.5) * n / new, n - 1).astype(np.intp)
    fine = min(rows, cols)
    scale = (*calibration.scale[:-2], fine, fine)
    return (np.take(image, index, axis=axis), np.take(labels, index, axis=axis),
            dataclasses.replace(calibration, scale=scale))


def write_overlay(
    path: str | Path,
    image: np.ndarray,
    labels: np.ndarray,
    calibration=None,
    colours: np.ndarray | None = None,
    n_patterns: int | None = None,
    alpha: float = 0.35,
    names=(),
    caption: str = "",
) -> None:
    """Save `overlay_figure` as a PNG (one image pixel = one PNG pixel; non-square
    pixels drawn square, `square_pixels`).

    Parameters
    ----------
    path : str or Path
        The ``.png`` file.
    image : ndarray, (Y, X)
        The segmented image.
    labels : ndarray of int, (Y, X)
        Pattern of every pixel.
    calibration : Calibration, optional
        Of the image: the scale bar's length and unit.
    colours : ndarray, (n, 3), optional
        RGB (0..255) of every pattern; `pattern_colours` by default.
    n_patterns : int, optional
        Patterns named in the legend.
    alpha : float
        Weight of the pattern colours.
    names : sequence of str, optional
        Names of patterns 0, 1, ... in the legend.
    caption : str, optional
        Lower left corner (a series' frame: `frame_caption`).
    """
    from PIL import Image

    from .output import replacing

    image, labels, calibration = square_pixels(image, labels, calibration)
    rgb = overlay_figure(image, labels, calibration, colours, n_patterns, alpha, names=names,
                         caption=caption)
    with replacing(Path(path)) as tmp:
        Image.fromarray(rgb).save(tmp)
