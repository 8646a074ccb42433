"""What the number-of-patterns hint sees in a split: its shape, per cached run (issue 13).

Usage::

    PYTHONPATH=src:. python benchmarks/hint_split_shape.py DIR/*.npz [--map]

Reads the feature caches of ``bench_hint.py --cache DIR`` and prints, for the
best two-pattern split of each (the hint's own subsample and k-means seed): the
hint, its separation with the dip and the sharpness it is made of, the score
change, the share of the split explained by one direction
(`split_shape.one_direction_drift`'s number), whether it is a monotone function
of the row (`slow_axis_drift`), the distance of the two centres in the PCA
features, and -- for caches that hold the PCA mean (written since the ninth
session) -- the correlation of the two centres' score vectors (one crystal under
a dose or thickness change: ~1; a twin or a grain: < 0.99; weak order: ~1 too).
``--map`` draws the split's position t on the grid (every second row) in ASCII.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def split_of(stored):
    """The hint's best two-pattern split of cached features: (grid, centres, t)."""
    from napari_symseg.core.pattern_count import _kmeans

    x = np.asarray(stored["features"], dtype=np.float64)
    grid = x.reshape(-1, *x.shape[-3:]) if x.ndim > 3 else x
    flat = grid.reshape(-1, x.shape[-1])
    rng = np.random.default_rng(0)  # as pattern_count_hint(random_state=0)
    sample = flat[rng.choice(len(flat), 2000, replace=False)] if len(flat) > 2000 else flat
    centres = _kmeans(sample, 2, int(rng.integers(2**31))).cluster_centers_
    d = centres[1] - centres[0]
    return grid, centres, (grid - centres[0]) @ d / (d @ d)


def one_direction_share(t: np.ndarray) -> float:
    """The share of t's variance its bin means along its best-fit plane's gradient explain."""
    rows, cols = np.mgrid[0 : t.shape[0], 0 : t.shape[1]].astype(np.float64)
    plane = np.stack([rows.ravel(), cols.ravel(), np.ones(rows.size)], axis=1)
    values = t.ravel()
    slope = np.linalg.lstsq(plane, values, rcond=None)[0][:2]
    u = plane[:, :2] @ (slope / np.hypot(*slope))
    bins = np.floor(u - u.min()).astype(np.int64)
    means = np.bincount(bins, values) / np.maximum(np.bincount(bins), 1)
    return float(1.0 - np.mean((values - means[bins]) ** 2) / values.var())


def main(argv=None) -> int:
    from napari_symseg.core.pattern_count import pattern_count_hint
    from napari_symseg.core.split_shape import (
        score_correlation,
        slow_axis_drift,
        split_separation,
    )

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("caches", nargs="+", type=Path)
    parser.add_argument("--map", action="store_true", help="draw t on the grid")
    args = parser.parse_args(argv)
    for path in args.caches:
        stored = np.load(path)
        n_scores = int(stored["n_scores"]) if "n_scores" in stored else None
        mean = stored["mean"] if "mean" in stored else None
        hint = pattern_count_hint(stored["features"], axes=stored["axes"], n_scores=n_scores,
                                  mean=mean)
        grid, centres, t = split_of(stored)
        inside = t.ravel()
        near = min(np.mean(np.abs(inside) < 0.1), np.mean(np.abs(inside - 1) < 0.1))
        dip = np.mean(np.abs(inside - 0.5) < 0.1) / max(near, 1.0 / inside.size)
        separation = split_separation(grid, centres)
        share = one_direction_share(t) if t.ndim == 2 else float("nan")
        corr = float("nan") if mean is None else \
            score_correlation(centres, stored["axes"], mean, n_scores)
        print(f"{path.stem:38s} hint {hint.suggested}  separation {separation:7.2f} "
              f"(dip {dip:.2f}, sharpness {separation * dip:.2f})  score change "
              f"{hint.score_change:.3f}  one direction {share:.3f}  row drift "
              f"{slow_axis_drift(grid, centres)!s:5s}  |centres| "
              f"{np.linalg.norm(centres[1] - centres[0]):.3f}  score corr {corr:.4f}")
        if args.map and t.ndim == 2:
            for row in t[::2]:
                print("  " + "".join(" .:-=+*#%@"[int(np.clip(v * 0.5 + 0.25, 0, 0.999) * 10)]
                                     for v in row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
