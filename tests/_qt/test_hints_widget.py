"""Suggested sizes and the number-of-patterns hint in the dock widget."""

import threading

import numpy as np
import pytest

from napari_symseg._qt.widget import ALL_FRAMES, PREVIEW_STRIDE, SymsegWidget
from napari_symseg.controller import METADATA_KEY
from napari_symseg.controller import hints as controller_hints
from napari_symseg.controller.hints import HINT_K_MAX, hint_metadata
from napari_symseg.core.pattern_count import PatternCountHint
from napari_symseg.core.samples import lattice, moving_boundary_series, two_phase
from napari_symseg.core.suggest import estimate_lattice, suggest_params
from napari_symseg.errors import InputError

from .helpers import TIMEOUT, live_preview_and_wait, set_fields, suggest_and_wait
from .helpers import run_and_wait as run_only

SMALL = {"patch_x": 8, "patch_y": 8, "window_x": 10, "window_y": 10, "stride": 4}
SIZES = ("patch_x", "patch_y", "window_x", "window_y", "radius", "stride", "max_num_points")


def run_and_wait(qtbot, widget):
    """Run, wait for the segmentation and its hint; return the run's record."""
    run_only(qtbot, widget)
    return widget.controller.current()


def assert_same_hint(shown: PatternCountHint, direct: PatternCountHint):
    assert shown.suggested == direct.suggested
    np.testing.assert_array_equal(shown.k, direct.k)
    np.testing.assert_array_equal(shown.silhouette, direct.silhouette)  # NaN == NaN here
    np.testing.assert_array_equal(shown.gap, direct.gap)
    np.testing.assert_array_equal(shown.gap_error, direct.gap_error)
    np.testing.assert_array_equal(shown.separation, direct.separation)
    np.testing.assert_array_equal(shown.score_change, direct.score_change)


def single_crystal(shape=(192, 192)):
    noise = np.random.default_rng(3).normal(0.0, 0.05, shape)
    return lattice(shape, 10.0) + noise


# ----------------------------------------------------------------- suggested sizes
def test_suggest_fills_the_fields_with_suggest_params(qtbot, viewer_widget, errors):
    viewer, widget = viewer_widget
    source = viewer.add_image(two_phase((256, 256)), name="tp", scale=(0.02, 0.02),
                              units=("nm", "nm"))
    widget.image.value = source
    before = widget.params()
    expected = suggest_params(source.data, before)
    changed = [n for n in SIZES if getattr(expected, n) != getattr(before, n)]
    assert {"patch_x", "window_x", "stride"} <= set(changed)  # not the defaults already
    suggest_and_wait(qtbot, widget)
    assert errors == []
    assert widget.params() == expected
    assert widget.fields["reference_frames"].value == ""  # still "the current frame"
    status = widget.status.value
    found = estimate_lattice(source.data)
    assert found.lengths == pytest.approx([10.0, 10.0], abs=0.2)  # the sample's lattice
    shortest = f"{found.lengths.min() * 0.02:.3g}"
    assert status.startswith(f"{found} (shortest {shortest} nm): patch ")
    assert f"patch {expected.patch_x}×{expected.patch_y}" in status
    assert f"stride {expected.stride}" in status
    total = 2 * expected.patch_x + 1
    assert widget.fields["patch_x"].label == (
        f"patch half-height (total {total} px = {total * 0.02:.3g} nm)")


def test_run_waits_while_sizes_are_suggested(qtbot, viewer_widget, errors):
    """A Run during Suggest would use the sizes the suggestion is about to replace."""
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((256, 256)), name="tp")
    widget.suggest_button.changed.emit(True)
    assert widget.suggest_worker is not None and not widget.run_button.enabled
    assert widget.run() is None and widget.worker is None
    assert widget.status.value == "sizes are being suggested: Run once they are filled in"
    qtbot.waitUntil(lambda: widget.suggest_worker is None, timeout=TIMEOUT)
    assert widget.run_button.enabled
    run_and_wait(qtbot, widget)
    used = viewer.layers["tp patterns"].metadata[METADATA_KEY]["params"]
    assert used["patch_x"] == widget.params().patch_x  # the suggested sizes
    assert errors == []


