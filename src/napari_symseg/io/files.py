"""Reading images and writing labels / overlays (.npy, .tif/.tiff, .png)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import FileFormatError

IMAGE_SUFFIXES = (".npy", ".tif", ".tiff")
LABEL_SUFFIXES = (".npy", ".tif", ".tiff")




def read_image(path: str | Path) -> np.ndarray:
    """Read an image or image series from ``.npy``, ``.tif/.tiff`` or a microscope file.

    Returns the array as stored (no conversion); validation happens later.
    ``.npy`` files, and TIFF files whose pixels are stored contiguously, are
    memory-mapped (read-only), so a long series is read frame by frame.
    Microscope files (``.dm3``, ``.dm4``, ``.emd``, ``.ser``, ``.mrc``) are
    read by `napari_symseg.io.formats.read_em`.

    Parameters
    ----------
    path : str or Path
        The file.
    """
    from .formats import EM_SUFFIXES, read_em

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in EM_SUFFIXES:
        return read_em(path)[0]
    if suffix not in IMAGE_SUFFIXES:
        raise FileFormatError(
            f"cannot read {path.name}: supported inputs are "
            f"{', '.join(IMAGE_SUFFIXES + EM_SUFFIXES)}"
        )
    if not path.is_file():
        raise FileFormatError(f"input file not found: {path}")
    try:
        if suffix == ".npy":
            return np.load(path, allow_pickle=False, mmap_mode="r")
        import tifffile

        try:
            return tifffile.memmap(path, mode="r")
        except ValueError:  # compressed or tiled: not memory-mappable
            return tifffile.imread(path)
    except Exception as err:  # any reader failure is a bad file for the user
        raise FileFormatError(f"cannot read {path}: {err}") from None


def read_calibrated(path: str | Path):
    """Read an image or series with its pixel size and units.

    Microscope files get theirs from `napari_symseg.io.formats.read_em`, ImageJ
    and OME TIFFs from `napari_symseg.io.formats.tiff_calibration`.

    Parameters
    ----------
    path : str or Path
        ``.npy``, ``.tif/.tiff`` or a microscope file.

    Returns
    -------
    data : array-like
        As `read_image` returns it.
    calibration : Calibration
        From the file's metadata where the format has it; 1 pixel per pixel otherwise.
    """
    from .calibration import Calibration
    from .formats import EM_SUFFIXES, TIFF_SUFFIXES, read_em, tiff_calibration

    suffix = Path(path).suffix.lower()
    if suffix in EM_SUFFIXES:
        return read_em(path)
    data = read_image(path)
    if suffix in TIFF_SUFFIXES:
        return data, tiff_calibration(path, np.ndim(data))
    return data, Calibration.pixels(np.ndim(data))


class NpyFrames:
    """Frames of a (T, Y, X) ``.npy`` file, read and written with plain file I/O.

    Just enough of an array for a series run (``shape``, ``dtype``,
    ``frames[t]``, ``frames[t] = labels``) without memory-mapping the file,
    so the process's resident memory stays that of one frame however long
    the series (mapped pages of a `numpy.memmap` count as resident until the
    kernel reclaims them).

    Parameters
    ----------
    path : str or Path
        A C-ordered ``.npy`` file of 3 dimensions.
    writable : bool
        Open for ``frames[t] = ...`` too.
    """

    def __init__(self, path: str | Path, writable: bool = False) -> None:
        self.path = Path(path)
        mapped = np.load(self.path, mmap_mode="r")
        if mapped.ndim != 3 or not mapped.flags.c_contiguous:
            raise ValueError(f"{self.path.name} is not a C-ordered 3-D array")
        self.shape, self.dtype, self.offset = mapped.shape, mapped.dtype, mapped.offset
        del mapped
        self.ndim = 3
        self.frame_bytes = int(np.prod(self.shape[1:])) * self.dtype.itemsize
        self.file = self.path.open("r+b" if writable else "rb")

    def __len__(self) -> int:
        return self.shape[0]

    def _seek(self, t) -> None:
        if not isinstance(t, int | np.integer) or not 0 <= t < self.shape[0]:
            raise IndexError(f"frame index must be an integer in 0..{self.shape[0] - 1}")
        self.file.seek(self.offset + int(t) * self.frame_bytes)

    def __getitem__(self, t: int) -> np.ndarray:
        self._seek(t)
        data = np.frombuffer(self.file.read(self.frame_bytes), dtype=self.dtype)
        return data.reshape(self.shape[1:])

    def __setitem__(self, t: int, frame) -> None:
        self._seek(t)
        self.file.write(np.ascontiguousarray(frame, dtype=self.dtype).tobytes())

    def close(self) -> None:
        """Close the file."""
        self.file.close()


def series_frames(path: str | Path, array):
    """`array` as read by `read_image`, or an `NpyFrames` reader for a ``.npy`` series."""
    if Path(path).suffix.lower() == ".npy" and getattr(array, "ndim", 0) == 3:
        try:
            return NpyFrames(path)
        except ValueError:  # Fortran order: keep the memory map
            return array
    return array


def check_output_path(path: str | Path, suffixes=LABEL_SUFFIXES) -> Path:
    """Check an output path before any work is done (suffix, folder exists)."""
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise FileFormatError(
            f"cannot write {path.name}: supported outputs are {', '.join(suffixes)}"
        )
    if not path.parent.exists():
        raise FileFormatError(f"output folder does not exist: {path.parent}")
    return path


def labels_dtype(labels: np.ndarray) -> np.dtype:
    """The smallest of uint8, uint16 (ImageJ types) and int32 that holds `labels`.

    Parameters
    ----------
    labels : ndarray of int
        Any integer labels.
    """
    lo, hi = np.min(labels, initial=0), np.max(labels, initial=0)
    if lo >= 0 and hi < 2**8:
        return np.dtype(np.uint8)
    return np.dtype(np.uint16 if lo >= 0 and hi < 2**16 else np.int32)


def write_labels(
    path: str | Path, labels: np.ndarray, metadata: dict | None = None, calibration=None
) -> None:
    """Write integer labels as ``.npy`` or as a calibrated ImageJ ``.tif``.

    Parameters
    ----------
    path : str or Path
        ``.npy`` (the array only) or ``.tif/.tiff``.
    labels : ndarray of int, (Y, X) or (T, Y, X)
        Stored as uint8 (or uint16 / int32 when needed).
    metadata : dict, optional
        JSON-compatible (parameters, version); in a TIFF, ImageJ's ``Info``
        property (see `napari_symseg.io.tiff`).
    calibration : Calibration, optional
        Pixel size, unit and frame interval of `labels`, written so that
        Fiji/ImageJ and tifffile read them (TIFF only).
    """
    path = Path(path)
    labels = np.asarray(labels)
    labels = labels.astype(labels_dtype(labels))
    if path.suffix.lower() == ".npy":
        np.save(path, labels)
        return
    import json

    from .tiff import write_tiff

    write_tiff(path, labels, calibration, json.dumps(metadata or {}, default=_jsonable))


def _jsonable(value):
    """numpy numbers and arrays as JSON numbers and lists; anything else as text."""
    return value.tolist() if hasattr(value, "tolist") else str(value)


class SeriesLabelsWriter:
    """Labels of a series written frame by frame (memory bounded by one frame).

    Frames go to a temporary ``.npy`` file beside `path` (in any order, with
    plain file I/O: `NpyFrames`); `finish` turns it into the final ``.npy``
    (a rename) or ``.tif`` (page by page) and `discard` removes it, so a
    failed or interrupted run leaves nothing behind.

    Parameters
    ----------
    path : str or Path
        The final ``.npy`` or ``.tif/.tiff`` file.
    shape : (int, int, int)
        (T, Y, X) of the labels.
    metadata : dict, optional
        JSON-compatible; stored in ImageJ's ``Info`` property of the TIFF.
    calibration : Calibration, optional
        Frame interval, pixel size and unit of the (T, Y, X) labels (TIFF only).
    """

    def __init__(
        self, path: str | Path, shape: tuple[int, int, int], metadata=None, calibration=None
    ) -> None:
        self.path = Path(path)
        self.metadata = metadata or {}
        self.calibration = calibration
        self.tmp = self.path.with_name(f".{self.path.name}.partial.npy")
        with self.tmp.open("wb") as fh:
            header = {"descr": "|u1", "fortran_order": False, "shape": tuple(shape)}
            np.lib.format.write_array_header_2_0(fh, header)
            fh.truncate(fh.tell() + int(np.prod(shape)))
        self.array = NpyFrames(self.tmp, writable=True)

    def finish(self) -> None:
        """Write the final file and remove the temporary one."""
        self.array.file.flush()
        if self.path.suffix.lower() == ".npy":
            self.array.close()
            self.tmp.replace(self.path)
            return
        import json

        from .tiff import write_tiff

        frames = (self.array[t] for t in range(len(self.array)))
        try:
            write_tiff(self.path, frames, self.calibration, json.dumps(self.metadata),
                       shape=self.array.shape, dtype=self.array.dtype)
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove the temporary file."""
        self.array.close()
        self.tmp.unlink(missing_ok=True)


# The overlay figure (image + pattern colours + scale bar + legend) lives in `figure`;
# these names stay importable from here.
