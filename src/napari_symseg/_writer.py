"""napari writer: a Labels layer to a calibrated ImageJ TIFF (File > Save Selected Layers).

napari's own labels writer keeps only the pixels (uint32, no pixel size);
this one keeps the layer's scale, units, origin and frame interval (see
`napari_symseg.io.tiff`) and, for a segmentation, the run's record (parameters,
version) in ImageJ's ``Info`` property. The values are the layer's own
(pattern + 1 for a segmentation, 0 = no pattern): napari reopens the file as
the same layer. The widget's "Export…" and the CLI write patterns 0..k-1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .io.calibration import Calibration
from .io.files import write_labels


def _calibration(meta: dict, ndim: int) -> Calibration | None:
    scale = meta.get("scale")
    if scale is None or len(scale) != ndim:
        return None
    units = meta.get("units") or ("pixel",) * ndim
    labels = meta.get("axis_labels") or tuple(f"axis{i}" for i in range(ndim))
    translate = meta.get("translate") or (0.0,) * ndim
    return Calibration(
        tuple(float(s) for s in scale),
        tuple(str(u) for u in units),
        tuple(str(a) for a in labels),
        tuple(float(t) for t in translate),
        source="napari layer",
    )


def write_labels_tiff(path: str, data: Any, meta: dict) -> list[str]:
    """Write one Labels layer as a calibrated ImageJ TIFF (npe2 single-layer writer).

    Parameters
    ----------
    path : str
        The ``.tif/.tiff`` file napari asks for.
    data : array-like
        The layer's data (the first level of a multiscale layer).
    meta : dict
        The layer's state (``scale``, ``translate``, ``units``,
        ``axis_labels``, ``metadata``).

    Returns
    -------
    list of str
        ``[path]``.
    """
    if meta.get("multiscale") or isinstance(data, list):
        data = data[0]
    data = np.asarray(data)
    if data.ndim not in (2, 3):
        raise ValueError(
            f"the calibrated TIFF writer takes 2-D or (T, Y, X) labels; this layer is "
            f"{data.ndim}-D (use napari's own TIFF writer)"
        )
    record = dict((meta.get("metadata") or {}).get("napari_symseg") or {})
    record.setdefault("label_offset", 0)
    record["layer"] = meta.get("name")
    calibration = _calibration(meta, data.ndim)
    if calibration is not None:
        record["calibration"] = calibration.to_dict()
    write_labels(path, data, record, calibration)
    return [path]