def test_suggest_on_a_series_uses_the_current_frame(qtbot, viewer_widget, errors):
    viewer, widget = viewer_widget
    rng = np.random.default_rng(0)
    frames = np.stack([lattice((160, 160), a) + rng.normal(0, 0.05, (160, 160))
                       for a in (8.0, 14.0, 10.0)])
    source = viewer.add_image(frames, name="s")
    widget.image.value = source
    widget.segment.value = ALL_FRAMES
    viewer.dims.set_current_step(0, 1)
    before = widget.params()
    expected = suggest_params(frames[1], before)
    assert expected != suggest_params(frames[0], before)  # the frame matters
    suggest_and_wait(qtbot, widget)
    assert errors == []
    assert widget.params() == expected
    assert widget.status.value.startswith(str(estimate_lattice(frames[1])))
    assert estimate_lattice(frames[1]).lengths.min() == pytest.approx(14.0, abs=0.3)


def test_suggest_failure_is_a_notification_and_keeps_the_fields(qtbot, viewer_widget, errors):
    viewer, widget = viewer_widget
    noise = np.random.default_rng(1).normal(size=(128, 128))
    widget.image.value = viewer.add_image(noise, name="noise")
    set_fields(widget, **SMALL)
    before = widget.params()
    with pytest.raises(InputError):  # what the widget runs into
        suggest_params(noise, before)
    suggest_and_wait(qtbot, widget)
    assert len(errors) == 1 and "cannot suggest sizes" in errors[0]
    assert "no clear lattice" in errors[0]
    assert widget.params() == before


def test_suggest_failure_with_value_error(qtbot, viewer_widget, errors, monkeypatch):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((128, 128)), name="tp")
    before = widget.params()

    def fails(image, params, pick_family=False):
        raise ValueError("image too small to estimate a lattice period")

    monkeypatch.setattr(controller_hints.suggest, "suggest_params", fails)
    suggest_and_wait(qtbot, widget)
    assert len(errors) == 1 and "image too small" in errors[0]
    assert widget.params() == before


def test_suggest_without_layer_is_a_notification(viewer_widget, errors):
    _, widget = viewer_widget
    assert widget.suggest() is None
    assert errors == ["Symmetry segmentation: cannot suggest sizes: choose an image layer first"]
    assert widget.status.value == "cannot suggest sizes: choose an image layer first"


def test_suggest_runs_the_live_preview_once(qtbot, viewer_widget, errors, monkeypatch):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((256, 256)), name="tp")
    set_fields(widget, **SMALL)
    live_preview_and_wait(qtbot, widget, "tp")
    runs = []
    real_run = SymsegWidget.run

    def counted(self, preview=False):
        runs.append((preview, self.params()))
        return real_run(self, preview=preview)

    monkeypatch.setattr(SymsegWidget, "run", counted)
    expected = suggest_params(viewer.layers["tp"].data, widget.params())
    n_changed = sum(getattr(expected, n) != getattr(widget.params(), n) for n in SIZES)
    assert n_changed >= 4  # several fields change one after the other
    suggest_and_wait(qtbot, widget)
    qtbot.waitUntil(lambda: len(runs) == 1 and widget.worker is None, timeout=TIMEOUT)
    qtbot.wait(3 * 300)  # longer than the debounce delay: nothing else starts
    assert len(runs) == 1 and widget.worker is None
    assert runs[0] == (True, expected)
    used = viewer.layers["tp preview"].metadata[METADATA_KEY]["params"]
    assert used["patch_x"] == expected.patch_x
    assert used["stride"] == max(expected.stride, PREVIEW_STRIDE)
    assert errors == []


# ---------------------------------------------------------- number-of-patterns hint
def direct_hint(viewer, name: str) -> PatternCountHint:
    """The hint the API gives for the run recorded on ``"<name> patterns"`` (same params, seed)."""
    from napari_symseg import segment
    from napari_symseg.core.params import Params

    params = Params.from_dict(viewer.layers[f"{name} patterns"].metadata[METADATA_KEY]["params"])
    return segment(np.asarray(viewer.layers[name].data), params).pattern_count_hint(HINT_K_MAX)


