"""Images and series in: ``.npy``, TIFF (with its calibration) and microscope files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import FileFormatError
from .calibration import Calibration
from .formats import EM_SUFFIXES, read_em
from .tiff import tiff_calibration
from .tiff_read import has_image, reading_tiff

IMAGE_SUFFIXES = (".npy", ".tif", ".tiff")
TIFF_SUFFIXES = (".tif", ".tiff")


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
    if suffix != ".npy":
        import tifffile

        with reading_tiff(path):  # one line in words, no tifffile log lines
            try:
                return tifffile.memmap(path, mode="r")
            except ValueError:  # compressed or tiled: not memory-mappable
                return has_image(tifffile.imread(path))
    try:
        return _read_npy(path)
    except FileFormatError:
        raise
    except Exception as err:  # any reader failure is a bad file for the user
        raise FileFormatError(f"cannot read {path}: {err}") from None


#: the first bytes of every .npy file
NPY_MAGIC = b"\x93NUMPY"


def _read_npy(path: Path) -> np.ndarray:
    """A numeric ``.npy`` array, memory-mapped; one clear line for anything else (never
    numpy's advice to load pickled data unsafely)."""
    with open(path, "rb") as fh:
        head = fh.read(len(NPY_MAGIC))
    if not head:
        raise FileFormatError(f"{path.name} is empty (0 bytes): not a .npy array")
    if head != NPY_MAGIC:
        raise FileFormatError(f"{path.name} is not a numeric .npy array "
                              "(object/pickled data or not a .npy file)")
    try:
        data = np.load(path, allow_pickle=False, mmap_mode="r")
    except ValueError as err:
        text = str(err)
        if "pickle" in text or "Object arrays" in text or "Python objects" in text:
            raise FileFormatError(f"{path.name} is not a numeric .npy array "
                                  "(object/pickled data or not a .npy file)") from None
        if "mmap length is greater than file size" in text or "No data left" in text \
                or "cannot reshape" in text:
            raise FileFormatError(f"{path.name} is truncated: the file is shorter than "
                                  "its .npy header says (an interrupted copy or save?)") from None
        raise
    if data.dtype.hasobject or data.dtype.names is not None:
        raise FileFormatError(f"{path.name} is not a numeric .npy array "
                              f"(dtype {data.dtype})")
    return data


def read_calibrated(path: str | Path):
    """Read an image or series with its pixel size and units.

    Microscope files get theirs from `napari_symseg.io.formats.read_em`, ImageJ
    and OME TIFFs from `napari_symseg.io.tiff.tiff_calibration`.

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
    suffix = Path(path).suffix.lower()
    if suffix in EM_SUFFIXES:
        return read_em(path)
    data = read_image(path)
    if suffix in TIFF_SUFFIXES:
        return data, tiff_calibration(path, np.ndim(data))
    return data, Calibration.pixels(np.ndim(data))
