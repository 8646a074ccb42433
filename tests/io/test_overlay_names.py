"""The overlay's legend names the patterns by their given names (``--pattern-names``)."""

import numpy as np
import pytest
from matplotlib.axes import Axes

from napari_symseg.io.figure import legend_name, overlay_figure


@pytest.fixture
def legend_labels(monkeypatch):
    seen = []
    original = Axes.legend

    def legend(self, *args, handles=(), **kwargs):
        seen.append([h.get_label() for h in handles])
        return original(self, *args, handles=handles, **kwargs)

    monkeypatch.setattr(Axes, "legend", legend)
    return seen


def _image_labels():
    labels = np.zeros((64, 96), np.int32)
    labels[:, 48:] = 1
    return np.random.default_rng(0).random((64, 96)), labels


def test_legend_uses_the_names(legend_labels):
    image, labels = _image_labels()
    a = overlay_figure(image, labels, n_patterns=2, names=("boride", "Ni"))
    b = overlay_figure(image, labels, n_patterns=2)
    assert legend_labels == [["boride", "Ni"], ["pattern 0", "pattern 1"]]
    assert a.shape == b.shape == (64, 96, 3) and (a != b).any()  # the text differs


def test_missing_names_fall_back():
    assert [legend_name(("a", ""), k) for k in range(3)] == ["a", "pattern 1", "pattern 2"]
    assert legend_name((), 0) == "pattern 0"
