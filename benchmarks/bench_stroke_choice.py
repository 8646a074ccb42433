"""Issue 15: held-out strokes choose the descriptor family (`benchmarks.stroke_check`), measured.

Usage::

    python benchmarks/bench_stroke_choice.py [--seeds 0-2] [--held-out 5101-5105]
        [--size 256] [--only WORD ...] [--unsupervised]

For every scenario of `bench_scribbles.cases` matching ``--only`` (one row per scenario,
whatever family the benchmark names for it) and every seed: the benchmark's strokes
(`bench_scribbles.make_scribbles`), then

- ``choose_by_strokes`` (`benchmarks.stroke_check`): the family it picks,
  every family's held-out score, the accuracy of its run with all strokes and its wall time;
- every family ``--descriptor auto`` tries (`choose.candidate_params`), run alone with all
  strokes (``segment(..., scribbles=...)``): its accuracy and wall time (the cost of one
  run, to compare with the choice's);
- ``--unsupervised``: the family ``--descriptor auto`` picks without strokes (also what
  ``--descriptor auto --scribbles`` keeps)
  (`choose.choose_descriptor`), whose accuracy with strokes is then in the row above.

Accuracy as in bench_scribbles.py: no permutation (pattern i - 1 must be class i), pixels
within the scenario's band around true boundaries left out. One BLAS thread.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def run_seed(case, seed: int, size: int, unsupervised: bool) -> dict:
    from benchmarks.bench_hard import band_width
    from benchmarks.bench_robustness import boundary_band
    from benchmarks.bench_scribbles import make_scribbles
    from benchmarks.stroke_check import choose_by_strokes
    from napari_symseg import Params, segment
    from napari_symseg.core.choose import SHORT, candidate_params, choose_descriptor

    image, truth = case.make(seed, size)
    strokes = make_scribbles(truth, seed)
    keep = ~boundary_band(truth, band_width(image, case.hard_case(), seed))
    params = Params(n_patterns=case.n_patterns)

    def accuracy(labels):
        return float((labels[keep] == truth[keep]).mean())

    start = time.perf_counter()
    picked = choose_by_strokes(image, params, strokes)
    out = {"seconds": time.perf_counter() - start,
           "chosen": SHORT[picked.params.descriptor_name],
           "accuracy": accuracy(picked.result.labels),
           "held_out": {SHORT[n]: s for n, s in picked.scores.items()},
           "alone": {}, "alone_seconds": {}}
    for name, family in candidate_params(image, params).items():
        start = time.perf_counter()
        labels = segment(image, family, scribbles=strokes).labels
        out["alone_seconds"][SHORT[name]] = time.perf_counter() - start
        out["alone"][SHORT[name]] = accuracy(labels)
    if unsupervised:
        out["unsupervised"] = SHORT[choose_descriptor(image, params).params.descriptor_name]
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0-2")
    parser.add_argument("--held-out", default="5101-5105")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--only", nargs="*", default=["mirror"])
    parser.add_argument("--unsupervised", action="store_true")
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_limits

    from benchmarks.bench_robustness import warm_up
    from benchmarks.bench_scribbles import cases, parse_seeds

    threadpool_limits(1)
    warm_up()
    chosen, names = [], set()
    for case in cases():  # one row per scenario: the family is what is chosen here
        if case.name not in names and any(w in case.name for w in args.only):
            names.add(case.name)
            chosen.append(case)
    for title, seeds in (("design", parse_seeds(args.seeds)),
                         ("held-out", parse_seeds(args.held_out))):
        if not seeds:
            continue
        print(f"\n{title} seeds {seeds}, {args.size}²: mean / worst accuracy")
        print("| scenario | chosen (seeds) | choice: accuracy | each family alone: accuracy | "
              "choice s / one run s |")
        print("|---|---|---|---|---|")
        for case in chosen:
            runs = []
            for seed in seeds:
                r = run_seed(case, seed, args.size, args.unsupervised)
                print(f"  {case.name} seed {seed}: chose {r['chosen']} "
                      f"(held-out " + ", ".join(f"{k} {v:.3f}" for k, v in r["held_out"].items())
                      + f") accuracy {r['accuracy']:.3f} in {r['seconds']:.1f} s; alone "
                      + ", ".join(f"{k} {v:.3f} ({r['alone_seconds'][k]:.1f} s)"
                                  for k, v in r["alone"].items())
                      + (f"; unsupervised choice {r['unsupervised']}" if "unsupervised" in r
                         else ""), file=sys.stderr, flush=True)
                runs.append(r)
            counts = ", ".join(f"{k} {sum(r['chosen'] == k for r in runs)}" for k in
                               sorted({r["chosen"] for r in runs}))
            alone = "; ".join(
                f"{k} {statistics.fmean(r['alone'][k] for r in runs):.3f} / "
                f"{min(r['alone'][k] for r in runs):.3f}" for k in runs[0]["alone"])
            if args.unsupervised:
                counts += " (unsupervised: " + ", ".join(
                    f"{k} {sum(r['unsupervised'] == k for r in runs)}"
                    for k in sorted({r["unsupervised"] for r in runs})) + ")"
            one = statistics.fmean(statistics.fmean(r["alone_seconds"].values()) for r in runs)
            print(f"| {case.name} | {counts} | "
                  f"{statistics.fmean(r['accuracy'] for r in runs):.3f} / "
                  f"{min(r['accuracy'] for r in runs):.3f} | {alone} | "
                  f"{statistics.fmean(r['seconds'] for r in runs):.1f} / {one:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