def test_hint_after_a_run_is_pattern_count_hint_of_its_features(qtbot, viewer_widget, errors):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((256, 256)), name="tp")
    set_fields(widget, **SMALL, random_state=7)
    run_and_wait(qtbot, widget)
    direct = direct_hint(viewer, "tp")
    assert direct.suggested == 2
    panel = widget.hint_panel
    assert not panel.native.isHidden()
    assert_same_hint(panel.hint, direct)
    assert panel.text.value == (f"hint: 2 patterns (distinct: {direct.silhouette[1]:.2f} of 1)"
                                " · of the last run (2 patterns)")
    assert panel.use_button.native.isHidden()  # the run used 2 already
    assert "bold" not in panel.text.native.styleSheet()
    meta = viewer.layers["tp patterns"].metadata[METADATA_KEY]
    stored = meta["pattern_count_hint"]
    assert stored == hint_metadata(direct)
    assert stored["k"] == list(range(1, HINT_K_MAX + 1)) and stored["suggested"] == 2
    assert stored["silhouette"][0] is None  # undefined at k = 1: JSON null, not NaN
    assert stored["silhouette"][1] == pytest.approx(float(direct.silhouette[1]))
    assert errors == []


def test_chart_shows_silhouette_per_k_and_marks_the_suggestion(qtbot, viewer_widget):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((256, 256)), name="tp")
    set_fields(widget, **SMALL, n_patterns=4)
    run_and_wait(qtbot, widget)
    hint = widget.hint_panel.hint
    chart = widget.hint_panel.chart
    assert not chart.isHidden()
    bars = chart.axes.patches
    assert len(bars) == HINT_K_MAX
    heights = [bar.get_height() for bar in bars]
    np.testing.assert_allclose(heights[1:], hint.silhouette[1:])
    colours = {tuple(bar.get_facecolor()) for bar in bars}
    assert len(colours) == 2  # the suggested bar stands out
    suggested = bars[hint.suggested - 1]
    assert sum(tuple(b.get_facecolor()) == tuple(suggested.get_facecolor()) for b in bars) == 1
    assert bars[3].get_linewidth() > 0 and tuple(bars[3].get_edgecolor())[3] > 0  # used k = 4
    dark = chart.axes.get_facecolor()
    viewer.theme = "light"  # the chart follows napari's theme
    assert chart.axes.get_facecolor() != dark and len(chart.axes.patches) == HINT_K_MAX


def test_single_crystal_gives_a_visible_k1_hint_and_use_k_sets_n_patterns(
    qtbot, viewer_widget, errors
):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(single_crystal(), name="one")
    set_fields(widget, **SMALL, n_patterns=2)
    run_and_wait(qtbot, widget)
    direct = direct_hint(viewer, "one")
    assert direct.suggested == 1
    panel = widget.hint_panel
    assert_same_hint(panel.hint, direct)
    assert panel.text.value == (
        "hint: 1 pattern (no groups in the image beyond noise) · of the last run, which used "
        "2 patterns"
    )
    assert "bold" in panel.text.native.styleSheet()  # highlighted: differs from the run
    assert not panel.use_button.native.isHidden()
    assert panel.use_button.text == "use 1 pattern"
    meta = viewer.layers["one patterns"].metadata[METADATA_KEY]
    assert meta["pattern_count_hint"]["suggested"] == 1
    panel.use_button.changed.emit(True)  # click
    assert widget.fields["n_patterns"].value == 1
    assert widget.params().n_patterns == 1
    assert panel.use_button.native.isHidden()  # nothing left to set
    widget.fields["n_patterns"].value = 3
    assert not panel.use_button.native.isHidden()
    assert errors == []


