"""Labels kept next to the video: the widget's lazy run writes the package's own zarr store.

With *keep labels next to the video* (the widget's Advanced section), an
all-frames run on a lazy video read from a file (`video_file`) writes its
labels to ``<video stem>_labels.zarr`` beside the video, in the format of the
command line's ``-o labels.zarr`` (`napari_symseg.io.zarr_labels`: pattern
index, one chunk per frame, the run's record and calibration in the
attributes), so that opening that store later gives the calibrated Labels
layer at once, without labelling anything.

Data safety (DESIGN.md: inputs never overwritten, outputs whole or not at all):

- the frames go to a hidden partial store beside the target
  (`ZarrLabelsWriter`); the record is written last and the store renamed
  into place only when every frame is labelled. A cancelled, failed or
  killed run leaves no store of that name (a killed one leaves its hidden
  partial), and any older store exactly as it was;
- an existing store is never replaced: the run takes the first free name
  ``<stem>_2_labels.zarr``, ``<stem>_3_labels.zarr``... and says so;
- the target is never the video itself (`check_outputs`);
- a layer without a file (an array made in the console), a folder that
  cannot be written or any other failure to create the store: the run goes
  on with the temporary store (removed with the layer), and the final status
  line says why the labels were not kept.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import SymsegError
from ..io.output import check_outputs

#: Suffix of a kept store after the video's stem (the reader's pattern ``*_labels.zarr``).
KEPT_SUFFIX = "_labels.zarr"


def video_file(layer) -> Path | None:
    """The file a layer's data was read from, or None (data made in memory).

    napari's *File > Open* records it in ``layer.source.path``; the plugin's
    readers and *Open a video lazily…* in ``metadata["source_file"]``.

    Parameters
    ----------
    layer : napari.layers.Layer
        A layer (or anything with ``source`` / ``metadata``).
    """
    path = getattr(getattr(layer, "source", None), "path", None)
    path = path or (getattr(layer, "metadata", None) or {}).get("source_file")
    return Path(path) if path else None


def kept_target(video: str | Path) -> Path:
    """Where the labels of `video` go: ``<stem>_labels.zarr``, or the first free ``<stem>_N_…``.

    Parameters
    ----------
    video : str or Path
        The video's file (or zarr folder).

    Examples
    --------
    >>> kept_target("/no/such/folder/run7.npy").name
    'run7_labels.zarr'
    """
    video = Path(video)
    stem = video.stem
    target, n = video.with_name(stem + KEPT_SUFFIX), 2
    while target.exists() or target.is_symlink():
        target, n = video.with_name(f"{stem}_{n}{KEPT_SUFFIX}"), n + 1
    return target


def open_kept_store(video: Path | None, shape, metadata: dict, calibration, dtype):
    """A `ZarrLabelsWriter` for the labels of `video`, or why there is none.

    Parameters
    ----------
    video : Path or None
        The video's file (`video_file`).
    shape : (int, int, int)
        (T, Y, X) of the labels.
    metadata : dict
        The run's record (``params``...).
    calibration : Calibration
        Of the labels.
    dtype : dtype
        Of the stored pattern index.

    Returns
    -------
    writer : ZarrLabelsWriter or None
        Writing a hidden partial store beside the target.
    note : str
        What the status line says: where the labels go, or why not there.
    """
    from ..io.zarr_labels import ZarrLabelsWriter

    if video is None:
        return None, ("labels not kept next to the video: the layer has no file "
                      "(they are in a temporary store)")
    target = kept_target(video)
    try:
        check_outputs([target], [video])
        writer = ZarrLabelsWriter(target, shape, metadata, calibration, dtype)
    except (SymsegError, OSError) as err:
        reason = getattr(err, "strerror", None) or str(err)
        return None, (f"labels not kept next to the video ({reason}); they are in a "
                      "temporary store")
    first = video.with_name(video.stem + KEPT_SUFFIX)
    taken = "" if target == first else f" ({first.name} exists and is kept as it is)"
    return writer, f"labels kept in {target}{taken}"
