"""Files in and out, without Qt or napari: images and series, calibration, labels, exports.

One job per module:

- `files`: read images and series (``.npy``, TIFF, microscope files) with
  their calibration;
- `formats` (+ `em_readers`, `metadata`): microscope files (DM, SER, EMD,
  MRC) through their reader libraries, units;
- `tiff`: calibrated ImageJ TIFFs written, and TIFF calibration and the
  package's JSON record read; `tiff_read`: a TIFF that cannot be read said in
  words, one line naming the file (tifffile's log lines held back);
- `calibration`: pixel size and units carried from the file to every output;
- `labels`: the label convention of every labels file, written and read;
- `images`: a napari Image layer (a result map, the PCA composite) to a
  calibrated TIFF and back, without loss;
- `frames`: series frames on disk (read frame by frame, labels streamed);
- `statistics`: the statistics CSV and the layer's features table;
- `export`: the result files of one run (labels, parameters, statistics,
  overlay);
- `figure`: the overlay figure (PNG: image, patterns, boundaries, scale bar, legend);
- `colours`: the one colour table of the patterns.
"""

from ..errors import FileFormatError
from .figure import overlay_rgb, write_overlay
from .files import read_calibrated, read_image
from .frames import NpyFrames, SeriesLabelsWriter, series_frames
from .labels import read_labels, write_labels

__all__ = [
    "FileFormatError",
    "NpyFrames",
    "SeriesLabelsWriter",
    "overlay_rgb",
    "read_calibrated",
    "read_image",
    "read_labels",
    "series_frames",
    "write_labels",
    "write_overlay",
]
