"""Issue 15: why a scribbled run of the cuboids fails -- features, sizes, strokes or EM.

Usage::

    python benchmarks/scribble_diagnose.py --seeds 7000,7002,7012,7013,7014 \
        [--sizes | --scale 0.7 | --variants] [--case 4]

Per seed one scribbled run (`scribble_variants.cached_run`, the benchmark's
scribbles and ``--auto`` parameters); printed, on the grid points outside
the boundary band (no permutation):

- the run: sizes, contrast, the run's own and the strokes' components;
- the strokes: pixels covered, the closest scribbled pixel to a true
  boundary (px), regions of each true pattern and how many hold a disk;
- ``em`` (the package), ``strokes`` (strokes-only fit), ``kmeans`` (the
  unsupervised partition numbered by the strokes);
- **oracles**, trained on the TRUE labels of all grid points and scored
  outside the band (class means and pooled covariance: linear
  discriminant analysis with equal priors, the package's decision rule):
  on the run's own components (``or-own``), the strokes' (``or-kept``),
  all 24 (``or-24``). An oracle below 0.97 means no nearest-centre rule on
  those features reaches 0.97;
- ``em@truth``: the package's EM (strokes clamped) started from the true
  means and pooled covariance on the strokes' components: if it drifts
  below the oracle, the shared-covariance likelihood's optimum itself is
  wrong, not the start; the mean log-likelihoods of both EM optima.

``--sizes``: the same for other parameters (contrast toggled, patch and
window x0.7 and x1.4); ``--scale 0.7``: the auto sizes and 0.7 times them
only, with a table. ``--variants``: candidate fixes of the EM on the cached
features (grid points, a table): ``multi-start`` (the EM also started from
the strokes-only, k-means and own-components partitions, the likeliest
optimum kept) and ``share f`` (the strokes repeated to carry a fraction f
of the EM's weight).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy import ndimage

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def oracle(d: dict, comps) -> np.ndarray:
    """Grid labels of equal-prior LDA fitted on the true labels of all grid points."""
    from napari_symseg.core.scribbles import covariance_whitening, nearest

    f, truth = d["f"][..., comps], d["truth"]
    x, y = f.reshape(-1, len(comps)), truth.ravel()
    means = np.stack([x[y == c].mean(0) for c in range(d["k"])])
    r = x - means[y]
    w = covariance_whitening(r.T @ r / len(r))
    return nearest(f.reshape(-1, len(comps)) @ w, means @ w).reshape(truth.shape)


def em_at_truth(d: dict, comps) -> tuple[np.ndarray, float]:
    """The package's EM on `comps`, started from the true means and pooled covariance;
    its grid labels and mean log-likelihood (`log_likelihood`)."""
    from napari_symseg.core import scribbles as S

    f, truth = d["f"][..., comps], d["truth"]
    x, y = f.reshape(-1, len(comps)), truth.ravel()
    means = np.stack([x[y == c].mean(0) for c in range(d["k"])])
    r = x - means[y]
    w = S.covariance_whitening(r.T @ r / len(r))
    return em_from(d, comps, means, w)


def em_from(d: dict, comps, means, whiten, seed_share=None) -> tuple[np.ndarray, float]:
    """`shared_gaussians` on `comps` from these means and whitening: grid labels, mean
    log-likelihood of the unscribbled fit points."""
    from napari_symseg.core import scribbles as S

    f, cls = d["f"][..., comps], d["cls"]
    rest = f[d["fit"] & (cls == 0)]
    seeds, y = f[cls > 0], cls[cls > 0]
    if seed_share:  # the strokes repeated to carry at least `seed_share` of the weight
        times = max(1, round(seed_share / (1 - seed_share) * len(rest) / len(seeds)))
        seeds, y = np.repeat(seeds, times, 0), np.repeat(y, times)
    m, cov = S.shared_gaussians(rest, seeds, y, means, whiten, d["rs"])
    z = S.covariance_whitening(cov)
    labels = S.nearest(f.reshape(-1, len(comps)) @ z, m @ z).reshape(cls.shape)
    return labels, log_likelihood(rest @ z, m @ z, np.linalg.slogdet(z)[1])


def log_likelihood(x: np.ndarray, centres: np.ndarray, log_det: float) -> float:
    """Mean log-likelihood of whitened points under a shared-covariance mixture with
    these centres, the weights by fixed-point iteration (constants dropped)."""
    d2 = ((x[:, None, :] - centres[None]) ** 2).sum(-1)
    weights = np.full(len(centres), 1 / len(centres))
    for _ in range(50):
        lp = -0.5 * d2 + np.log(np.maximum(weights, 1e-300))
        top = lp.max(1, keepdims=True)
        p = np.exp(lp - top)
        weights = (p / p.sum(1, keepdims=True)).mean(0)
    return float((top[:, 0] + np.log(p.sum(1))).mean() + log_det)


def strokes_report(d: dict) -> str:
    s, truth = d["scribbles"], d["truth_px"]
    edge = np.zeros(truth.shape, bool)
    edge[1:] |= truth[1:] != truth[:-1]
    edge[:, 1:] |= truth[:, 1:] != truth[:, :-1]
    dist = ndimage.distance_transform_edt(~edge)
    parts = []
    for c in range(d["k"]):
        region, n = ndimage.label(truth == c)
        hit = len(np.setdiff1d(np.unique(region[s == c + 1]), [0]))
        parts.append(f"class {c + 1}: {hit} of {n} regions")
    return (f"covered {100 * (s > 0).mean():.2f} %, nearest boundary "
            f"{dist[s > 0].min():.0f} px; " + ", ".join(parts)
            + f"; class 2 fraction {(truth == 1).mean():.2f}")


def em_package(d: dict, comps, seed_share=None) -> tuple[np.ndarray, float]:
    """The package's EM (from the strokes' fit) with its log-likelihood (`seed_share`:
    the strokes repeated to carry that fraction of the weight)."""
    from napari_symseg.core import scribbles as S

    f, cls = d["f"][..., comps], d["cls"]
    rest, seeds, y = f[d["fit"] & (cls == 0)], f[cls > 0], cls[cls > 0]
    w = S.whitening(seeds, y)
    start = S.seeded_centres(rest @ w, seeds @ w, y, d["k"], d["rs"]) @ np.linalg.pinv(w)
    return em_from(d, comps, start, w, seed_share)


def from_partition(d: dict, comps, labels) -> tuple[np.ndarray, float]:
    """The EM on `comps` started from a partition's class means and pooled covariance."""
    from napari_symseg.core import scribbles as S

    x, y = d["f"][..., comps].reshape(-1, len(comps)), labels.ravel()
    if len(np.unique(y)) < d["k"]:
        return labels, -np.inf
    means = np.stack([x[y == c].mean(0) for c in range(d["k"])])
    r = x - means[y]
    return em_from(d, comps, means, S.covariance_whitening(r.T @ r / len(r)))


