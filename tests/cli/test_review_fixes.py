"""Defects found by a new user's review, seen from the command line."""

import numpy as np
import pytest

from napari_symseg.cli import main
from napari_symseg.core.samples import two_phase

SMALL = ["--patch-x", "8", "--patch-y", "8", "--window-x", "10", "--window-y", "10",
         "--stride", "4"]
SHAPE, BOUNDARY = (96, 160), 64


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.save("img.npy", two_phase(SHAPE, boundary=BOUNDARY))
    strokes = np.zeros(SHAPE, np.uint8)
    strokes[40:56, 20:24] = 2
    strokes[40:56, 120:124] = 1
    np.save("s21.npy", strokes)
    return tmp_path


def test_overlay_legend_has_the_pattern_names(folder, monkeypatch):
    from napari_symseg.cli import segment as cli_segment

    seen = {}
    original = cli_segment.write_overlay

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(cli_segment, "write_overlay", spy)
    argv = ["segment", "img.npy", "-o", "l.tif", "--scribbles", "s21.npy", "--pattern-names",
            "hexagonal,square", "--overlay", "ov.png", "-q", *SMALL]
    assert main(argv) == 0
    assert tuple(seen["names"]) == ("hexagonal", "square")


def test_model_on_an_unlike_image_prints_a_note(folder, capsys):
    assert main(["segment", "img.npy", "-o", "l.npy", "--save-model", "m.json", "-q",
                 *SMALL]) == 0
    rng = np.random.default_rng(0)
    np.save("noise.npy", rng.normal(size=SHAPE).astype(np.float32))  # no lattice at all
    assert main(["segment", "img.npy", "-o", "same.npy", "--model", "m.json"]) == 0
    same = capsys.readouterr().out
    assert main(["segment", "noise.npy", "-o", "noise_l.npy", "--model", "m.json"]) == 0
    unlike = capsys.readouterr().out
    assert "note:" not in same
    assert "note:" in unlike and "unlike what the model was fitted on" in unlike
    np.testing.assert_array_equal(np.load("same.npy"), np.load("l.npy"))  # labels unchanged
    # a batch names it in the file's line
    assert main(["segment", "img.npy", "noise.npy", "-o", "batch", "--model", "m.json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [("note:" in line) for line in lines if "->" in line] == [False, True]
