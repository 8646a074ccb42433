"""Reading images and writing labels / overlays (.npy, .tif/.tiff, .png)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = (".npy", ".tif", ".tiff")
LABEL_SUFFIXES = (".npy", ".tif", ".tiff")


class FileFormatError(ValueError):
    """A file cannot be read or written in the requested format."""


def read_image(path: str | Path) -> np.ndarray:
    """Read an image or image series from ``.npy`` or ``.tif/.tiff``.

    Returns the array as stored (no conversion); validation happens later.
    ``.npy`` files, and TIFF files whose pixels are stored contiguously, are
    memory-mapped (read-only), so a long series is read frame by frame.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise FileFormatError(
            f"cannot read {path.name}: supported inputs are {', '.join(IMAGE_SUFFIXES)}"
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


def write_labels(path: str | Path, labels: np.ndarray, metadata: dict | None = None) -> None:
    """Write integer labels as ``.npy`` or ``.tif`` (parameters in the TIFF description)."""
    path = Path(path)
    labels = np.asarray(labels)
    dtype = np.uint8 if labels.max(initial=0) < 256 and labels.min(initial=0) >= 0 else np.int32
    labels = labels.astype(dtype)
    if path.suffix.lower() == ".npy":
        np.save(path, labels)
        return
    import json

    import tifffile

    tifffile.imwrite(
        path,
        labels,
        description=json.dumps(metadata or {}),
        metadata=None,
        photometric="minisblack",
    )


class SeriesLabelsWriter:
    """Labels of a series written frame by frame (memory bounded by one frame).

    Frames go to a temporary ``.npy`` memory map beside `path` (in any
    order); `finish` turns it into the final ``.npy`` (a rename) or
    ``.tif`` (page by page) and `discard` removes it, so a failed or
    interrupted run leaves nothing behind.

    Parameters
    ----------
    path : str or Path
        The final ``.npy`` or ``.tif/.tiff`` file.
    shape : (int, int, int)
        (T, Y, X) of the labels.
    metadata : dict, optional
        JSON-compatible; stored in the TIFF description.
    """

    def __init__(self, path: str | Path, shape: tuple[int, int, int], metadata=None) -> None:
        self.path = Path(path)
        self.metadata = metadata or {}
        self.tmp = self.path.with_name(f".{self.path.name}.partial.npy")
        self.array = np.lib.format.open_memmap(self.tmp, mode="w+", dtype=np.uint8, shape=shape)

    def finish(self) -> None:
        """Write the final file and remove the temporary one."""
        self.array.flush()
        if self.path.suffix.lower() == ".npy":
            del self.array
            self.tmp.replace(self.path)
            return
        import json

        import tifffile

        try:
            with tifffile.TiffWriter(self.path) as tif:
                for t, frame in enumerate(self.array):
                    tif.write(
                        np.asarray(frame), contiguous=True, photometric="minisblack",
                        description=json.dumps(self.metadata) if t == 0 else None,
                        metadata=None,
                    )
        finally:
            self.discard()

    def discard(self) -> None:
        """Remove the temporary file."""
        self.array = None
        self.tmp.unlink(missing_ok=True)


# A colour-blind-friendly qualitative palette (Okabe-Ito), then repeats.
_PALETTE = np.array(
    [
        (230, 159, 0),
        (86, 180, 233),
        (0, 158, 115),
        (240, 228, 66),
        (0, 114, 178),
        (213, 94, 0),
        (204, 121, 167),
        (153, 153, 153),
    ],
    dtype=np.float64,
)


def overlay_rgb(image: np.ndarray, labels: np.ndarray, alpha: float = 0.35) -> np.ndarray:
    """Grey image (1-99 percentile stretch) blended with coloured labels, uint8 RGB."""
    img = np.asarray(image, dtype=np.float64)
    lo, hi = np.percentile(img, (1, 99))
    grey = np.clip((img - lo) / (hi - lo if hi > lo else 1.0), 0, 1)[..., None] * 255
    colours = _PALETTE[np.asarray(labels) % len(_PALETTE)]
    rgb = (1 - alpha) * grey + alpha * colours
    # mark pattern boundaries in white so they stay visible on any image
    lab = np.asarray(labels)
    edge = np.zeros(lab.shape, bool)
    edge[:-1] |= lab[:-1] != lab[1:]
    edge[:, :-1] |= lab[:, :-1] != lab[:, 1:]
    rgb[edge] = 255
    return rgb.round().astype(np.uint8)


def write_overlay(path: str | Path, image: np.ndarray, labels: np.ndarray) -> None:
    """Save `overlay_rgb` as a PNG."""
    from PIL import Image

    Image.fromarray(overlay_rgb(image, labels)).save(Path(path))
