"""napari reader for microscope files: the image with its pixel size and units.

Claims ``.dm3``, ``.dm4``, ``.emd``, ``.ser``, ``.mrc`` and ``.mrcs`` (see
`napari_symseg.io.formats` for the libraries). TIFF stays with napari's own
reader: claiming ``*.tif`` would make napari ask which plugin to use for
every TIFF; the CLI and `napari_symseg.io.read_calibrated` read ImageJ and
OME TIFF calibrations.
"""

from __future__ import annotations

from pathlib import Path

from .io.formats import EM_SUFFIXES, read_em


def napari_get_reader(path):
    """The reader function for `path`, or None when it is not a microscope file.

    Parameters
    ----------
    path : str, Path or list of them
        What napari was asked to open (one file).

    Returns
    -------
    callable or None
        `read_microscope_file`, or None for other files, folders and lists of
        several files.
    """
    if isinstance(path, list | tuple):
        if len(path) != 1:
            return None
        path = path[0]
    if not isinstance(path, str | Path) or Path(path).suffix.lower() not in EM_SUFFIXES:
        return None
    return read_microscope_file if Path(path).is_file() else None


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
        beside what the file says (instrument, voltage, reader...).

    Raises
    ------
    FileFormatError
        With a clear message (missing reader library, no image in the file...).
    """
    if isinstance(path, list | tuple):
        path = path[0]
    data, calibration = read_em(path)
    metadata = {
        "source_file": str(path),
        "calibration": calibration.to_dict(),
        "file_metadata": calibration.metadata,
    }
    kwargs = {"name": Path(path).stem, **calibration.layer_kwargs(), "metadata": metadata}
    return [(data, kwargs, "image")]
