"""Polar domains (issue 18): accuracy, polarisation direction and speed of `polarity`.

Usage (from the repository root, ``PYTHONPATH=src:.``)::

    python benchmarks/bench_polar.py premise          # every family on 180-degree domains
    python benchmarks/bench_polar.py table            # polarity: delta x dose x kind
    python benchmarks/bench_polar.py nonpolar         # one centrosymmetric crystal
    python benchmarks/bench_polar.py speed            # polarity vs translations, 1024^2

Scenarios: `benchmarks.polar_scenarios.ferroelectric_domains`; seeds
`HELD_OUT_SEEDS` unless ``--seeds`` says otherwise. Accuracy: fraction of
pixels right after the best label permutation, outside a band of one cell
around the true domain walls. Direction error: angle between the mean
polarisation vector of a true domain (grid points outside the band) and the
domain's true polarisation (the B-site displacement).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

from benchmarks.bench_robustness import accuracy, boundary_band
from benchmarks.polar_scenarios import HELD_OUT_SEEDS, ferroelectric_domains
from napari_symseg import Params, segment
from napari_symseg.core.descriptors.polarity import polarisation

FAMILIES = ("local_correlation_map", "rotational_symmetry_maximum_pooling",
            "reflection_symmetry_maximum_pooling", "power_spectrum", "polarity")


def params_for(name: str, cell: float, n_patterns: int = 2) -> Params:
    """Sizes from the cell (px): patch ~ one cell (a 2-cell square), smoothing one cell.

    Polarity: shifts up to half a cell (window a/2, a grid of step 2 px);
    translations: the shift window holds a1 and a2; rotations/reflections:
    radius one cell; power spectrum: window two cells.
    """
    c = round(cell)
    common = {"descriptor_name": name, "stride": 4, "smoothing": float(cell),
              "n_patterns": n_patterns}
    if name == "polarity":
        half = max(1, round(cell / 2))
        return Params(patch_x=c, patch_y=c, window_x=half, window_y=half, **common)
    if name == "local_correlation_map":
        return Params(patch_x=c, patch_y=c, window_x=c + 1, window_y=c + 1, **common)
    if name == "power_spectrum":
        return Params(window_x=2 * c, window_y=2 * c, **common)
    return Params(radius=c, window_x=2, window_y=2, **common)


def angle_errors(result, truth, polar, keep) -> list[tuple[float, float]]:
    """Per true domain: degrees between its mean polarisation and its true direction,
    and the median over its grid points of the same angle point by point."""
    n_ops = len(result.operations)
    p = polarisation(result.descriptors[..., :n_ops], result.operations.values)
    grid = result.grid
    t = truth[np.ix_(grid.rows, grid.cols)]
    k = keep[np.ix_(grid.rows, grid.cols)]
    out = []
    for d, want in enumerate(polar):
        points = p[(t == d) & k]
        mean = points.mean(axis=0)
        cos = mean @ want / (np.linalg.norm(mean) * np.linalg.norm(want) + 1e-30)
        each = points @ want / (np.linalg.norm(points, axis=1) * np.linalg.norm(want) + 1e-30)
        out.append((float(np.degrees(np.arccos(np.clip(cos, -1, 1)))),
                    float(np.median(np.degrees(np.arccos(np.clip(each, -1, 1)))))))
    return out


def run(name, kind, delta, counts, seed, size=320):
    """One segmentation: accuracy outside the band, direction errors, mean |P|, seconds."""
    image, truth, polar, cell = ferroelectric_domains((size, size), kind, delta, counts, seed)
    keep = ~boundary_band(truth, cell)
    start = time.perf_counter()
    result = segment(image, params_for(name, cell))
    seconds = time.perf_counter() - start
    acc = accuracy(result.labels, truth, keep)
    errors, magnitude = [], float("nan")
    if name == "polarity":
        p = polarisation(result.descriptors[..., :len(result.operations)],
                         result.operations.values)
        magnitude = float(np.linalg.norm(p, axis=-1).mean())
        if kind != "nonpolar":
            errors = angle_errors(result, truth, polar, keep)
    return acc, errors, magnitude, seconds, result


def chance(kind, seed, size=320) -> float:
    """Accuracy of one label everywhere (the larger domain's share outside the band)."""
    _, truth, _, cell = ferroelectric_domains((size, size), kind, 0.3, 200, seed)
    return accuracy(np.zeros_like(truth), truth, ~boundary_band(truth, cell))


def premise(seeds, families=FAMILIES) -> None:
    print("| family | stripes180 | wedge180 | stripes90 |")
    print("|---|---|---|---|")
    cells = []
    for kind in ("stripes180", "wedge180", "stripes90"):
        accs = [chance(kind, s) for s in seeds]
        cells.append(f"{statistics.mean(accs):.2f} ({min(accs):.2f}-{max(accs):.2f})")
    print("| one label everywhere (chance) | " + " | ".join(cells) + " |", flush=True)
    for name in families:
        cells = []
        for kind in ("stripes180", "wedge180", "stripes90"):
            accs = [run(name, kind, 0.3, 200, s)[0] for s in seeds]
            cells.append(f"{statistics.mean(accs):.2f} ({min(accs):.2f}-{max(accs):.2f})")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


def table(seeds, deltas, doses, kinds) -> None:
    print("| kind | delta (A) | dose | accuracy mean (min) | direction error of the domain "
          "mean, max (deg) | median point-wise direction error, max (deg) |")
    print("|---|---|---|---|---|---|")
    for kind in kinds:
        for delta in deltas:
            for counts in doses:
                accs, errs = [], []
                for s in seeds:
                    acc, e, _, _, _ = run("polarity", kind, delta, counts, s)
                    accs.append(acc)
                    errs += e
                print(f"| {kind} | {delta} | {counts:g} | {statistics.mean(accs):.3f} "
                      f"({min(accs):.3f}) | {max(e[0] for e in errs):.1f} | "
                      f"{max(e[1] for e in errs):.1f} |", flush=True)


def nonpolar(seeds) -> None:
    print("| seed | mean abs(P) nonpolar | mean abs(P) 0.2 A stripes180 | hint k (nonpolar) |")
    print("|---|---|---|---|")
    for s in seeds:
        _, _, m0, _, result = run("polarity", "nonpolar", 0.0, 200, s)
        _, _, m1, _, _ = run("polarity", "stripes180", 0.2, 200, s)
        hint = result.pattern_count_hint()
        print(f"| {s} | {m0:.4f} | {m1:.4f} | {hint.suggested} |", flush=True)


def speed(repeats: int) -> None:
    from napari_symseg.core.suggest import suggest_params  # noqa: F401  (warm imports)

    image, _, _, cell = ferroelectric_domains((1024, 1024), "stripes180", 0.3, 200, 0)
    c = round(cell)
    base = {"patch_x": c, "patch_y": c, "stride": 4, "n_patterns": 2}
    runs = {
        "polarity (window a/2, 24 shifts)": Params(
            descriptor_name="polarity", window_x=c // 2, window_y=c // 2, **base),
        "local_correlation_map (same window, 49 shifts)": Params(
            descriptor_name="local_correlation_map", window_x=c // 2, window_y=c // 2, **base),
        "local_correlation_map (window a+1, 100 max)": Params(
            descriptor_name="local_correlation_map", window_x=c + 1, window_y=c + 1, **base),
    }
    for p in runs.values():
        segment(image[:200, :200], p)  # compile
    times = {k: [] for k in runs}
    for _ in range(repeats):
        for name, p in runs.items():
            start = time.perf_counter()
            segment(image, p)
            times[name].append(time.perf_counter() - start)
    print(f"load average {os.getloadavg()[0]:.1f} (shared machine, not idle numbers)")
    for name, t in times.items():
        print(f"{name}: median {statistics.median(t):.2f} s of {repeats} runs")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("premise", "table", "nonpolar", "speed"))
    parser.add_argument("--seeds", default=",".join(map(str, HELD_OUT_SEEDS)))
    parser.add_argument("--deltas", default="0.1,0.2,0.3,0.4")
    parser.add_argument("--doses", default="20,50,200")
    parser.add_argument("--kinds", default="stripes180,wedge180,stripes90")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--families", default=",".join(FAMILIES))
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.what == "premise":
        premise(seeds, args.families.split(","))
    elif args.what == "table":
        table(seeds, [float(d) for d in args.deltas.split(",")],
              [float(d) for d in args.doses.split(",")], args.kinds.split(","))
    elif args.what == "nonpolar":
        nonpolar(seeds)
    else:
        speed(args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
