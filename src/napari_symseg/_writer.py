"""napari writers: a Labels or an Image layer to a calibrated ImageJ TIFF (File > Save...).

napari's own labels writer keeps only the pixels (no pixel size); this one
keeps the layer's scale, units, origin, axis labels and frame interval and,
for a segmentation, the run's record (parameters, version) in ImageJ's
``Info`` property. The file follows the package's label convention
(`napari_symseg.io.labels`): the pattern index ``0 .. k-1``, the layer's
``label_offset`` subtracted -- the same file as *Export results…* and the
CLI write for the same result. A Labels layer that is not a segmentation
(no ``label_offset``) is written with its values as they are. The plugin's
reader (`napari_symseg._reader`) reopens either as the same layer.

An Image layer (the run's PCA and confidence, the polarisation, the measured
orientation and spacing maps, or any image) goes the same way through
`write_image_tiff` (`napari_symseg.io.images`): napari's own TIFF writer
keeps the values only, and the file reopened at scale 1 in "pixel" (issue 11).
"""


from __future__ import annotations

from typing import Any

import numpy as np

from .errors import FileFormatError


def write_labels_tiff(path: str, data: Any, meta: dict) -> list[str]:
    """Write one Labels layer as a calibrated ImageJ TIFF (npe2 single-layer writer).

    Parameters
    ----------
    path : str
        The ``.tif/.tiff`` file napari asks for.
    data : array-like
        The layer's data (the first level of a multiscale layer).
    meta : dict
        The layer's state (``name``, ``scale``, ``translate``, ``units``,
        ``axis_labels``, ``metadata``).

    Returns
    -------
    list of str
        ``[path]``.

    Raises
    ------
    FileFormatError
        The layer is not 2-D or (T, Y, X), or its values are not labels a
        file can hold.
    """
    from .controller import METADATA_KEY
    from .controller.layer_io import file_record
    from .io.labels import layer_to_file, write_labels

    data = _first_level(data, meta)
    if data.ndim not in (2, 3):
        raise FileFormatError(
            f"the calibrated TIFF writer takes 2-D or (T, Y, X) labels; this layer is "
            f"{data.ndim}-D (use napari's own TIFF writer)"
        )
    layer_record = (meta.get("metadata") or {}).get(METADATA_KEY) or {}
    offset = int(layer_record.get("label_offset", 0))
    values, no_pattern = layer_to_file(data, offset)
    calibration = _calibration(meta, data.ndim)
    write_labels(path, values, file_record(layer_record, meta.get("name")), calibration,
                 no_pattern=no_pattern, offset=offset)
    return [path]


def write_image_tiff(path: str, data: Any, meta: dict) -> list[str]:
    """Write one Image layer as a calibrated ImageJ TIFF (npe2 single-layer writer).

    napari's own TIFF writer keeps only the values; this one keeps the
    layer's scale, translate, units and axis labels, its name, colormap,
    contrast limits and ``metadata`` (the run's record), the values exactly
    (float32 stays float32; see `napari_symseg.io.images`). The plugin's
    reader reopens the file as the same layer when its name ends as the
    package's result layers do (``_confidence.tif``, `` PCA components.tif``...; see
    `napari_symseg._reader`).

    Parameters
    ----------
    path : str
        The ``.tif/.tiff`` file napari asks for.
    data : array-like
        The layer's data (the first level of a multiscale layer): (Y, X),
        (T, Y, X) or RGB (Y, X, 3|4).
    meta : dict
        The layer's state (``name``, ``scale``, ``translate``, ``units``,
        ``axis_labels``, ``rgb``, ``metadata``, ``colormap``...).

    Returns
    -------
    list of str
        ``[path]``.

    Raises
    ------
    FileFormatError
        Another shape (4-D, several channels that are not RGB).
    """
    from .io.calibration import Calibration
    from .io.images import DISPLAY_KEYS, write_image

    data = _first_level(data, meta)
    rgb = bool(meta.get("rgb"))
    ndim = data.ndim - 1 if rgb else data.ndim
    calibration = _calibration(meta, ndim) or Calibration.pixels(ndim)
    write_image(path, data, calibration, rgb=rgb, name=meta.get("name"),
                metadata=meta.get("metadata"), display={k: meta.get(k) for k in DISPLAY_KEYS})
    return [path]


def _first_level(data: Any, meta: dict) -> np.ndarray:
    """The layer's values as napari hands them to a writer (a multiscale's first level)."""
    if meta.get("multiscale") or isinstance(data, list):
        data = data[0]
    return np.asarray(data)


def _calibration(meta: dict, ndim: int):
    """The layer state's calibration (`state_calibration`) when its scale has one entry per
    axis of the values (`ndim`: an RGB layer's channels not counted), else None."""
    from .controller.layer_io import state_calibration

    scale = meta.get("scale")
    return state_calibration(meta) if scale is not None and len(scale) == ndim else None
