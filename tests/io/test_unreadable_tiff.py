"""A damaged TIFF is one line naming the file and what is wrong in words (tester newuser10).

Before: ``segment corrupt.tif`` printed tifffile's log line ``<tifffile.TiffPages
@…> invalid offset to first page …`` and then ``cannot read bad03.tif: empty
Zarr arrays not supported``; napari's reader said ``failed to read 262144
bytes, got 2728``.
"""

import contextlib
import logging

import numpy as np
import pytest
import tifffile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from napari_symseg.cli import main
from napari_symseg.errors import FileFormatError
from napari_symseg.io.labels import read_labels
from napari_symseg.io.lazy import open_video
from napari_symseg.io.tiff import write_tiff


def _tiff_bytes(tmp_path, shape=(64, 64)) -> bytes:
    path = tmp_path / "whole.tif"
    write_tiff(path, np.arange(np.prod(shape), dtype=np.uint16).reshape(shape) % 7)
    return path.read_bytes()


def _header_then_noise(seed=3) -> bytes:
    """A TIFF byte order and magic, then random bytes (the tester's bad03.tif)."""
    return b"II*\x00" + np.random.default_rng(seed).bytes(500)


@pytest.fixture
def bad_files(tmp_path):
    (tmp_path / "truncated.tif").write_bytes(_tiff_bytes(tmp_path, (512, 512))[:3000])
    (tmp_path / "noise.tif").write_bytes(_header_then_noise())
    (tmp_path / "empty.tif").write_bytes(b"")
    (tmp_path / "text.tif").write_bytes(b"hello, not a TIFF\n" * 10)
    (tmp_path / "whole.tif").unlink()
    return tmp_path


WORDS = {
    "truncated.tif": "the file ends before its image data does",
    "noise.tif": "its header points to no image",
    "empty.tif": "the file is empty",
    "text.tif": "it does not start with a TIFF header",
}


@pytest.mark.parametrize("name", sorted(WORDS))
def test_segment_says_in_one_line_why_a_tiff_is_unreadable(bad_files, monkeypatch, capsys,
                                                          name):
    monkeypatch.chdir(bad_files)
    before = sorted(p.name for p in bad_files.iterdir())
    assert main(["segment", name, "-o", "out_labels.tif"]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert err == [f"napari-symseg: error: {name} is not a readable TIFF: {WORDS[name]}"
                   + err[0].split(WORDS[name], 1)[1]], err  # no tifffile log line before it
    assert "Zarr" not in err[0] and "bytes, got" not in err[0]
    assert captured.out == ""
    assert sorted(p.name for p in bad_files.iterdir()) == before  # nothing written


@pytest.mark.parametrize("name", sorted(WORDS))
def test_the_labels_reader_names_the_file(bad_files, name):
    """napari's File > Open with this plugin (`read_labels_file`) and `read_labels`."""
    from napari_symseg._reader import read_labels_file

    labels_name = name.replace(".tif", "_labels.tif")
    (bad_files / name).rename(bad_files / labels_name)
    with pytest.raises(FileFormatError) as caught:
        read_labels_file(str(bad_files / labels_name))
    assert str(caught.value).startswith(f"{labels_name} is not a readable TIFF: {WORDS[name]}")


def test_another_threads_tifffile_lines_are_not_silenced(bad_files):
    """Only the read's own thread is quiet: a log line of another thread still shows."""
    import threading

    from napari_symseg.io.tiff_read import quiet_tifffile

    logger = logging.getLogger("tifffile")
    with _tifffile_lines() as seen:
        with quiet_tifffile() as held:
            logger.warning("this thread")
            other = threading.Thread(target=lambda: logger.warning("other thread"))
            other.start()
            other.join()
        logger.warning("after")
    assert held == ["this thread"]
    assert seen == ["other thread", "after"]


@contextlib.contextmanager
def _tifffile_lines():
    """What tifffile's logger lets through to a handler inside the block."""
    seen = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())
    logger = logging.getLogger("tifffile")
    logger.addHandler(handler)
    try:
        yield seen
    finally:
        logger.removeHandler(handler)


def _read_all(path):
    data, _ = open_video(path)
    np.asarray(data[:] if np.ndim(data) == 3 else data)
    read_labels(path)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_damaged_tiffs_read_whole_or_fail_in_one_line(tmp_path, data):
    """Truncated or corrupted (a byte changed) TIFFs, 2-D and series: the reader returns
    an array or raises one `FileFormatError` naming the file; tifffile prints nothing."""
    shape = data.draw(st.sampled_from([(16, 16), (3, 16, 16)]))
    whole = _tiff_bytes(tmp_path, shape)
    if data.draw(st.booleans()):
        damaged = whole[: data.draw(st.integers(0, len(whole) - 1))]
    else:
        at = data.draw(st.integers(0, len(whole) - 1))
        damaged = whole[:at] + bytes([data.draw(st.integers(0, 255))]) + whole[at + 1:]
    path = tmp_path / "damaged_labels.tif"
    path.write_bytes(damaged)
    with _tifffile_lines() as lines:
        try:
            _read_all(path)
        except FileFormatError as err:
            assert "\n" not in str(err)
            assert "damaged_labels.tif" in str(err), str(err)
    assert lines == []  # (outside pytest, Python prints them on stderr)
    assert path.read_bytes() == damaged  # never modified


def test_a_whole_tiff_still_reads(tmp_path):
    _tiff_bytes(tmp_path, (3, 16, 16))
    data, _ = open_video(tmp_path / "whole.tif")
    assert np.asarray(data[:]).shape == (3, 16, 16)
    assert tifffile.imread(tmp_path / "whole.tif").shape == (3, 16, 16)


def test_a_damaged_page_in_the_middle_of_a_series_is_one_line_naming_it(tmp_path, capsys):
    """The first and last pages are read when the file is opened; a page damaged in the
    middle fails only when the run reaches it: one line naming the file and the frame (it
    was the decoder's "Error -3 while decompressing data" as "unexpected … this is a bug")."""
    rng = np.random.default_rng(0)
    series = (rng.random((6, 64, 64)) * 1000).astype(np.float32)
    path = tmp_path / "series.tif"
    tifffile.imwrite(path, series, compression="zlib")
    with tifffile.TiffFile(path) as tif:
        start, count = tif.pages[3].dataoffsets[0], tif.pages[3].databytecounts[0]
    damaged = bytearray(path.read_bytes())
    damaged[start + 10:start + count - 10] = rng.integers(0, 256, count - 20, np.uint8).tobytes()
    path.write_bytes(bytes(damaged))
    frames, _ = open_video(path)
    np.testing.assert_array_equal(frames[2], series[2])
    with pytest.raises(FileFormatError, match=r"series\.tif is not a readable TIFF at frame 3"):
        frames[3]
    out = tmp_path / "labels.tif"
    code = main(["segment", str(path), "-o", str(out), "--patch-x", "6", "--patch-y", "6",
                 "--window-x", "8", "--window-y", "8", "--stride", "4",
                 "--reference-frames", "0"])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert "series.tif is not a readable TIFF at frame 3" in err
    assert "this is a bug" not in err and len(err.strip().splitlines()) == 1
