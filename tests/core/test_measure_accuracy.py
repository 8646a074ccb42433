"""Issue 14's accuracy goals, end to end: segment, then measure, on images with known truth.

Orientation within 0.5 deg, misorientation within 1 deg, lattice lengths within 1 %,
boundary within one lattice spacing (clean and Poisson 20 counts/px), and a migrating
boundary's velocity within 5 %.
"""

import numpy as np
import pytest
from benchmarks.measure_scenarios import (
    PERIOD,
    angle_error,
    boundary_offset,
    migrating_boundary,
    two_grains,
)

from napari_symseg import segment, segment_series
from napari_symseg.core.boundaries import misorientation
from napari_symseg.core.tracking import measure_series_result


@pytest.mark.parametrize(("kind", "orientations", "counts"), [
    ("square", (12.0, 37.0), None),
    ("square", (12.0, 37.0), 20),
    ("hexagonal", (5.0, 41.0), 20),
])
def test_two_grains(kind, orientations, counts):
    g = two_grains((320, 320), kind=kind, orientations=orientations, counts=counts)
    result = segment(g.image)
    regions, boundaries = result.regions(), result.boundaries()
    big = np.argsort(-regions["area_px"])[:2]
    period = PERIOD[kind]
    seen = set()
    for i in big:
        grain = g.truth[int(regions["centroid_y_px"][i]), int(regions["centroid_x_px"][i])]
        seen.add(grain)
        assert angle_error(regions["orientation_deg"][i], g.orientations[grain], period) < 0.5
        assert regions["a_px"][i] == pytest.approx(g.spacing, rel=0.01)
        assert regions["b_px"][i] == pytest.approx(g.spacing, rel=0.01)
    assert seen == {0, 1}
    j = int(np.argmax(boundaries["length_px"]))
    truth = misorientation(*g.orientations, period, period)
    assert boundaries["misorientation_deg"][j] == pytest.approx(truth, abs=1.0)
    lines = result.measure().boundary_lines[j]
    assert boundary_offset(lines, *g.boundary) < g.spacing


def test_migrating_boundary_velocity():
    series, _positions = migrating_boundary(n_frames=12, shape=(200, 260), start=80, rate=4.0,
                                           counts=20)
    result = segment_series(series)
    sm = measure_series_result(series, result, maps=False)
    assert result.measure(series, maps=False).regions.to_csv() == sm.regions.to_csv()
    b = sm.boundaries
    main = int(np.argmax(np.bincount(b["boundary"])))
    velocity = b["mean_velocity_px_per_frame"][b["boundary"] == main][0]
    assert velocity == pytest.approx(4.0, rel=0.05)
