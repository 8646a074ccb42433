"""Every case of DESIGN.md's bad-input policy, at the API level."""

import numpy as np
import pytest

import napari_symseg
from napari_symseg import (
    ClusteringError,
    ImageTooSmallError,
    InputError,
    Params,
    ParamsError,
    SymsegError,
    segment,
    segment_steps,
)
from napari_symseg.core.descriptors.operations import Operations
from napari_symseg.core.progress import run
from napari_symseg.core.samples import two_phase

SMALL = {"patch_x": 4, "patch_y": 4, "window_x": 5, "window_y": 5, "stride": 3}


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.random.default_rng(0).random((64, 64, 3)), "RGB/RGBA"),
        (np.random.default_rng(0).random((64, 64, 4)), "RGB/RGBA"),
        (np.random.default_rng(0).random(100), "must be 2-D"),
        (np.random.default_rng(0).random((2, 3, 40, 40)), "must be 2-D"),
        (np.random.default_rng(0).random((5, 40, 40)), "series"),
        (np.full((64, 64), 3.0), "constant"),
        (np.zeros((0, 10)), "empty"),
        (np.ones((64, 64), dtype=bool), "real numbers"),
        (np.ones((64, 64), dtype=complex), "real numbers"),
    ],
)
def test_bad_images(image, message):
    with pytest.raises(InputError, match=message):
        segment(image, **SMALL)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf(bad):
    image = two_phase((64, 64)).astype(np.float64)
    image[5, 7] = bad
    image[10, 3] = bad
    before = image.copy()
    with pytest.raises(InputError, match="2 NaN or infinite"):
        segment(image, **SMALL)
    np.testing.assert_array_equal(image, before)  # nothing lost


def test_image_smaller_than_two_shift_windows():
    with pytest.raises(ImageTooSmallError, match=r"too small.*needs at least 43 px"):
        segment(two_phase((40, 200)))  # default window 21 (patches are clipped, not windows)


def test_too_many_patterns_for_the_grid():
    with pytest.raises(ClusteringError, match="larger than the number of descriptor grid"):
        segment(two_phase((30, 30)), n_patterns=100, **SMALL)


@pytest.mark.parametrize(
    "changes",
    [{"patch_x": 0}, {"window_x": -1}, {"stride": 0}, {"n_patterns": 0}, {"radius": -5}],
)
def test_zero_or_negative_sizes(changes):
    with pytest.raises(ParamsError):
        segment(two_phase((64, 64)), **{**SMALL, **changes})


def test_translation_outside_window():
    with pytest.raises(ParamsError, match="outside the shift window"):
        segment(two_phase((64, 64)), descriptor_name="preselected_translations",
                preselected_translations=[(0, 9)], **SMALL)


@pytest.mark.parametrize(
    ("descriptor", "operations", "message"),
    [
        ("local_correlation_map", Operations("rotation", np.array([90.0])),
         "scores translation operations; got rotation"),
        ("rotational_symmetry_maximum_pooling", Operations("rotation", np.array([45.0])),
         r"rotation angle\(s\) \[45.0\] do not map the polar grid"),
        ("power_spectrum", Operations("translation", np.array([[0, 1]])),
         "scores frequency operations; got translation"),
    ],
)
def test_operations_that_do_not_fit_the_descriptor(descriptor, operations, message):
    params = Params(descriptor_name=descriptor, radius=6, **SMALL)
    with pytest.raises(ParamsError, match=message):
        run(segment_steps(two_phase((64, 64)), params, operations))


def test_every_error_is_a_symseg_error_exported_at_the_top():
    from napari_symseg import errors

    kinds = [errors.ParamsError, errors.InputError, errors.ImageTooSmallError,
             errors.ClusteringError, errors.FileFormatError, errors.ExportError]
    for kind in kinds:
        assert issubclass(kind, SymsegError) and issubclass(kind, ValueError)
        assert getattr(napari_symseg, kind.__name__) is kind
    assert ClusteringError is errors.ClusteringError and InputError is errors.InputError
    assert ImageTooSmallError is errors.ImageTooSmallError
    with pytest.raises(SymsegError):
        segment(np.full((64, 64), 1.0), **SMALL)
