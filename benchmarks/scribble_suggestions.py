"""Issue 15, seventh session: the brief's suggestions against the cuboids' failures.

Usage::

    python benchmarks/scribble_suggestions.py --cache /tmp/scribble-cache \\
        --seeds 0-23,3000-3015,4000-4015,5000-5015,6000-6015,9000-9015
    python benchmarks/scribble_suggestions.py --cache /tmp/scribble-cache --case 1 --seeds 0-11

Per seed of one scenario of `bench_scribbles.cases()` (``--case``, default
4: the old L1_2 cuboids; 0/1 nanoparticle rot/tra, 3 support tra, 5
physical, 7 hard, 8 mirror ref, 10 polar) one scribbled run through
``segment(..., scribbles=...)`` with the benchmark's scribbles; its wide PCA
features on the grid (`scribble_variants.cached_run`) are kept, in
``--cache`` as one ``.npz`` per case and seed when given (a second run of
the table then takes seconds, not one segmentation per seed). Every variant
is fitted on them; printed: grid-point accuracy outside the boundary band
(mean / worst / seeds below 0.97), per seed on stderr. None was adopted
(docs/scribbles.md, "Seventh session"). The variants:

- ``package``: the strokes' fit refined by the shared-covariance EM
  (`core.scribbles._em_fit`); ``strokes``: the strokes-only fit;
- ``per-class``: the semi-supervised EM with one covariance per class, each
  shrunk halfway to the pooled one, then the pooled-covariance nearest-centre
  rule refitted on its partition (a model of the package's form);
- ``self-train``: the strokes-only nearest-centre rule refitted in 5 rounds
  on the strokes plus the 6, 12, ... 30 % most confident unscribbled points
  per class (by the margin between the two nearest centres);
- ``lda`` / ``lda-24``: scikit-learn's ``LinearDiscriminantAnalysis(solver=
  "lsqr", shrinkage="auto")`` on the strokes' components / all 24;
  ``lda-self`` / ``lda-24-self``: the same with three rounds of
  self-training (the 1/6, 1/3, 1/2 most confident unscribbled points per
  predicted class added); ``logreg-self``: logistic regression (C = 1) on
  the strokes' components, self-trained alike;
- ``pairs``: the strokes' class means, whitened by the strokes' within-class
  scatter **plus the scatter of differences between grid points 4, 8 and 16
  points apart that the current rule labels alike** (`pair_scatter`; three
  rounds): a smooth field (the cuboids' thickness) varies between such
  points, the class difference does not, so the rule learns to ignore it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

#: Lags (grid points) of the pair differences of ``pairs``.
LAGS = (4, 8, 16)
_KEYS = ("f", "cls", "fit", "truth", "keep", "n_base", "k", "rs")


def load(seed: int, case: int, cache: str | None) -> dict:
    """`scribble_variants.cached_run` of `seed`, through the ``.npz`` cache when given."""
    from benchmarks.scribble_variants import cached_run

    path = Path(cache) / f"c{case}_{seed}.npz" if cache else None
    if path is None or not path.exists():
        d = cached_run(seed, case_index=case)
        if path is None:
            return d
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, **{k: np.asarray(d[k]) for k in _KEYS})
    with np.load(path) as z:
        d = {k: z[k] for k in _KEYS}
    return d | {k: int(d[k]) for k in ("n_base", "k", "rs")}


def prepared(d: dict):
    """Grid features on the strokes' components (whitened by the strokes' scatter), the
    unscribbled fit points, the scribbled points and classes, the strokes-only centres."""
    from napari_symseg.core import scribbles as S

    cls, f = d["cls"], np.asarray(d["f"], np.float64)
    kept = S.separating_components(f[cls > 0], cls[cls > 0], d["n_base"])
    f = f[..., kept]
    seeds, y = f[cls > 0], cls[cls > 0]
    w = S.whitening(seeds, y)
    f, seeds = f @ w, seeds @ w
    rest = f[d["fit"] & (cls == 0)]
    return f, rest, seeds, y, S.seeded_centres(rest, seeds, y, d["k"], d["rs"])


def nearest_grid(f: np.ndarray, cov: np.ndarray, means: np.ndarray) -> np.ndarray:
    """Grid labels of the nearest mean in the space `cov` whitens."""
    from napari_symseg.core.scribbles import covariance_whitening, nearest

    w = covariance_whitening(cov)
    return nearest((f @ w).reshape(-1, f.shape[-1]), means @ w).reshape(f.shape[:2])


def pooled_rule(f: np.ndarray, pts: np.ndarray, lab: np.ndarray) -> np.ndarray:
    """Nearest class mean of a hard partition, whitened by its pooled within-class scatter."""
    means = np.stack([pts[lab == j].mean(0) for j in range(lab.max() + 1)])
    within = pts - means[lab]
    return nearest_grid(f, within.T @ within / len(within), means)


def package(d: dict, iters: int | None = None) -> np.ndarray:
    """The package's fit (``iters=0``: the strokes-only fit) on every grid point."""
    from benchmarks.scribble_consensus import em_fit
    from napari_symseg.core.scribbles import separating_components

    cls = d["cls"]
    f = np.asarray(d["f"], np.float64)
    return em_fit(d, separating_components(f[cls > 0], cls[cls > 0], d["n_base"]), iters)


