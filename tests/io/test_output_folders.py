"""A zarr store as one output (a folder): written aside, renamed over the old one, or removed."""

import numpy as np
import pytest
import zarr

from napari_symseg.errors import ExportError
from napari_symseg.io.output import Outputs


def store(path, value):
    array = zarr.create_array(str(path), shape=(2, 3), dtype=np.uint8, overwrite=True)
    array[:] = value


def test_a_store_replaces_the_old_one_whole(tmp_path):
    target = tmp_path / "x_labels.zarr"
    store(target, 1)
    with Outputs([target]) as out:
        tmp = out.temp_folder(target)
        assert tmp.parent == tmp_path and tmp.name.startswith(".x_labels.partial-")
        store(tmp, 7)
        assert zarr.open(str(target), mode="r")[:].max() == 1  # untouched until commit
        out.commit()
    assert zarr.open(str(target), mode="r")[:].tolist() == [[7] * 3] * 2
    assert [p.name for p in tmp_path.iterdir()] == ["x_labels.zarr"]


def test_a_discarded_store_leaves_the_old_one(tmp_path):
    target = tmp_path / "x_labels.zarr"
    store(target, 1)
    with Outputs([target]) as out:
        store(out.temp_folder(target), 7)
    assert zarr.open(str(target), mode="r")[:].max() == 1
    assert [p.name for p in tmp_path.iterdir()] == ["x_labels.zarr"]


def test_a_plain_folder_is_still_refused(tmp_path):
    (tmp_path / "photos.zarr").mkdir()  # no zarr metadata: not a store
    with pytest.raises(ExportError, match="is a folder"):
        Outputs([tmp_path / "photos.zarr"])
