"""``segment --regions / --boundaries / --boundaries-geojson / --orientation-map /
--spacing-map``.

The measurement outputs of ``napari-symseg segment`` (issue 14): their
flags, their targets (checked with the other outputs before any work) and
their writing into the run's `Outputs` (renamed together with the labels).
"""

from __future__ import annotations

import argparse
import json
from types import SimpleNamespace

#: option -> (flag, accepted suffixes, help)
MEASURE_OUTPUTS = {
    "regions": ("--regions", (".csv",),
                "also write one row per connected region: pattern, area, centroid, lattice "
                "(a, b, gamma), orientation, plane-group guess (series: persistent ids)"),
    "boundaries": ("--boundaries", (".csv",),
                   "also write one row per boundary between regions: length, "
                   "misorientation (series: displacement and velocity)"),
    "boundaries_geojson": ("--boundaries-geojson", (".geojson", ".json"),
                           "also write the boundaries as GeoJSON polylines (x, y in pixels)"),
    "orientation_map": ("--orientation-map", (".tif", ".tiff"),
                        "also write the local lattice orientation (degrees) on the descriptor "
                        "grid as a float32 TIFF"),
    "spacing_map": ("--spacing-map", (".tif", ".tiff"),
                    "also write the local lattice spacing (shortest lattice vector, in the "
                    "image's length unit, else px) on the descriptor grid as a float32 TIFF"),
}

#: the map outputs: asking for one computes the local maps
MAP_OUTPUTS = ("orientation_map", "spacing_map")


def add_measure_args(parser: argparse.ArgumentParser) -> None:
    """The measurement flags of ``segment``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The ``segment`` sub-parser.
    """
    group = parser.add_argument_group("measurement (regions, boundaries, lattices)")
    for dest, (flag, suffixes, help_) in MEASURE_OUTPUTS.items():
        group.add_argument(flag, dest=dest, metavar="FILE" + suffixes[0], help=help_)


def measure_targets(args: argparse.Namespace) -> dict:
    """``{option: (path, suffixes)}`` of the measurement outputs asked for.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``segment`` arguments.
    """
    return {dest: (getattr(args, dest, None), suffixes)
            for dest, (_, suffixes, _) in MEASURE_OUTPUTS.items()}


def wanted(targets: dict) -> bool:
    """Whether any measurement output is asked for.

    Parameters
    ----------
    targets : dict
        All outputs of the run, by option.
    """
    return any(key in targets for key in MEASURE_OUTPUTS)


def write_image_measurement(result, targets: dict, outputs, calibration, meta: dict) -> None:
    """Measure a segmented image and write the measurement outputs asked for.

    Parameters
    ----------
    result : Result
        Of the run (holds the image).
    targets : dict of str to Path
        The run's outputs by option.
    outputs : Outputs
        The run's temporaries.
    calibration : Calibration
        Of the image.
    meta : dict
        The run's JSON record (TIFF Info).
    """
    if not wanted(targets):
        return
    m = result.measure(maps=_maps(targets))
    _write(m.regions, m.boundaries, m.boundary_lines, (m.orientation_map, m.spacing_map),
           m.grid, 2, targets, outputs, calibration, meta)


def write_series_measurement(series, labels, params, targets: dict, outputs, calibration,
                             meta: dict) -> None:
    """Measure a segmented series (tracked regions) and write the outputs asked for.

    Parameters
    ----------
    series : array_like, (T, Y, X)
        The frames.
    labels : array_like of int, (T, Y, X) or (T, n_rows, n_cols)
        Pattern labels of every frame.
    params : Params
        Of the run.
    targets : dict of str to Path
        The run's outputs by option.
    outputs : Outputs
        The run's temporaries.
    calibration : Calibration or None
        Of the series.
    meta : dict
        The run's JSON record (TIFF Info).
    """
    if not wanted(targets):
        return
    import numpy as np

    from ..core.chunks import grid_for
    from ..core.tracking import measure_series_result

    run = SimpleNamespace(labels=labels, params=params)
    sm = measure_series_result(series, run, maps=_maps(targets))
    grid = grid_for(tuple(np.shape(series)[1:]), params)
    _write(sm.regions, sm.boundaries, sm.boundary_lines, (sm.orientation_maps, sm.spacing_maps),
           grid, 3, targets, outputs, calibration, meta)


def _maps(targets: dict) -> bool:
    """Whether a local map is asked for (the maps cost about a third of the measurement)."""
    return any(key in targets for key in MAP_OUTPUTS)


def _write(regions, boundaries, lines, maps, grid, ndim, targets, outputs,
           calibration, meta) -> None:
    """Write the outputs asked for to their temporaries (an OSError is reported by the
    command line's one-line error handler)."""
    from ..io.measure import (  # numpy, scipy: loaded when a command runs, not for --help
        calibrated,
        write_boundaries_geojson,
        write_orientation_map,
        write_spacing_map,
        write_table_csv,
    )

    if "regions" in targets:
        write_table_csv(outputs.temp(targets["regions"]), calibrated(regions, calibration, ndim))
    table = calibrated(boundaries, calibration, ndim, lines)
    if "boundaries" in targets:
        write_table_csv(outputs.temp(targets["boundaries"]), table)
    if "boundaries_geojson" in targets:
        write_boundaries_geojson(outputs.temp(targets["boundaries_geojson"]), table, lines)
    for key, values, writer in zip(MAP_OUTPUTS, maps, (write_orientation_map,
                                                      write_spacing_map), strict=True):
        if key in targets:
            writer(outputs.temp(targets[key]), values, calibration, grid, json.dumps(meta))