def per_class(d: dict, shrink: float = 0.5, iters: int = 100) -> np.ndarray:
    """EM with per-class covariances (shrunk to the pooled one), pooled rule refitted."""
    from scipy.stats import multivariate_normal

    f, rest, seeds, y, means = prepared(d)
    k, dim = means.shape
    clamped = np.eye(k)[y - 1]
    pts = np.concatenate([rest, seeds])
    covs, weights = [np.eye(dim)] * k, np.full(k, 1.0 / k)

    def log_p(x):
        return np.stack([multivariate_normal(means[j], covs[j], allow_singular=True).logpdf(x)
                         for j in range(k)], 1) + np.log(np.maximum(weights, 1e-300))

    for _ in range(iters):
        lp = log_p(rest)
        r = np.exp(lp - lp.max(1, keepdims=True))
        r = np.concatenate([r / r.sum(1, keepdims=True), clamped])
        n = r.sum(0)
        new = (r.T @ pts) / n[:, None]
        scatter = [(r[:, j, None] * (pts - new[j])).T @ (pts - new[j]) for j in range(k)]
        pooled = sum(scatter) / len(pts)
        covs = [(1 - shrink) * scatter[j] / n[j] + shrink * pooled for j in range(k)]
        weights = n / n.sum()
        done = np.abs(new - means).max() <= 1e-6 * max(np.abs(means).max(), 1.0)
        means = new
        if done:
            break
    use = d["fit"] | (d["cls"] > 0)
    return pooled_rule(f, f[use], log_p(f[use]).argmax(1))


def self_train(d: dict, top: float = 0.3, rounds: int = 5) -> np.ndarray:
    """The strokes-only rule refitted on the strokes and its most confident points."""
    from napari_symseg.core.scribbles import covariance_whitening

    f, rest, seeds, y, means = prepared(d)
    cov = np.eye(f.shape[-1])
    for t in range(1, rounds + 1):
        w = covariance_whitening(cov)
        d2 = (((rest @ w)[:, None, :] - (means @ w)[None]) ** 2).sum(-1)
        lab, two = d2.argmin(1), np.sort(d2, 1)
        margin = two[:, 1] - two[:, 0]
        chosen = np.zeros(len(rest), bool)
        for j in range(len(means)):
            idx = np.flatnonzero(lab == j)
            chosen[idx[np.argsort(-margin[idx])[: int(top * t / rounds * len(idx))]]] = True
        pts = np.concatenate([rest[chosen], seeds])
        labs = np.concatenate([lab[chosen], y - 1])
        means = np.stack([pts[labs == j].mean(0) if (labs == j).any() else means[j]
                          for j in range(len(means))])
        within = pts - means[labs]
        cov = within.T @ within / len(pts)
    return nearest_grid(f, cov, means)


