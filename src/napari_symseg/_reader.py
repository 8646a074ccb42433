"""napari readers: microscope files with their pixel size, and the package's own labels TIFFs.

Microscope files (``.dm3``, ``.dm4``, ``.emd``, ``.ser``, ``.mrc``,
``.mrcs``; see `napari_symseg.io.formats`) open as a calibrated Image layer.

A labels TIFF written by this package (the CLI's output, *Export results…*,
napari's *File > Save* with this plugin's writer; recognised by the JSON
record inside, see `napari_symseg.io.labels`) opens as a **Labels** layer
with the values, scale, translate, units and axis labels it was saved from
(pattern + 1, 0 where no pattern) and the run's record back in
``metadata["napari_symseg"]``.

An image TIFF written by this package (napari's *File > Save* of a result
Image layer with this plugin's writer, `napari_symseg.io.images`) opens as
the same **Image** layer: values, scale, translate, units, axis labels, name,
look and metadata. The names claimed for it (`IMAGE_PATTERNS`) end in a
result layer's last word after a space or ``_`` (``img confidence.tif``, as
napari's save dialog proposes it for ``img confidence``; ``img_pca.tif``);
the same rules as below hold for them (a file without the package's record
goes to napari's own reader; the reader preference is recorded likewise).

Why the manifest claims ``*_labels.tif`` / ``*_labels.tiff`` and not ``*.tif``
------------------------------------------------------------------------------
napari (0.9) chooses a reader from the **file name alone**: npe2 matches
the manifest's ``filename_patterns`` before any reader code runs, and when
more than one plugin matches and no preference is saved, *File > Open*
raises ``MultipleReaderError`` and shows the "Choose reader" dialog. napari's
built-in reader claims ``*.tif`` and ``*.tiff``, so a ``*.tif`` pattern here
made napari ask for **every** TIFF, also plain ones, however quickly
`napari_get_reader` returned None (tried with napari 0.9.2 and this manifest
plus ``*.tif``: *File > Open* of a plain ``image.tif`` opened the dialog). No pattern ending in
``.tif`` avoids the built-in reader, and an explicit ``plugin=`` choice is
refused for a name no pattern of the plugin matches, so the package's files
need a name of their own: ``*_labels.tif``, which *Export results…* writes
(``BASE_labels.tif``) and the docs recommend for ``-o`` and *File > Save*,
and ``* patterns.tif`` / ``* patterns (frame t).tif``, what napari's save
dialog proposes for a run's Labels layer (`LABELS_PATTERNS`).

- A plain TIFF (``image.tif``) matches only napari's reader: it opens as
  before, no dialog.
- ``run_labels.tif``: napari offers both readers. Once the widget has been
  opened, napari's reader preferences say *napari-symseg* for
  ``*_labels.tif`` (`controller.layer_io.prefer_own_labels_reader`, never
  over a choice the user made), so *File > Open* reads it as Labels without
  asking; otherwise choose *Symmetry segmentation* in the dialog (or
  ``viewer.open(path, plugin="napari-symseg")``).
- A ``*_labels.tif`` without the package's record (another tool's labels) is
  read by napari's built-in reader through this one, so choosing this
  plugin -- even remembered as the ``.tif`` preference -- never changes how
  other TIFFs open (napari then warns once that the preference does not
  apply to a plain name, and uses its own reader).

The name ``labels.tif`` itself (the README's ``-o labels.tif``) is claimed too
(and recorded as ``*/labels.tif`` in the preferences: napari matches those
against the whole path), so *File > Open* (and ``viewer.open(path,
plugin=None)``) gives the Labels layer once the widget has been opened, and
otherwise napari's "Choose reader" dialog (``MultipleReaderError``). A
script's plain ``viewer.open(path)`` is napari's own reader whatever the
preferences (``ViewerModel.open`` defaults to ``plugin="napari"`` in napari
0.9): scripts pass ``plugin="napari-symseg"``.

Before the widget has been opened once, the first *File > Open* of such a
file shows the dialog; choosing *Symmetry segmentation* there (remembered or
not) makes the reader record the preference itself (`_labels_layer`), so
that it is the only time. Nothing can record it earlier: npe2 activates a
plugin (its manifest's ``on_activate``) only when one of its commands is
first executed, and napari runs the reader command only after the dialog
has chosen it; napari imports no plugin module at start-up.

Is there a way to win without touching napari's settings? No (napari 0.9.2,
npe2 0.10): ``ViewerModel._open_or_raise_error`` takes the reader from the
preferences (``plugins.extension2reader``), else the only compatible one,
else raises ``MultipleReaderError`` (*File > Open* shows the dialog); it
never ranks readers. npe2's ``ReaderContribution`` has no priority field
(``command``, ``filename_patterns``, ``accepts_directories``), and
``iter_compatible_readers`` matches every pattern with ``fnmatch`` against
the name with its whole suffix (``run.symseg.tif``), so napari's own
``*.tif`` matches any TIFF name, ``*.symseg.tif`` included; a suffix not
ending in ``.tif`` would escape it but Fiji would no longer open the file
as a TIFF. The writer's default suffix does not help either (a save dialog
default, not a reading rule). `tests/_qt/test_roundtrip.py` checks these
facts, so that a napari that starts ranking readers is noticed.

A labels zarr store (``*_labels.zarr``, a folder) follows the same rule:
napari's reader claims ``*.zarr`` too, so the preference
``"*_labels.zarr/"`` (a folder's path is matched with a trailing
separator) is recorded with the TIFF ones; see docs/series.md, "Opening a
``*_labels.zarr`` store: why no reader dialog".
"""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path