def test_hint_of_a_series_run_uses_the_reference_fit(qtbot, viewer_widget, errors):
    viewer, widget = viewer_widget
    series = moving_boundary_series(n_frames=3, shape=(96, 128), start=40, step=16)
    widget.image.value = viewer.add_image(series, name="s")
    widget.segment.value = ALL_FRAMES
    set_fields(widget, **SMALL, n_selected_operations=10, reference_frames="[1]")
    run_and_wait(qtbot, widget)
    meta = viewer.layers["s patterns"].metadata[METADATA_KEY]
    assert meta["reference_frames"] == [1]
    from napari_symseg.core.params import Params
    from napari_symseg.core.series import segment_series

    fit = segment_series(series, Params.from_dict(meta["params"])).fit
    # one rule (issue 13): a single reference frame's hint is that frame's result hint
    direct = fit.model.predict(series[1]).pattern_count_hint(HINT_K_MAX)
    assert_same_hint(widget.hint_panel.hint, direct)
    assert direct.suggested == 2
    meta = viewer.layers["s patterns"].metadata[METADATA_KEY]
    assert meta["complete"] and meta["pattern_count_hint"] == hint_metadata(direct)
    assert errors == []


def test_confidence_layer_is_explained_in_the_tooltips(qtbot, viewer_widget):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((128, 128)), name="tp")
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    layer = viewer.layers["tp confidence"]
    assert not layer.visible and layer.colormap.name == "magma"
    assert layer.data.shape == (128, 128)
    for tooltip in (widget.run_button.tooltip, widget.status.tooltip):
        assert "'<image> confidence' (hidden" in tooltip and "boundaries" in tooltip


def test_failed_hint_says_so(qtbot, viewer_widget, errors, monkeypatch):
    from napari_symseg.core.result import Result

    def fails(self, k_max=6):
        raise ValueError("no features")

    monkeypatch.setattr(Result, "pattern_count_hint", fails)
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((128, 128)), name="tp")
    set_fields(widget, **SMALL)
    record = run_and_wait(qtbot, widget)
    assert "tp patterns" in viewer.layers  # the run is fine, only its hint is missing
    assert widget.hint_panel.text.value == "hint: not available (no features)"
    assert widget.hint_panel.hint is None and record.hint is None
    assert errors == []


def test_hint_says_computing_during_the_next_run(qtbot, viewer_widget, monkeypatch):
    from napari_symseg.core.result import Result

    gate = threading.Event()
    real = Result.pattern_count_hint

    def slow(self, k_max=6):
        gate.wait(TIMEOUT / 1000)
        return real(self, k_max)

    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(two_phase((128, 128)), name="tp")
    set_fields(widget, **SMALL)
    run_and_wait(qtbot, widget)
    assert widget.hint_panel.hint is not None and widget.hint_panel.use_button.text
    monkeypatch.setattr(Result, "pattern_count_hint", slow)
    widget.fields["n_patterns"].value = 3
    widget.run()
    # the old hint (and its "use k" button) no longer applies while the next run goes on
    assert widget.hint_panel.text.value == "hint: computing…"
    assert widget.hint_panel.use_button.native.isHidden() and widget.hint_panel.hint is None
    qtbot.waitUntil(lambda: "3 patterns" in str(
        viewer.layers["tp patterns"].metadata[METADATA_KEY]["params"]["n_patterns"]) or
        viewer.layers["tp patterns"].metadata[METADATA_KEY]["params"]["n_patterns"] == 3,
        timeout=TIMEOUT)
    assert widget.hint_panel.text.value == "hint: computing…"  # layers in, hint on its way
    gate.set()
    qtbot.waitUntil(lambda: widget.worker is None, timeout=TIMEOUT)
    assert widget.hint_panel.used == 3 and widget.hint_panel.hint.suggested == 2


def test_run_finishing_after_the_viewer_closed_is_ignored(qtbot, make_napari_viewer):
    viewer = make_napari_viewer()
    _, widget = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    widget.image.value = viewer.add_image(two_phase((256, 256)), name="tp")
    set_fields(widget, **SMALL)
    worker = widget.run()
    viewer.close()
    qtbot.waitUntil(lambda: not worker.is_running, timeout=TIMEOUT)
    qtbot.wait(100)  # the result would be shown now: no deleted-widget error


