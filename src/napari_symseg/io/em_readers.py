"""One reader per library: what a microscope file holds, described before it is read.

Each ``_read_*`` function opens a file with its library (imported only
then) and returns the usable `Dataset` descriptions and a few metadata items
(format, reader, instrument, voltage, detector); `formats.read_em` chooses
a dataset and reads it. `READERS` lists, per suffix, the libraries to try in
order (see the table in `napari_symseg.io.formats`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib import import_module
from pathlib import Path

import numpy as np

from .metadata import finite_number, json_safe, known_items, library_version, normalise_unit

#: the optional extra that installs each reader library
EXTRA = {"ncempy": "em", "mrcfile": "em", "rsciio": "em-gpl"}


@dataclass
class Dataset:
    """One array in a file, described before it is read."""

    name: str
    shape: tuple[int, ...]
    scale: tuple[float, ...]
    units: tuple[str, ...]  # as the file writes them, one per axis
    load: Callable[[], object]
    dtype: object = None  # numpy dtype when known (complex ones are chosen last)
    volume: bool = False  # a 3-D MRC volume: the first axis is a spatial z
    lazy: Callable[[], object] | None = None  # a series read frame by frame (io.lazy)

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
            datasets.append(Dataset(
                name=f"dataset {index}",
                shape=tuple(int(full[k]) for k in keep),
                scale=tuple(float(scale[k]) for k in keep),
                units=tuple(str(units[k]) for k in keep),
                load=partial(_dm_memmap, path, index),
            ))
    voltage = finite_number(meta.get("Microscope Info Voltage"), 1e-3)
    return datasets, known_items(
        format="Gatan DigitalMicrograph", reader=library_version("ncempy"),
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
    dataset = Dataset(
        name=name, shape=shape, scale=tuple(scale), units=tuple(units),
        load=partial(_ser_frames, path, count), dtype=first.dtype,
        lazy=partial(_ser_lazy, path, shape, first.dtype) if len(shape) == 3 and
        len(series_dims) == 1 else None,
    )
    return [dataset], known_items(
        format="FEI TIA", reader=library_version("ncempy"),
        instrument=str(meta.get("Microscope []", "")).removeprefix("Microscope ").strip(),
        voltage_kV=finite_number(meta.get("AcceleratingVoltage"), 1e-3),
        detector=meta.get("CameraNamePath"), mode=mode.strip(),
    )


def _ser_frames(path: Path, count: int):
    from ncempy.io import ser

    with ser.fileSER(path) as f:
        frames = [f.getDataset(i)[0] for i in range(count)]
    return frames[0] if count == 1 else np.stack(frames)


def _ser_lazy(path: Path, shape, dtype):
    """The frames of a .ser series, one ``getDataset(t)`` each (the file stays open)."""
    from ncempy.io import ser

    from .frame_readers import LockedFrames

    handle = ser.fileSER(path)
    return LockedFrames(shape, dtype, lambda t: handle.getDataset(t)[0], keep=handle)


# --------------------------------------------------------------- ncempy: EMD


def _read_emd(path: Path):
    from ncempy.io import emd

    try:
        with emd.fileEMD(path) as f:
            datasets = []
            for i, group in enumerate(f.list_emds):
                dims = f.get_emddims(group)
                datasets.append(Dataset(
                    name=group.name.rsplit("/", 1)[-1], shape=tuple(group["data"].shape),
                    scale=tuple(_step(vector) for vector, _, _ in dims),
                    units=tuple(str(unit) for _, _, unit in dims),
                    load=partial(_berkeley_data, path, i), dtype=group["data"].dtype,
                    lazy=partial(_h5_frames, path, group["data"].name, False),
                ))
        return datasets, {"format": "Berkeley EMD", "reader": library_version("ncempy")}
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

    datasets, meta = [], {"format": "Velox EMD", "reader": library_version("ncempy")}
    with emdVelox.fileEMDVelox(path) as f:
        for i in range(len(f.list_data)):
            raw, md = f.get_dataset(i, memmap=True)  # h5py dataset (Y, X, frames)
            info = f.metaDataJSON
            frames = int(raw.shape[-1]) if raw.ndim == 3 else 1
            shape = tuple(int(n) for n in raw.shape[:2])
            scale = tuple(float(s) for s in md["pixelSize"][::-1])  # file: (x, y)
            units = tuple(str(u) for u in md["pixelUnit"][::-1])
            if frames > 1:
                frame_time = finite_number(info.get("Scan", {}).get("FrameTime"))
                shape, scale = (frames, *shape), (frame_time or 1.0, *scale)
                units = ("s" if frame_time else "", *units)
            datasets.append(Dataset(
                name=str(md.get("detectorName", f"dataset {i}")), shape=shape, scale=scale,
                units=units, load=partial(_velox_data, path, i), dtype=raw.dtype,
                lazy=None if raw.dtype.names else partial(_h5_frames, path, raw.name, True),
            ))
            instrument = info.get("Instrument", {})
            meta.update(known_items(
                instrument=instrument.get("InstrumentModel") or
                instrument.get("InstrumentClass"),
                voltage_kV=finite_number(info.get("Optics", {}).get("AccelerationVoltage"), 1e-3),
            ))
    return datasets, meta


def _h5_frames(path: Path, name: str, frames_last: bool):
    """A 3-D HDF5 dataset read frame by frame (Velox stores the frames on its last axis)."""
    import h5py

    from .frame_readers import LockedFrames

    handle = h5py.File(path, "r")
    data = handle[name]
    if frames_last:
        shape = (data.shape[2], *data.shape[:2])
        return LockedFrames(shape, data.dtype, lambda t: data[:, :, t], keep=handle)
    return LockedFrames(data.shape, data.dtype, lambda t: data[t], keep=handle)


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
        meta = {"format": "MRC", "reader": library_version("mrcfile")}
        if mrc.header.exttyp in (b"FEI1", b"FEI2") and mrc.extended_header is not None:
            first = mrc.indexed_extended_header[0]
            meta.update(known_items(instrument=json_safe(first["Microscope type"]),
                               voltage_kV=finite_number(first["HT"], 1e-3)))
    if data.ndim == 3 and not volume:  # an image stack: frames, no frame time
        units, scale = ("", *units[1:]), (1.0, *scale[1:])
    dataset = Dataset(name=path.stem, shape=tuple(data.shape), scale=scale, units=units,
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
    datasets, meta = [], {"format": name, "reader": library_version("rsciio")}
    for i, signal in enumerate(reader(str(path), lazy=True, **options)):
        axes = signal["axes"]
        general = signal.get("metadata", {}).get("General", {})
        datasets.append(Dataset(
            name=str(general.get("title") or f"dataset {i}"),
            shape=tuple(int(a["size"]) for a in axes),
            scale=tuple(float(a.get("scale", 1.0)) for a in axes),
            units=tuple(str(a.get("units") or "") for a in axes),
            load=partial(np.asarray, signal["data"]), dtype=signal["data"].dtype,
        ))
        tem = signal.get("metadata", {}).get("Acquisition_instrument", {}).get("TEM", {})
        meta.update(known_items(instrument=tem.get("microscope"),
                           voltage_kV=finite_number(tem.get("beam_energy"))))
    return datasets, meta


def _is_berkeley(path: Path) -> bool:
    import h5py

    with h5py.File(path, "r") as f:
        return "version_major" in f.attrs


_NCEMPY = {".dm3": _read_dm, ".dm4": _read_dm, ".ser": _read_ser, ".emd": _read_emd}
READERS = {
    **{s: [("ncempy", fn), ("rsciio", _read_rsciio)] for s, fn in _NCEMPY.items()},
    ".mrc": [("mrcfile", _read_mrc)],
    ".mrcs": [("mrcfile", _read_mrc)],
}

