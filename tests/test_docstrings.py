"""The Examples sections of the public docstrings run and hold."""

import doctest

import pytest

import napari_symseg.core.auto
import napari_symseg.core.model
import napari_symseg.core.pipeline
import napari_symseg.core.separability
import napari_symseg.core.stack


@pytest.mark.parametrize(
    "module",
    [
        napari_symseg.core.pipeline,
        napari_symseg.core.model,
        napari_symseg.core.separability,
        napari_symseg.core.auto,
        napari_symseg.core.stack,
    ],
)
def test_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
