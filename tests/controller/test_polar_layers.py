"""A polarity run shows a cyclic polarisation map and arrows (controller, no Qt)."""

import numpy as np
import pytest
from benchmarks.bench_robustness import boundary_band
from benchmarks.polar_scenarios import ferroelectric_domains
from napari.components import ViewerModel
from napari.layers import Image, Vectors

from napari_symseg.controller.measure import MeasureController
from napari_symseg.controller.polar_layers import arrows, polarisation_angle
from napari_symseg.controller.session import Session
from napari_symseg.core.params import Params

from .test_session import add, drive, names


def test_angle_is_counter_clockwise_on_screen_from_x():
    p = np.array([[0.0, 1.0], [-1.0, 0.0], [0.0, -1.0], [1.0, 0.0]])  # (row, col)
    np.testing.assert_allclose(polarisation_angle(p), [0, 90, 180, -90], atol=1e-5)


def test_arrows_start_on_the_grid_and_scale_to_the_coarse_spacing():
    p = np.zeros((48, 48, 2), np.float32)
    p[..., 1] = 0.5
    p[10, 10] = (-2.0, 0.0)
    rows = cols = 10 + 4 * np.arange(48)
    data = arrows(p, rows, cols, per_axis=24)
    step = 2
    assert data.shape == (24 * 24, 2, 2)
    assert set(np.unique(data[:, 0, 0])) == set(rows[1::step].astype(float))
    longest = np.linalg.norm(data[:, 1], axis=1).max()
    assert longest == pytest.approx(0.9 * step * 4)
    np.testing.assert_allclose(data[1:, 1, 0], 0, atol=1e-6)


def test_a_polarity_run_adds_the_map_and_arrows_other_runs_do_not():
    session = Session(ViewerModel())
    image, truth, polar, cell = ferroelectric_domains((160, 160), "stripes90", 0.3, 200.0, 0)
    add(session, image, "pto")
    drive(session.start_run(Params(descriptor_name="polarity", patch_x=12, patch_y=12,
                                   window_x=6, window_y=6, stride=4, smoothing=12.0)))
    assert names(session) == ["pto", "pto patterns", "pto PCA components", "pto confidence",
                              "pto polarisation", "pto polarisation arrows"]
    angle, vectors = session.viewer.layers[-2], session.viewer.layers[-1]
    assert isinstance(angle, Image) and angle.colormap.name == "twilight"
    assert isinstance(vectors, Vectors) and len(vectors.data) > 10
    # the map on the grid points (world = image pixels here): each domain's mean
    # direction (outside a one-cell band at the walls) within 15 degrees of the truth
    r, c = np.indices(angle.data.shape)
    r = np.round(angle.translate[0] + angle.scale[0] * r).astype(int)
    c = np.round(angle.translate[1] + angle.scale[1] * c).astype(int)
    at, inner = truth[r, c], ~boundary_band(truth, cell)[r, c]
    for d, want in enumerate(polarisation_angle(polar)):
        got = np.radians(angle.data[(at == d) & inner & np.isfinite(angle.data)])
        mean = np.degrees(np.arctan2(np.sin(got).mean(), np.cos(got).mean()))
        assert abs((mean - want + 180) % 360 - 180) < 15
    # the measured regions' mean polarisation: the region table's columns, as the API's
    record = session.store.get(session.viewer.layers["pto"]).shown("patterns")
    ctl = MeasureController(session.viewer)
    ctl.last = ctl.show(ctl.compute(session.viewer.layers["pto"],
                                    session.viewer.layers["pto patterns"], record.result))
    assert ctl.columns()[-2:] == ("polarisation_deg", "polarisation_magnitude")
    regions = ctl.last.regions
    big = regions["area_px"] > 2000
    assert big.sum() >= 2
    for deg, y, x in zip(regions["polarisation_deg"][big], regions["centroid_y_px"][big],
                         regions["centroid_x_px"][big], strict=True):
        want = polarisation_angle(polar)[truth[int(y), int(x)]]
        assert abs((deg - want + 180) % 360 - 180) < 15
    assert len(ctl.rows()[0]) == len(ctl.columns())
    shown = float(ctl.rows()[0][-1])  # ~0.01: 3 significant digits, not "0.01" everywhere
    assert shown == pytest.approx(regions["polarisation_magnitude"][0], rel=5e-3)
    # a run of another family on the same image takes the polarisation layers away
    drive(session.start_run(Params(patch_x=6, patch_y=6, window_x=6, window_y=6, stride=4)))
    assert "pto polarisation" not in names(session)
    assert "pto polarisation arrows" not in names(session)
    other = Session(ViewerModel())
    add(other, image, "pto")
    drive(other.start_run(Params(patch_x=6, patch_y=6, window_x=6, window_y=6, stride=4)))
    assert "pto polarisation" not in names(other)
    measured = MeasureController(other.viewer)
    measured.last = measured.show(measured.compute(other.viewer.layers["pto"],
                                                   other.viewer.layers["pto patterns"]))
    assert measured.columns()[-1] == "plane_group"