from .io.formats import EM_SUFFIXES, read_em
from .io.images import IMAGE_PATTERNS
from .io.labels import SAVE_NAME_PATTERNS

#: File name patterns of the labels TIFF reader (as in napari.yaml): the exported names,
#: and the names napari's *File > Save* dialog proposes (`SAVE_NAME_PATTERNS`).
LABELS_PATTERNS = ("*_labels.tif", "*_labels.tiff", "labels.tif", "labels.tiff",
                   *SAVE_NAME_PATTERNS)
#: Folder name pattern of a labels zarr store (as in napari.yaml).
ZARR_PATTERNS = ("*_labels.zarr",)


def _one_path(path):
    if isinstance(path, list | tuple):
        if len(path) != 1:
            return None
        path = path[0]
    return path if isinstance(path, str | Path) else None


def napari_get_reader(path):
    """The reader function for `path` (the manifest's one reader command).

    Parameters
    ----------
    path : str, Path or list of them
        What napari was asked to open (one file).

    Returns
    -------
    callable or None
        `read_microscope_file` for a microscope file, `read_labels_file` for
        a file named as `LABELS_PATTERNS`, `read_image_file` for one named
        as `IMAGE_PATTERNS`, `read_labels_zarr` for a zarr
        store named as `ZARR_PATTERNS`; None for other files, missing
        files, other folders and lists of several files.
    """
    path = _one_path(path)
    if path is None:
        return None
    name = Path(path).name.lower().rstrip("/")
    if Path(path).is_dir():
        from .io.lazy import is_zarr

        zarr_name = any(fnmatch(name, p) for p in ZARR_PATTERNS)
        return read_labels_zarr if zarr_name and is_zarr(path) else None
    if not Path(path).is_file():
        return None
    if Path(name).suffix in EM_SUFFIXES:
        return read_microscope_file
    if any(fnmatch(name, p) for p in LABELS_PATTERNS):
        return read_labels_file
    return read_image_file if any(fnmatch(name, p) for p in IMAGE_PATTERNS) else None


def read_microscope_file(path) -> list[tuple]:
    """Read one microscope file as a calibrated napari image layer.

    Parameters
    ----------
    path : str, Path or list of one of them
        A ``.dm3``, ``.dm4``, ``.emd``, ``.ser``, ``.mrc`` or ``.mrcs`` file.

    Returns
    -------
    list of (data, kwargs, "image")
        One layer: ``scale``, ``translate``, ``units`` and ``axis_labels``
        from the file, and ``metadata["calibration"]`` (`Calibration.to_dict`)
        beside what the file says (instrument, voltage, reader...). A
        (T, Y, X) series is a dask array of one chunk per frame: a frame is
        read when the time slider shows it (`napari_symseg.io.lazy`).

    Raises
    ------
    FileFormatError
        With a clear message (missing reader library, no image in the file...).
    """
    if isinstance(path, list | tuple):
        path = path[0]
    data, calibration = read_em(path, lazy=True)
    if getattr(data, "ndim", 0) == 3:
        from .io.lazy import as_dask

        data = as_dask(data)
    metadata = {
        "source_file": str(path),
        "calibration": calibration.to_dict(),
        "file_metadata": calibration.metadata,
    }
    kwargs = {"name": Path(path).stem, **calibration.layer_kwargs(), "metadata": metadata}
    return [(data, kwargs, "image")]


def read_labels_file(path) -> list[tuple]:
    """Read a labels TIFF as napari's Labels layer (the package's files) or image.

    Parameters
    ----------
    path : str, Path or list of one of them
        A ``.tif/.tiff`` file.

    Returns
    -------
    list of (data, kwargs, layer type)
        A package labels file: one ``"labels"`` layer, values ``file +
        label_offset`` (0 where no pattern), the file's calibration as
        ``scale`` / ``translate`` / ``units`` / ``axis_labels``, the pattern
        colours, and ``metadata["napari_symseg"]`` (`layer_metadata`). A
        package image file (renamed): `read_image_file`'s layer. Any
        other TIFF: what napari's built-in reader returns.
    """
    return _package_layer(path)


