"""Labels kept next to a video: the store's name, and the cases that fall back with a reason."""

import os
import tempfile

import numpy as np
import pytest

from napari_symseg.controller.kept_labels import kept_target, open_kept_store, video_file


def test_the_store_takes_the_first_free_name_beside_the_video(tmp_path):
    video = tmp_path / "run.tif"
    assert kept_target(video) == tmp_path / "run_labels.zarr"
    (tmp_path / "run_labels.zarr").mkdir()
    assert kept_target(video) == tmp_path / "run_2_labels.zarr"
    (tmp_path / "run_2_labels.zarr").write_text("")  # any file of that name counts
    assert kept_target(video) == tmp_path / "run_3_labels.zarr"


def test_a_store_is_written_hidden_and_appears_whole_at_the_end(tmp_path):
    video = tmp_path / "v.npy"
    writer, note = open_kept_store(video, (2, 4, 4), {"params": {}}, None, np.uint8)
    assert note == f"labels kept in {tmp_path / 'v_labels.zarr'}"
    assert [p.name.startswith(".v_labels") for p in tmp_path.iterdir()] == [True]
    writer.array[:] = 1
    writer.finish()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v_labels.zarr"]


def test_no_file_or_an_unwritable_folder_gives_a_reason_and_no_store(tmp_path, monkeypatch):
    assert video_file(type("L", (), {"metadata": {}})()) is None
    writer, note = open_kept_store(None, (2, 4, 4), {}, None, np.uint8)
    assert writer is None and "the layer has no file" in note

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)  # the folder refuses the partial store
    writer, note = open_kept_store(tmp_path / "v.npy", (2, 4, 4), {}, None, np.uint8)
    assert writer is None and note == ("labels not kept next to the video (Permission "
                                       "denied); they are in a temporary store")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in a read-only folder")
def test_a_read_only_folder_gives_a_reason(tmp_path):
    tmp_path.chmod(0o555)
    try:
        writer, note = open_kept_store(tmp_path / "v.npy", (2, 4, 4), {}, None, np.uint8)
    finally:
        tmp_path.chmod(0o755)
    assert writer is None and "cannot write" in note
