"""Files in and out, without Qt: images and series, calibration, labels, exports.

- `files`: read images and series (``.npy``, TIFF, microscope files), write labels;
- `formats`: microscope files (DM, SER, EMD, MRC) and TIFF calibration;
- `calibration`: pixel size and units carried from the file to every output;
- `tiff`: calibrated ImageJ TIFF writing;
- `export`: the result files (labels, parameters, statistics, overlay);
- `figure`: the overlay figure with scale bar and legend.
"""

from .figure import overlay_rgb, write_overlay
from .files import (
    FileFormatError,
    NpyFrames,
    SeriesLabelsWriter,
    read_calibrated,
    read_image,
    series_frames,
    write_labels,
)

__all__ = [
    "FileFormatError",
    "NpyFrames",
    "SeriesLabelsWriter",
    "overlay_rgb",
    "read_calibrated",
    "read_image",
    "series_frames",
    "write_labels",
    "write_overlay",
]
