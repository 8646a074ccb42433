"""Writing a segmentation's results: labels TIFF, parameters JSON, statistics CSV, overlay PNG.

Shared by the command line and the widget's "Export…" (which passes the
layers' data, see `napari_symseg.controller.layer_io`; nothing here imports
napari or Qt). The files of one export ``BASE``:

- ``BASE_labels.tif``: patterns ``0 .. k-1`` as a calibrated ImageJ TIFF
  (`napari_symseg.io.labels.write_labels`, which states the label
  convention); the JSON record (parameters, version, calibration) in
  ImageJ's ``Info`` property.
- ``BASE_params.json``: `params_record`; ``Params.from_json`` and the CLI's
  ``--params`` load it (they read its ``"params"`` and ignore the rest).
- ``BASE_stats.csv``: `napari_symseg.io.statistics.write_stats_csv`.
- ``BASE_overlay.png``: `napari_symseg.io.figure.write_overlay` of the image
  (the current frame of a series) with scale bar and legend.

The calibration is that of the image; it is written into the labels TIFF
(ImageJ resolution, unit, frame interval) and, as information, into the
parameters JSON (sizes there stay in pixels; a reloaded file takes the new
image's own calibration).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..core.params import Params
from ..core.stats import PatternStats
from ..errors import ExportError
from .calibration import Calibration
from .figure import frame_caption, write_overlay
from .labels import as_file_labels, write_labels, write_labels_frames
from .output import Outputs, check_outputs, write_text
from .statistics import (
    frame_pattern_statistics,
    full_labels,
    pattern_statistics,
    write_stats_csv,
)

#: Suffixes of the files of one export, after the base name.
EXPORT_SUFFIXES = {
    "labels": "_labels.tif",
    "params": "_params.json",
    "stats": "_stats.csv",
    "overlay": "_overlay.png",
}


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
    write_text(path, text + "\n")


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
    no_pattern: int | None = None,
    inputs=(),
    names=(),
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
        Patterns ``0 .. n_patterns - 1``, at the image's size or on the
        descriptor grid.
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
    no_pattern : int, optional
        `labels` are in a labels file's form (`napari_symseg.io.labels.layer_to_file`)
        with this value where a pixel has no pattern.
    inputs : iterable of str or Path, optional
        Files the result came from (the image's file): never overwritten.
    names : sequence of str, optional
        Pattern names (a ``name`` column of the statistics CSV and the
        overlay's legend; ``pattern_names`` of the labels' record).

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ExportError
        Before any work: a file would replace an input, the folder does not
        exist or cannot be written. Files are written by the output policy
        (`napari_symseg.io.output`): all four appear at the end, or none,
        and earlier files of the same names stay as they were on a failure.
    """
    check_outputs(export_paths(base).values(), inputs)  # before any work
    shape = tuple(np.shape(image))
    labels = np.asarray(labels)
    if labels.ndim != len(shape):
        raise ExportError(f"labels {labels.shape} do not match the image {shape}")
    stats = pattern_statistics(labels, image, params)
    t = 0 if frame is None else int(frame)
    values = as_file_labels(labels, no_pattern)
    return _write_export(
        base, image, params, calibration, stats, labels.shape, values.dtype,
        lambda path, record, cal: write_labels(path, values, record, cal,
                                               no_pattern=no_pattern),
        labels[t] if len(shape) == 3 else labels,
        colours=colours, metadata=metadata, inputs=inputs, names=names, frame=frame)


