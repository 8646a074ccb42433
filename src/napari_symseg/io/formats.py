"""Microscope files in, with their pixel size and units.

One job: turn a file written by electron-microscope software into the array
the segmentation runs on -- a 2-D image or a (T, Y, X) series -- and a
`Calibration` (pixel size and unit of every axis, the frame time of a
series where the file has one, a few metadata items).

Which library reads what
------------------------
No file format is parsed here: each is read by a well-kept reader library,
imported only when a file of its kind is opened, so none is needed to
install or import napari-symseg.

==========================  ====================  ======================  ==========
files                       library               licence                 extra
==========================  ====================  ======================  ==========
Gatan ``.dm3`` ``.dm4``     ncempy.io.dm          MIT (ncempy.io) [1]_    ``em``
FEI TIA ``.ser`` (+.emi)    ncempy.io.ser         MIT (ncempy.io)         ``em``
Berkeley ``.emd``           ncempy.io.emd         MIT (ncempy.io)         ``em``
Velox ``.emd``              ncempy.io.emdVelox    MIT (ncempy.io)         ``em``
``.mrc`` ``.mrcs``          mrcfile               BSD-3-Clause            ``em``
ImageJ / OME ``.tif``       tifffile (`tiff`)     BSD-3-Clause            (always)
fallback: dm3 dm4 emd ser   rsciio (RosettaSciIO) GPL-3.0-or-later        ``em-gpl``
==========================  ====================  ======================  ==========

.. [1] ncempy is dual-licensed: its ``io`` sub-package, the only part used
   here, is MIT; the rest of the distribution is GPL-3. Importing
   ``ncempy.io`` also imports those other sub-packages, so ncempy is an
   optional extra like any GPL library would be (never needed by default).

ncempy reads every EM format we need, including Velox images and image
stacks, so RosettaSciIO (GPL-3) is only an *optional fallback*: when ncempy
is missing or fails on a file (ncempy 1.16 fails, e.g., on Velox files
without an acquisition date) and RosettaSciIO is installed, it is tried.
MRC files are read by mrcfile alone.

Which dataset
-------------
A file may hold several datasets (a thumbnail, spectra beside an image,
several STEM detectors, an FFT, a 4-D STEM datacube). Usable ones are 2-D
images and 3-D series whose first axis is time or uncalibrated (or, in an
MRC volume, z). Of those, real-valued ones come first, then a dataset named
``HAADF`` (the Z-contrast signal atomic-resolution work is done on), then
the file's order. `read_em` takes ``dataset=`` (an index among the usable
ones or a name) to choose another. A file with no usable dataset gives a
`FileFormatError` listing what it holds (``EELS_SI: 2048 x 2 x 2 [eV, µm,
µm]``).

Units
-----
Units become napari/pint strings: lengths ``pm``, ``angstrom`` (from
``Å``), ``nm``, ``um`` (from ``µm``, ``micron``), ``mm``; metres become
``nm`` (x 1e9) since atomic images are read in nm. Reciprocal lengths of
diffraction patterns stay reciprocal (``1/nm``, ``1/angstrom``; ``1/m``
becomes ``1/nm``), times become ``s``, ``ms``, ``us``... Anything else
(``""``, ``Unknown``, ``pixels``, energy axes...) gives an uncalibrated
axis: unit ``"pixel"``, scale 1. TIA ``.ser`` files carry no unit: metres
are assumed, reciprocal metres when the ``.emi`` says TEM diffraction.

Origins are left at 0: files define them inconsistently (ncempy documents
that the sign of a DM origin varies), and a segmentation needs none.

Memory: DM data and MRC data are memory-mapped (read-only); HDF5 (``.emd``)
and ``.ser`` data are read into memory, or, with ``lazy=True`` (the napari
reader, the command line), a series is read one frame at a time
(`napari_symseg.io.lazy`).
"""

from __future__ import annotations

import contextlib
import io as _stdio
import math
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from ..errors import FileFormatError
from .calibration import Calibration
from .em_readers import EXTRA, READERS, Dataset
from .metadata import json_safe, normalise_unit

EM_SUFFIXES = (".dm3", ".dm4", ".emd", ".ser", ".mrc", ".mrcs")

__all__ = ["EM_SUFFIXES", "normalise_unit", "read_em"]


