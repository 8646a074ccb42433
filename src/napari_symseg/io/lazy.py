"""Videos opened lazily: a (T, Y, X) series is read one frame at a time, never whole.

`open_video` opens ``.npy``, TIFF (multi-page, ImageJ / OME, compressed
too), zarr and microscope series (``.ser``, ``.emd``; ``.dm3/.dm4`` and
``.mrc`` are memory maps already) with their calibration, as a **frame
reader**: an object with ``shape``, ``dtype``, ``ndim`` and
``reader[t]`` (one frame, read when asked for). The command line labels
such a reader frame by frame; `as_dask` turns it into a dask array of one
chunk per frame for napari, so that moving the time slider reads the frame
shown and nothing else.

========================  ==============================================
file                      frames read by
========================  ==============================================
``.npy`` (C order)        `NpyVideo`: ``os.pread`` of one frame's bytes
                          (no memory map: the pages of a mapped file count
                          in the process's resident memory)
``.tif/.tiff``            tifffile's zarr store (``aszarr``): one page per
                          frame, compressed pages decoded one at a time
``.zarr`` (folder)        zarr; a store written by this package holds its
                          calibration in the ``napari_symseg`` attribute
``.ser``                  ncempy, one ``getDataset(t)`` per frame
``.emd`` (Velox/Berkeley) h5py datasets (Velox stores frames last: moved)
``.dm3/.dm4/.mrc``        the readers' memory maps
========================  ==============================================

A 2-D image is returned as `napari_symseg.io.files.read_calibrated` reads
it (there is no frame to skip).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .frame_readers import FrameReader, LockedFrames, NpyVideo, as_dask

__all__ = [
    "VIDEO_SUFFIXES",
    "FrameReader",
    "LockedFrames",
    "NpyVideo",
    "TiffFrames",
    "as_dask",
    "is_zarr",
    "open_video",
    "tiff_frames",
]

#: Suffixes `open_video` reads (a ``.zarr`` is a folder).
VIDEO_SUFFIXES = (".npy", ".tif", ".tiff", ".zarr", ".ser", ".emd", ".dm3", ".dm4", ".mrc",
                  ".mrcs")


def is_zarr(path: str | Path) -> bool:
    """True for a zarr store (a folder named ``*.zarr``, or one with zarr's metadata)."""
    path = Path(path)
    return path.is_dir() and (path.suffix.lower() == ".zarr" or any(
        (path / name).is_file() for name in ("zarr.json", ".zarray", ".zgroup")))


def open_video(path: str | Path, dataset=None):
    """Open an image or (T, Y, X) video without reading its frames.

    Parameters
    ----------
    path : str or Path
        ``.npy``, ``.tif/.tiff``, a ``.zarr`` folder or a microscope file.
    dataset : int or str, optional
        Of a microscope file (see `napari_symseg.io.formats.read_em`).

    Returns
    -------
    data : array_like
        A 3-D series: a frame reader (`FrameReader`, a memory map or a zarr
        array; ``data[t]`` reads frame t). A 2-D image: as
        `napari_symseg.io.files.read_calibrated` returns it.
    calibration : Calibration
        From the file (1 pixel per pixel where it has none).

    Raises
    ------
    FileFormatError
        Missing or unreadable file, unknown suffix.
    """
    from .files import TIFF_SUFFIXES, read_calibrated
    from .formats import EM_SUFFIXES, read_em

    path = Path(path)
    suffix = path.suffix.lower()
    if is_zarr(path):
        from .zarr_labels import open_zarr

        return open_zarr(path)
    if suffix in EM_SUFFIXES:
        return read_em(path, dataset, lazy=True)
    if suffix in TIFF_SUFFIXES and path.is_file():
        from .tiff import tiff_calibration

        data = tiff_frames(path)  # never the whole file, also when compressed
        if data.ndim != 3:
            return read_calibrated(path)
        return TiffFrames(path, data), tiff_calibration(path, 3)
    data, calibration = read_calibrated(path)
    if np.ndim(data) == 3 and suffix == ".npy":
        try:
            return NpyVideo(path), calibration
        except ValueError:  # Fortran order: the memory map
            return data, calibration
    return data, calibration


class TiffFrames(FrameReader):
    """The pages of a multi-page TIFF read one at a time (`tiff_frames`' zarr array): a
    page that cannot be read (a damaged strip in the middle of the file) is one
    `FileFormatError` naming the file and the frame, not the decoder's own error.

    Parameters
    ----------
    path : str or Path
        The file (named in messages).
    frames : zarr.Array, (T, Y, X)
        Its pages (`tiff_frames`).
    """

    def __init__(self, path: str | Path, frames) -> None:
        super().__init__(frames.shape, frames.dtype)
        self.path, self.frames = Path(path), frames

    def frame(self, t: int) -> np.ndarray:
        """Frame `t`, read and decoded from the file."""
        from .tiff_read import has_image, reading_tiff

        with reading_tiff(self.path, f"frame {int(t)}"):
            return has_image(np.asarray(self.frames[int(t)]))


def tiff_frames(path: str | Path):
    """The pages of a TIFF as a zarr array of one chunk per page (read on demand).

    The first and last pages are read once here, so that a damaged or truncated
    file is refused at once (`FileFormatError`, in words), not in the middle of a run.

    Parameters
    ----------
    path : str or Path
        A multi-page TIFF (compressed or not).
    """
    import tifffile
    import zarr

    from .tiff_read import has_image, reading_tiff

    with reading_tiff(path):  # one line in words, no tifffile log lines
        store = tifffile.imread(path, aszarr=True)
        frames = zarr.open(store, mode="r")
        if frames.ndim == 3 and frames.shape[0]:  # a truncated copy: its last frame is gone
            has_image(frames[0])
            has_image(frames[-1])
        return frames
