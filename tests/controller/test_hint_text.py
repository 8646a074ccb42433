"""controller.hints.hint_text: the hint's one line says which test read one pattern."""

import numpy as np
import pytest

from napari_symseg.controller.hints import hint_text
from napari_symseg.core.pattern_count import PatternCountHint


def hint(**kwargs) -> PatternCountHint:
    base = dict(k=np.arange(1, 5), silhouette=np.array([0.0, 0.6, 0.5, 0.4]),
                gap=np.array([0.1, 0.5, 0.6, 0.7]), gap_error=np.full(4, 0.01), suggested=1,
                separation=6.0, score_change=0.02)
    return PatternCountHint(**{**base, **kwargs})


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"gradient": True}, "slow gradient"),
    ({"scan_drift": True, "separation": 2.0}, "scan's drift"),
    ({}, "no groups in the image beyond noise"),
    ({"suggested": 2}, "2 patterns (distinct: 0.60 of 1)"),
])
def test_the_line_names_the_test_that_read_the_number(kwargs, words):
    assert words in hint_text(hint(**kwargs))
