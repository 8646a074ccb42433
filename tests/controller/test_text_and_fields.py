"""What the widget says and which fields it shows, without Qt."""

import numpy as np
import pytest
from napari.layers import Image

from napari_symseg.controller.fields import (
    ADVANCED_FIELDS,
    FIELD_NAMES,
    SERIES_FIELDS,
    essential_fields,
    visible_fields,
)
from napari_symseg.controller.text import (
    calibrated,
    field_label,
    fractions_text,
    physical_length,
    run_summary,
    suggestion_text,
)
from napari_symseg.core.descriptors.registry import COMMON_FIELDS, FAMILIES
from napari_symseg.core.params import Params


@pytest.fixture
def nm_layer():
    return Image(np.zeros((8, 8)), scale=(0.02, 0.05), units=("nm", "nm"))


def test_lengths_of_calibrated_and_plain_layers(nm_layer):
    plain = Image(np.zeros((8, 8)))
    assert physical_length(nm_layer, -2, 8) == "0.16 nm"
    assert physical_length(nm_layer, -1, 8) == "0.4 nm"
    assert physical_length(plain, -1, 8) is None
    assert calibrated(nm_layer) and not calibrated(plain) and not calibrated(None)


def test_field_labels_say_what_the_half_sizes_mean(nm_layer):
    assert field_label("patch_x", 12, nm_layer) == "patch half-height (total 25 px = 0.5 nm)"
    assert field_label("patch_y", 12, nm_layer) == "patch half-width (total 25 px = 1.25 nm)"
    assert field_label("patch_x", 12) == "patch half-height (total 25 px)"
    assert field_label("window_y", 3, None, "power_spectrum") == (
        "FFT window half-width (total 7 px)")
    assert field_label("window_x", 3, None, "local_correlation_map") == (
        "shift window half-height (total 7 px)")
    # non-square pixels: a radius or a length in px is an ellipse: both axes (rows × columns)
    assert field_label("radius", 4, nm_layer) == "patch radius (⌀ 9 px = 0.18 × 0.45 nm)"
    assert field_label("stride", 4, nm_layer) == "stride (4 px = 0.08 × 0.2 nm)"
    assert field_label("stride", 4) == "stride (px)"
    assert field_label("smoothing", 0.0, nm_layer) == "smoothing sigma (px)"  # off
    assert field_label("n_patterns", 3) == "number of patterns"


def test_run_summary_and_fractions():
    assert (run_summary(2.34, 3, [0.52, 0.31, 0.17])
            == "computed in 2.3 s · 3 patterns: 52 % · 31 % · 17 %")
    assert run_summary(0.1, 1, [1.0], frame=5) == "frame 5 · computed in 0.1 s · 1 pattern: 100 %"
    assert run_summary(0.1, 1, [1.0], scribbled=True).endswith(" · guided by the scribbles layer")
    assert run_summary(0.5, 2, [0.5, 0.5], preview_stride=6).startswith("preview, stride 6 · ")
    # not "0.0 s"
    assert run_summary(0.0123, 2, [0.5, 0.5]).startswith("computed in 12 ms · 2 patterns")
    assert "4 frames · 2 patterns (mean over frames)" in run_summary(
        1.0, 2, [0.4, 0.6], n_frames=4)
    assert fractions_text([0.5, np.nan]) == "50 % · –"


def test_suggestion_text_names_what_changed(nm_layer):
    text = suggestion_text(nm_layer, 10.0, {"patch_x": 12, "patch_y": 12, "stride": 3})
    assert text == "lattice period 10.0 px (shortest 0.5 nm): patch 12×12, stride 3"
    assert suggestion_text(nm_layer, None, {}).endswith("the sizes are already the suggested ones")
    assert "atomic spacing" not in text


def test_suggestion_text_says_when_the_image_is_too_small_for_its_lattice():
    from napari_symseg.core.samples import two_phase
    from napari_symseg.core.suggest import estimate_lattice

    crop = two_phase((128, 128), seed=1).astype(np.float32)[:20, :20]
    text = suggestion_text(Image(crop), estimate_lattice(crop), {"patch_x": 2, "patch_y": 2})
    assert text.startswith("lattice 14.9 x 15.0 px, 90° — the image (20 × 20 px) is too small")
    assert text.endswith("or set the sizes by hand: patch 2×2")


def test_suggestion_text_shows_the_chosen_familys_fields_in_words(nm_layer):
    """A tester read "descriptor rotational_symmetry_maximum_pooling, max number of
    shifts 91, contrast features True" after Suggest chose rotations."""
    from napari_symseg.core.params import Params

    params = Params(descriptor_name="rotational_symmetry_maximum_pooling", radius=11,
                    window_x=22, window_y=42, contrast_features=True)
    changed = {"descriptor_name": params.descriptor_name, "patch_x": 22, "patch_y": 42,
               "window_x": 22, "window_y": 42, "max_num_points": 91,
               "contrast_features": True, "edge_smoothing": False}
    text = suggestion_text(nm_layer, 10.0, changed, params=params)
    assert "descriptor Rotations (max-pooled)" in text
    assert "window 22×42" in text and "patch" not in text and "shifts" not in text
    assert "contrast features on" in text and "edge smoothing off" in text
    assert "True" not in text and "False" not in text and "rotational_" not in text


