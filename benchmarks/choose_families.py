"""Every candidate of ``--descriptor auto`` on one scenario: accuracy and criterion per pair.

Usage::

    python benchmarks/choose_families.py [--seeds 0-2,10-14] [--only WORD ...] [--size 384]
        [--candidates all|default]

For each still scenario of `bench_hard.cases` matching ``--only``, each seed and each
family: the family's ``--auto`` parameters (contrast rule included), its accuracy outside
the scenario's band, its `choose.family_score` and every pair's (separation, score change)
with the pair named by the true regions its two patterns mostly cover. ``all`` adds the
power spectrum and tries every family even where ``--descriptor auto`` would skip it (the
contrast rule); a family whose ``--auto`` rule turns it into another is still run as asked.
Used in docs/robustness.md (issue 13, sixth session) to see which family the criterion
prefers where it is wrong.
"""

from __future__ import annotations

import argparse
import sys
from itertools import combinations
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
if __package__ in (None, ""):
    sys.path.insert(0, str(HERE.parent))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0-2")
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("--candidates", choices=("all", "default"), default="all")
    args = parser.parse_args(argv)

    from benchmarks.bench_hard import band_width, cases, parse_seeds
    from benchmarks.bench_robustness import accuracy, boundary_band, warm_up
    from napari_symseg import Params, segment
    from napari_symseg.core.choose import CANDIDATES, SHORT, family_score, pair_measures
    from napari_symseg.core.suggest import suggest_params

    warm_up()
    families = CANDIDATES + (("power_spectrum",) if args.candidates == "all" else ())
    chosen = [c for c in cases(1) if not c.video and not c.control]
    if args.only:
        chosen = [c for c in chosen if any(w in c.name for w in args.only)]
    for case in chosen:
        print(f"\n{case.name}")
        for seed in parse_seeds(args.seeds):
            image, truth = case.make(seed, args.size)
            keep = ~boundary_band(truth, band_width(image, case, seed))
            for name in families:
                p = suggest_params(image, Params(n_patterns=max(2, case.n_patterns),
                                                 descriptor_name=name))
                result = segment(image, p)
                owner = [int(np.argmax(np.bincount(truth[keep][result.labels[keep] == j],
                                                   minlength=case.n_patterns + 1)))
                         if np.any(result.labels[keep] == j) else -1
                         for j in range(len(result.cluster_centres))]
                pairs = " ".join(
                    f"{owner[i]}/{owner[j]}:{min(sep, 1e6):.0f},{change:.2f}"
                    for (i, j), (sep, change) in zip(
                        combinations(range(len(owner)), 2), pair_measures(result), strict=True))
                print(f"  seed {seed} {SHORT.get(name, name):13s} "
                      f"{'+contrast' if p.contrast_features else '         '} "
                      f"acc {accuracy(result.labels, truth, keep):.3f} "
                      f"score {family_score(result):8.1f}  pairs {pairs}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
