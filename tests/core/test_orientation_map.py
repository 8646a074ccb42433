"""One crystal, one orientation: the local orientation map follows the region table's rule
(the shortest vector nearest the region's a, folded by the lattice symmetry) in every window,
so a single crystal shows one orientation plus noise, not a / b / diagonal tiles."""

import math

import numpy as np
import pytest
from benchmarks.scenarios import apply_dose

from napari_symseg.core.measure import measure_frame

SHAPE = (256, 256)


def _crystal(a_len, b_len, gamma, angle, sigma=2.0):
    """Gaussian atoms on the lattice a (at `angle` degrees, y up), b at `gamma` from a."""
    t = math.radians(angle)
    u = math.radians(angle + gamma)
    a = np.array([-math.sin(t), math.cos(t)]) * a_len  # (row, col), y up
    b = np.array([-math.sin(u), math.cos(u)]) * b_len
    r, c = np.mgrid[:SHAPE[0], :SHAPE[1]].astype(np.float64)
    inv = np.linalg.inv(np.stack([a, b], axis=1))  # (row, col) -> (i, j)
    frac = np.einsum("ij,jyx->iyx", inv, np.stack([r, c]))
    out = np.zeros(SHAPE)
    base = np.floor(frac)
    for di in (-1, 0, 1, 2):
        for dj in (-1, 0, 1, 2):
            i, j = base[0] + di, base[1] + dj
            pr = i * a[0] + j * b[0]
            pc = i * a[1] + j * b[1]
            d2 = (r - pr) ** 2 + (c - pc) ** 2
            out = np.maximum(out, np.exp(-d2 / (2 * sigma ** 2)))
    return out


def _folded_spread(values, period):
    """Circular standard deviation (degrees) of angles of the given period."""
    z = np.exp(2j * np.pi * np.asarray(values, np.float64) / period)
    length = abs(z.mean())
    return period / (2 * np.pi) * math.sqrt(-2 * math.log(max(length, 1e-12)))


@pytest.mark.parametrize(("a_len", "b_len", "gamma", "period"), [
    (10.0, 10.0, 90.0, 90.0),     # square
    (10.0, 10.0, 120.0, 60.0),    # hexagonal
    (10.0, 10.3, 93.0, 180.0),    # near-square oblique (the boride)
])
@pytest.mark.parametrize("angle", [3.0, 22.0, 41.0])
def test_single_crystal_one_orientation(a_len, b_len, gamma, period, angle):
    image = apply_dose(_crystal(a_len, b_len, gamma, angle), 20, seed=int(angle))
    m = measure_frame(image, np.zeros(SHAPE, np.int32), maps=True, plane_groups=False)
    omap = m.orientation_map[np.isfinite(m.orientation_map)]
    assert omap.size > 0
    spread = _folded_spread(omap, period)
    assert spread < 2.0, (spread, np.unique(np.round(omap, 1)))
    # and the map agrees with the region's own orientation (same rule)
    mean = period / (2 * np.pi) * np.angle(np.exp(2j * np.pi * omap / period).mean()) % period
    diff = abs((mean - m.regions["orientation_deg"][0] + period / 2) % period - period / 2)
    assert diff < 2.0
    # the local spacing is the shortest vector's length, not pulled short by the window
    smap = m.spacing_map[np.isfinite(m.spacing_map)]
    assert np.median(smap) == pytest.approx(a_len, rel=0.01)
    assert np.percentile(np.abs(smap - a_len), 90) < 0.03 * a_len
