"""Writing a segmentation's results: labels TIFF, parameters JSON, statistics CSV, overlay PNG.

Shared by the command line and the widget's "Export…" (which passes the
layers' data; nothing here imports napari or Qt). The files of one export
``BASE``:

- ``BASE_labels.tif``: patterns ``0 .. k-1`` as a calibrated ImageJ TIFF
  (`write_labels`); the JSON record (parameters, version, calibration) in
  ImageJ's ``Info`` property. Pixels without a pattern (erased in napari)
  are `NO_PATTERN`.
- ``BASE_params.json``: `params_record`; ``Params.from_json`` and the CLI's
  ``--params`` load it (they read its ``"params"`` and ignore the rest).
- ``BASE_stats.csv``: one row per frame and pattern (`stats_rows`): area
  fraction, area in the calibrated unit² (when calibrated), connected
  regions, mean intensity; a ``time_<unit>`` column for a series with a
  calibrated time axis.
- ``BASE_overlay.png``: `figure.write_overlay` of the image (the current
  frame of a series) with scale bar and legend.

The calibration is that of the image; it is written into the labels TIFF
(ImageJ resolution, unit, frame interval) and, as information, into the
parameters JSON (sizes there stay in pixels; a reloaded file takes the new
image's own calibration).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from ..core.params import Params
from ..core.stats import PatternStats, frame_statistics
from ..errors import ExportError
from .calibration import Calibration, unit_symbol

#: Label written for pixels that have no pattern (0 in the napari layer).
NO_PATTERN = 255
#: Suffixes of the files of one export, after the base name.
EXPORT_SUFFIXES = {
    "labels": "_labels.tif",
    "params": "_params.json",
    "stats": "_stats.csv",
    "overlay": "_overlay.png",
}




# ----------------------------------------------------------------- calibration
def _ascii_symbol(unit: str) -> str:
    return unit_symbol(unit).replace("µ", "u").replace("Å", "angstrom").replace(" ", "")


def pixel_area(calibration: Calibration | None) -> tuple[float, str] | None:
    """Area of one image pixel and its unit symbol, e.g. ``(1.6e-4, "nm")``.

    Parameters
    ----------
    calibration : Calibration or None
        Of the image (the last two axes are y, x).

    Returns
    -------
    (float, str) or None
        None when the image is not calibrated in a common length unit.
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
    return float(sy) * float(sx), ux


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


def labels_calibration(calibration: Calibration, image_shape, labels_shape, params: Params):
    """The calibration of labels that may lie on the descriptor grid (no upsampling).

    Parameters
    ----------
    calibration : Calibration
        Of the image, (Y, X) or (T, Y, X).
    image_shape, labels_shape : tuple of int
        Shapes of the image and of the labels (same number of axes).
    params : Params
        Of the run (grid of labels that were not upsampled).

    Returns
    -------
    Calibration
        `calibration` itself when the shapes agree; otherwise pixels of
        ``stride`` image pixels, placed on the grid points.
    """
    if tuple(image_shape) == tuple(labels_shape):
        return calibration
    from ..core.chunks import grid_for

    return calibration.on_grid(grid_for(tuple(image_shape[-2:]), params))


# ------------------------------------------------------------------ statistics
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
        lab = labels[t] if series else labels
        frame = np.asarray(image[t] if series else image, dtype=np.float64)
        full = full_labels(lab, frame.shape, params)
        grid = lab if lab.shape != frame.shape else None
        stats.set(t, frame_statistics(full, frame, params.n_patterns, grid))
    return stats


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
    shape = tuple(image_shape) if image_shape is not None else ()
    area = pixel_area(calibration) if len(shape) >= 2 else None
    interval = frame_interval(calibration, len(shape))
    rows = []
    for row in stats.rows():
        out = {"frame": row["frame"]}
        if interval is not None:
            out[f"time_{_ascii_symbol(interval[1])}"] = row["frame"] * interval[0]
        out["pattern"] = row["pattern"]
        out["area_fraction"] = row["area_fraction"]
        if area is not None:
            image_area = area[0] * shape[-2] * shape[-1]
            out[f"area_{_ascii_symbol(area[1])}2"] = row["area_fraction"] * image_area
        out["regions"] = row["regions"]
        out["mean_intensity"] = row["mean_intensity"]
        rows.append(out)
    return rows


