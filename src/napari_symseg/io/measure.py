"""Writing measurements: regions and boundaries CSV, boundaries GeoJSON, orientation map TIFF.

The tables of ``napari_symseg.core.measure`` are in pixels; here the
calibrated columns are added where the image is calibrated (`calibrated`):

- regions: ``area_<u>2``, ``centroid_y_<u>``, ``centroid_x_<u>``, ``a_<u>``,
  ``b_<u>`` (vector lengths with each axis' own pixel size);
- boundaries: ``length_<u>``, ``displacement_<u>`` and the velocity
  ``velocity_<u>_per_s`` (or ``_per_frame`` when time is not calibrated);
- series with a calibrated time axis: ``time_s`` (or ``time_<unit>``).

GeoJSON: one ``MultiLineString`` feature per boundary, coordinates
``[x, y]`` = ``[column, row]`` in image pixels (y points down, as in the
image), the table's row as properties. Every file is written whole or not
at all (`napari_symseg.io.output`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ..core.boundaries import polyline_length
from ..core.table import Table
from .calibration import Calibration
from .statistics import _ascii_symbol, frame_interval


def _convert(value: float, unit: str, target: str) -> float | None:
    try:
        import pint

        return float(pint.Quantity(value, unit).to(target).magnitude)
    except Exception:  # units pint does not know or that do not convert
        return None


def pixel_size(calibration: Calibration | None) -> tuple[float, float, str] | None:
    """Pixel size along y and x in one length unit, e.g. ``(0.02, 0.02, "nm")``.

    Parameters
    ----------
    calibration : Calibration or None
        Of the image or series (the last two axes are y, x).

    Returns
    -------
    (float, float, str) or None
        None when the image is not calibrated in a length unit.
    """
    if calibration is None or len(calibration.scale) < 2:
        return None
    (sy, sx), (uy, ux) = calibration.scale[-2:], (str(u) for u in calibration.units[-2:])
    if "pixel" in (uy, ux):
        return None
    if uy != ux:
        sy = _convert(sy, uy, ux)
        if sy is None:
            return None
    return float(sy), float(sx), _ascii_symbol(ux)


def _time_step(calibration: Calibration | None, ndim: int) -> tuple[float, str] | None:
    """Seconds per frame (``"s"``), else the frame interval in its own unit; None if none."""
    interval = frame_interval(calibration, ndim)
    if interval is None:
        return None
    seconds = _convert(interval[0], interval[1], "s")
    return (seconds, "s") if seconds else (interval[0], _ascii_symbol(interval[1]))


def calibrated(table: Table, calibration: Calibration | None, ndim: int = 2,
               lines: list | None = None) -> Table:
    """`table` with the calibrated columns added after their pixel columns.

    Parameters
    ----------
    table : Table
        A regions or boundaries table (``Measurement.regions`` / ``.boundaries``).
    calibration : Calibration or None
        Of the image (Y, X) or series (T, Y, X).
    ndim : int
        2 for an image, 3 for a series.
    lines : list of list of ndarray, optional
        The boundaries' polylines (for their calibrated lengths).

    Returns
    -------
    Table
    """
    size = pixel_size(calibration)
    step = _time_step(calibration, ndim)
    out: dict[str, np.ndarray] = {}
    for name, values in table.columns.items():
        out[name] = values
        if name == "frame" and step is not None:
            out[f"time_{step[1]}"] = np.asarray(values, np.float64) * step[0]
        if size is None:
            continue
        sy, sx, unit = size
        if name == "area_px":
            out[f"area_{unit}2"] = np.asarray(values, np.float64) * sy * sx
        elif name in ("centroid_y_px", "centroid_x_px"):
            out[name.replace("_px", f"_{unit}")] = np.asarray(values, np.float64) * \
                (sy if "_y_" in name else sx)
        elif name in ("a_px", "b_px"):
            v = name[0]
            out[f"{v}_{unit}"] = np.hypot(table[f"{v}_y_px"] * sy, table[f"{v}_x_px"] * sx)
        elif name == "length_px":
            out[f"length_{unit}"] = np.array(
                [polyline_length(ls, (sy, sx)) for ls in lines] if lines is not None
                else np.asarray(values, np.float64) * math.sqrt(sy * sx))
        elif name == "displacement_px":  # along the boundary normal: the mean pixel size
            out[f"displacement_{unit}"] = np.asarray(values, np.float64) * math.sqrt(sy * sx)
    for name in ("velocity_px_per_frame", "mean_velocity_px_per_frame"):
        if name in table and size is not None:
            per = f"per_{step[1]}" if step is not None else "per_frame"
            factor = math.sqrt(size[0] * size[1]) / (step[0] if step is not None else 1.0)
            out[name.replace("px_per_frame", f"{size[2]}_{per}")] = table[name] * factor
    return Table(out)


def write_table_csv(path: str | Path, table: Table) -> None:
    """Write a measurement table as CSV (whole or not at all).

    Parameters
    ----------
    path : str or Path
        The ``.csv`` file.
    table : Table
        With its calibrated columns (`calibrated`).
    """
    from .output import write_text

    write_text(path, table.to_csv())


def boundaries_geojson(table: Table, lines: list) -> dict:
    """The boundaries as a GeoJSON FeatureCollection (see the module docstring).

    Parameters
    ----------
    table : Table
        A boundaries table.
    lines : list of list of ndarray
        The polylines (row, col) of every row of `table`.
    """
    features = []
    for row, polylines in zip(table.rows(), lines, strict=True):
        coords = [[[round(float(c), 3), round(float(r), 3)] for r, c in line]
                  for line in polylines]
        props = {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                 for k, v in row.items()}
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": "MultiLineString", "coordinates": coords}})
    return {"type": "FeatureCollection", "features": features}


def write_boundaries_geojson(path: str | Path, table: Table, lines: list) -> None:
    """Write `boundaries_geojson` (whole or not at all).

    Parameters
    ----------
    path : str or Path
        The ``.geojson`` / ``.json`` file.
    table : Table
        A boundaries table.
    lines : list of list of ndarray
        Polylines of every row.
    """
    from .output import write_text

    write_text(path, json.dumps(boundaries_geojson(table, lines)))


def write_orientation_map(path: str | Path, orientation: np.ndarray,
                          calibration: Calibration | None, grid, info: str | None = None
                          ) -> None:
    """Write the local orientation map (degrees, float32) on the descriptor grid as a TIFF.

    Parameters
    ----------
    path : str or Path
        The ``.tif`` file.
    orientation : ndarray, (n_rows, n_cols) or (T, n_rows, n_cols)
        Degrees (NaN where unknown).
    calibration : Calibration or None
        Of the image or series; the map gets the grid's pixel size and origin.
    grid : Grid
        The descriptor grid.
    info : str, optional
        JSON record for the TIFF's Info.
    """
    from .tiff import write_tiff

    cal = calibration if calibration is not None else Calibration.pixels(orientation.ndim)
    write_tiff(path, np.asarray(orientation, np.float32), cal.on_grid(grid), info)
