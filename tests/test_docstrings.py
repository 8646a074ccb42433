"""The Examples sections of the public docstrings run and hold."""

import doctest

import pytest

import napari_symseg.core.model
import napari_symseg.core.pipeline
import napari_symseg.core.separability
import napari_symseg.core.series
import napari_symseg.core.suggest


@pytest.mark.parametrize(
    "module",
    [
        napari_symseg.core.pipeline,
        napari_symseg.core.model,
        napari_symseg.core.separability,
        napari_symseg.core.suggest,
        napari_symseg.core.series,
    ],
)
def test_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
