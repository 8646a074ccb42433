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
ImageJ / OME ``.tif``       tifffile              BSD-3-Clause            (always)
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
and ``.ser`` data are read into memory.
"""

from __future__ import annotations

import contextlib
import io as _stdio
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from .calibration import Calibration
from .files import FileFormatError

EM_SUFFIXES = (".dm3", ".dm4", ".emd", ".ser", ".mrc", ".mrcs")
TIFF_SUFFIXES = (".tif", ".tiff")

#: the optional extra that installs each reader library
_EXTRA = {"ncempy": "em", "mrcfile": "em", "rsciio": "em-gpl"}

_LENGTHS = {
    "pm": "pm", "picometer": "pm", "å": "angstrom", "Å": "angstrom", "angstrom": "angstrom",
    "angstroms": "angstrom", "nm": "nm", "nanometer": "nm", "nanometers": "nm", "um": "um",
    "µm": "um", "μm": "um", "micron": "um", "microns": "um", "micrometer": "um",
    "micrometers": "um", "mm": "mm", "m": "m", "meter": "m", "meters": "m", "metre": "m",
    "metres": "m",
}
_TIMES = {
    "ps": "ps", "ns": "ns", "us": "us", "µs": "us", "μs": "us", "ms": "ms", "s": "s",
    "sec": "s", "second": "s", "seconds": "s", "min": "min", "minute": "min",
    "minutes": "min", "h": "h", "hour": "h", "hours": "h",
}
_PIXELS = {"", "pixel", "pixels", "px", "unknown", "none", "<auto>", "unit"}


def normalise_unit(unit) -> tuple[str, float, str]:
    """A unit as a file writes it, as napari/pint understands it.

    Parameters
    ----------
    unit : str or bytes
        The unit text of the file (``"µm"``, ``"Å"``, ``"1/nm"``, ``"m"``,
        Berkeley EMD's ``"[n_m]"``, ``"Unknown"``...).

    Returns
    -------
    unit : str
        ``"nm"``, ``"angstrom"``, ``"1/nm"``, ``"s"``..., ``"pixel"`` when
        the axis is uncalibrated, or the text unchanged for other
        quantities (energy...).
    factor : float
        Multiply the file's scale by this (1e9 for metres to nm).
    kind : str
        ``"length"``, ``"reciprocal"``, ``"time"``, ``"pixel"`` or ``"other"``.
    """
    if isinstance(unit, bytes):
        unit = unit.decode("utf-8", "replace")
    text = str(unit).strip()
    if text.startswith("[") and text.endswith("]"):  # Berkeley EMD: "[n_m]"
        text = text[1:-1].replace("_", "")
    key = text if text in _LENGTHS else text.lower()
    if key in _LENGTHS:
        name = _LENGTHS[key]
        return ("nm", 1e9, "length") if name == "m" else (name, 1.0, "length")
    for prefix, suffix in (("1/", ""), ("", "^-1"), ("", "-1")):
        base = text[len(prefix):len(text) - len(suffix)]
        if text.startswith(prefix) and text.endswith(suffix) and base and base != text:
            base = base if base in _LENGTHS else base.lower()
            if base in _LENGTHS:
                name = _LENGTHS[base]
                return ("1/nm", 1e-9, "reciprocal") if name == "m" else \
                    (f"1/{name}", 1.0, "reciprocal")
    if text.lower() in _TIMES:
        return _TIMES[text.lower()], 1.0, "time"
    if text.lower() in _PIXELS or text.lower().startswith("unit"):  # ncempy: "unit1"
        return "pixel", 1.0, "pixel"
    return text, 1.0, "other"


@dataclass
class _Dataset:
    """One array in a file, described before it is read."""

    name: str
    shape: tuple[int, ...]
    scale: tuple[float, ...]
    units: tuple[str, ...]  # as the file writes them, one per axis
    load: Callable[[], object]
    dtype: object = None  # numpy dtype when known (complex ones are chosen last)
    volume: bool = False  # a 3-D MRC volume: the first axis is a spatial z

    def kinds(self) -> list[str]:
        return [normalise_unit(u)[2] for u in self.units]

    def usable(self) -> bool:
        kinds = self.kinds()
        plane = all(k in ("length", "reciprocal", "pixel") for k in kinds[-2:])
        if len(self.shape) == 2:
            return plane
        first = ("time", "pixel", "length") if self.volume else ("time", "pixel")
        return len(self.shape) == 3 and plane and kinds[0] in first

    def describe(self) -> str:
        dims = " x ".join(str(n) for n in self.shape)
        units = ", ".join(str(u) or "-" for u in self.units)
        return f"{self.name}: {dims} [{units}]"


def read_em(path: str | Path, dataset: int | str | None = None):
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
    readers = [(lib, fn) for lib, fn in _READERS[suffix] if find_spec(lib) is not None]
    if not readers:
        lib = _READERS[suffix][0][0]
        raise FileFormatError(
            f"reading {suffix} needs {lib}: pip install 'napari-symseg[{_EXTRA[lib]}]'"
        )
    failures = []
    for lib, reader in readers:
        try:
            with contextlib.redirect_stdout(_stdio.StringIO()):  # ncempy prints errors
                datasets, meta = reader(path)
        except Exception as err:  # any failure of a reader: try the next one
            failures.append(f"{lib}: {type(err).__name__}: {err}".rstrip(": "))
            continue
        return _open(path, datasets, meta, dataset)
    hint = ""
    if suffix != ".mrc" and suffix != ".mrcs" and find_spec("rsciio") is None:
        hint = " (RosettaSciIO may read it: pip install 'napari-symseg[em-gpl]')"
    raise FileFormatError(f"cannot read {path.name}: {'; '.join(failures)}{hint}")


def _open(path: Path, datasets: list[_Dataset], meta: dict, dataset) -> tuple:
    """Choose a dataset, read it, build its calibration."""
    chosen = _choose(path, datasets, dataset)
    try:
        data = chosen.load()
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
                             metadata=_json_safe(metadata))


def _choose(path: Path, datasets: list[_Dataset], dataset) -> _Dataset:
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


def _json_safe(value):
    """Numbers, strings, lists and dicts only (numpy scalars and bytes converted)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").strip("\x00 ")
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _version(module: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    dist = {"rsciio": "rosettasciio"}.get(module, module)
    try:
        return f"{module} {version(dist)}"
    except PackageNotFoundError:
        return module


def _number(value, factor: float = 1.0) -> float | None:
    """`value` as a float times `factor`, None if it is not a number."""
    try:
        number = float(value) * factor
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _items(**items) -> dict:
    """The items whose value is known (not None, not empty)."""
    return {k: v for k, v in items.items() if v not in (None, "", [])}


# ---------------------------------------------------------------- ncempy: DM


def _read_dm(path: Path):
    from ncempy.io import dm

    with dm.fileDM(path) as f:
        count = f.numObjects - 1 if f.numObjects > 1 else 1  # first object: thumbnail
        meta = f.getMetadata(0) if count else {}
        datasets = []
        for index in range(count):
            i = index + (f.numObjects > 1)
            ndim = int(f.dataShape[i])
            full = (f.zSize2[i], f.zSize[i], f.ySize[i], f.xSize[i])[-ndim:]
            start = sum(int(n) for n in f.dataShape[:i])
            scale = list(f.scale[start:start + ndim])[::-1]
            units = list(f.scaleUnit[start:start + ndim])[::-1]
            scale = [1.0] * (ndim - len(scale)) + scale  # fewer calibrations than axes
            units = [""] * (ndim - len(units)) + units
            keep = [k for k, n in enumerate(full) if int(n) > 1]
            datasets.append(_Dataset(
                name=f"dataset {index}",
                shape=tuple(int(full[k]) for k in keep),
                scale=tuple(float(scale[k]) for k in keep),
                units=tuple(str(units[k]) for k in keep),
                load=partial(_dm_memmap, path, index),
            ))
    voltage = _number(meta.get("Microscope Info Voltage"), 1e-3)
    return datasets, _items(
        format="Gatan DigitalMicrograph", reader=_version("ncempy"),
        instrument=meta.get("Session Info Microscope") or meta.get("Microscope Info Name"),
        voltage_kV=voltage,
        detector=meta.get("DataBar Device Name") or meta.get("Acquisition Device Name"),
        mode=meta.get("Microscope Info Illumination Mode"),
    )


def _dm_memmap(path: Path, index: int):
    from ncempy.io import dm

    with dm.fileDM(path) as f:
        return f.getMemmap(index)  # read-only numpy.memmap, its own file handle


# --------------------------------------------------------------- ncempy: SER


def _read_ser(path: Path):
    from ncempy.io import ser

    with ser.fileSER(path) as f:
        head = f.head
        count = int(head["ValidNumberElements"])
        first, first_meta = f.getDataset(0) if count else (np.empty(0), {})
        meta = f.getMetadata()
    series_dims = head["Dimensions"]
    mode = str(meta.get("Mode []", ""))
    reciprocal = "diffraction" in mode.lower() and "stem" not in mode.lower()
    unit = "1/m" if reciprocal else "m"  # TIA writes no unit: SI units of the mode
    cal = list(first_meta.get("Calibration", ()))
    plane_scale = [c["CalibrationDelta"] for c in cal][::-1]  # file: x first
    plane_units = [unit] * len(plane_scale)
    name = path.stem
    if first.ndim == 1:  # spectra
        plane_units, name = ["channel"], f"{path.stem} (spectra)"
    scale, units = plane_scale, plane_units
    shape = tuple(int(n) for n in first.shape)
    if len(series_dims) == 1 and count > 1:
        dim = series_dims[0]
        shape = (count, *shape)
        scale = [dim["CalibrationDelta"], *scale]
        units = [str(dim.get("Units", "")), *units]
    elif len(series_dims) > 1:  # a scan grid of images or spectra
        grid = tuple(int(d["DimensionSize"]) for d in series_dims)[::-1]
        shape = (*grid, *shape)
        scale = [d["CalibrationDelta"] for d in series_dims][::-1] + scale
        units = [str(d.get("Units", "")) for d in series_dims][::-1] + units
    dataset = _Dataset(
        name=name, shape=shape, scale=tuple(scale), units=tuple(units),
        load=partial(_ser_frames, path, count), dtype=first.dtype,
    )
    return [dataset], _items(
        format="FEI TIA", reader=_version("ncempy"),
        instrument=str(meta.get("Microscope []", "")).removeprefix("Microscope ").strip(),
        voltage_kV=_number(meta.get("AcceleratingVoltage"), 1e-3),
        detector=meta.get("CameraNamePath"), mode=mode.strip(),
    )


def _ser_frames(path: Path, count: int):
    from ncempy.io import ser

    with ser.fileSER(path) as f:
        frames = [f.getDataset(i)[0] for i in range(count)]
    return frames[0] if count == 1 else np.stack(frames)


# --------------------------------------------------------------- ncempy: EMD


def _read_emd(path: Path):
    from ncempy.io import emd

    try:
        with emd.fileEMD(path) as f:
            datasets = []
            for i, group in enumerate(f.list_emds):
                dims = f.get_emddims(group)
                datasets.append(_Dataset(
                    name=group.name.rsplit("/", 1)[-1], shape=tuple(group["data"].shape),
                    scale=tuple(_step(vector) for vector, _, _ in dims),
                    units=tuple(str(unit) for _, _, unit in dims),
                    load=partial(_berkeley_data, path, i), dtype=group["data"].dtype,
                ))
        return datasets, {"format": "Berkeley EMD", "reader": _version("ncempy")}
    except emd.NoEmdDataSets:
        return _read_velox(path)


def _step(vector) -> float:
    vector = np.asarray(vector, dtype=np.float64)
    return float(vector[1] - vector[0]) if vector.size > 1 else 1.0


def _berkeley_data(path: Path, index: int):
    from ncempy.io import emd

    with emd.fileEMD(path) as f:
        return np.asarray(f.get_emdgroup(f.list_emds[index])[0])


def _read_velox(path: Path):
    from ncempy.io import emdVelox

    datasets, meta = [], {"format": "Velox EMD", "reader": _version("ncempy")}
    with emdVelox.fileEMDVelox(path) as f:
        for i in range(len(f.list_data)):
            raw, md = f.get_dataset(i, memmap=True)  # h5py dataset (Y, X, frames)
            info = f.metaDataJSON
            frames = int(raw.shape[-1]) if raw.ndim == 3 else 1
            shape = tuple(int(n) for n in raw.shape[:2])
            scale = tuple(float(s) for s in md["pixelSize"][::-1])  # file: (x, y)
            units = tuple(str(u) for u in md["pixelUnit"][::-1])
            if frames > 1:
                frame_time = _number(info.get("Scan", {}).get("FrameTime"))
                shape, scale = (frames, *shape), (frame_time or 1.0, *scale)
                units = ("s" if frame_time else "", *units)
            datasets.append(_Dataset(
                name=str(md.get("detectorName", f"dataset {i}")), shape=shape, scale=scale,
                units=units, load=partial(_velox_data, path, i), dtype=raw.dtype,
            ))
            instrument = info.get("Instrument", {})
            meta.update(_items(
                instrument=instrument.get("InstrumentModel") or
                instrument.get("InstrumentClass"),
                voltage_kV=_number(info.get("Optics", {}).get("AccelerationVoltage"), 1e-3),
            ))
    return datasets, meta


def _velox_data(path: Path, index: int):
    from ncempy.io import emdVelox

    with emdVelox.fileEMDVelox(path) as f:
        raw = np.asarray(f.get_dataset(index, memmap=True)[0])
    if raw.dtype.names and len(raw.dtype.names) == 2:  # complex as (real, imag) fields
        raw = raw[raw.dtype.names[0]] + 1j * raw[raw.dtype.names[1]]
    if raw.ndim == 3 and raw.shape[-1] == 1:
        return raw[..., 0]
    return np.ascontiguousarray(np.moveaxis(raw, -1, 0)) if raw.ndim == 3 else raw


# ------------------------------------------------------------------- mrcfile


def _read_mrc(path: Path):
    import mrcfile

    with mrcfile.mmap(path, mode="r", permissive=True) as mrc:
        if mrc.data is None:
            raise ValueError("no data in the file")
        data = mrc.data  # stays a valid read-only memory map after closing
        voxel = mrc.voxel_size  # angstrom, (x, y, z)
        scale = (float(voxel.z), float(voxel.y), float(voxel.x))[-data.ndim:]
        units = tuple("angstrom" if s > 0 else "" for s in scale)
        volume = bool(data.ndim == 3 and mrc.is_volume())
        meta = {"format": "MRC", "reader": _version("mrcfile")}
        if mrc.header.exttyp in (b"FEI1", b"FEI2") and mrc.extended_header is not None:
            first = mrc.indexed_extended_header[0]
            meta.update(_items(instrument=_json_safe(first["Microscope type"]),
                               voltage_kV=_number(first["HT"], 1e-3)))
    if data.ndim == 3 and not volume:  # an image stack: frames, no frame time
        units, scale = ("", *units[1:]), (1.0, *scale[1:])
    dataset = _Dataset(name=path.stem, shape=tuple(data.shape), scale=scale, units=units,
                       load=lambda: data, dtype=data.dtype, volume=volume)
    return [dataset], meta


# ------------------------------------------------- RosettaSciIO (GPL, optional)


def _read_rsciio(path: Path):
    module, name = {".dm3": ("digitalmicrograph", "Gatan DigitalMicrograph"),
                    ".dm4": ("digitalmicrograph", "Gatan DigitalMicrograph"),
                    ".emd": ("emd", "EMD"), ".ser": ("tia", "FEI TIA")}[path.suffix.lower()]
    if module == "emd" and _is_berkeley(path):  # RosettaSciIO transposes these: ncempy only
        raise ValueError("a Berkeley EMD file is read with ncempy")
    reader = import_module(f"rsciio.{module}").file_reader
    options = {"select_type": "images"} if module == "emd" else {}  # no EDS cubes
    datasets, meta = [], {"format": name, "reader": _version("rsciio")}
    for i, signal in enumerate(reader(str(path), lazy=True, **options)):
        axes = signal["axes"]
        general = signal.get("metadata", {}).get("General", {})
        datasets.append(_Dataset(
            name=str(general.get("title") or f"dataset {i}"),
            shape=tuple(int(a["size"]) for a in axes),
            scale=tuple(float(a.get("scale", 1.0)) for a in axes),
            units=tuple(str(a.get("units") or "") for a in axes),
            load=partial(np.asarray, signal["data"]), dtype=signal["data"].dtype,
        ))
        tem = signal.get("metadata", {}).get("Acquisition_instrument", {}).get("TEM", {})
        meta.update(_items(instrument=tem.get("microscope"),
                           voltage_kV=_number(tem.get("beam_energy"))))
    return datasets, meta


def _is_berkeley(path: Path) -> bool:
    import h5py

    with h5py.File(path, "r") as f:
        return "version_major" in f.attrs


_NCEMPY = {".dm3": _read_dm, ".dm4": _read_dm, ".ser": _read_ser, ".emd": _read_emd}
_READERS = {
    **{s: [("ncempy", fn), ("rsciio", _read_rsciio)] for s, fn in _NCEMPY.items()},
    ".mrc": [("mrcfile", _read_mrc)],
    ".mrcs": [("mrcfile", _read_mrc)],
}


# ---------------------------------------------------------------------- TIFF


def tiff_calibration(path: str | Path, ndim: int) -> Calibration:
    """Pixel size and units of an ImageJ or OME TIFF, read with tifffile.

    ImageJ: ``X/YResolution`` tags (pixels per unit) with the ``unit`` (and
    ``yunit``) of the ImageJ description, ``finterval`` (s) for a time axis,
    ``spacing`` for a z axis, ``xorigin`` / ``yorigin`` (pixels). OME:
    ``PhysicalSizeX/Y/Z`` with their units, ``TimeIncrement``. Any other
    TIFF (its resolution tags are usually a printer's dots per inch) is
    uncalibrated.

    Parameters
    ----------
    path : str or Path
        A ``.tif/.tiff`` file.
    ndim : int
        Dimensions of the array read from it (as `read_image` returns it).

    Returns
    -------
    Calibration
        One entry per axis; `Calibration.pixels` when nothing is known.
    """
    import tifffile

    try:
        with tifffile.TiffFile(path) as tif:
            axes = tif.series[0].axes
            if len(axes) != ndim or not axes.endswith("YX"):
                return Calibration.pixels(ndim)
            if tif.is_imagej:
                sizes, origin, source = _imagej_sizes(tif)
            elif tif.is_ome:
                sizes, origin, source = _ome_sizes(tif), {}, "OME TIFF"
            else:
                return Calibration.pixels(ndim)
    except Exception:  # unreadable metadata: the pixels are still usable
        return Calibration.pixels(ndim)
    scale, units, labels = [], [], []
    for code in axes:
        size, unit = sizes.get(code, (None, ""))
        name, factor, kind = normalise_unit(unit)
        value = _number(size, factor)
        if kind in ("pixel", "other") or not value or value <= 0:
            name, value = "pixel", 1.0
        scale.append(value)
        units.append(name)
        labels.append(code.lower())
    origins = tuple(-origin[code] * s if origin.get(code) else 0.0
                    for code, s in zip(axes, scale, strict=True))
    meta = {"format": source, "reader": _version("tifffile")}
    return Calibration(tuple(scale), tuple(units), tuple(labels), origins, source, meta)


def _imagej_sizes(tif) -> tuple[dict, dict, str]:
    """``{axis code: (size, unit)}``, ``{code: origin in pixels}`` of an ImageJ TIFF."""
    meta = tif.imagej_metadata or {}
    tags = tif.pages[0].tags
    unit = str(meta.get("unit", "")).replace("\\u00B5", "µ")
    sizes = {}
    for code, tag, axis_unit in (("X", "XResolution", unit),
                                 ("Y", "YResolution", meta.get("yunit", unit))):
        if tag in tags:
            num, den = tags[tag].value
            sizes[code] = (den / num if num else None, str(axis_unit).replace("\\u00B5", "µ"))
    if "finterval" in meta:
        sizes["T"] = (meta["finterval"], str(meta.get("tunit", "s")))
    if "spacing" in meta:
        sizes["Z"] = (meta["spacing"], str(meta.get("zunit", unit)))
    origin = {c: float(meta[k]) for c, k in (("X", "xorigin"), ("Y", "yorigin")) if k in meta}
    return sizes, origin, "ImageJ TIFF"


def _ome_sizes(tif) -> dict:
    """``{axis code: (size, unit)}`` of the first image of an OME TIFF."""
    import tifffile

    image = tifffile.xml2dict(tif.ome_metadata)["OME"]["Image"]
    pixels = (image[0] if isinstance(image, list) else image)["Pixels"]
    sizes = {}
    for code in "XYZ":
        if f"PhysicalSize{code}" in pixels:
            sizes[code] = (pixels[f"PhysicalSize{code}"],
                           pixels.get(f"PhysicalSize{code}Unit", "µm"))
    if "TimeIncrement" in pixels:
        sizes["T"] = (pixels["TimeIncrement"], pixels.get("TimeIncrementUnit", "s"))
    return sizes
