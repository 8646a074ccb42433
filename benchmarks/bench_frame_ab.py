"""One series frame before/after the issue-16 per-frame changes, in one process.

Usage::

    python benchmarks/bench_frame_ab.py [--repeats 7]

Labels one 1024² frame (20 selected translations, stride 5) with the old
path (numpy's ``(region - mean) / std`` in the translation kernels, then a
second distance pass, `consistency.unlike_fraction`) and the new one
(`pearson.standardise`, the nearest distances filled by the labelling),
alternately; asserts the unlike shares equal and prints the medians and
their ratio with the load average (statistics not included).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from napari_symseg.core.consistency import unlike_fraction
from napari_symseg.core.descriptors import pearson
from napari_symseg.core.descriptors import translation as tr
from napari_symseg.core.frame_labels import _label
from napari_symseg.core.params import Params
from napari_symseg.core.progress import run
from napari_symseg.core.samples import moving_boundary_series
from napari_symseg.core.series import fit_series_steps


def _numpy_standardise(region):
    scale = region.std()
    return (region - region.mean()) / (scale if scale > 0 else 1.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    series = moving_boundary_series(4, (1024, 1024), 300, 16, 0.3, 3)
    model = run(fit_series_steps(series, Params(stride=5, n_selected_operations=20))).model

    def before():
        tr.standardise = _numpy_standardise
        _, _, features, _ = _label(model, series[1])
        return unlike_fraction(features, model.centres, model.reach)

    def after():
        tr.standardise = pearson.standardise
        _, _, nearest, _ = _label(model, series[1], nearest=True)
        return float(np.mean(nearest > model.reach))

    assert before() == after()
    times = {"before": [], "after": []}
    for _ in range(args.repeats):
        for name, work in (("before", before), ("after", after)):
            start = time.perf_counter()
            work()
            times[name].append(time.perf_counter() - start)
    b, a = (statistics.median(times[k]) for k in ("before", "after"))
    print(f"one 1024^2 frame, 20 ops: before {b * 1e3:.0f} ms, after {a * 1e3:.0f} ms "
          f"(median of {args.repeats}, alternating), ratio {b / a:.2f}; "
          f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
