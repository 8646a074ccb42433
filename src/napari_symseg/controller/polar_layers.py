"""The polarisation layers of a polarity run, without Qt (issue 18).

A run of the ``polarity`` descriptor family adds two layers to the usual
ones: ``"<image> polarisation"``, the direction of the local polarisation
vector on the descriptor grid (degrees, cyclic ``twilight`` colormap,
transparent where the magnitude is below a tenth of its 95th percentile), and
``"<image> polarisation arrows"``, a Vectors layer with one arrow per cell of
a coarse grid (about `ARROWS_PER_AXIS` per axis), the arrow length
proportional to the magnitude (the largest arrow spans one coarse cell).
"""

from __future__ import annotations

import numpy as np

from ..core.descriptors.polarity import polarisation_angle

#: About this many arrows along each image axis.
ARROWS_PER_AXIS = 24


def arrows(p: np.ndarray, rows: np.ndarray, cols: np.ndarray,
           per_axis: int = ARROWS_PER_AXIS) -> np.ndarray:
    """napari Vectors data ``(n, 2, 2)`` (start, projection) on a coarse subgrid.

    Parameters
    ----------
    p : ndarray, (n_rows, n_cols, 2)
        Polarisation on the grid.
    rows, cols : ndarray of int
        Image rows / columns of the grid points.
    per_axis : int
        About this many arrows per axis.

    Returns
    -------
    ndarray, float32, (n, 2, 2)
        Start points (image pixels) and projections; the longest arrow is
        0.9 coarse cells long.
    """
    step = max(1, round(max(p.shape[0], p.shape[1]) / per_axis))
    sub = p[step // 2::step, step // 2::step]
    r, c = np.meshgrid(rows[step // 2::step], cols[step // 2::step], indexing="ij")
    spacing = step * (float(rows[1] - rows[0]) if len(rows) > 1 else 1.0)
    norm = np.linalg.norm(sub, axis=-1).max()
    scale = 0.9 * spacing / norm if norm > 0 else 0.0
    start = np.stack([r.ravel(), c.ravel()], axis=1)
    return np.stack([start, sub.reshape(-1, 2) * scale], axis=1).astype(np.float32)


def polarisation_specs(source, result, frame, run_metadata, placement, spec) -> list:
    """The two polarisation `LayerSpec` of a polarity result (none for other families).

    Parameters
    ----------
    source : SourceSnapshot
        The segmented layer at run start.
    result : Result
        The run's result.
    frame : int or None
        The frame of a series.
    run_metadata, placement, spec : callable
        `layers.run_metadata`, `layers.placement` and `layers.LayerSpec`
        (passed in: this module is imported by `layers`).

    Returns
    -------
    list of LayerSpec
    """
    if result.operations.kind != "polarity":
        return []
    p = result.polarisation()
    angle = polarisation_angle(p)
    magnitude = np.linalg.norm(p, axis=-1)
    if magnitude.size:
        angle[magnitude < 0.1 * np.percentile(magnitude, 95)] = np.nan
    params, version = result.params, result.model.version
    meta = run_metadata(source.name, params, version=version, frame=frame,
                        role="polarisation", magnitude_p95=float(
                            np.percentile(magnitude, 95)) if magnitude.size else 0.0)
    arrow_meta = run_metadata(source.name, params, version=version, frame=frame,
                              role="polarisation arrows")
    grid = result.grid
    return [
        spec("polarisation", "image", angle, {
            "metadata": meta, "colormap": "twilight", "contrast_limits": (-180.0, 180.0),
            "opacity": 0.6, **placement(source, grid, True)}, frame),
        spec("arrows", "vectors", arrows(p, grid.rows, grid.cols), {
            "metadata": arrow_meta, "edge_color": "yellow", "edge_width": 1.5,
            "vector_style": "arrow", **placement(source)}, frame),
    ]