def write_stats_csv(path: str | Path, stats: PatternStats, calibration=None,
                    image_shape=None) -> None:
    """Write `stats_rows` as CSV (plain header, no comment lines).

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
    rows = stats_rows(stats, calibration, image_shape)
    fields = list(rows[0]) if rows else ["frame", "pattern", "area_fraction", "regions",
                                         "mean_intensity"]
    with Path(path).open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


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
        (calibrated only), ``regions`` (a float mean for a series),
        ``mean_intensity``.
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
        single = len(done) == 1  # an image: whole numbers
        table["regions"] = stats.regions[0] if single else stats.regions[done].mean(axis=0)
        table["mean_intensity"] = np.nanmean(stats.mean_intensity[done], axis=0)
    return table


# ------------------------------------------------------------------ parameters
def params_record(params: Params, calibration: Calibration | None = None,
                  version: str | None = None) -> dict:
    """The JSON record of a run: ``{"params", "napari_symseg", "calibration"}``.

    ``Params.from_json`` (and ``--params``) read ``"params"`` only; the
    calibration tells the physical size of the pixel sizes in it.

    Parameters
    ----------
    params : Params
        Of the run.
    calibration : Calibration, optional
        Of the segmented image.
    version : str, optional
        Package version (default: this one).
    """
    if version is None:
        from .. import __version__ as version
    record = {"params": params.to_dict(), "napari_symseg": version}
    if calibration is not None:
        record["calibration"] = calibration.to_dict()
    return record


def write_params(path: str | Path, params: Params, calibration=None, version=None) -> None:
    """Write `params_record` as JSON (loadable by ``Params.from_json`` / ``--params``).

    Parameters
    ----------
    path : str or Path
        The ``.json`` file.
    params : Params
        Of the run.
    calibration : Calibration, optional
        Of the segmented image.
    version : str, optional
        Package version (default: this one).
    """
    text = json.dumps(params_record(params, calibration, version), indent=2)
    Path(path).write_text(text + "\n")


# ---------------------------------------------------------------------- export
def export_paths(base: str | Path) -> dict[str, Path]:
    """The four files of an export to `base` (a trailing suffix such as ``.tif`` is dropped).

    Parameters
    ----------
    base : str or Path
        Base file name, e.g. ``run1`` gives ``run1_labels.tif``...

    Returns
    -------
    dict of str to Path
        Keys ``labels``, ``params``, ``stats``, ``overlay``.
    """
    base = Path(base)
    if base.suffix.lower() in (".tif", ".tiff", ".png", ".csv", ".json", ".npy"):
        base = base.with_suffix("")
    return {what: base.with_name(base.name + suffix) for what, suffix in EXPORT_SUFFIXES.items()}


def export_result(
    base: str | Path,
    image,
    labels: np.ndarray,
    params: Params,
    calibration: Calibration | None = None,
    *,
    frame: int | None = None,
    colours: np.ndarray | None = None,
    metadata: dict | None = None,
) -> list[Path]:
    """Write labels TIFF, parameters JSON, statistics CSV and overlay PNG of one result.

    Parameters
    ----------
    base : str or Path
        Base file name: writes ``BASE_labels.tif``, ``BASE_params.json``,
        ``BASE_stats.csv`` and ``BASE_overlay.png``.
    image : array, (Y, X) or (T, Y, X)
        The segmented image or series.
    labels : ndarray of int, same number of axes as `image`
        Patterns ``0 .. n_patterns - 1`` (`NO_PATTERN` where none), at the
        image's size or on the descriptor grid.
    params : Params
        Of the run.
    calibration : Calibration, optional
        Of `image`; pixels when None.
    frame : int, optional
        Series: the frame shown in the overlay (default 0).
    colours : ndarray, (n_patterns, 3), optional
        RGB (0..255) of the patterns in the overlay (the layer's colours).
    metadata : dict, optional
        Extra JSON-compatible entries of the labels TIFF's record (source, frame...).

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ExportError
        The folder does not exist or cannot be written; nothing is left behind.
    """
    from .figure import write_overlay
    from .files import write_labels

    paths = export_paths(base)
    folder = paths["labels"].parent
    if not folder.is_dir():
        raise ExportError(f"folder does not exist: {folder}")
    shape = tuple(np.shape(image))
    labels = np.asarray(labels)
    if labels.ndim != len(shape):
        raise ExportError(f"labels {labels.shape} do not match the image {shape}")
    calibration = calibration or Calibration.pixels(len(shape))
    record = params_record(params, calibration)
    stats = pattern_statistics(labels, image, params)
    t = 0 if frame is None else int(frame)
    image_frame = np.asarray(image[t] if len(shape) == 3 else image, dtype=np.float64)
    labels_frame = full_labels(labels[t] if len(shape) == 3 else labels, image_frame.shape,
                               params)
    written: list[Path] = []
    try:
        write_labels(paths["labels"], labels, {**record, **(metadata or {})},
                     labels_calibration(calibration, shape, labels.shape, params))
        written.append(paths["labels"])
        write_params(paths["params"], params, calibration, record["napari_symseg"])
        written.append(paths["params"])
        write_stats_csv(paths["stats"], stats, calibration, shape)
        written.append(paths["stats"])
        write_overlay(paths["overlay"], image_frame, labels_frame, calibration,
                      colours, params.n_patterns)
        written.append(paths["overlay"])
    except OSError as err:
        for path in written:
            path.unlink(missing_ok=True)
        raise ExportError(f"cannot write {err.filename or folder}: {err.strerror}") from None
    return written


# ---------------------------------------------------------------- napari layers
def layer_calibration(layer, ndim: int | None = None) -> Calibration:
    """The calibration of a napari layer's last `ndim` axes (all by default).

    Parameters
    ----------
    layer : napari.layers.Layer
        Any layer (its ``scale``, ``translate``, ``units``, ``axis_labels``).
    ndim : int, optional
        Number of trailing axes (2 for one frame of a series).
    """
    n = layer.ndim if ndim is None else ndim
    units = getattr(layer, "units", None) or ("pixel",) * layer.ndim
    labels = getattr(layer, "axis_labels", None) or tuple(f"axis{i}" for i in range(layer.ndim))
    return Calibration(
        tuple(float(s) for s in layer.scale[-n:]),
        tuple(str(u) for u in units[-n:]),
        tuple(str(a) for a in labels[-n:]),
        tuple(float(t) for t in layer.translate[-n:]),
        source="napari layer",
    )


def result_features(source, result, frame: int | None = None, offset: int = 1) -> dict:
    """The pattern layer's ``features`` after a run on one image (see `features_table`).

    Parameters
    ----------
    source : napari.layers.Image
        The segmented layer (its data and calibration).
    result : Result
        What `segment_steps` returned.
    frame : int, optional
        The frame of a (T, Y, X) source that was segmented.
    offset : int
        Label value of pattern 0 in the layer.
    """
    image = np.asarray(source.data if frame is None else source.data[frame], dtype=np.float64)
    n = result.params.n_patterns
    stats = PatternStats.empty(1, n)  # regions counted on the grid: same count, faster
    full = full_labels(result.labels, image.shape, result.params)
    stats.set(0, frame_statistics(full, image, n, result.grid_labels))
    return features_table(stats, layer_calibration(source, 2), image.shape, offset)


def export_layer_result(base: str | Path, source, patterns, frame: int | None = None,
                        key: str = "napari_symseg") -> list[Path]:
    """`export_result` of a segmentation shown in napari (the widget's "Export…").

    Parameters
    ----------
    base : str or Path
        Base file name (see `export_result`).
    source : napari.layers.Image
        The segmented image or (T, Y, X) series (data and calibration).
    patterns : napari.layers.Labels
        Its pattern layer: pattern + ``label_offset`` (0 = no pattern), its
        run's record in ``metadata[key]``; its colours go into the overlay.
    frame : int, optional
        Series: the frame for the overlay (the time slider's).
    key : str
        Metadata key of the run's record.

    Returns
    -------
    list of Path
        The files written.
    """
    meta = patterns.metadata.get(key)
    if not meta or "params" not in meta:
        raise ExportError(f"layer '{patterns.name}' holds no segmentation result")
    params = Params.from_dict(meta["params"])
    offset = int(meta.get("label_offset", 1))
    data = np.asarray(patterns.data)
    labels = np.where(data >= offset, data - offset, NO_PATTERN)
    if data.ndim == 3:  # every frame of the series
        image, calibration = source.data, layer_calibration(source)
    else:  # an image, or one frame of a series
        shown = meta.get("frame")
        image = source.data if shown is None else source.data[shown]
        calibration = layer_calibration(source, 2)
    colours = layer_colours(patterns, params.n_patterns, offset)
    extra = {"source": source.name, "frame": meta.get("frame")}
    return export_result(base, image, labels, params, calibration, frame=frame,
                         colours=colours, metadata=extra)


def layer_colours(labels_layer, n: int, offset: int = 1) -> np.ndarray:
    """RGB (0..255, (n, 3)) of patterns ``0 .. n - 1`` as a napari Labels layer shows them.

    A transparent pattern keeps its `pattern_colours` colour.

    Parameters
    ----------
    labels_layer : napari.layers.Labels
        Shows pattern ``k`` as label ``k + offset``.
    n : int
        Number of patterns.
    offset : int
        Label value of pattern 0.
    """
    from .figure import pattern_colours

    colours = pattern_colours(n).astype(np.float64)
    for k in range(n):
        colour = labels_layer.get_color(k + offset)
        if colour is not None and np.asarray(colour)[3] > 0:
            colours[k] = np.asarray(colour, dtype=np.float64)[:3] * 255
    return colours.round()
