"""Writing measurements: regions and boundaries CSV, boundaries GeoJSON, map TIFFs.

The tables of ``napari_symseg.core.measure`` are in pixels; here the
calibrated columns are added where the image is calibrated (`calibrated`):

- regions: ``area_<u>2``, ``centroid_y_<u>``, ``centroid_x_<u>``, ``a_<u>``,
  ``b_<u>`` (vector lengths with each axis' own pixel size), ``a_ideal_<u>`` (the ideal
  cell of the calibrated vectors);
- boundaries: ``length_<u>``, ``displacement_<u>`` and the velocity
  ``velocity_<u>_per_s`` (or ``_per_frame`` when time is not calibrated);
- series with a calibrated time axis: ``time_s`` (or ``time_<unit>``).

GeoJSON: one ``MultiLineString`` feature per boundary, coordinates
``[x, y]`` = ``[column, row]`` in image pixels (y points down, as in the
image), the table's row as properties. The local orientation and spacing maps
are float32 TIFFs on the descriptor grid (its pixel size and origin); their
JSON record (ImageJ Info) says what they hold (``map``) and in which unit
(``value_unit``: ``degree``; the spacing in the image's length unit, or
``px``). Every file is written whole or not at all (`napari_symseg.io.output`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ..core.boundaries import polyline_length
from ..core.lattice import reduce_basis
from ..core.lattice_metric import ideal_cell
from ..core.table import Table
from .calibration import Calibration
from .statistics import _ascii_symbol, frame_interval
from .statistics import pixel_size as _pixel_size


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
        The unit as an ASCII symbol (``um``); None when the image is not
        calibrated in a length unit.
    """
    size = _pixel_size(calibration)
    return None if size is None else (size[0], size[1], _ascii_symbol(size[2]))


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
        elif name == "a_ideal_px":
            out[f"a_ideal_{unit}"] = _ideal_calibrated(table, sy, sx)
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


def _ideal_calibrated(table: Table, sy: float, sx: float) -> np.ndarray:
    """`a_ideal_px` in the length unit: the ideal cell of the calibrated vectors (pixels that
    are not square change the cell's shape, not only its scale)."""
    if sy == sx:
        return np.asarray(table["a_ideal_px"], np.float64) * sy
    out = np.full(len(table), np.nan)
    for i in range(len(table)):
        a = np.array([table["a_y_px"][i] * sy, table["a_x_px"][i] * sx])
        b = np.array([table["b_y_px"][i] * sy, table["b_x_px"][i] * sx])
        if np.isfinite(a).all() and np.isfinite(b).all():
            a, b = reduce_basis(a, b)
            ideal = ideal_cell(a, b)
            out[i] = np.nan if ideal is None else math.hypot(*ideal[0])
    return out


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


def spacing_in_units(spacing: np.ndarray, calibration: Calibration | None
                     ) -> tuple[np.ndarray, str]:
    """The local spacing map in the image's length unit, and that unit.

    Parameters
    ----------
    spacing : ndarray
        Shortest lattice spacing in pixels (``Measurement.spacing_map``).
    calibration : Calibration or None
        Of the image or series.

    Returns
    -------
    values : ndarray of float32
        ``spacing`` times the pixel size (the geometric mean of y's and x's
        when they differ: the map holds lengths, not vectors), or unchanged.
    unit : str
        The length unit (ASCII symbol, e.g. ``nm``), or ``px`` when the image
        is not calibrated.
    """
    size = pixel_size(calibration)
    values = np.asarray(spacing, np.float64)
    if size is None:
        return values.astype(np.float32), "px"
    return (values * math.sqrt(size[0] * size[1])).astype(np.float32), size[2]


def write_grid_map(path: str | Path, values: np.ndarray, calibration: Calibration | None,
                   grid, what: str, value_unit: str, info: str | None = None) -> None:
    """Write a map on the descriptor grid as a float32 TIFF, placed on the grid.

    Parameters
    ----------
    path : str or Path
        The ``.tif`` file.
    values : ndarray, (n_rows, n_cols) or (T, n_rows, n_cols)
        The map (NaN where unknown).
    calibration : Calibration or None
        Of the image or series; the map gets the grid's pixel size and origin.
    grid : Grid
        The descriptor grid.
    what, value_unit : str
        What the values are and their unit: added to the JSON record as
        ``map`` and ``value_unit``.
    info : str, optional
        JSON record (an object) for the TIFF's Info.
    """
    from .tiff import write_tiff

    record = json.loads(info) if info else {}
    record = {**record, "map": what, "value_unit": value_unit}
    cal = calibration if calibration is not None else Calibration.pixels(values.ndim)
    write_tiff(path, np.asarray(values, np.float32), cal.on_grid(grid), json.dumps(record))


def write_orientation_map(path: str | Path, orientation: np.ndarray,
                          calibration: Calibration | None, grid, info: str | None = None
                          ) -> None:
    """Write the local orientation map (degrees, NaN where unknown) on the descriptor grid
    as a float32 TIFF: `write_grid_map` with ``value_unit`` ``degree`` (same parameters,
    `orientation` its `values`)."""
    write_grid_map(path, orientation, calibration, grid, "local lattice orientation",
                   "degree", info)


def write_spacing_map(path: str | Path, spacing: np.ndarray, calibration: Calibration | None,
                      grid, info: str | None = None) -> None:
    """Write the local lattice spacing map on the descriptor grid as a float32 TIFF:
    `write_grid_map` (same parameters, `spacing` its `values`: the shortest lattice
    spacing in pixels, NaN where unknown), converted to the image's length unit when it
    is calibrated (`spacing_in_units`); the unit is the JSON record's ``value_unit``."""
    values, unit = spacing_in_units(spacing, calibration)
    write_grid_map(path, values, calibration, grid, "local lattice spacing", unit, info)