def read_image_file(path) -> list[tuple]:
    """Read an image TIFF of this package (`napari_symseg.io.images`) as the layer it was.

    Parameters
    ----------
    path : str, Path or list of one of them
        A ``.tif/.tiff`` file.

    Returns
    -------
    list of (data, kwargs, layer type)
        A package image file: one ``"image"`` layer with the values (RGB
        channels last again), ``scale`` / ``translate`` / ``units`` /
        ``axis_labels``, the name, ``rgb``, colormap, contrast limits and
        ``metadata`` it was saved with. A package labels file (renamed):
        `read_labels_file`'s layer. Any other TIFF: what napari's built-in
        reader returns.
    """
    return _package_layer(path)


def _package_layer(path) -> list[tuple]:
    """The layer a TIFF of this package was, told by its record, not its name (a labels
    file renamed ``*_confidence.tif`` is still labels); any other TIFF as napari's own
    reader reads it. The user chose this reader (the "Choose reader" dialog, or
    ``plugin=``): it is recorded as napari's reader for the package's file names
    (`prefer_own_labels_reader`), so the next *File > Open* asks no more, even before
    the widget has been opened."""
    from .io.images import image_of, package_image_record
    from .io.labels import labels_of, package_record
    from .io.tiff import read_values

    if isinstance(path, list | tuple):
        path = path[0]
    # one read of the file (a damaged one is named in one line, `FileFormatError`,
    # rather than in napari's reader's list of backends)
    values, record = read_values(path)
    if package_record(record):
        return _labels_file_layer(path, *labels_of(values, record, path))
    if package_image_record(record):
        return _image_layer(path, *image_of(values, record, path))
    from napari_builtins.io import napari_get_reader as builtin_reader

    return builtin_reader(str(path))(str(path))


def _labels_file_layer(path, values, record: dict, calibration) -> list[tuple]:
    """The Labels layer of a package labels TIFF (`_labels_layer` of its values)."""
    from .io.labels import file_to_layer

    labels = record["labels"]
    data = file_to_layer(values, int(labels["label_offset"]), labels.get("no_pattern"))
    return _labels_layer(data, record, calibration, path)


def _labels_layer(data, record: dict, calibration, path) -> list[tuple]:
    """The Labels layer of a package labels file (TIFF or zarr): calibration, run record,
    colours; this plugin recorded as napari's reader for the package's names."""
    from .controller.layer_io import layer_colormap, layer_metadata, prefer_own_labels_reader

    prefer_own_labels_reader()
    kwargs = {"name": Path(path).stem, **calibration.layer_kwargs(),
              "metadata": layer_metadata(record, path)}
    colormap = layer_colormap(record)
    if colormap is not None:
        kwargs["colormap"] = colormap
    return [(data, kwargs, "labels")]


def _image_layer(path, values, record: dict, calibration) -> list[tuple]:
    """The Image layer of a package image file: values, calibration, name, look, metadata."""
    from .controller.layer_io import prefer_own_labels_reader

    prefer_own_labels_reader()
    entry = record["image"]
    kwargs = {"name": record.get("layer") or Path(path).stem, **calibration.layer_kwargs(),
              "rgb": bool(entry["rgb"]), "metadata": record.get("metadata") or {},
              **entry.get("display", {})}
    return [(values, kwargs, "image")]


def read_labels_zarr(path) -> list[tuple]:
    """Read a labels zarr store of this package as a lazy, calibrated Labels layer.

    Parameters
    ----------
    path : str, Path or list of one of them
        A ``*_labels.zarr`` folder (``napari-symseg segment ... -o
        NAME_labels.zarr``, or the widget's background run).

    Returns
    -------
    list of (data, kwargs, "labels")
        One layer: a dask array of one chunk per frame, values ``file +
        label_offset`` (0 where no pattern), read when shown; ``scale``,
        ``translate``, ``units`` and ``axis_labels`` of the store's record.

    Raises
    ------
    FileFormatError
        A store without the package's record (not ours, or a run that did
        not finish).
    """
    from .errors import FileFormatError
    from .io.lazy import as_dask
    from .io.zarr_labels import read_zarr_labels, to_layer_values

    if isinstance(path, list | tuple):
        path = path[0]
    values, record, calibration = read_zarr_labels(path)
    if record is None or not isinstance(record.get("labels"), dict):
        raise FileFormatError(f"{Path(path).name} is not a labels store of napari-symseg "
                              "(no record: another tool's store, or an unfinished run)")
    labels = record["labels"]
    data = to_layer_values(as_dask(values), int(labels["label_offset"]),
                           labels.get("no_pattern"))
    return _labels_layer(data, record, calibration, path)