def variants(d: dict, kept) -> dict:
    """Candidate fixes of the EM, on the cached features (``--variants``)."""
    from benchmarks.scribble_consensus import em_fit, kmeans

    em, em_ll = em_package(d, kept)
    starts = [(em, em_ll)] + [from_partition(d, kept, p) for p in
                              (em_fit(d, kept, 0), kmeans(d), em_fit(d, np.arange(d["n_base"])))]
    out = {"em": em, "multi-start": max(starts, key=lambda t: t[1])[0]}
    for share in (0.1, 0.25, 0.5):
        out[f"share {share}"] = em_package(d, kept, share)[0]
    return out


def diagnose(seed: int, case: int, overrides: dict | None = None) -> dict:
    from benchmarks.scribble_consensus import em_fit, kmeans
    from benchmarks.scribble_variants import cached_run
    from napari_symseg.core.scribbles import separating_components

    d = cached_run(seed, case_index=case, overrides=overrides)
    cls = d["cls"]
    kept = separating_components(d["f"][cls > 0], cls[cls > 0], d["n_base"])
    own, wide = np.arange(d["n_base"]), np.arange(d["f"].shape[-1])
    p = d["params"]
    print(f"seed {seed} {overrides or ''}: patch {p.patch_x} window {p.window_x} stride "
          f"{p.stride} contrast {p.contrast_features}; own {d['n_base']} comps, strokes keep "
          f"{kept.tolist()}; {strokes_report(d)}", flush=True)
    em, em_ll = em_package(d, kept)
    at_truth, truth_ll = em_at_truth(d, kept)
    labels = {"em": em, "strokes": em_fit(d, kept, 0), "kmeans": kmeans(d),
              "or-own": oracle(d, own), "or-kept": oracle(d, kept), "or-24": oracle(d, wide),
              "em@truth": at_truth}
    keep = d["keep"]
    row = {n: float((lab[keep] == d["truth"][keep]).mean()) for n, lab in labels.items()}
    print("   " + ", ".join(f"{n} {v:.3f}" for n, v in row.items())
          + f"; log-likelihood em {em_ll:.4f}, em@truth {truth_ll:.4f}", flush=True)
    return row


SIZES = [{"contrast_features": None}, {"scale": 0.7}, {"scale": 1.4}]