def classifier(d: dict, kind: str = "lda", wide: bool = False, rounds: int = 0,
               top: float = 0.5) -> np.ndarray:
    """A scikit-learn classifier on the scribbled points, optionally self-trained."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.linear_model import LogisticRegression

    from napari_symseg.core.scribbles import separating_components

    cls, f = d["cls"], np.asarray(d["f"], np.float64)
    if not wide:
        f = f[..., separating_components(f[cls > 0], cls[cls > 0], d["n_base"])]

    def make():
        return (LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto") if kind == "lda"
                else LogisticRegression(C=1.0, max_iter=500))

    flat, c = f.reshape(-1, f.shape[-1]), cls.reshape(-1)
    rest = flat[d["fit"].reshape(-1) & (c == 0)]
    xs, ys = flat[c > 0], c[c > 0]
    model = make().fit(xs, ys)
    for t in range(rounds):
        p = model.predict_proba(rest)
        lab, conf = model.classes_[p.argmax(1)], p.max(1)
        chosen = np.zeros(len(lab), bool)
        for j in model.classes_:
            idx = np.flatnonzero(lab == j)
            chosen[idx[np.argsort(-conf[idx])[: int(top * (t + 1) / rounds * len(idx))]]] = True
        model = make().fit(np.concatenate([xs, rest[chosen]]),
                           np.concatenate([ys, lab[chosen]]))
    return (model.predict(flat) - 1).reshape(cls.shape)


def pair_scatter(f: np.ndarray, labels: np.ndarray, ok: np.ndarray, lags=LAGS) -> np.ndarray:
    """Half the mean outer product of the differences between grid points `lags` apart
    (along rows and columns) that both lie in `ok` and carry the same label."""
    total, n = np.zeros((f.shape[-1],) * 2), 0
    for lag in lags:
        for a, b in ((np.s_[lag:, :], np.s_[:-lag, :]), (np.s_[:, lag:], np.s_[:, :-lag])):
            same = (labels[a] == labels[b]) & ok[a] & ok[b]
            diff = (f[a] - f[b])[same]
            total += diff.T @ diff
            n += len(diff)
    return total / max(n, 1) / 2


def pairs(d: dict, rounds: int = 3, lags=LAGS) -> np.ndarray:
    """Strokes' means, whitened by the strokes' scatter plus `pair_scatter`."""
    f, _, seeds, y, means = prepared(d)
    within = seeds - means[y - 1]
    strokes = within.T @ within / len(within)
    ok = d["fit"] | (d["cls"] > 0)
    cov = strokes
    for _ in range(rounds):
        cov = strokes + pair_scatter(f, nearest_grid(f, cov, means), ok, lags)
    return nearest_grid(f, cov, means)


VARIANTS = {
    "package": package, "strokes": lambda d: package(d, 0), "per-class": per_class,
    "self-train": self_train, "lda": classifier,
    "lda-24": lambda d: classifier(d, wide=True),
    "lda-self": lambda d: classifier(d, rounds=3),
    "lda-24-self": lambda d: classifier(d, wide=True, rounds=3),
    "logreg-self": lambda d: classifier(d, "logreg", rounds=3), "pairs": pairs,
}


def main(argv=None) -> int:
    from threadpoolctl import threadpool_limits

    from benchmarks.bench_hard import parse_seeds
    from benchmarks.bench_robustness import warm_up
    from benchmarks.scribble_variants import score_table

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0-23,3000-3015,4000-4015,5000-5015,6000-6015")
    parser.add_argument("--case", type=int, default=4)
    parser.add_argument("--cache", default=None, help="folder of the grid features (.npz)")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args(argv)
    threadpool_limits(1)
    warm_up()
    names = args.variants.split(",")
    score_table(parse_seeds(args.seeds), lambda s: load(s, args.case, args.cache),
                lambda d: {n: VARIANTS[n](d) for n in names}, "variant")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