def export_series_frames(
    base: str | Path,
    image,
    labels_frame,
    labels_shape,
    dtype,
    params: Params,
    calibration: Calibration | None = None,
    *,
    stats: PatternStats | None = None,
    frame: int | None = None,
    colours: np.ndarray | None = None,
    metadata: dict | None = None,
    inputs=(),
    names=(),
) -> list[Path]:
    """`export_result` of a (T, Y, X) series whose labels are read one frame at a time.

    The labels TIFF is written page by page and the statistics come from
    the run (`stats`) or are computed frame by frame on the way, so memory
    is that of a few frames whatever the length of the series (a lazy
    series in napari, issue 17). The files are those of `export_result`,
    with the same values.

    Parameters
    ----------
    base : str or Path
        Base file name (see `export_result`).
    image : array, (T, Y, X)
        The series (``image[t]`` is read one frame at a time).
    labels_frame : callable
        ``labels_frame(t)``: frame t's pattern indices in a labels file's
        form (`dtype`, its maximum where there is no pattern).
    labels_shape : (int, int, int)
        (T, Y, X) of the labels (at the image's size or on the grid).
    dtype : dtype
        Of the labels (`napari_symseg.io.labels.pattern_dtype`).
    params : Params
        Of the run.
    calibration : Calibration, optional
        Of `image`; pixels when None.
    stats : PatternStats, optional
        Every frame's statistics from the run (else computed here).
    frame, colours, metadata, inputs, names
        As for `export_result`.

    Returns
    -------
    list of Path
        The files written.
    """
    check_outputs(export_paths(base).values(), inputs)  # before any work
    shape = tuple(np.shape(image))
    labels_shape = tuple(int(n) for n in labels_shape)
    if len(shape) != 3 or len(labels_shape) != 3 or labels_shape[0] != shape[0]:
        raise ExportError(f"labels {labels_shape} do not match the series {shape}")
    dtype = np.dtype(dtype)
    own = stats is None or not bool(np.all(stats.done))
    if own:
        stats = PatternStats.empty(shape[0], params.n_patterns)

    def pages():
        for t in range(shape[0]):
            values = np.asarray(labels_frame(t), dtype)
            if own:
                stats.set(t, frame_pattern_statistics(values, image[t], params))
            yield values

    t = 0 if frame is None else int(frame)
    return _write_export(
        base, image, params, calibration, stats, labels_shape, dtype,
        lambda path, record, cal: write_labels_frames(path, pages(), labels_shape, dtype,
                                                      record, cal),
        np.asarray(labels_frame(t), dtype),
        colours=colours, metadata=metadata, inputs=inputs, names=names, frame=frame)


def _write_export(base, image, params: Params, calibration, stats: PatternStats, labels_shape,
                  dtype, write_labels_file, labels_shown, *, colours, metadata, inputs, names,
                  frame) -> list[Path]:
    """The four files of an export; `write_labels_file(path, record, calibration)` writes
    the labels (first: a streamed series fills `stats` while its pages are written)."""
    paths = export_paths(base)
    outputs = Outputs(paths.values(), inputs)
    shape = tuple(np.shape(image))
    calibration = calibration or Calibration.pixels(len(shape))
    record = params_record(params, calibration)
    names = tuple(str(n) for n in names)
    if names:
        record["pattern_names"] = list(names)
    t = 0 if frame is None else int(frame)
    image_frame = np.asarray(image[t] if len(shape) == 3 else image, dtype=np.float64)
    labels_frame = full_labels(labels_shown, image_frame.shape, params)
    with outputs:
        try:
            write_labels_file(outputs.temp(paths["labels"]), {**record, **(metadata or {})},
                              labels_calibration(calibration, shape, labels_shape, params))
            stats.names = names
            write_params(outputs.temp(paths["params"]), params, calibration,
                         record["napari_symseg"])
            write_stats_csv(outputs.temp(paths["stats"]), stats, calibration, shape)
            write_overlay(outputs.temp(paths["overlay"]), image_frame, labels_frame,
                          calibration, colours, params.n_patterns, names=names,
                          caption=frame_caption(t, shape[0], calibration)
                          if len(shape) == 3 else "")
            return outputs.commit()
        except OSError as err:
            where = err.filename or paths["labels"].parent
            raise ExportError(f"cannot write {where}: {err.strerror}") from None