def main(argv=None) -> int:
    from threadpoolctl import threadpool_limits

    from benchmarks.bench_hard import parse_seeds
    from benchmarks.bench_robustness import warm_up

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="7000,7002,7012,7013,7014")
    parser.add_argument("--case", type=int, default=4)
    parser.add_argument("--sizes", action="store_true")
    parser.add_argument("--choose", type=float, default=None,
                        help="the auto sizes or these times them, whichever run's EM agrees "
                             "more with its strokes-only fit (`choose_sizes`)")
    parser.add_argument("--variants", action="store_true",
                        help="only the candidate fixes of the EM (`variants`), grid points")
    parser.add_argument("--scale", type=float, default=None,
                        help="only the auto sizes and these times them: a table of both")
    args = parser.parse_args(argv)
    threadpool_limits(1)
    warm_up()
    if args.variants:
        from benchmarks.scribble_variants import cached_run, score_table
        from napari_symseg.core.scribbles import separating_components

        def run(d):
            cls = d["cls"]
            return variants(d, separating_components(d["f"][cls > 0], cls[cls > 0],
                                                     d["n_base"]))

        score_table(parse_seeds(args.seeds), lambda s: cached_run(s, case_index=args.case), run,
                    "variant")
        return 0
    if args.choose:
        score_sizes(parse_seeds(args.seeds), args.case, args.choose)
        return 0
    table: dict[str, list[float]] = {}
    for seed in parse_seeds(args.seeds):
        row = diagnose(seed, args.case)
        changes = ([{"scale": args.scale}] if args.scale else SIZES if args.sizes else [])
        for change in changes:
            other = diagnose(seed, args.case, _overrides(seed, args.case, change))
            row |= {f"{n} x{change.get('scale', 'contrast')}": v for n, v in other.items()}
        for name, value in row.items():
            table.setdefault(name, []).append(value)
    print("| labelling | mean / worst | < 0.97 |\n|---|---|---|")
    for name, v in table.items():
        print(f"| {name} | {np.mean(v):.3f} / {min(v):.3f} | {sum(x < 0.97 for x in v)} "
              f"of {len(v)} |")
    return 0


def score_sizes(seeds, case: int, scale: float) -> None:
    """``--choose``: per seed the EM at the auto sizes and at `scale` times them, and the
    one whose EM agrees more with its own strokes-only fit (no truth used in the choice);
    grid points outside the band."""
    from benchmarks.scribble_consensus import em_fit
    from benchmarks.scribble_variants import cached_run
    from napari_symseg.core.scribbles import separating_components

    table: dict[str, list[float]] = {}
    for seed in seeds:
        row, agree = {}, {}
        for name, over in (("auto", None), (f"x{scale}", _overrides(seed, case,
                                                                   {"scale": scale}))):
            d = cached_run(seed, case_index=case, overrides=over)
            cls = d["cls"]
            kept = separating_components(d["f"][cls > 0], cls[cls > 0], d["n_base"])
            em, strokes = em_fit(d, kept), em_fit(d, kept, 0)
            agree[name] = float((em == strokes).mean())
            row[name] = float((em[d["keep"]] == d["truth"][d["keep"]]).mean())
        row["chosen"] = row[max(agree, key=agree.get)]  # ties keep the auto sizes
        print(f"seed {seed}: " + ", ".join(f"{n} {v:.3f}" for n, v in row.items())
              + " (EM = strokes-only on " + ", ".join(f"{n} {v:.3f}" for n, v in agree.items())
              + ")", file=sys.stderr, flush=True)
        for n, v in row.items():
            table.setdefault(n, []).append(v)
    print("| sizes | mean / worst | < 0.97 |\n|---|---|---|")
    for n, v in table.items():
        print(f"| {n} | {np.mean(v):.3f} / {min(v):.3f} | {sum(x < 0.97 for x in v)} of "
              f"{len(v)} |")


def _overrides(seed: int, case: int, change: dict) -> dict:
    """Params fields for one `SIZES` change, relative to the seed's ``--auto`` choice."""
    from benchmarks import bench_scribbles as bs
    from napari_symseg import Params
    from napari_symseg.core.suggest import suggest_params

    c = bs.cases()[case]
    image, _ = c.make(seed, 384)
    p = suggest_params(image, Params(n_patterns=c.n_patterns, descriptor_name=c.family))
    if "contrast_features" in change:
        return {"contrast_features": not p.contrast_features}
    s = change["scale"]
    return {f: max(2, round(getattr(p, f) * s)) for f in ("patch_x", "patch_y", "window_x",
                                                          "window_y")}


if __name__ == "__main__":
    raise SystemExit(main())