def test_suggestion_text_warns_of_a_period_no_crystal_has():
    """The Au crop case: a 3.2 px period at 0.0075 nm/px is 0.024 nm, scan noise."""
    au = Image(np.zeros((8, 8)), scale=(0.0075, 0.0075), units=("nm", "nm"))
    text = suggestion_text(au, 3.2, {"stride": 1})
    assert "(shortest 0.024 nm) — shorter than any atomic spacing (0.05 nm)" in text
    in_angstrom = Image(np.zeros((8, 8)), scale=(0.5, 0.5), units=("angstrom", "angstrom"))
    assert "atomic spacing" in suggestion_text(in_angstrom, 0.9, {})  # 0.045 nm
    assert "atomic spacing" not in suggestion_text(in_angstrom, 1.1, {})  # 0.055 nm
    assert "atomic spacing" not in suggestion_text(Image(np.zeros((8, 8))), 3.2, {})  # no scale


@pytest.mark.parametrize("name", FAMILIES)
def test_fields_of_each_family_essentials_first(name):
    family = FAMILIES[name]
    assert set(visible_fields(name)) == {"descriptor_name", *family.fields, *COMMON_FIELDS}
    assert set(visible_fields(name, series=True)) - set(visible_fields(name)) == set(
        SERIES_FIELDS)
    essentials = essential_fields(name)
    assert essentials[0] == "descriptor_name"
    assert {"n_patterns", "stride"} <= set(essentials)
    assert not set(essentials) & ADVANCED_FIELDS
    sizes = {"patch_x", "patch_y", "window_x", "window_y", "radius"} & set(family.fields)
    assert sizes <= set(essentials)  # the family's sizes are never hidden away
    assert visible_fields(name) == [n for n in FIELD_NAMES if n in visible_fields(name)]


def test_counts_are_singular_for_one():
    from napari_symseg.controller.text import count

    assert [count(n, "pattern") for n in (0, 1, 2)] == ["0 patterns", "1 pattern", "2 patterns"]
    assert [count(n, "boundary") for n in (1, 3)] == ["1 boundary", "3 boundaries"]


def test_suggestion_text_says_when_measures_unit_cell_differs():
    """The boride case: Suggest's strongest spacings (22.7 px) are half its cell (45 px)."""
    from napari_symseg.controller.hints import repeat_unit
    from napari_symseg.core.lattice import canonical
    from napari_symseg.core.samples import lattice
    from napari_symseg.core.suggest import estimate_lattice

    image = lattice((128, 128), 12.0, "square")
    layer, found = Image(image), estimate_lattice(image)
    cell = repeat_unit(image, Params())  # the autocorrelation's, as Measure finds it
    assert sorted([cell.a_length, cell.b_length]) == pytest.approx([12.0, 12.0], abs=0.2)
    assert suggestion_text(layer, found, {}, cell) == suggestion_text(layer, found, {})  # agree
    double = canonical(np.array([24.0, 0.0]), np.array([0.0, 24.0]))
    assert suggestion_text(layer, found, {}, double).endswith(
        "suggested ones · the unit cell, as Measure reports it, is 24.0 × 24.0 px: the "
        "brightest columns repeat on a finer grid than the cell")
    # a repeat finer than the spacings found is not named (a 3 px noise repeat on an STM
    # movie was called "the cell Measure reports")
    half = canonical(np.array([6.0, 0.0]), np.array([0.0, 6.0]))
    assert suggestion_text(layer, found, {}, half) == suggestion_text(layer, found, {})
    # a pair of half sizes of which one changed is shown whole, under the field's names
    text = suggestion_text(layer, found, {"window_y": 9, "max_num_points": 99}, cell,
                           Params(window_x=7, window_y=9))
    assert text.endswith(": window 7×9, max number of shifts 99")  # (they agree: no more)


def test_labels_are_honest_on_non_square_pixels():
    """Sizes count pixels along each axis; a scale without a unit is an aspect, no length."""
    from napari_symseg.controller.text import aspect_note, field_label

    aspect = Image(np.zeros((8, 8)), scale=(2.0, 1.0))  # uncalibrated, drawn 2:1
    # not "50 pixel"
    assert field_label("patch_x", 12, aspect) == "patch half-height (total 25 px)"
    assert field_label("radius", 8, aspect) == "patch radius (⌀ 17 px)"
    assert field_label("stride", 5, aspect) == "stride (px)"
    assert aspect_note(aspect).startswith("pixels 2:1 (height : width): the sizes count pixels")
    wide = Image(np.zeros((8, 8)), scale=(0.02, 0.04), units=("nm", "nm"))
    assert field_label("patch_x", 12, wide) == "patch half-height (total 25 px = 0.5 nm)"
    assert field_label("patch_y", 12, wide) == "patch half-width (total 25 px = 1 nm)"
    assert field_label("radius", 8, wide) == "patch radius (⌀ 17 px = 0.34 × 0.68 nm)"
    assert aspect_note(wide).startswith("pixels 1:2 ")
    assert aspect_note(Image(np.zeros((8, 8)), scale=(0.5, 0.5), units=("nm", "nm"))) == ""


def test_suggestion_text_recommends_rotations_where_part_has_no_lattice():
    # Suggest picks rotations when the contrast channels go on (core.suggest.family_for),
    # unless the user chose the descriptor by hand: then it recommends them, and says so
    layer = Image(np.zeros((64, 64)))
    on = Params(contrast_features=True)
    kept = suggestion_text(layer, 8.0, {}, None, on)
    assert "the rotations descriptor tells them apart" in kept and "kept" in kept
    switched = on.replace(descriptor_name="rotational_symmetry_maximum_pooling")
    text = suggestion_text(layer, 8.0, {"descriptor_name": switched.descriptor_name}, None,
                           switched)
    assert "descriptor: rotations, as part of the image has no lattice" in text
    rotations = on.replace(descriptor_name="rotational_symmetry_maximum_pooling")
    assert "rotations descriptor" not in suggestion_text(layer, 8.0, {}, None, rotations)
    assert "rotations descriptor" not in suggestion_text(layer, 8.0, {}, None, Params())
