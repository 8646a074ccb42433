"""The polarity family as a registered descriptor: Params, JSON, model, CLI, truth."""

import numpy as np
import pytest
from benchmarks.bench_robustness import accuracy, boundary_band
from benchmarks.polar_scenarios import ferroelectric_domains

from napari_symseg import Model, Params, segment
from napari_symseg.cli import main
from napari_symseg.core.descriptors.polarity import polarisation, polarisation_angle
from napari_symseg.core.descriptors.registry import FAMILIES


def _params(cell, **extra):
    c = round(cell)
    return Params(descriptor_name="polarity", patch_x=c, patch_y=c, window_x=c // 2,
                  window_y=c // 2, stride=4, smoothing=float(cell), **extra)


@pytest.fixture(scope="module")
def domains():
    """180-degree stripes (dose 200, 0.3 A) and their polarity segmentation."""
    image, truth, polar, cell = ferroelectric_domains((256, 256), "stripes180", 0.3, 200.0, 0)
    return image, truth, polar, cell, segment(image, _params(cell))


def test_polarisation_only_for_the_polarity_family():
    image = ferroelectric_domains((96, 96), "nonpolar", 0.0, None, 0)[0]
    result = segment(image, Params(patch_x=6, patch_y=6, window_x=6, window_y=6, stride=6))
    with pytest.raises(ValueError, match="polarity"):
        result.polarisation()


def test_registered_with_its_fields_and_json_round_trip():
    family = FAMILIES["polarity"]
    assert {"patch_x", "patch_y", "window_x", "window_y", "max_num_points"} == set(
        family.fields)
    params = Params(descriptor_name="polarity", patch_x=7, window_x=3)
    assert Params.from_json(params.to_json()) == params


def test_separates_inverted_domains_and_points_along_the_b_displacement(domains):
    _, truth, polar, cell, result = domains
    keep = ~boundary_band(truth, cell)
    assert accuracy(result.labels, truth, keep) >= 0.98
    p = result.polarisation()
    np.testing.assert_array_equal(p, polarisation(
        result.descriptors[..., :len(result.operations)], result.operations.values))
    t = truth[np.ix_(result.grid.rows, result.grid.cols)]
    inner = keep[np.ix_(result.grid.rows, result.grid.cols)]
    for d, want in enumerate(polar):
        mean = p[(t == d) & inner].mean(axis=0)
        # this contrast (bright A, weaker B-O): P lies along the B-site displacement
        cos = mean @ want / np.linalg.norm(mean)
        assert cos > np.cos(np.radians(15))


def test_model_saves_loads_and_predicts_the_same(domains, tmp_path):
    image, *_, result = domains
    path = tmp_path / "polar.json"
    result.model.save(path)
    again = Model.load(path).predict(image)
    assert np.array_equal(again.labels, result.labels)
    assert again.operations.kind == "polarity"


def test_cli_descriptor_polarity(tmp_path, capsys):
    image, _, _, cell = ferroelectric_domains((128, 128), "wedge180", 0.3, None, 1)
    src, out = tmp_path / "img.npy", tmp_path / "labels.npy"
    np.save(src, image)
    c = str(round(cell))
    assert main(["segment", str(src), "-o", str(out), "--descriptor", "polarity",
                 "--patch-x", c, "--patch-y", c, "--window-x", "5", "--window-y", "5",
                 "--stride", "4"]) == 0
    assert np.load(out).shape == image.shape
    assert "polarity features" in capsys.readouterr().out


def test_region_table_has_each_regions_polarisation(domains):
    _, truth, polar, _, result = domains
    table = result.regions()
    want = polarisation_angle(polar)
    # the two largest regions (a narrow stripe at the image border, where few grid
    # points lie a patch away from its wall, can be off: docs/parameters.md)
    for row in np.argsort(table["area_px"])[-2:]:
        cy, cx = round(table["centroid_y_px"][row]), round(table["centroid_x_px"][row])
        d = truth[cy, cx]
        off = abs((table["polarisation_deg"][row] - want[d] + 180) % 360 - 180)
        assert off < 15 and table["polarisation_magnitude"][row] > 0.01
    other = segment(truth.astype(float) + 1.0, Params(patch_x=4, patch_y=4, window_x=4,
                                                      window_y=4, stride=8))
    assert "polarisation_deg" not in other.regions()


def test_nonpolar_crystal_has_small_polarisation_and_a_hint_of_one(domains):
    *_, cell, polar_result = domains
    image = ferroelectric_domains((256, 256), "nonpolar", 0.0, 200.0, 0)[0]
    result = segment(image, _params(cell))
    size = np.linalg.norm(result.polarisation(), axis=-1).mean()
    assert size < 0.3 * np.linalg.norm(polar_result.polarisation(), axis=-1).mean()
    assert result.pattern_count_hint().suggested == 1
    assert polar_result.pattern_count_hint().suggested == 2
