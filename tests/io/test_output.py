"""The output policy: checked before any work, written to a unique temporary, then renamed."""

import os
import stat
import tempfile
from pathlib import Path

import numpy as np
import pytest

from napari_symseg.errors import ExportError
from napari_symseg.io.frames import SeriesLabelsWriter
from napari_symseg.io.labels import write_labels
from napari_symseg.io.output import PARTIAL, Outputs, check_outputs, replacing, write_text


@pytest.fixture
def unwritable(tmp_path):
    """A folder in which no file can be created (also for root)."""
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    folder = Path("/sys")  # sysfs: root cannot create files there either
    try:
        fd, name = tempfile.mkstemp(dir=folder)
    except OSError:
        yield folder
        return
    os.close(fd)
    os.unlink(name)
    pytest.skip("no unwritable folder available")


def _names(folder):
    return sorted(p.name for p in Path(folder).iterdir())


def test_an_input_is_never_an_output(tmp_path):
    source = tmp_path / "img.npy"
    source.write_bytes(b"input")
    (tmp_path / "link.npy").symlink_to(source)
    os.link(source, tmp_path / "hard.npy")
    for out in (source, tmp_path / "." / "img.npy", tmp_path / "link.npy",
                tmp_path / "hard.npy"):
        with pytest.raises(ExportError, match="is the input"):
            check_outputs([out], [source])
    assert check_outputs([tmp_path / "other.npy"], [source]) == [tmp_path / "other.npy"]
    assert source.read_bytes() == b"input"


def test_outputs_are_distinct_files_in_writable_folders(tmp_path, unwritable):
    with pytest.raises(ExportError, match="two outputs are the same file"):
        check_outputs([tmp_path / "a.tif", tmp_path / "sub" / ".." / "a.tif"])
    (tmp_path / "dir.npy").mkdir()
    with pytest.raises(ExportError, match="is a folder"):
        check_outputs([tmp_path / "dir.npy"])
    with pytest.raises(ExportError, match="folder does not exist"):
        check_outputs([tmp_path / "no" / "a.npy"])
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportError, match="not a folder"):
        check_outputs([tmp_path / "file" / "a.npy"])
    with pytest.raises(ExportError, match="cannot write in"):
        check_outputs([unwritable / "a.npy"])
    assert _names(tmp_path) == ["dir.npy", "file"]  # the checks leave nothing behind


def test_files_appear_together_at_the_end_or_not_at_all(tmp_path):
    a, b = tmp_path / "a.npy", tmp_path / "b.json"
    a.write_bytes(b"earlier a")
    with Outputs([a, b]) as out:
        np.save(out.temp(a), np.arange(4))
        assert out.temp(a) == out.temp(a) and out.temp(a).name.startswith(f".a{PARTIAL}")
        assert a.read_bytes() == b"earlier a" and not b.exists()  # nothing renamed yet
        write_text(out.temp(b), "{}")
        assert out.commit() == [a, b]
    np.testing.assert_array_equal(np.load(a), np.arange(4))
    assert _names(tmp_path) == ["a.npy", "b.json"]
    with pytest.raises(RuntimeError), Outputs([a, b]) as out:
        np.save(out.temp(a), np.zeros(2))
        raise RuntimeError("failed before the end")
    np.testing.assert_array_equal(np.load(a), np.arange(4))
    assert _names(tmp_path) == ["a.npy", "b.json"]


def test_two_runs_never_share_a_temporary(tmp_path):
    target = tmp_path / "same.npy"
    first, second = Outputs([target]), Outputs([target])
    assert first.temp(target) != second.temp(target)
    np.save(first.temp(target), np.ones(3))
    np.save(second.temp(target), np.zeros(5))
    first.commit()
    second.commit()
    np.testing.assert_array_equal(np.load(target), np.zeros(5))
    assert _names(tmp_path) == ["same.npy"]


def test_ctrl_c_while_a_labels_file_is_written_keeps_the_earlier_file(tmp_path, monkeypatch):
    target = tmp_path / "labels.npy"
    np.save(target, np.full((4, 4), 7))
    real = np.save

    def interrupted(path, array, *args, **kwargs):
        real(path, array[:2])  # half of it
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_labels(target, np.zeros((4, 4), int))
    monkeypatch.undo()
    np.testing.assert_array_equal(np.load(target), np.full((4, 4), 7))
    assert _names(tmp_path) == ["labels.npy"]


def test_replacing_refuses_an_input_and_cleans_up(tmp_path):
    target = tmp_path / "p.json"
    target.write_text("old")
    with pytest.raises(ExportError, match="is the input"), replacing(target, [target]):
        pass
    with pytest.raises(ValueError), replacing(target) as tmp:
        tmp.write_text("new, half")
        raise ValueError
    assert target.read_text() == "old" and _names(tmp_path) == ["p.json"]


@pytest.mark.parametrize("suffix", [".npy", ".tif"])
def test_discarded_series_leaves_the_earlier_file(tmp_path, suffix):
    target = tmp_path / f"s{suffix}"
    target.write_bytes(b"earlier series")
    writer = SeriesLabelsWriter(target, (3, 4, 5))
    writer.array[0] = np.ones((4, 5))
    assert len(_names(tmp_path)) == 2  # the target and one hidden temporary
    writer.discard()
    assert _names(tmp_path) == [target.name] and target.read_bytes() == b"earlier series"


def test_outputs_get_the_users_file_mode_not_mkstemps_private_one(tmp_path):
    """mkstemp makes 0o600 files; a renamed output must read like any file written here."""
    old = os.umask(0o027)
    try:
        import napari_symseg._atomic as atomic

        atomic._MODE.clear()  # the umask is read once per process
        out = Outputs([tmp_path / "a.npy"])
        np.save(out.temp(tmp_path / "a.npy"), np.zeros(3))
        out.commit()
        atomic.write_text_atomic(tmp_path / "b.json", "{}")
        assert stat.S_IMODE((tmp_path / "a.npy").stat().st_mode) == 0o640
        assert stat.S_IMODE((tmp_path / "b.json").stat().st_mode) == 0o640
    finally:
        os.umask(old)
        atomic._MODE.clear()
