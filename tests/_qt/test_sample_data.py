import numpy as np
import pytest

from napari_symseg import _sample_data
from napari_symseg.core.samples import moving_boundary_series, two_phase

SAMPLES = {
    "two_phase": (_sample_data.make_two_phase_sample, (512, 512)),
    "grain_boundary": (_sample_data.make_grain_boundary_sample, (512, 512)),
    "insitu_series": (_sample_data.make_insitu_series_sample, (8, 256, 256)),
}


@pytest.mark.parametrize("key", SAMPLES)
def test_sample_shape_dtype_scale_and_determinism(key):
    make, shape = SAMPLES[key]
    [(data, kwargs, layer_type)] = make()
    assert layer_type == "image"
    assert data.shape == shape
    assert data.dtype == np.float32
    assert np.isfinite(data).all() and data.std() > 0
    assert len(kwargs["scale"]) == len(kwargs["units"]) == len(shape)
    assert kwargs["scale"][-2:] == (0.02, 0.02)
    assert kwargs["units"][-2:] == ("nm", "nm")
    assert kwargs["name"]
    np.testing.assert_array_equal(make()[0][0], data)


def test_series_boundary_moves():
    series = moving_boundary_series(n_frames=3, shape=(64, 96), start=40, step=8)
    assert series.shape == (3, 64, 96)
    # frame 0 and 1 differ only in the band the boundary swept over (and the noise)
    diff = np.abs(series[1] - series[0]).mean(axis=0)
    assert diff[40:48].mean() > 5 * diff[:30].mean()
    assert diff[60:].mean() < 2 * diff[:30].mean()


def test_first_frame_is_like_two_phase():
    series = moving_boundary_series(n_frames=1, shape=(64, 64), start=32, noise=0.0)
    np.testing.assert_allclose(series[0], two_phase((64, 64), noise=0.0), atol=1e-6)


@pytest.mark.parametrize("key", SAMPLES)
def test_open_sample_in_viewer(make_napari_viewer, key):
    viewer = make_napari_viewer()
    viewer.open_sample("napari-symseg", key)
    [layer] = viewer.layers
    assert layer.data.shape == SAMPLES[key][1]
    assert tuple(layer.scale[-2:]) == (0.02, 0.02)
    assert [str(u) for u in layer.units[-2:]] == ["nanometer", "nanometer"]
