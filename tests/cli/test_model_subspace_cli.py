"""``segment --model``: an image unlike the model's fit whose features stay within the
model's reach still gets a note (the second check, `core.consistency.subspace_note`)."""

import numpy as np
from benchmarks.measure_scenarios import two_grains

from napari_symseg.cli import main


def test_unlike_image_within_the_reach_is_noted(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    kw = {"orientations": (10.0, 40.0), "tilt": 0.0, "counts": 20}
    np.save("ref.npy", two_grains((160, 160), **kw).image)
    np.save("alike.npy", two_grains((160, 160), seed=1, **kw).image)
    np.save("hex.npy", two_grains((160, 160), kind="hexagonal", **kw).image)
    assert main(["segment", "ref.npy", "-o", "l.npy", "--save-model", "m.json", "-q",
                 "--patch-x", "8", "--patch-y", "8", "--window-x", "10", "--window-y", "10",
                 "--stride", "4", "--n-patterns", "2"]) == 0
    capsys.readouterr()
    assert main(["segment", "alike.npy", "-o", "a.npy", "--model", "m.json"]) == 0
    assert "note:" not in capsys.readouterr().out
    assert main(["segment", "hex.npy", "-o", "h.npy", "--model", "m.json"]) == 0
    out = capsys.readouterr().out
    assert "note: this image's descriptors vary" in out and "unlike what the model" in out
    assert np.load("h.npy").shape == (160, 160)  # labelled all the same