def read_em(path: str | Path, dataset: int | str | None = None, lazy: bool = False):
    """Read an image or image series from an electron-microscope file.

    Parameters
    ----------
    path : str or Path
        A ``.dm3``, ``.dm4``, ``.emd`` (Velox or Berkeley), ``.ser`` or
        ``.mrc``/``.mrcs`` file.
    dataset : int or str, optional
        Which image of a file that holds several: an index among the usable
        datasets, or (part of) a dataset name such as ``"HAADF"``. By
        default the rule of the module docstring picks one.
    lazy : bool
        A (T, Y, X) series of a ``.ser`` or ``.emd`` file as a frame reader
        (`napari_symseg.io.lazy.FrameReader`: ``data[t]`` reads frame t)
        instead of an array in memory.

    Returns
    -------
    data : ndarray
        (Y, X) or (T, Y, X), as stored (memory-mapped for DM and MRC).
    calibration : Calibration
        Pixel size and unit per axis; ``metadata`` holds the reader, the
        dataset name and, where the file has them, instrument, voltage and
        detector.

    Raises
    ------
    FileFormatError
        Unknown suffix, missing file, missing reader library (the message
        names the ``pip install`` command), unreadable file, or a file with
        no 2-D image or image series (the message lists what it holds).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in EM_SUFFIXES:
        raise FileFormatError(
            f"cannot read {path.name}: microscope formats are {', '.join(EM_SUFFIXES)}"
        )
    if not path.is_file():
        raise FileFormatError(f"input file not found: {path}")
    readers = [(lib, fn) for lib, fn in READERS[suffix] if find_spec(lib) is not None]
    if not readers:
        lib = READERS[suffix][0][0]
        raise FileFormatError(
            f"reading {suffix} needs {lib}: pip install 'napari-symseg[{EXTRA[lib]}]'"
        )
    failures = []
    for lib, reader in readers:
        try:
            with contextlib.redirect_stdout(_stdio.StringIO()):  # ncempy prints errors
                datasets, meta = reader(path)
        except Exception as err:  # any failure of a reader: try the next one
            failures.append(f"{lib}: {type(err).__name__}: {err}".rstrip(": "))
            continue
        return _open(path, datasets, meta, dataset, lazy)
    hint = ""
    if suffix != ".mrc" and suffix != ".mrcs" and find_spec("rsciio") is None:
        hint = " (RosettaSciIO may read it: pip install 'napari-symseg[em-gpl]')"
    raise FileFormatError(f"cannot read {path.name}: {'; '.join(failures)}{hint}")


def _open(path: Path, datasets: list[Dataset], meta: dict, dataset, lazy=False) -> tuple:
    """Choose a dataset, read it (or open it frame by frame), build its calibration."""
    chosen = _choose(path, datasets, dataset)
    try:
        load = chosen.lazy if lazy and chosen.lazy is not None and len(chosen.shape) == 3 \
            else chosen.load
        data = load()
    except Exception as err:  # e.g. a pixel type the reader does not support
        raise FileFormatError(f"cannot read {chosen.name} of {path.name}: {err}") from None
    if tuple(np.shape(data)) != chosen.shape:
        raise FileFormatError(
            f"cannot read {path.name}: {chosen.name} has shape {np.shape(data)}, "
            f"the file says {chosen.shape}"
        )
    scale, units, kinds = [], [], []
    for size, unit in zip(chosen.scale, chosen.units, strict=True):
        name, factor, kind = normalise_unit(unit)
        value = abs(float(size)) * factor
        if kind in ("pixel", "other") or not math.isfinite(value) or value == 0:
            name, value, kind = "pixel", 1.0, "pixel"
        scale.append(value)
        units.append(name)
        kinds.append(kind)
    labels = ("y", "x") if len(scale) == 2 else ("z" if kinds[0] == "length" else "t", "y", "x")
    metadata = {
        **meta,
        "dataset": chosen.name,
        "file_units": [str(u) for u in chosen.units],
    }
    others = [d.name for d in datasets if d is not chosen]
    if others:
        metadata["other_datasets"] = others
    source = f"{meta.get('format', path.suffix)} ({meta.get('reader', '?')})"
    return data, Calibration(tuple(scale), tuple(units), labels, source=source,
                             metadata=json_safe(metadata))


def _choose(path: Path, datasets: list[Dataset], dataset) -> Dataset:
    """The dataset to segment (rule in the module docstring)."""
    usable = [d for d in datasets if d.usable()]
    if not usable:
        held = "; ".join(d.describe() for d in datasets) or "no datasets"
        raise FileFormatError(
            f"{path.name} holds no 2-D image or (T, Y, X) image series: {held}"
        )
    if dataset is not None:
        if isinstance(dataset, int | np.integer) and 0 <= int(dataset) < len(usable):
            return usable[int(dataset)]
        key = str(dataset).lower()
        named = [d for d in usable if key == d.name.lower()] or \
            [d for d in usable if key in d.name.lower()]
        if named and not isinstance(dataset, int | np.integer):
            return named[0]
        names = ", ".join(f"{i}: {d.name}" for i, d in enumerate(usable))
        raise FileFormatError(f"no dataset {dataset!r} in {path.name}; images: {names}")

    def rank(item):
        i, d = item
        complex_ = d.dtype is not None and np.dtype(d.dtype).kind in "cV"
        return (complex_, "haadf" not in d.name.lower(), i)

    return min(enumerate(usable), key=rank)[1]