def test_chart_is_drawn_by_the_renderer_process_not_the_gui_thread(qtbot, make_napari_viewer,
                                                                   monkeypatch):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    drawn_here = []  # matplotlib draws in this process (the GUI thread)
    real_draw = FigureCanvasAgg.draw
    monkeypatch.setattr(FigureCanvasAgg, "draw",
                        lambda canvas: (drawn_here.append(canvas), real_draw(canvas))[1])
    viewer = make_napari_viewer(show=True)
    _, widget = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    widget.image.value = viewer.add_image(two_phase((128, 128)), name="tp")
    set_fields(widget, **SMALL, n_patterns=3)
    run_and_wait(qtbot, widget)
    chart = widget.hint_panel.chart
    qtbot.waitUntil(lambda: chart.renders >= 1 and not chart.busy, timeout=TIMEOUT)
    assert chart not in drawn_here
    image = chart.grab().toImage()  # the rendered bars: the highlight colour is painted
    from napari.utils.theme import get_theme

    highlight = get_theme(viewer.theme).current.as_hex().lower()
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 2)
               for y in range(0, image.height(), 2)}
    assert highlight in colours


def test_hint_says_which_run_it_belongs_to_while_a_live_preview_is_shown(qtbot, viewer_widget):
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(single_crystal(), name="one")
    set_fields(widget, **SMALL, n_patterns=2)
    run_and_wait(qtbot, widget)
    panel = widget.hint_panel
    assert panel.text.value.endswith(" · of the last run, which used 2 patterns")
    set_fields(widget, n_patterns=3)  # the live preview runs with k = 3
    live_preview_and_wait(qtbot, widget, "one")
    qtbot.wait(100)
    assert viewer.layers["one preview"].metadata[METADATA_KEY]["params"]["n_patterns"] == 3
    assert panel.text.value == ("hint: 1 pattern (no groups in the image beyond noise) · of the "
                                "last run, which used 2 patterns; the live preview has no hint")
    widget.live.value = False
    run_and_wait(qtbot, widget)  # a full run: its own hint, the preview gone
    assert "one preview" not in viewer.layers
    assert panel.text.value.endswith(" · of the last run, which used 3 patterns")


def test_suggest_picks_rotations_unless_the_descriptor_was_chosen_by_hand(
        qtbot, viewer_widget, errors):
    """One rule with the CLI's --auto (core.suggest.family_for): vacuum next to a crystal
    gets rotations, unless the descriptor was changed by hand since the last Suggest/run."""
    from tests.core.test_coverage import _crystal_and_vacuum

    trans, rot = "local_correlation_map", "rotational_symmetry_maximum_pooling"
    viewer, widget = viewer_widget
    widget.image.value = viewer.add_image(_crystal_and_vacuum(0.4), name="cv")
    assert widget.fields["descriptor_name"].value == trans and not widget.descriptor_by_hand
    suggest_and_wait(qtbot, widget)
    assert widget.fields["descriptor_name"].value == rot
    assert widget.params().contrast_features and "descriptor: rotations" in widget.status.value
    assert not widget.descriptor_by_hand  # set by Suggest, not by hand
    widget.fields["descriptor_name"].value = trans  # the user's choice: kept
    assert widget.descriptor_by_hand
    suggest_and_wait(qtbot, widget)
    assert widget.fields["descriptor_name"].value == trans
    assert "you chose translations: kept" in widget.status.value
    set_fields(widget, stride=8)
    run_only(qtbot, widget)  # a run: Suggest may choose the family again
    assert not widget.descriptor_by_hand
    suggest_and_wait(qtbot, widget)
    assert widget.fields["descriptor_name"].value == rot
    assert errors == []


def test_a_chart_deleted_after_its_viewer_closed_raises_nothing():
    """Qt may delete the hint's chart after napari tore its viewer's model down: the
    theme's disconnection then finds no events (it raised in the next test's event loop,
    CI of session 33)."""
    from napari_symseg._qt.hint_chart import _disconnect_theme

    class TornDown:
        @property
        def events(self):
            raise AttributeError("'Viewer' object has no attribute '__pydantic_private__'")

    _disconnect_theme(TornDown(), lambda *_: None)  # no exception
