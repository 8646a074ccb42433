"""Where the image shows a lattice, and the --auto rule for the contrast channels."""

import numpy as np

from napari_symseg import Params
from napari_symseg.core.coverage import MIN_AREA, lattice_coverage, suggest_contrast
from napari_symseg.core.samples import lattice
from napari_symseg.core.suggest import suggest_params, suggest_with_reasons


def _crystal_and_vacuum(fraction, seed=0):
    rng = np.random.default_rng(seed)
    clean = lattice((256, 256), 10.0, "square", angle=rng.uniform(0, 90)) + 0.1
    cols = np.arange(256)[None, :].repeat(256, 0)
    clean = np.where(cols < fraction * 256, 0.02, clean)  # vacuum on the left
    return rng.poisson(clean * 40).astype(np.float64)


def test_a_crystal_everywhere_has_no_lattice_free_area():
    image = _crystal_and_vacuum(0.0)
    params = suggest_params(image)
    cover = lattice_coverage(image, params, 10.0)
    assert cover.no_lattice == 0.0 and cover.level > 0.5
    assert not params.contrast_features
    on, why = suggest_contrast(image, params, 10.0)
    assert not on and why.startswith("contrast channels off")


def test_vacuum_next_to_a_crystal_turns_the_contrast_channels_on():
    image = _crystal_and_vacuum(0.4)
    params, reasons = suggest_with_reasons(image, Params(n_patterns=2))
    cover = lattice_coverage(image, params, 10.0)
    # the share is the vacuum's, give or take one patch at the edge
    assert 0.25 < cover.no_lattice < 0.45 and cover.no_lattice >= MIN_AREA
    assert params.contrast_features
    assert "contrast channels on" in reasons[1] and "lattice" in reasons[0]


def test_tiny_images_do_not_fail():
    image = _crystal_and_vacuum(0.0)[:40, :40]
    params = suggest_params(image)
    assert lattice_coverage(image, params, 10.0).no_lattice == 0.0


def test_auto_picks_rotations_where_part_of_the_image_has_no_lattice():
    image = _crystal_and_vacuum(0.4)
    rot = "rotational_symmetry_maximum_pooling"
    params, reasons = suggest_with_reasons(image, Params(n_patterns=2), pick_family=True)
    assert params.descriptor_name == rot and params.contrast_features
    assert reasons[-1].startswith("descriptor: rotations")
    # the sizes are those rotations get when asked for by name
    assert params == suggest_params(image, Params(n_patterns=2, descriptor_name=rot))
    # not without pick_family (the library default, --descriptor auto's candidates), not for
    # a family asked for, not where a lattice is everywhere
    assert suggest_params(image, Params(n_patterns=2)).descriptor_name == "local_correlation_map"
    ref = "reflection_symmetry_maximum_pooling"
    assert suggest_params(image, Params(descriptor_name=ref), pick_family=True) \
        .descriptor_name == ref
    crystal, reasons = suggest_with_reasons(_crystal_and_vacuum(0.0), pick_family=True)
    assert crystal.descriptor_name == "local_correlation_map" and len(reasons) == 2


def test_cli_auto_picks_rotations_unless_a_descriptor_is_given(capsys):
    from napari_symseg.cli.args import build_parser, params_from_args

    image = _crystal_and_vacuum(0.4)
    base = ["segment", "in.npy", "-o", "out.npy", "--auto", "--n-patterns", "2"]
    auto = params_from_args(build_parser().parse_args(base), image)
    assert auto.descriptor_name == "rotational_symmetry_maximum_pooling"
    assert "descriptor: rotations" in capsys.readouterr().out
    given = params_from_args(build_parser().parse_args(
        [*base, "--descriptor", "local_correlation_map"]), image)
    assert given.descriptor_name == "local_correlation_map" and given.contrast_features
    assert "descriptor: rotations" not in capsys.readouterr().out
