import json

import pytest

from napari_symseg.core.params import DESCRIPTOR_NAMES, Params, ParamsError


def test_defaults_follow_pystem():
    p = Params()
    assert (p.descriptor_name, p.patch_x, p.patch_y, p.window_x, p.window_y) == (
        "local_correlation_map", 20, 20, 21, 21)
    assert (p.max_num_points, p.stride, p.n_patterns, p.n_pca_components) == (100, 5, 2, 5)
    assert (p.radius, p.num_reflection_plane, p.method) == (20, 10, "direct")
    assert p.rotation_angles == (60, 90, 120, 180)
    assert p.upsampling and p.sort_labels_by_pattern_size


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"patch_x": 0}, "patch_x must be >= 1"),
        ({"window_y": -3}, "window_y must be >= 1"),
        ({"stride": 0}, "stride must be >= 1"),
        ({"n_patterns": 0}, "n_patterns must be >= 1"),
        ({"descriptor_name": "nope"}, "descriptor_name must be one of"),
        ({"method": "magic"}, "method must be"),
        ({"pca_variance": 1.5}, "pca_variance"),
        ({"pca_variance": 0.0}, "pca_variance must be in (0, 1]"),
        ({"patch_x": 2.5}, "patch_x must be an integer"),
        ({"upsampling": "yes"}, "upsampling must be true or false"),
        ({"rotation_angles": (45,)}, "rotation_angles"),
        ({"descriptor_name": "preselected_translations"}, "needs preselected_translations"),
        (
            {"descriptor_name": "preselected_translations", "preselected_translations": [(30, 0)]},
            "outside the shift window",
        ),
        ({"preselected_translations": [(1, 2, 3)]}, "shape (n, 2)"),
    ],
)
def test_invalid_values_have_clear_messages(changes, message):
    with pytest.raises(ParamsError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        Params(**changes)


def test_json_round_trip(tmp_path):
    p = Params(
        descriptor_name="preselected_translations",
        preselected_translations=[[0, 8], [8, 0], [-4, 4]],
        rotation_angles=[90, 180],
        pca_variance=0.85,
        random_state=None,
        stride=3,
    )
    path = tmp_path / "p.json"
    p.to_json(path)
    q = Params.from_json(path)
    assert q == p
    assert q.preselected_translations == ((0, 8), (8, 0), (-4, 4))
    assert json.loads(path.read_text())["params"]["rotation_angles"] == [90, 180]
    assert Params.from_json(p.to_json()) == p


def test_from_dict_rejects_unknown_keys():
    with pytest.raises(ParamsError, match=r"unknown parameter.*patch_size"):
        Params.from_dict({"patch_size": 3})


def test_bad_json_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ParamsError, match="not valid JSON"):
        Params.from_json(bad)
    with pytest.raises(ParamsError, match="cannot read"):
        Params.from_json(tmp_path / "missing.json")


def test_every_descriptor_name_is_valid():
    for name in DESCRIPTOR_NAMES:
        pre = name == "preselected_translations"
        extra = {"preselected_translations": [(0, 5)]} if pre else {}
        assert Params(descriptor_name=name, **extra).descriptor_name == name


@pytest.mark.parametrize(
    ("value", "message"),
    [([], "non-empty"), ([-1], ">= 0"), ([0, 0], "duplicates"), (["a"], "integers"),
     ("first", '"auto" or a list')],
)
def test_reference_frames_are_checked(value, message):
    with pytest.raises(ParamsError, match=message):
        Params(reference_frames=value)


def test_series_fields_round_trip_through_json():
    p = Params(reference_frames=[3, 1], n_selected_operations=0)
    assert p.reference_frames == (3, 1) and Params(reference_frames=4).reference_frames == (4,)
    assert Params.from_json(p.to_json()) == p
    assert Params().reference_frames == "auto" and Params().to_dict()["reference_frames"] == "auto"
    assert Params.from_json(Params().to_json()) == Params()
    with pytest.raises(ParamsError, match="n_selected_operations must be >= 0"):
        Params(n_selected_operations=-1)
