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


def _record(n_patterns, edited=None):
    from types import SimpleNamespace

    from napari_symseg.core.params import Params

    return SimpleNamespace(params=Params(n_patterns=n_patterns), slot="image", frame=None,
                           edited_patterns=edited)


def test_after_a_merge_down_to_the_hint_no_offer_and_the_singular():
    """Tester newuser10: a 2-pattern run merged to 1 read "(now 1 patterns)" and still
    offered "use 1 pattern" (a new run with 1 pattern gives what is shown)."""
    from napari_symseg.controller.hints import hint_about, offers_hint, result_patterns

    one = hint(suggested=1)
    merged = _record(2, edited=1)
    assert hint_about(merged, used_differs=True) == (
        " · of the last run, which used 2 patterns, before its edits (now 1 pattern)")
    assert result_patterns(merged) == 1
    assert not offers_hint(one, field=2, record=merged)
    # not merged: the offer stays while the field differs from the hint
    assert offers_hint(one, field=2, record=_record(2))
    assert not offers_hint(one, field=1, record=_record(2))
    assert not offers_hint(None, field=2, record=_record(2))
    # a split away from the hint: offered again
    assert offers_hint(hint(suggested=2), field=3, record=_record(2, edited=3))
    assert result_patterns(_record(3, edited=None)) == 3
    assert hint_about(_record(3, edited=2)).endswith("(now 2 patterns)")
