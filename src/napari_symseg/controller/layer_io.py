"""napari layers to and from the package's files (no Qt).

What reads a napari layer -- its calibration, colours, pattern values and
run record -- to hand plain data to `napari_symseg.io`, and what turns a
labels file's record back into a layer's metadata. Used by the widget's
*Export results…*, the npe2 writer (`napari_symseg._writer`) and the npe2
reader (`napari_symseg._reader`).

Layer values follow the label convention of `napari_symseg.io.labels`: the
``<image> patterns`` layer shows pattern + ``label_offset`` (its metadata),
0 where there is no pattern; files hold the pattern.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..core.params import Params
from ..core.stats import FrameStats, PatternStats
from ..errors import ExportError
from ..io.calibration import Calibration
from ..io.colours import label_colour_dict, pattern_colours
from ..io.export import export_result
from ..io.images import IMAGE_PATTERNS
from ..io.labels import SAVE_NAME_PATTERNS, layer_to_file
from ..io.statistics import features_table, full_labels
from . import LABEL_OFFSET, METADATA_KEY

#: Entries of a layer's record that are napari's business, not the file's.
_LAYER_ONLY = ("label_offset",)


def state_calibration(state: dict, ndim: int | None = None) -> Calibration:
    """The calibration of a layer's state (``scale``, ``translate``, ``units``, ``axis_labels``).

    Parameters
    ----------
    state : dict
        A layer's state as napari hands it to writers (or built from a layer).
    ndim : int, optional
        Number of trailing axes (all by default).
    """
    scale = tuple(float(s) for s in state["scale"])
    total = len(scale)
    n = total if ndim is None else ndim
    units = state.get("units") or ("pixel",) * total
    labels = state.get("axis_labels") or tuple(f"axis{i}" for i in range(total))
    translate = state.get("translate")
    translate = (0.0,) * total if translate is None or not len(translate) else translate
    return Calibration(
        scale[-n:],
        tuple(str(u) for u in units)[-n:],
        tuple(str(a) for a in labels)[-n:],
        tuple(float(t) for t in translate)[-n:],
        source="napari layer",
    )


def layer_calibration(layer, ndim: int | None = None) -> Calibration:
    """The calibration of a napari layer's last `ndim` axes (all by default).

    Parameters
    ----------
    layer : napari.layers.Layer
        Any layer (its ``scale``, ``translate``, ``units``, ``axis_labels``).
    ndim : int, optional
        Number of trailing axes (2 for one frame of a series).
    """
    state = {"scale": layer.scale, "translate": layer.translate,
             "units": getattr(layer, "units", None),
             "axis_labels": getattr(layer, "axis_labels", None)}
    return state_calibration(state, ndim)


def file_record(layer_record: dict | None, name: str | None = None) -> dict:
    """The JSON record a labels file keeps of a layer's run record.

    Parameters
    ----------
    layer_record : dict, optional
        ``metadata["napari_symseg"]`` of the layer (params, version, source,
        frame...).
    name : str, optional
        The layer's name (kept as ``layer``).

    Returns
    -------
    dict
        The same entries (JSON-compatible) with the version under
        ``napari_symseg`` and without ``label_offset`` (the file's own
        ``labels`` entry says it).
    """
    record = {k: v for k, v in (layer_record or {}).items() if k not in _LAYER_ONLY}
    if "version" in record:
        record["napari_symseg"] = record.pop("version")
    if name is not None:
        record["layer"] = name
    return record


def layer_metadata(record: dict, path: str | Path | None = None) -> dict:
    """A reopened labels file's layer ``metadata``: inverse of `file_record`.

    Parameters
    ----------
    record : dict
        The file's JSON record (`napari_symseg.io.labels.labels_record`).
    path : str or Path, optional
        The file (kept as ``file``).

    Returns
    -------
    dict
        ``{METADATA_KEY: {params, version, source, frame, ..., label_offset}}``.
    """
    ours = {k: v for k, v in record.items() if k not in ("labels", "napari_symseg", "layer")}
    ours["version"] = record.get("napari_symseg")
    ours["label_offset"] = int(record["labels"]["label_offset"])
    if path is not None:
        ours["file"] = str(path)
    return {METADATA_KEY: ours}


def layer_colormap(record: dict) -> dict | None:
    """The pattern colours (`label_colour_dict`) of a reopened file with a run's parameters.

    Parameters
    ----------
    record : dict
        The file's JSON record.
    """
    try:
        params = Params.from_dict(record["params"])
    except (KeyError, TypeError, ValueError):
        return None
    return label_colour_dict(params.n_patterns, int(record["labels"]["label_offset"]))


def result_features(source, result, frame: int | None = None,
                    offset: int = LABEL_OFFSET) -> dict:
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
    stats.set(0, FrameStats.of(full, image, n, result.grid_labels))
    return features_table(stats, layer_calibration(source, 2), image.shape, offset)


def export_layer_result(base: str | Path, source, patterns, frame: int | None = None,
                        key: str = METADATA_KEY) -> list[Path]:
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
    return prepare_layer_export(base, source, patterns, frame, key)()


def prepare_layer_export(base: str | Path, source, patterns, frame: int | None = None,
                         key: str = METADATA_KEY) -> Callable[[], list[Path]]:
    """Read what `export_layer_result` needs from the layers now; write later, anywhere.

    Everything napari owns (the pattern values, colours, calibration, the
    run's record) is read here, on the GUI thread, the pattern values as a
    copy (the user may paint on the layer meanwhile); the returned function
    only computes and writes files, so that it can run in a worker thread.

    Parameters
    ----------
    base, source, patterns, frame, key
        As for `export_layer_result`.

    Returns
    -------
    callable
        ``write() -> list of Path``: the files written (raises like
        `export_result`).

    Raises
    ------
    ExportError
        `patterns` holds no segmentation result.
    """
    meta = patterns.metadata.get(key)
    if not meta or "params" not in meta:
        raise ExportError(f"layer '{patterns.name}' holds no segmentation result")
    params = Params.from_dict(meta["params"])
    offset = int(meta.get("label_offset", LABEL_OFFSET))
    # a lazy series (dask: frames labelled on demand, issue 17) is read in `write`, in the
    # worker, not here: reading it here labelled every frame on the GUI thread
    values = patterns.data if _is_dask(patterns.data) else np.array(patterns.data)
    if values.ndim == 3:  # every frame of the series
        image, calibration = source.data, layer_calibration(source)
    else:  # an image, or one frame of a series
        shown = meta.get("frame")
        image = source.data if shown is None else source.data[shown]
        calibration = layer_calibration(source, 2)
    colours = layer_colours(patterns, params.n_patterns, offset)
    extra = {"source": source.name, **file_record(meta, patterns.name)}
    source_file = getattr(getattr(source, "source", None), "path", None)
    names = tuple(meta.get("pattern_names") or ())  # merge / split / rename (core.edit)

    if _is_dask(values) and values.ndim == 3:  # a long video: frame by frame (issue 17)
        return _streamed_export(base, image, values, params, calibration, offset, frame,
                                colours=colours, metadata=extra, inputs=[source_file],
                                names=names)

    def write() -> list[Path]:
        labels, no_pattern = layer_to_file(np.asarray(values), offset)
        return export_result(base, image, labels, params, calibration, frame=frame,
                             colours=colours, metadata=extra, no_pattern=no_pattern,
                             inputs=[source_file], names=names)

    return write


def _streamed_export(base, image, values, params: Params, calibration, offset: int, frame,
                     **kwargs) -> Callable[[], list[Path]]:
    """`prepare_layer_export` of a lazy (T, Y, X) layer: the export reads one frame at a time.

    A lazy run's layer (a `lazy_labels.LazyLabels` behind the dask array,
    `napari_symseg.io.frame_readers.reader_of`) is read through its cache
    and store, and its statistics are reused when every frame is labelled;
    other dask data one chunk at a time. The labels go to
    the TIFF page by page (`napari_symseg.io.export.export_series_frames`).
    """
    from ..io.export import export_series_frames
    from ..io.frame_readers import reader_of
    from ..io.labels import no_pattern_value, pattern_dtype

    owner = reader_of(values)  # a lazy run's LazyLabels: its frames and statistics
    owner = owner if hasattr(owner, "stats") and hasattr(owner, "done") else None
    stats = copy.copy(owner.stats) if owner is not None and owner.done.all() else None
    dtype = pattern_dtype(max(int(np.iinfo(values.dtype).max) - offset, 0))
    missing = no_pattern_value(dtype)

    def labels_frame(t: int) -> np.ndarray:  # no thread pool per frame
        data = owner.frame(t) if owner is not None else values[t].compute(scheduler="sync")
        out = np.full(data.shape, missing, dtype)
        np.subtract(data, offset, out=out, where=data >= offset, casting="unsafe")
        return out

    def write() -> list[Path]:
        return export_series_frames(base, image, labels_frame, values.shape, dtype, params,
                                    calibration, stats=stats, frame=frame, **kwargs)

    return write


def _is_dask(data) -> bool:
    """Whether `data` is a dask array (without importing dask when it is not)."""
    return type(data).__module__.startswith("dask.")


def layer_colours(labels_layer, n: int, offset: int = LABEL_OFFSET) -> np.ndarray:
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
    colours = pattern_colours(n).astype(np.float64)
    for k in range(n):
        colour = labels_layer.get_color(k + offset)
        if colour is not None and np.asarray(colour)[3] > 0:
            colours[k] = np.asarray(colour, dtype=np.float64)[:3] * 255
    return colours.round()


#: File names of the package's labels files (the reader's patterns in napari.yaml) as
#: napari's reader preferences match them: a folder (a zarr store) with a trailing "/",
#: because napari matches a folder's real path plus os.sep (`_get_preferred_readers`).
OWN_LABELS_PATTERNS = ("*_labels.tif", "*_labels.tiff", "*_labels.zarr/",
                       # napari matches a preference against the whole real path
                       "*/labels.tif", "*/labels.tiff",
                       *SAVE_NAME_PATTERNS)  # the names napari's save dialog proposes
#: File names of the package's image files (napari's preferences match them against the
#: whole path: the same patterns work).
OWN_IMAGE_PATTERNS = IMAGE_PATTERNS


def prefer_own_labels_reader() -> list[str]:
    """Make napari open ``*_labels.tif`` / ``*_labels.zarr`` with this plugin's reader, no dialog.

    napari's built-in reader also claims every ``.tif`` and ``.zarr``, so
    *File > Open* of an exported ``BASE_labels.tif`` or a ``VIDEO_labels.zarr``
    store would show the "Choose reader" dialog. This records the choice a
    user would make there (napari's reader preferences,
    ``plugins.extension2reader``) for the package's own file names only, and
    only where the user has made no choice yet. It is safe for other tools'
    ``*_labels.tif`` files: the reader hands any TIFF without the package's
    record to napari's own reader (a ``*_labels.zarr`` without the record is
    refused with a message naming the reason).

    Returns
    -------
    list of str
        The patterns added (empty when they were already set).
    """
    from napari.settings import get_settings

    settings = get_settings().plugins
    current = dict(settings.extension2reader)
    added = [pattern for pattern in (*OWN_LABELS_PATTERNS, *OWN_IMAGE_PATTERNS)
             if pattern not in current]
    if added:
        settings.extension2reader = {**current, **dict.fromkeys(added, "napari-symseg")}
    return added
