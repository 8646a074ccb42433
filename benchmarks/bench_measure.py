"""Accuracy and cost of the measurement (issue 14): prints markdown tables for docs/measure.md.

    PYTHONPATH=src:. python benchmarks/bench_measure.py [--skip-real] [--skip-speed]
                                                     [--only-real]

1. Two grains of a square or hexagonal lattice (512², spacing 9 px) at known
   orientations, clean and Poisson 20 counts/px: segmented with the default
   parameters, then measured; errors of orientation, misorientation, lattice
   lengths and boundary position (mean distance of the traced boundary from
   the true line).
2. A boundary migrating at a known rate in a 10-frame series: mean velocity.
3. The gallery's real images (/work/shared/data/real, when present).
4. Cost: a default 1024² run, then its measurement (best of 3 each).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from benchmarks.measure_scenarios import (
    PERIOD,
    angle_error,
    boundary_offset,
    migrating_boundary,
    two_grains,
)
from napari_symseg import Params, segment, segment_series
from napari_symseg.core.boundaries import misorientation
from napari_symseg.core.tracking import measure_series_result

REAL = Path("/work/shared/data/real")
#: the gallery's images and their number of patterns
REAL_IMAGES = (("ingrained_Ni_M3B2_boride_HAADF91", 2), ("pystem_high_entropy_alloy", 3),
               ("temul_MoS2_Se_implanted_HAADF", 1), ("pystem_FeNb_mu_Laves_from_notebook", 2),
               ("temul_Au_nanoparticles_HAADF", 2))
CASES = [("square", (12.0, 37.0), 20.0), ("square", (3.0, 80.0), -15.0),
         ("hexagonal", (5.0, 41.0), 20.0), ("hexagonal", (22.0, 50.0), 0.0)]


def grain_row(kind, orientations, tilt, counts) -> str:
    g = two_grains((512, 512), kind=kind, orientations=orientations, tilt=tilt, counts=counts)
    result = segment(g.image)
    m = result.measure(maps=False)
    regions, bounds = m.regions, m.boundaries
    period = PERIOD[kind]
    big = np.argsort(-regions["area_px"])[:2]
    o_err, l_err, groups = [], [], []
    for i in big:
        grain = g.truth[int(regions["centroid_y_px"][i]), int(regions["centroid_x_px"][i])]
        o_err.append(angle_error(regions["orientation_deg"][i], g.orientations[grain], period))
        l_err += [abs(regions[k][i] / g.spacing - 1) * 100 for k in ("a_px", "b_px")]
        groups.append(regions["plane_group"][i])
    j = int(np.argmax(bounds["length_px"]))
    truth = misorientation(*g.orientations, period, period)
    mis_err = abs(bounds["misorientation_deg"][j] - truth)
    offset = boundary_offset(m.boundary_lines[j], *g.boundary)
    dose = "clean" if counts is None else f"{counts:g} counts/px"
    return (f"| {kind} {orientations[0]:g}° / {orientations[1]:g}°, boundary tilt {tilt:g}° "
            f"| {dose} | {len(regions)} | {max(o_err):.3f} | {mis_err:.3f} | {max(l_err):.3f} "
            f"| {offset:.2f} ({offset / g.spacing:.2f} a) | {'/'.join(groups)} |")


def velocity_row(counts) -> str:
    rate = 3.5
    series, _ = migrating_boundary(n_frames=10, rate=rate, counts=counts)
    sm = measure_series_result(series, segment_series(series), maps=False)
    b = sm.boundaries
    main = int(np.argmax(np.bincount(b["boundary"])))
    v = b["mean_velocity_px_per_frame"][b["boundary"] == main][0]
    ids = len(set(sm.regions["region"]))
    dose = "clean" if counts is None else f"{counts:g} counts/px"
    return f"| {dose} | {rate} | {v:.3f} | {100 * abs(v / rate - 1):.1f} % | {ids} |"


def real_rows(name: str, n_patterns: int) -> list[str]:
    path = REAL / f"{name}.npy"
    if not path.exists():
        return [f"| {name} | (not found) |"]
    image = np.load(path).astype(np.float64)
    from napari_symseg.core.suggest import suggest_params

    params = suggest_params(image, Params(n_patterns=n_patterns))
    start = time.perf_counter()
    result = segment(image, params)
    seg = time.perf_counter() - start
    start = time.perf_counter()
    m = result.measure()
    cost = time.perf_counter() - start
    regions = m.regions
    rows = []
    for i in np.argsort(-regions["area_px"])[:4]:
        rows.append(
            f"| {name} | {regions['region'][i]} | {regions['pattern'][i]} "
            f"| {100 * regions['area_px'][i] / image.size:.1f} % "
            f"| {regions['orientation_deg'][i]:.2f} | {regions['a_px'][i]:.2f} "
            f"| {regions['b_px'][i]:.2f} | {regions['gamma_deg'][i]:.1f} "
            f"| {_ideal(regions, i)} "
            f"| {regions['plane_group'][i]} ({regions['plane_group_score'][i]:.2f}) |")
    b = m.boundaries
    longest = np.argsort(-b["length_px"])[:3]
    desc = "; ".join(f"{b['region_a'][j]}-{b['region_b'][j]}: {b['length_px'][j]:.0f} px, "
                     f"{b['misorientation_deg'][j]:.1f}°" for j in longest)
    rows.append(f"| {name} | {len(regions)} regions, {len(b)} boundaries; longest: {desc}; "
                f"segment {seg:.2f} s, measure {cost:.2f} s (stride {params.stride}, "
                f"patch {params.patch_x}, window {params.window_x}) |")
    return rows


def _ideal(regions, i) -> str:
    """``a_ideal_px (distortion %)``, or "n/a" on a version without these columns."""
    if "a_ideal_px" not in regions.columns:
        return "n/a"
    return f"{regions['a_ideal_px'][i]:.2f} ({100 * regions['distortion'][i]:.1f} %)"


def speed() -> str:
    image = two_grains((1024, 1024), orientations=(12.0, 37.0)).image
    segment(image)  # warm-up (numba)
    seg, meas, meas_nomap = [], [], []
    for _ in range(3):
        start = time.perf_counter()
        result = segment(image)
        seg.append(time.perf_counter() - start)
        start = time.perf_counter()
        result.measure(result.image)
        meas.append(time.perf_counter() - start)
        start = time.perf_counter()
        result.measure(result.image, maps=False)
        meas_nomap.append(time.perf_counter() - start)
    s, m, n = min(seg), min(meas), min(meas_nomap)
    return (f"| 1024², 2 grains, default parameters | {s:.2f} s | {m:.2f} s ({100 * m / s:.0f} %)"
            f" | {n:.2f} s ({100 * n / s:.0f} %) |")


def real_table() -> None:
    print("\n| image | region | pattern | area | orientation (°) | a (px) | b (px) "
          "| gamma (°) | a ideal (px) (distortion) | plane group (score) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, k in REAL_IMAGES:
        for row in real_rows(name, k):
            print(row, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-real", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--only-real", action="store_true", help="only the real images")
    args = parser.parse_args()
    if args.only_real:
        args.skip_speed = True
    if args.only_real:
        return real_table()
    print("| grains | noise | regions | orientation error (°) | misorientation error (°) "
          "| length error (%) | boundary offset px (spacings) | plane groups |")
    print("|---|---|---|---|---|---|---|---|")
    for kind, orientations, tilt in CASES:
        for counts in (None, 20.0):
            print(grain_row(kind, orientations, tilt, counts), flush=True)
    print("\n| series | true velocity (px/frame) | measured | error | region ids |")
    print("|---|---|---|---|---|")
    for counts in (None, 20.0):
        print(velocity_row(counts), flush=True)
    if not args.skip_real:
        real_table()
    if not args.skip_speed:
        print("\n| run | segment | measure (with maps) | measure (tables only) |")
        print("|---|---|---|---|")
        print(speed())


if __name__ == "__main__":
    main()
