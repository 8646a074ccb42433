"""The package's sample images (core.samples): geometry, truth and determinism."""

import numpy as np

from napari_symseg.core.samples import (
    grain_boundary,
    lattice,
    moving_boundary_series,
    moving_boundary_truth,
    sample_lattice,
    two_phase,
    two_phase_truth,
)


def test_sample_lattice_is_lattice_on_the_pixel_grid():
    basis = ((0.0, 0.0, 1.0), (0.3, 0.2, 0.5))
    rows, cols = np.mgrid[0:40, 0:50]
    expected = lattice((40, 50), 7.5, "hexagonal", 20.0, 1.4, (2.0, 3.0), basis)
    got = sample_lattice(rows, cols, 7.5, "hexagonal", 20.0, 1.4, (2.0, 3.0), basis)
    np.testing.assert_allclose(got, expected, atol=1e-12)


def test_lattice_has_its_spacing_as_period():
    square = lattice((64, 64), 8.0, "square")
    # atoms on the lattice points: the lattice point (0, 0) is a peak of height ~1
    assert square[0, 0] == square.max()
    assert square[0, 0] > 0.99
    np.testing.assert_allclose(square[8:, :], square[:-8, :], atol=1e-9)
    np.testing.assert_allclose(square[:, 8:], square[:, :-8], atol=1e-9)
    assert np.abs(square[4:, :] - square[:-4, :]).max() > 0.5  # half a period is not one


def test_two_phase_truth_is_the_boundary_of_the_lattices():
    image = two_phase((96, 128), boundary=50, noise=0.0)
    truth = two_phase_truth((96, 128), boundary=50)
    assert image.dtype == np.float32 and truth.dtype == np.int32
    assert truth.shape == (96, 128)
    assert (truth[:, :50] == 0).all() and (truth[:, 50:] == 1).all()
    np.testing.assert_allclose(image[:, :50], lattice((96, 128), 8.0)[:, :50], atol=1e-6)
    hexagonal = lattice((96, 128), 10.0, "hexagonal", offset=(3.0, 5.0))
    np.testing.assert_allclose(image[:, 50:], hexagonal[:, 50:], atol=1e-6)


def test_samples_are_seeded():
    np.testing.assert_array_equal(two_phase((64, 64)), two_phase((64, 64)))
    assert not np.array_equal(two_phase((64, 64), seed=0), two_phase((64, 64), seed=1))
    np.testing.assert_array_equal(grain_boundary((64, 64)), grain_boundary((64, 64)))


def test_moving_boundary_series_moves_by_step_per_frame():
    series = moving_boundary_series(n_frames=3, shape=(32, 64), start=20, step=8, noise=0.0)
    truth = moving_boundary_truth(n_frames=3, shape=(32, 64), start=20, step=8)
    assert series.shape == truth.shape == (3, 32, 64)
    assert truth.dtype == np.uint8
    assert [int(np.argmax(truth[t, 0])) for t in range(3)] == [20, 28, 36]
    # frame t is two_phase with the boundary at 20 + 8 t
    for t in range(3):
        np.testing.assert_allclose(series[t], two_phase((32, 64), 20 + 8 * t, noise=0.0))
