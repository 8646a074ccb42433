"""File > IO Utilities > Open a video lazily…: a dask layer with the file's calibration."""

import dask.array as da
import numpy as np
import tifffile

from napari_symseg._qt import open_video
from napari_symseg.core.samples import moving_boundary_series


def _dialog_returns(monkeypatch, path):
    monkeypatch.setattr(open_video.QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(path), "")))


def test_the_menu_command_opens_a_tiff_video_lazily_with_its_calibration(
        make_napari_viewer, monkeypatch, tmp_path):
    series = moving_boundary_series(n_frames=4, shape=(96, 96)).astype(np.float32)
    path = tmp_path / "insitu.tif"
    tifffile.imwrite(path, series, imagej=True, resolution=(1 / 0.05, 1 / 0.05),
                     metadata={"unit": "nm", "axes": "TYX", "finterval": 0.5})
    viewer = make_napari_viewer()
    # the command napari's File > IO Utilities menu runs (npe2 manifest)
    from npe2 import PluginManager

    command = PluginManager.instance().get_command("napari-symseg.open_video_lazily")
    assert "io_utilities" in str(PluginManager.instance().get_manifest(
        "napari-symseg").contributions.menus)
    _dialog_returns(monkeypatch, path)
    command.exec(kwargs={"viewer": viewer})
    layer = viewer.layers["insitu"]
    assert isinstance(layer.data, da.Array) and layer.data.chunksize[0] == 1
    np.testing.assert_array_equal(np.asarray(layer.data[2]), series[2])
    np.testing.assert_allclose(layer.scale[-2:], [0.05, 0.05], rtol=1e-4)
    assert str(layer.units[-1]) in ("nanometer", "nm")


def test_a_cancelled_dialog_adds_nothing_and_a_bad_file_is_one_error(
        make_napari_viewer, monkeypatch, tmp_path, errors):
    viewer = make_napari_viewer()
    _dialog_returns(monkeypatch, "")
    open_video.open_video_lazily(viewer)
    assert len(viewer.layers) == 0
    bad = tmp_path / "broken.npy"
    bad.write_bytes(b"not a numpy file")
    _dialog_returns(monkeypatch, bad)
    open_video.open_video_lazily(viewer)
    assert len(viewer.layers) == 0
    assert len(errors) == 1 and "broken.npy" in errors[0]
