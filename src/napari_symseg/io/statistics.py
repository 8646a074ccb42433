"""Statistics of a segmentation as tables: the statistics CSV and the layer's features.

One writer of the statistics CSV (`write_stats_csv`), used by the command
line and the widget's export: one row per frame and pattern with the area
fraction, the area in the calibrated unit² (when calibrated), the connected
regions and the mean intensity, and a ``time_<unit>`` column for a series
with a calibrated time axis. `features_table` is the same per pattern, for a
napari Labels layer's ``features``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.params import Params
from ..core.stats import FrameStats, PatternStats
from .calibration import Calibration, unit_symbol


def _ascii_symbol(unit: str) -> str:
    return unit_symbol(unit).replace("µ", "u").replace("Å", "angstrom").replace(" ", "")


def pixel_size(calibration: Calibration | None) -> tuple[float, float, str] | None:
    """Pixel size along y and x in one length unit, e.g. ``(0.02, 0.02, "nm")``.

    Parameters
    ----------
    calibration : Calibration or None
        Of the image (the last two axes are y, x).

    Returns
    -------
    (float, float, str) or None
        The unit is x's (y converted to it); None when the image is not
        calibrated in a common length unit.
    """
    if calibration is None or len(calibration.scale) < 2:
        return None
    (sy, sx), (uy, ux) = calibration.scale[-2:], (str(u) for u in calibration.units[-2:])
    if "pixel" in (uy, ux):
        return None
    if uy != ux:
        try:
            import pint

            sy = float(pint.Quantity(sy, uy).to(ux).magnitude)
        except Exception:  # y and x in units that do not convert: no area
            return None
    return float(sy), float(sx), ux


def pixel_area(calibration: Calibration | None) -> tuple[float, str] | None:
    """Area of one image pixel and its unit symbol, e.g. ``(1.6e-4, "nm")``; None when
    `pixel_size` is None (same parameter)."""
    size = pixel_size(calibration)
    return None if size is None else (size[0] * size[1], size[2])


def frame_interval(calibration: Calibration | None, ndim: int) -> tuple[float, str] | None:
    """Time between frames and its unit for a (T, Y, X) calibration (None otherwise).

    Parameters
    ----------
    calibration : Calibration or None
        Of the image or series.
    ndim : int
        Number of axes of the data (3 for a series).
    """
    if ndim != 3 or calibration is None or len(calibration.scale) != 3:
        return None
    unit = str(calibration.units[0])
    return None if unit == "pixel" else (float(calibration.scale[0]), unit)



def full_labels(labels: np.ndarray, image_shape, params: Params) -> np.ndarray:
    """Labels of one frame at the image's size (grid labels are upsampled).

    Parameters
    ----------
    labels : ndarray of int
        At the image's size, or on the descriptor grid of `params`.
    image_shape : tuple of int
        (Y, X) of the image.
    params : Params
        Of the run (its grid).
    """
    labels = np.asarray(labels)
    if labels.shape == tuple(image_shape):
        return labels
    from ..core.chunks import grid_for

    return grid_for(tuple(image_shape), params).upsample(labels)


def pattern_statistics(labels, image, params: Params) -> PatternStats:
    """Per-frame statistics of patterns ``0 .. n_patterns - 1`` (other values ignored).

    Parameters
    ----------
    labels : array of int, (Y, X) or (T, Y, X)
        Patterns of every pixel (or of every descriptor-grid point).
    image : array, (Y, X) or (T, Y, X)
        The segmented image or series.
    params : Params
        Of the run (number of patterns; the grid of labels not upsampled).

    Returns
    -------
    PatternStats
        One row per frame (one row for an image).
    """
    labels = np.asarray(labels)
    series = labels.ndim == 3
    n_frames = labels.shape[0] if series else 1
    stats = PatternStats.empty(n_frames, params.n_patterns)
    for t in range(n_frames):
        stats.set(t, frame_pattern_statistics(labels[t] if series else labels,
                                              image[t] if series else image, params))
    return stats


def frame_pattern_statistics(labels, image, params: Params):
    """One frame's row of `pattern_statistics` (area fraction, regions, mean intensity).

    Parameters
    ----------
    labels : array of int, (Y, X)
        Patterns of every pixel (or of every descriptor-grid point).
    image : array, (Y, X)
        The frame.
    params : Params
        Of the run.

    Returns
    -------
    FrameStats
    """
    lab = np.asarray(labels)
    frame = np.asarray(image, dtype=np.float64)
    full = full_labels(lab, frame.shape, params)
    grid = lab if lab.shape != frame.shape else None
    return FrameStats.of(full, frame, params.n_patterns, grid)


def _csv_columns(calibration: Calibration | None, image_shape) -> dict:
    """`PatternStats.rows` arguments of the calibrated time and area columns."""
    shape = tuple(image_shape) if image_shape is not None else ()
    area = pixel_area(calibration) if len(shape) >= 2 else None
    interval = frame_interval(calibration, len(shape))
    out = {}
    if interval is not None:
        out.update(time_step=interval[0], time_column=f"time_{_ascii_symbol(interval[1])}")
    if area is not None:
        out.update(image_area=area[0] * shape[-2] * shape[-1],
                   area_column=f"area_{_ascii_symbol(area[1])}2")
    return out


def stats_rows(stats: PatternStats, calibration: Calibration | None = None,
               image_shape=None) -> list[dict]:
    """Rows of the statistics CSV, with the calibrated columns.

    Parameters
    ----------
    stats : PatternStats
        Per frame and pattern.
    calibration : Calibration, optional
        Of the image or series.
    image_shape : tuple of int, optional
        (Y, X) or (T, Y, X) of the image (for the areas and the time axis).

    Returns
    -------
    list of dict
        Keys ``frame``, ``time_<unit>`` (series with a calibrated time axis),
        ``pattern``, ``area_fraction``, ``area_<unit>2`` (calibrated images:
        the fraction times the image's area), ``regions``, ``mean_intensity``.
    """
    return stats.rows(**_csv_columns(calibration, image_shape))


def write_stats_csv(path: str | Path, stats: PatternStats, calibration=None,
                    image_shape=None) -> None:
    """Write the statistics CSV (`PatternStats.to_csv` with the calibrated columns).

    Parameters
    ----------
    path : str or Path
        The ``.csv`` file.
    stats : PatternStats
        Per frame and pattern.
    calibration : Calibration, optional
        Of the image or series (adds the area and time columns).
    image_shape : tuple of int, optional
        (Y, X) or (T, Y, X) of the image.
    """
    stats.to_csv(path, **_csv_columns(calibration, image_shape))


def features_table(stats: PatternStats, calibration: Calibration | None = None,
                   image_shape=None, offset: int = 1) -> dict[str, np.ndarray]:
    """The ``features`` of a napari Labels layer showing pattern ``k`` as ``k + offset``.

    Parameters
    ----------
    stats : PatternStats
        Of an image (one row) or a series (the mean over its labelled frames).
    calibration : Calibration, optional
        Of the image (adds the area in the calibrated unit²).
    image_shape : tuple of int, optional
        (Y, X) or (T, Y, X) of the image.
    offset : int
        Label value of pattern 0 in the layer.

    Returns
    -------
    dict of str to ndarray
        One row per pattern: ``index`` (the layer's label value, napari's key
        for features), ``pattern``, ``area_fraction``, ``area_<unit>2``
        (calibrated only), ``regions`` (a series: ``regions_per_frame``, their
        mean over the frames), ``mean_intensity``.
    """
    import warnings

    done = stats.done
    n = stats.n_patterns
    table = {"index": np.arange(n) + offset, "pattern": np.arange(n)}
    with warnings.catch_warnings():  # a pattern absent from every frame: NaN, no warning
        warnings.simplefilter("ignore", RuntimeWarning)
        table["area_fraction"] = np.nanmean(stats.area_fraction[done], axis=0)
        area = pixel_area(calibration)
        if area is not None and image_shape is not None:
            image_area = area[0] * image_shape[-2] * image_shape[-1]
            table[f"area_{_ascii_symbol(area[1])}2"] = table["area_fraction"] * image_area
        if len(done) == 1:  # an image: whole numbers
            table["regions"] = stats.regions[0]
        else:  # a series: the mean, named so that napari's hover does not show "regions: 2.59"
            table["regions_per_frame"] = stats.regions[done].mean(axis=0)
        table["mean_intensity"] = np.nanmean(stats.mean_intensity[done], axis=0)
    return table

