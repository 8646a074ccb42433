"""Issue 15: accuracy with and without scribbles on the hardest synthetic scenarios.

Usage::

    python benchmarks/bench_scribbles.py [--seeds 0-2] [--held-out 1000-1002] [--size 384]
        [--only WORD ...] [--methods none,seeded,constrained,means,lda,logreg,knn]
        [--fraction 0.01] [--real | --real-only] [--figure FILE.png]

Scribbles are made from the truth by a fixed rule (`make_scribbles`): per
true pattern, three disks at random points (seeded) far from every true
boundary and from the image border, radius such that all disks together
cover at most `--fraction` of the pixels. Every method sees the same PCA
features (one unsupervised run per image, parameters from ``--auto`` with
the descriptor family named in the table) and the same scribbles:

- ``none``: the unsupervised k-means (accuracy after the best permutation);
- ``seeded``: what the package does (`core.scribbles`), run through
  ``segment(..., scribbles=...)``: the run's PCA components plus those of
  the first 24 that the strokes separate, whitened by the scribbled
  classes' within-class scatter, scribbled class means as centres, free
  patterns by k-means;
- ``consensus``: ``seeded`` with `scribble_consensus.consensus_fit` in
  place of the package's fit (the unsupervised partition where the other
  fits side with it; not adopted, docs/scribbles.md);
- ``strokes``: the same without the semi-supervised EM (the scribbled
  class means and the strokes' scatter only: the method before the EM,
  ``core.scribbles.EM_ITER = 0``);
- ``seeded-5``: the strokes-only fit on the run's own 5 components (the
  method before the component choice);
- ``constrained``: constrained k-means without whitening (5 components):
  scribbled points fixed to their class, every centre moves;
- ``means``: the scribbled class means as centres, no whitening (5 components);
- ``lda`` / ``logreg`` / ``knn``: a scikit-learn classifier trained on the
  scribbled grid points of the package's features (those of ``seeded``:
  linear discriminant analysis, logistic regression, 5 nearest neighbours).

With scribbles the accuracy is taken with no permutation: pattern i - 1
must be scribbled class i. Pixels within one lattice spacing of a true
boundary (two for the cuboids) are left out, as in bench_hard.py.

``--real``: the real Au nanoparticle image (/work/shared/data/real), nine
hand-placed strokes (`AU_STROKES`), agreement with a smoothed-Otsu proxy of
particles vs background (`au_reference`; no drawn truth ships with it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_hard import LCM, REF, ROT

SHORT = {LCM: "tra", ROT: "rot", REF: "ref"}
DISKS = 3


@dataclass(frozen=True)
class Case:
    """A scenario with the descriptor family it is segmented with."""

    name: str
    make: Callable  # make(seed, size) -> (image, truth)
    n_patterns: int
    family: str
    band: float = 1.0  # left-out band around true boundaries, in lattice spacings
    spacing: Callable | None = None  # spacing(seed) -> the generator's lattice spacing (px)

    def hard_case(self):
        """This case as a `bench_hard.Case`, for `bench_hard.band_width`."""
        from benchmarks.bench_hard import Case as HardCase

        return HardCase(self.name, self.make, self.n_patterns, band=self.band,
                        spacing=self.spacing)


def cases() -> list[Case]:
    from benchmarks import hard_scenarios as h
    from benchmarks import scenarios as s

    def nano(seed, n):
        return h.nanoparticle_on_carbon((n, n), 20.0, seed)

    def support(seed, n):
        return s.particle_on_support((n, n), counts=20.0, seed=seed)

    def cuboids(seed, n):
        return h.l12_cuboids((n, n), 20.0, seed)

    def physical(seed, n):
        from benchmarks.bench_hard import _physical_cuboids

        return _physical_cuboids(seed)

    def weak(seed, n):
        from benchmarks.bench_hard import WEAK, _physical_cuboids

        return _physical_cuboids(seed, **WEAK)

    def hard(seed, n):
        from benchmarks.bench_hard import HARD, _physical_cuboids

        return _physical_cuboids(seed, **HARD)

    def mirror(seed, n):
        return s.mirror_broken_basis((n, n), seed=seed)

    def polar(seed, n):
        return h.polar_perovskite((n, n), 200.0, seed)

    return [
        Case("nanoparticle + carbon + vacuum, 20 counts/px", nano, 3, ROT),
        Case("nanoparticle + carbon + vacuum, 20 counts/px", nano, 3, LCM),
        Case("particle on support + vacuum, 20 counts/px", support, 3, ROT),
        Case("particle on support + vacuum, 20 counts/px", support, 3, LCM),
        Case("L1_2 cuboids in fcc, 20 counts/px", cuboids, 2, LCM, band=2.0,
             spacing=h.l12_column_spacing),
        Case("L1_2 cuboids, physical (Ni3Al in Ni-Cr fcc, 512²), 20 counts/px", physical, 2, LCM,
             band=2.0),
        Case("L1_2 cuboids, physical, weak superlattice (50-100 % Ti), 2-5 nm", weak, 2, LCM,
             band=2.0),
        Case("L1_2 cuboids, physical, hard (60-100 % Ti, 2-5 nm, old thickness field)", hard, 2,
             LCM, band=2.0),
        Case("mirror-broken basis", mirror, 2, REF),
        Case("mirror-broken basis", mirror, 2, LCM),
        Case("polar perovskite, 200 counts/px", polar, 2, LCM),
        # appended (the case indices of scribble_consensus / _diagnose / _suggestions stay):
        # the family `--descriptor auto` keeps on the old cuboids
        Case("L1_2 cuboids in fcc, 20 counts/px", cuboids, 2, REF, band=2.0,
             spacing=h.l12_column_spacing),
    ]


# ------------------------------------------------------------------ scribbles
def make_scribbles(truth: np.ndarray, seed: int, fraction: float = 0.01,
                   away: float = 16.0, border: int = 32) -> np.ndarray:
    """Disks per true pattern, far from boundaries: the benchmark's fixed rule.

    Per true pattern `DISKS` disks whose total area over all patterns is at
    most `fraction` of the pixels. Centres are drawn (seeded) among pixels
    at least ``away + radius`` from every other pattern (relaxed to 80 % of
    the pattern's deepest point when the pattern is thinner) and `border`
    px from the image border, and at least four radii from each other when
    possible. Scribble value = true pattern + 1.
    """
    rng = np.random.default_rng(10_000 + seed)
    classes = np.unique(truth)
    radius = int(np.sqrt(fraction * truth.size / (len(classes) * DISKS * np.pi)))
    rr, cc = np.mgrid[: truth.shape[0], : truth.shape[1]]
    inner = np.zeros(truth.shape, bool)
    inner[border:-border, border:-border] = True
    out = np.zeros(truth.shape, np.int32)
    for c in classes:
        depth = ndimage.distance_transform_edt(truth == c) * inner
        need = min(away + radius, 0.8 * depth.max())
        cand = np.argwhere(depth >= need)
        centres: list[np.ndarray] = []
        for _ in range(500):
            if len(centres) == DISKS:
                break
            p = cand[rng.integers(len(cand))]
            if all(np.hypot(*(p - q)) >= 4 * radius for q in centres) or _ > 300:
                centres.append(p)
        for p in centres:
            out[(rr - p[0]) ** 2 + (cc - p[1]) ** 2 <= radius**2] = c + 1
    return out


# ------------------------------------------------------------------ methods
def classifier_labels(result, scribbles: np.ndarray, kind: str) -> np.ndarray:
    """Grid labels of a scikit-learn classifier trained on the scribbled grid points
    (on `result`'s features: those of the package's scribbled run)."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier

    from napari_symseg.core.scribbles import grid_classes

    cls = grid_classes(scribbles, result.grid)
    f = result.pca_components.reshape(-1, result.pca_components.shape[-1])
    y = cls.ravel()
    model = {"lda": LinearDiscriminantAnalysis(), "logreg": LogisticRegression(max_iter=1000),
             "knn": KNeighborsClassifier(5)}[kind]
    model.fit(f[y > 0], y[y > 0] - 1)
    return model.predict(f).reshape(result.grid.shape)


def centre_labels(result, scribbles: np.ndarray, method: str) -> np.ndarray:
    """Grid labels of the nearest-centre methods on an unsupervised run's features."""
    from napari_symseg.core.clustering import assign
    from napari_symseg.core.scribbles import grid_classes, seeded_centres, whitening

    cls = grid_classes(scribbles, result.grid)
    f = result.pca_components.astype(np.float64)
    w = whitening(f[cls > 0], cls[cls > 0]) if method == "seeded-5" else np.eye(f.shape[-1])
    centres = seeded_centres(f[cls == 0] @ w, f[cls > 0] @ w, cls[cls > 0],
                             result.params.n_patterns, result.params.random_state,
                             move_seeded=method == "constrained")
    return assign(f @ w, centres)[0]


def accuracy(labels, truth, keep, permute: bool) -> float:
    from benchmarks.bench_robustness import accuracy as best_permutation

    if permute:
        return best_permutation(labels, truth, keep)
    return float((labels[keep] == truth[keep]).mean())


def run_case(case: Case, seed: int, size: int, methods: list[str], fraction: float) -> dict:
    from benchmarks.bench_hard import band_width
    from benchmarks.bench_robustness import boundary_band
    from napari_symseg import Params, segment
    from napari_symseg.core.suggest import suggest_params

    image, truth = case.make(seed, size)
    params = suggest_params(image, Params(n_patterns=case.n_patterns,
                                          descriptor_name=case.family))
    scribbles = make_scribbles(truth, seed, fraction)
    width = band_width(image, case.hard_case(), seed)
    keep = ~boundary_band(truth, width)
    result = segment(image, params)
    guided = segment(image, params, scribbles=scribbles)
    if "strokes" in methods:
        from napari_symseg.core import scribbles as core_scribbles

        core_scribbles.EM_ITER, em_iter = 0, core_scribbles.EM_ITER
        try:
            strokes = segment(image, params, scribbles=scribbles)
        finally:
            core_scribbles.EM_ITER = em_iter
    if "consensus" in methods:
        from benchmarks.scribble_consensus import consensus_fit
        from napari_symseg.core import pipeline

        fit, pipeline.scribbled_fit = pipeline.scribbled_fit, consensus_fit
        try:
            consensus = segment(image, params, scribbles=scribbles)
        finally:
            pipeline.scribbled_fit = fit
    out = {"covered": float((scribbles > 0).mean()),
           "components": guided.pca_components.shape[-1]}
    for method in methods:
        if method == "none":
            out[method] = accuracy(result.labels, truth, keep, True)
            continue
        if method == "seeded":
            labels = guided.labels
        elif method == "strokes":
            labels = strokes.labels
        elif method == "consensus":
            labels = consensus.labels
        elif method in ("seeded-5", "constrained", "means"):
            labels = result.grid.upsample(centre_labels(result, scribbles, method))
        else:
            labels = result.grid.upsample(classifier_labels(guided, scribbles, method))
        out[method] = accuracy(labels, truth, keep, False)
    return out


# ------------------------------------------------------------------ the real Au image
AU = Path("/work/shared/data/real/temul_Au_nanoparticles_HAADF.npy")
#: hand-placed strokes on the 2048² image, (row, col) ends in units of 4 px
AU_STROKES = {1: [((40, 230), (60, 300)), ((190, 110), (230, 150)), ((210, 360), (230, 390)),
                  ((250, 470), (300, 490)), ((450, 200), (470, 280))],  # particles
              2: [((335, 30), (345, 110)), ((240, 270), (280, 290)), ((90, 400), (120, 440)),
                  ((400, 400), (430, 420))]}  # support / vacuum


def au_scribbles(shape, half_width: int = 6) -> np.ndarray:
    """`AU_STROKES` as 12 px wide strokes (class 1 particles, class 2 background)."""
    out = np.zeros(shape, np.uint8)
    for value, strokes in AU_STROKES.items():
        for p0, p1 in strokes:
            for t in np.linspace(0, 1, int(np.hypot(*np.subtract(p1, p0))) + 1):
                r, c = (np.array(p0) * (1 - t) + np.array(p1) * t) * 4
                out[max(int(r) - half_width, 0): int(r) + half_width,
                    max(int(c) - half_width, 0): int(c) + half_width] = value
    return out


def au_reference(image: np.ndarray) -> np.ndarray:
    """Particles (1) vs background (0): Otsu threshold of the image smoothed with a
    20 px Gaussian -- a proxy (no drawn truth ships with the image)."""
    from skimage.filters import threshold_otsu

    smooth = ndimage.gaussian_filter(image.astype(np.float64), 20)
    return (smooth > threshold_otsu(smooth)).astype(np.int32)


def run_au(figure: Path | None) -> None:
    import time

    from napari_symseg import Params, segment
    from napari_symseg.core.suggest import suggest_params

    image = np.load(AU)
    ref = au_reference(image)
    scribbles = au_scribbles(image.shape)
    params = suggest_params(image, Params(n_patterns=2))
    start = time.perf_counter()
    plain = segment(image, params)
    t_plain = time.perf_counter() - start
    start = time.perf_counter()
    guided = segment(image, params, scribbles=scribbles)
    t_guided = time.perf_counter() - start
    none = max((plain.labels == ref).mean(), (plain.labels != ref).mean())
    with_ = (guided.labels == 1 - ref).mean()  # class 1 (particles) = pattern 0
    print(f"\nreal Au nanoparticles (2048², --auto, 2 patterns): scribbles cover "
          f"{100 * (scribbles > 0).mean():.2f} % of the pixels; agreement with the smoothed-"
          f"Otsu reference: without {none:.3f} ({t_plain:.1f} s), with scribbles "
          f"{with_:.3f} ({t_guided:.1f} s)")
    if figure is not None:
        _au_figure(image, ref, scribbles, guided.labels, figure)


def _au_figure(image, ref, scribbles, labels, path: Path) -> None:
    """4x downsampled: image, pattern 0 tinted red, reference outline green, strokes."""
    from PIL import Image

    small = image.reshape(image.shape[0] // 4, 4, image.shape[1] // 4, 4).mean((1, 3))
    grey = (small - small.min()) / np.ptp(small) * 255
    rgb = np.stack([grey] * 3, -1)
    r4, l4, s4 = ref[::4, ::4].astype(bool), labels[::4, ::4], scribbles[::4, ::4]
    edge = r4 ^ ndimage.binary_erosion(r4)
    rgb[(l4 == 0) & ~edge, 0] = rgb[(l4 == 0) & ~edge, 0] * 0.5 + 127
    rgb[edge] = [0, 255, 0]
    rgb[s4 == 1] = [255, 0, 0]
    rgb[s4 == 2] = [0, 0, 255]
    Image.fromarray(rgb.astype(np.uint8)).save(path)
    print(f"wrote {path}")


def parse_seeds(text: str) -> list[int]:
    from benchmarks.bench_hard import parse_seeds as parse

    return parse(text) if text else []


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0-2")
    parser.add_argument("--held-out", default="1000-1002")
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--methods",
                        default="none,seeded,strokes,seeded-5,constrained,means,lda,logreg,knn")
    parser.add_argument("--fraction", type=float, default=0.01)
    parser.add_argument("--real", action="store_true", help="also the real Au image")
    parser.add_argument("--real-only", action="store_true", help="only the real Au image")
    parser.add_argument("--figure", type=Path, help="the real image's figure (PNG)")
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_limits

    from benchmarks.bench_robustness import warm_up

    threadpool_limits(1)
    warm_up()
    if args.real_only:
        run_au(args.figure)
        return 0
    methods = args.methods.split(",")
    chosen = cases()
    if args.only:
        chosen = [c for c in chosen if any(w in c.name or w == SHORT[c.family]
                                           for w in args.only)]
    for title, seeds in (("design", parse_seeds(args.seeds)),
                         ("held-out", parse_seeds(args.held_out))):
        if not seeds:
            continue
        print(f"\n{title} seeds {seeds}: mean / worst; scribbles cover at most "
              f"{100 * args.fraction:g} % of the pixels")
        print("| scenario | desc. | covered | " + " | ".join(methods) + " |")
        print("|---" * (len(methods) + 3) + "|")
        for case in chosen:
            runs = []
            for seed in seeds:
                r = run_case(case, seed, args.size, methods, args.fraction)
                print(f"  {case.name} [{SHORT[case.family]}] seed {seed}: "
                      + ", ".join(f"{k} {v:.3f}" for k, v in r.items()),
                      file=sys.stderr, flush=True)
                runs.append(r)
            cells = [f"{statistics.fmean(r[m] for r in runs):.3f} / "
                     f"{min(r[m] for r in runs):.3f}" for m in methods]
            cover = max(r["covered"] for r in runs)
            print(f"| {case.name} | {SHORT[case.family]} | {100 * cover:.2f} % | "
                  + " | ".join(cells) + " |", flush=True)
    if args.real:
        run_au(args.figure)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
