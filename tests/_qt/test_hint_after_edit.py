"""The hint panel after a merge down to the hint's number (tester newuser10): no "use 1
pattern" offer (the result shown already has 1), no highlight, "(now 1 pattern)"."""

from types import SimpleNamespace

import numpy as np

from napari_symseg.core.params import Params
from napari_symseg.core.pattern_count import PatternCountHint


def _hint():
    return PatternCountHint(k=np.arange(1, 5), silhouette=np.array([0.0, 0.3, 0.2, 0.1]),
                            gap=np.array([0.5, 0.4, 0.3, 0.2]), gap_error=np.full(4, 0.01),
                            suggested=1, separation=1.0, score_change=0.01)


def test_a_merge_down_to_the_hint_leaves_nothing_to_offer(make_napari_viewer, qtbot):
    from magicgui.widgets import SpinBox

    from napari_symseg._qt.hints import HintPanel

    viewer = make_napari_viewer()
    field = SpinBox(value=2, min=1, max=10)
    panel = HintPanel(viewer, field)
    record = SimpleNamespace(params=Params(n_patterns=2), slot="image", frame=None,
                             edited_patterns=None, hint=_hint(), hint_error=None)
    panel.show_record(record)
    assert not panel.use_button.native.isHidden()  # the run used 2, the hint says 1
    assert "bold" in panel.text.native.styleSheet()
    record.edited_patterns = 1  # merged down to one pattern
    panel.show_record(record)
    assert panel.text.value.endswith("before its edits (now 1 pattern)")
    assert panel.use_button.native.isHidden()
    assert "bold" not in panel.text.native.styleSheet()
    record.edited_patterns = None  # undone
    panel.show_record(record)
    assert not panel.use_button.native.isHidden()
