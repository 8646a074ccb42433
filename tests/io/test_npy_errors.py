"""Reading a .npy that is not a numeric array says one clear line (never numpy's advice to
load pickled data unsafely)."""

import numpy as np
import pytest

from napari_symseg.errors import FileFormatError
from napari_symseg.io.files import read_image


def _object_npy(path):
    np.save(path, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)


def _truncated_npy(path):
    np.save(path, np.zeros((64, 64), np.float32))
    path.write_bytes(path.read_bytes()[:1000])


def _text(path):
    path.write_text("this is not an image\n")


def _empty(path):
    path.write_bytes(b"")


def _header_only(path):
    np.save(path, np.zeros((64, 64), np.float32))
    path.write_bytes(path.read_bytes()[:128])


@pytest.mark.parametrize(("make", "words"), [
    (_text, "is not a numeric .npy array"),
    (_object_npy, "is not a numeric .npy array"),
    (_truncated_npy, "is truncated"),
    (_header_only, "is truncated"),
    (_empty, "is empty"),
])
def test_bad_npy_one_clear_line(tmp_path, make, words):
    path = tmp_path / "x.npy"
    make(path)
    with pytest.raises(FileFormatError) as info:
        read_image(path)
    text = str(info.value)
    assert words in text and "x.npy" in text
    assert "allow_pickle" not in text and "trust" not in text and "\n" not in text


def test_numeric_npy_still_memory_mapped(tmp_path):
    path = tmp_path / "ok.npy"
    np.save(path, np.arange(12, dtype=np.float32).reshape(3, 4))
    data = read_image(path)
    assert isinstance(data, np.memmap)
    np.testing.assert_array_equal(data, np.arange(12).reshape(3, 4))


def test_cli_says_one_line(tmp_path, capsys):
    from napari_symseg.cli import main

    _text(tmp_path / "x.npy")
    code = main(["segment", str(tmp_path / "x.npy"), "-o", str(tmp_path / "l.npy")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == ["napari-symseg: error: x.npy is not a numeric .npy array "
                   "(object/pickled data or not a .npy file)"]
