"""*File > IO Utilities > Open a video lazily…*: a (T, Y, X) video as a dask layer (issue 17).

napari's own readers open a ``.npy`` or multi-page TIFF video in full; the
plugin does not claim those suffixes, since napari would then ask which
reader to use for every such file. This command opens one lazily instead:
`napari_symseg.io.lazy.open_video` (nothing read yet) as a dask array of one
chunk per frame (`napari_symseg.io.frame_readers.as_dask`), with the file's
calibration; a 2-D image is added as it is read. The widget then runs on it
with lazy labels (`napari_symseg.controller.lazy_labels`).
"""

from __future__ import annotations

from pathlib import Path

import napari
from qtpy.QtWidgets import QFileDialog

from ..errors import SymsegError

#: The file dialog's filter.
VIDEO_FILTER = ("Videos and images (*.npy *.tif *.tiff *.ser *.emd *.dm3 *.dm4 *.mrc *.mrcs);;"
                "All files (*)")


def add_video(viewer, path: str | Path):
    """Add the video (or image) at `path` to `viewer` without reading its frames.

    Parameters
    ----------
    viewer : napari.Viewer
        Where the layer goes.
    path : str or Path
        ``.npy``, ``.tif/.tiff``, a ``.zarr`` folder or a microscope file.

    Returns
    -------
    napari.layers.Image
        Named after the file; a (T, Y, X) video's data is a dask array of one
        chunk per frame; scale, units and axis labels from the file, the
        file in ``metadata["source_file"]`` (where a run keeps its labels).
    """
    from ..io.frame_readers import as_dask
    from ..io.lazy import open_video

    data, calibration = open_video(path)
    if len(getattr(data, "shape", ())) == 3:
        data = as_dask(data)
    return viewer.add_image(data, name=Path(path).stem, **calibration.layer_kwargs(),
                            metadata={"source_file": str(path)})


def open_video_lazily(viewer: napari.viewer.Viewer) -> None:
    """Ask for a file and add it with `add_video`; a bad file is one error notification.

    Parameters
    ----------
    viewer : napari.viewer.Viewer
        The viewer (napari passes it).
    """
    from qtpy.QtWidgets import QApplication

    from ..controller.layer_io import prefer_own_labels_reader

    prefer_own_labels_reader()  # the *_labels.zarr a run keeps reopen without a dialog
    # the active window as parent (napari's Window._qt_window is private for plugins)
    path, _ = QFileDialog.getOpenFileName(QApplication.activeWindow(), "Open a video lazily",
                                          "", VIDEO_FILTER)
    if not path:
        return
    try:
        add_video(viewer, path)
    except SymsegError as err:
        napari.utils.notifications.show_error(f"napari-symseg: {err}")
