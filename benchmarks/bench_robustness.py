"""Segmentation accuracy under realistic imaging conditions (issue 5, "Robustness").

Usage::

    python benchmarks/bench_robustness.py [--seeds 5] [--size 384] [--only NAME ...]
        [--markdown docs/robustness.md] [--gallery docs/images/robustness_gallery.png]
        [--experiments] [--threads 1]

For every scenario of `benchmarks/scenarios.py` and every seed, the
parameters are the ``--auto`` ones,
``suggest_params(image, Params(n_patterns=K, descriptor_name=D))``, with the
scenario's number of patterns K and descriptor D chosen by the rule in
`DESCRIPTOR_RULE`; the image is segmented with `napari_symseg.segment`.
Accuracy is the fraction of pixels labelled right after the best matching
of labels to true patterns (Hungarian algorithm on the confusion matrix),
counted only on pixels at least one lattice spacing away from every true
boundary. Each seed draws a new geometry (boundary position and angle,
lattice offsets, grain shapes) and new noise.

``--experiments`` adds rows that test remedies for the failures (clearly
labelled: pre-processing of the image or post-processing of the labels done
here, in this script; the engine is unchanged).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage
from scipy.optimize import linear_sum_assignment

HERE = Path(__file__).resolve().parent
if __package__ in (None, ""):  # run as a script: the repository root makes `benchmarks` importable
    sys.path.insert(0, str(HERE.parent))
TARGET = 0.97
#: The issue-13 section of docs/robustness.md (numbers from benchmarks/bench_hard.py).
# the hand-written sections after the generated tables (issue 13 onwards: issues 13 and 18)
ISSUE13_SECTION = (HERE / "robustness_issue13.md").read_text(encoding="utf-8")
LCM = "local_correlation_map"
REF = "reflection_symmetry_maximum_pooling"
ROT = "rotational_symmetry_maximum_pooling"
SHORT = {LCM: "translations", REF: "reflections", ROT: "rotations",
         "power_spectrum": "power spectrum"}

DESCRIPTOR_RULE = (
    "Translations (`local_correlation_map`) by default: they separate every pattern that "
    "differs in its translation lattice, orientation, chemical order or in having a lattice "
    "at all. Reflections (`reflection_symmetry_maximum_pooling`) where the patterns share "
    "their autocorrelation and differ only in point symmetry (the mirror-broken basis): "
    "translations measure the autocorrelation, which is the same on both sides. Rotations "
    "(`rotational_symmetry_maximum_pooling`) where crystal meets regions without a lattice "
    "(amorphous support, vacuum): translation scores are ~0 on both of those, rotation scores "
    "are not. Translation rows are kept for both as controls."
)


@dataclass(frozen=True)
class Scenario:
    """One benchmark row: an image generator, its patterns and the descriptor used.

    ``make(seed, size)`` returns ``(image, truth)``; ``spacing`` is the largest
    lattice spacing (px) in the image, the half width of the excluded band.
    """

    name: str
    make: Callable[[int, int], tuple[np.ndarray, np.ndarray]]
    n_patterns: int
    spacing: float
    descriptor: str = LCM
    control: bool = False
    note: str = ""


def _scenarios() -> list[Scenario]:
    from benchmarks import scenarios as s

    return [
        Scenario("low dose, 20 counts/px (square/hexagonal)",
                 lambda seed, n: s.low_dose((n, n), 20.0, seed=seed), 2, 10.0),
        Scenario("low dose, 10 counts/px (square/hexagonal)",
                 lambda seed, n: s.low_dose((n, n), 10.0, seed=seed), 2, 10.0),
        Scenario("low dose, 5 counts/px (square/hexagonal)",
                 lambda seed, n: s.low_dose((n, n), 5.0, seed=seed), 2, 10.0),
        Scenario("low dose, 10 counts/px (grains ±15°)",
                 lambda seed, n: s.low_dose((n, n), 10.0, "grain_boundary", seed), 2, 9.0),
        Scenario("low dose, 5 counts/px (grains ±15°)",
                 lambda seed, n: s.low_dose((n, n), 5.0, "grain_boundary", seed), 2, 9.0),
        Scenario("low dose, 1 count/px (grains ±15°)",
                 lambda seed, n: s.low_dose((n, n), 1.0, "grain_boundary", seed), 2, 9.0,
                 note="beyond the issue's range"),
        Scenario("thickness wedge, 5x intensity ramp",
                 lambda seed, n: s.thickness_wedge((n, n), seed=seed), 2, 10.0),
        Scenario("scan jitter 0.5 px + drift",
                 lambda seed, n: s.scan_distortions((n, n), jitter=0.5, seed=seed), 2, 10.0),
        Scenario("scan jitter 1 px + drift",
                 lambda seed, n: s.scan_distortions((n, n), jitter=1.0, seed=seed), 2, 10.0),
        Scenario("particle on amorphous support + vacuum",
                 lambda seed, n: s.particle_on_support((n, n), seed=seed), 3, 9.0,
                 descriptor=ROT),
        Scenario("particle on amorphous support + vacuum",
                 lambda seed, n: s.particle_on_support((n, n), seed=seed), 3, 9.0,
                 control=True, note="control: translations fail here"),
        Scenario("ordered precipitate, contrast 0.2",
                 lambda seed, n: s.superlattice_precipitate((n, n), seed=seed), 2, 8.0),
        Scenario("ordered precipitate, contrast 0.1",
                 lambda seed, n: s.superlattice_precipitate((n, n), contrast=0.1, seed=seed),
                 2, 8.0),
        Scenario("mirror-broken basis (same autocorrelation)",
                 lambda seed, n: s.mirror_broken_basis((n, n), seed=seed), 2, 16.0,
                 descriptor=REF),
        Scenario("mirror-broken basis (same autocorrelation)",
                 lambda seed, n: s.mirror_broken_basis((n, n), seed=seed), 2, 16.0,
                 control=True, note="control: translations cannot work"),
        Scenario("3 grains, orientation only",
                 lambda seed, n: s.rotated_grains((n, n), seed=seed), 3, 9.0),
        Scenario("twin lamellae (3 planes)",
                 lambda seed, n: s.twin((n, n), seed=seed), 2, 12.0),
    ]


# ------------------------------------------------------------------ experiments
# Remedies for the failures, done here in the script (the engine is unchanged).
# A remedy may pre-process the image the descriptors see (`pre`), replace the
# PCA + k-means stage (`post`) or change the auto parameters (`changes`).
@dataclass(frozen=True)
class Remedy:
    """An experiment: what changes between the plain --auto run and this one.

    ``descriptors``: segment with each of these families (--auto parameters
    for each) and keep the labels of the largest mean confidence (the
    engine's margin between nearest and second-nearest cluster centre).
    """

    name: str
    what: str
    pre: Callable | None = None  # pre(image, period) -> image for the descriptors
    post: Callable | None = None  # post(result, period) -> (labels, grid confidence)
    changes: Callable | None = None  # changes(params) -> dict of Params changes
    descriptors: tuple[str, ...] = ()


def local_contrast_normalise(image: np.ndarray, sigma: float) -> np.ndarray:
    """``(I - G*I) / sqrt(G*(I - G*I)^2)`` with a Gaussian G of width `sigma` (px)."""
    img = np.asarray(image, dtype=np.float64)
    high = img - ndimage.gaussian_filter(img, sigma)
    local_var = ndimage.gaussian_filter(high**2, sigma)
    return high / np.sqrt(local_var + 1e-12 * high.var())


def smoothed_descriptor_labels(result, sigma_px: float) -> tuple[np.ndarray, np.ndarray]:
    """Labels (and grid confidence) after Gaussian smoothing (width `sigma_px`) of every
    descriptor channel on the grid, then the engine's own PCA and k-means (same sizes and
    seed)."""
    from napari_symseg.core.clustering import assign, fit_centres
    from napari_symseg.core.pca import CovarianceAccumulator

    p = result.params
    s = sigma_px / p.stride
    desc = ndimage.gaussian_filter(result.descriptors, (s, s, 0), mode="nearest")
    acc = CovarianceAccumulator(desc.shape[-1])
    acc.add(desc)
    pca = acc.fit(p.n_pca_components, p.pca_variance)
    feats = pca.transform(desc.reshape(-1, desc.shape[-1])).reshape(*desc.shape[:2], -1)
    centres = fit_centres(feats.reshape(-1, feats.shape[-1]), p.n_patterns, p.random_state)
    labels, confidence = assign(feats, centres)
    return result.grid.upsample(labels), confidence


def _scaled_sizes(factor: float):
    def changes(p):
        return {name: max(2, round(getattr(p, name) * factor))
                for name in ("patch_x", "patch_y", "window_x", "window_y", "radius")}
    return changes


CHOICES = (LCM, ROT, REF)  # the order of core.choose.CANDIDATES (ties keep the first)
REMEDIES = [
    Remedy("LCN", "local contrast normalisation of the image, ``(I - G*I) / sqrt(G*(I - "
           "G*I)^2)`` with a Gaussian G of σ = a/2 (a = dominant period from `auto`), before "
           "the descriptors",
           pre=lambda image, a: local_contrast_normalise(image, a / 2)),
    Remedy("--descriptor auto", "the engine's `core/choose.py` (issue 13): segment with "
           "translations, rotations and reflections (--auto parameters for each) and keep the "
           "family whose worst pair of patterns has the largest separation (sharpness / dip) × "
           "√(score change). Designed on seeds 0–2 of these scenarios and of the issue-13 "
           "ones (the score change on seeds 0–5); seeds 8000– are fresh",
           descriptors=CHOICES),
]


# ------------------------------------------------------------------ scoring
def boundary_band(truth: np.ndarray, width: float) -> np.ndarray:
    """True on pixels closer than `width` px to a boundary between true patterns."""
    edge = np.zeros(truth.shape, dtype=bool)
    diff_r = truth[1:] != truth[:-1]
    diff_c = truth[:, 1:] != truth[:, :-1]
    edge[1:] |= diff_r
    edge[:-1] |= diff_r
    edge[:, 1:] |= diff_c
    edge[:, :-1] |= diff_c
    if not edge.any():
        return edge
    return ndimage.distance_transform_edt(~edge) < width


def boundary_length(labels: np.ndarray) -> int:
    """Number of 4-neighbour pixel pairs with different labels."""
    return int(np.sum(labels[1:] != labels[:-1]) + np.sum(labels[:, 1:] != labels[:, :-1]))


def accuracy(labels: np.ndarray, truth: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Fraction of (masked) pixels right after the best label permutation.

    Labels are matched one-to-one to true patterns so as to maximise the
    number of agreeing pixels (`scipy.optimize.linear_sum_assignment`).
    """
    mask = np.ones(truth.shape, dtype=bool) if mask is None else mask
    t, lab = truth[mask].astype(np.int64), labels[mask].astype(np.int64)
    n = int(max(t.max(), lab.max())) + 1
    confusion = np.bincount(t * n + lab, minlength=n * n).reshape(n, n)
    rows, cols = linear_sum_assignment(-confusion)
    return float(confusion[rows, cols].sum() / mask.sum())


# ------------------------------------------------------------------ running
@dataclass
class Run:
    """One scenario on one seed."""

    accuracy: float
    accuracy_all: float
    accuracy_grid: float
    seconds: float
    seed: int
    covered: tuple  # ((first row, last row), (first col, last col)) of the descriptor grid
    params: object
    image: np.ndarray
    truth: np.ndarray
    labels: np.ndarray


def run_one(scn: Scenario, seed: int, size: int, remedy: Remedy | None = None) -> Run:
    """Generate, choose --auto parameters, segment and score one image."""
    from napari_symseg import Params, segment
    from napari_symseg.core.suggest import dominant_period, suggest_params

    image, truth = scn.make(seed, size)
    start = time.perf_counter()
    remedy = Remedy("none", "") if remedy is None else remedy
    period = dominant_period(image) if (remedy.pre or remedy.post or remedy.descriptors) \
        else None
    work = image if remedy.pre is None else remedy.pre(image, period)
    best = None
    if remedy.descriptors:  # --descriptor auto: the engine's own choice, reason and all
        from napari_symseg.core.choose import choose_descriptor

        picked = choose_descriptor(work, Params(n_patterns=scn.n_patterns), remedy.descriptors)
        best = (0.0, picked.result.labels, picked.result)
    for descriptor in () if best else remedy.descriptors or (scn.descriptor,):
        params = suggest_params(image, Params(n_patterns=scn.n_patterns,
                                              descriptor_name=descriptor))
        if remedy.changes is not None:
            params = params.replace(**remedy.changes(params))
        result = segment(work, params)
        labels, confidence = (result.labels, result.confidence) if remedy.post is None \
            else remedy.post(result, period)
        score = confidence.mean()
        if best is None or score > best[0]:
            best = (score, labels, result)
    _, labels, result = best
    seconds = time.perf_counter() - start
    keep = ~boundary_band(truth, scn.spacing)
    g = result.grid
    covered = np.zeros(truth.shape, dtype=bool)
    covered[g.rows[0] : g.rows[-1] + 1, g.cols[0] : g.cols[-1] + 1] = True
    return Run(accuracy(labels, truth, keep), accuracy(labels, truth),
               accuracy(labels, truth, keep & covered), seconds, seed,
               ((g.rows[0], g.rows[-1]), (g.cols[0], g.cols[-1])), result.params, image,
               truth, labels)


def describe_params(params_list) -> str:
    """The auto parameters of all seeds, compactly (ranges where they differ)."""
    def span(values):
        lo, hi = min(values), max(values)
        return f"{lo}" if lo == hi else f"{lo}–{hi}"

    p0 = params_list[0]
    if p0.is_translation:
        sizes = (f"patch = window {span([p.patch_x for p in params_list])}×"
                 f"{span([p.patch_y for p in params_list])}, "
                 f"{span([p.max_num_points for p in params_list])} shifts")
    else:
        sizes = (f"radius {span([p.radius for p in params_list])}, pooling "
                 f"±{span([p.window_x for p in params_list])}×"
                 f"{span([p.window_y for p in params_list])}")
    return f"{sizes}, stride {span([p.stride for p in params_list])}"


@dataclass
class Row:
    """All seeds of one scenario (with one remedy, or none)."""

    scenario: Scenario
    runs: list
    remedy: Remedy | None = None

    @property
    def accuracies(self) -> list[float]:
        return [r.accuracy for r in self.runs]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.accuracies)

    @property
    def worst(self) -> float:
        return min(self.accuracies)

    @property
    def mean_all(self) -> float:
        return statistics.fmean(r.accuracy_all for r in self.runs)

    @property
    def worst_grid(self) -> float:
        return min(r.accuracy_grid for r in self.runs)

    @property
    def seconds(self) -> float:
        return statistics.fmean(r.seconds for r in self.runs)

    @property
    def params(self) -> str:
        return describe_params([r.params for r in self.runs])

    @property
    def verdict(self) -> str:
        if self.scenario.control:
            return "(control)"
        if self.worst >= TARGET:
            return "yes"
        return "mean only" if self.mean >= TARGET else "**no**"


def run_rows(scenarios: list[Scenario], seeds: range, size: int,
             remedy: Remedy | None = None) -> list[Row]:
    rows = []
    for scn in scenarios:
        runs = []
        for seed in seeds:
            runs.append(run_one(scn, seed, size, remedy))
            r = runs[-1]
            tag = f" + {remedy.name}" if remedy else ""
            print(f"  {scn.name} [{SHORT[scn.descriptor]}{tag}] seed {seed}: {r.accuracy:.4f} "
                  f"(all px {r.accuracy_all:.4f}, grid {r.accuracy_grid:.4f}) {r.seconds:.2f} s",
                  file=sys.stderr, flush=True)
        rows.append(Row(scn, runs, remedy))
    return rows


# ------------------------------------------------------------------ output
def _label(scn: Scenario) -> str:
    return scn.name + (f" — *{scn.note}*" if scn.note else "")


def table(rows: list[Row]) -> str:
    header = ("| scenario | K | descriptor | mean | worst | ≥ 0.97 | worst, inside grid | "
              "all px (mean) | auto parameters | s/image |")
    lines = [header, "|---" * (header.count("|") - 1) + "|"]
    for row in rows:
        scn = row.scenario
        lines.append(
            f"| {_label(scn)} | {scn.n_patterns} | {SHORT[scn.descriptor]} | {row.mean:.3f} | "
            f"{row.worst:.3f} | {row.verdict} | {row.worst_grid:.3f} | {row.mean_all:.3f} | "
            f"{row.params} | {row.seconds:.2f} |"
        )
    return "\n".join(lines)


def experiment_table(base: list[Row], by_remedy: dict[str, list[Row]]) -> str:
    """Mean / worst accuracy per scenario: plain --auto and every remedy."""
    names = list(by_remedy)
    header = "| scenario | descriptor | --auto | " + " | ".join(names) + " |"
    lines = [header, "|---" * (header.count("|") - 1) + "|"]
    for i, row in enumerate(base):
        cells = [f"{row.mean:.3f} / {row.worst:.3f}"]
        for name in names:
            other = by_remedy[name][i]
            cell = f"{other.mean:.3f} / {other.worst:.3f}"
            if other.remedy is not None and other.remedy.descriptors:
                picked = [SHORT[r.params.descriptor_name][:3] for r in other.runs]
                cell += " (" + ", ".join(f"{picked.count(d)}× {d}" for d in
                                         sorted(set(picked))) + ")"
            if not row.scenario.control and (other.worst < TARGET) != (row.worst < TARGET):
                cell = f"**{cell}**"
            cells.append(cell)
        lines.append(f"| {_label(row.scenario)} | {SHORT[row.scenario.descriptor]} | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines)


def gallery(rows: list[Row], path: Path) -> None:
    """The worst seed of every scenario: the image, the predicted patterns (colour tint,
    yellow boundaries), the true boundaries (cyan, dashed) and the region where
    descriptors were computed (white dotted; outside it labels are extrapolated)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    tint = ListedColormap(["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"])
    shown = [r for r in rows if not r.scenario.control]
    n_cols = 4
    n_rows = -(-len(shown) // n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(4 * n_cols, 4.4 * n_rows + 0.6))
    for ax in axes.flat:
        ax.axis("off")
    for ax, row in zip(axes.flat, shown, strict=False):
        run = min(row.runs, key=lambda r: r.accuracy)
        lo, hi = np.percentile(run.image, [0.5, 99.5])
        ax.imshow(run.image, cmap="gray", vmin=lo, vmax=hi, interpolation="nearest")
        k = row.scenario.n_patterns
        ax.imshow(run.labels, cmap=tint, vmin=0, vmax=3, alpha=0.22, interpolation="nearest")
        if boundary_length(run.labels) * row.scenario.spacing / run.labels.size < 0.3:
            ax.contour(run.labels, levels=np.arange(k - 1) + 0.5, colors="yellow",
                       linewidths=0.9)  # (no lines over salt-and-pepper labels: tint only)
        ax.contour(run.truth, levels=np.arange(k - 1) + 0.5, colors="cyan",
                   linewidths=1.3, linestyles="dashed")
        (r0, r1), (c0, c1) = run.covered
        ax.add_patch(plt.Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0 + 1, r1 - r0 + 1, fill=False,
                                   edgecolor="white", linestyle=":", linewidth=1.0))
        ax.set_title(f"{row.scenario.name}\n{SHORT[row.scenario.descriptor]}, seed "
                     f"{run.seed} (worst of {len(row.runs)}): {run.accuracy:.3f}", fontsize=9)
    fig.suptitle("Worst seed per scenario, --auto parameters. Tint + yellow: predicted "
                 "patterns; cyan dashed: true boundaries; white dotted: descriptor grid "
                 "(labels outside it are extrapolated)", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / fig.get_figheight()))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.set_dpi(72)
    fig.canvas.draw()
    rgb = np.asarray(fig.canvas.buffer_rgba())[..., :3]
    plt.close(fig)
    from PIL import Image

    # a 256-colour octree palette (keeps the thin coloured lines): 1/3.5 of true colour
    Image.fromarray(rgb).quantize(256, method=Image.Quantize.FASTOCTREE).save(path,
                                                                             optimize=True)


def warm_up() -> None:
    """Compile every numba kernel once, so that no timing includes the JIT."""
    from napari_symseg import Params, segment
    from napari_symseg.core.samples import two_phase

    image = two_phase((96, 96))
    for descriptor in CHOICES:
        segment(image, Params(descriptor_name=descriptor, patch_x=6, patch_y=6, window_x=6,
                              window_y=6, radius=6, stride=4))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds per scenario: 0 .. N-1")
    parser.add_argument("--size", type=int, default=384, help="image side (px)")
    parser.add_argument("--only", nargs="*", default=None,
                        help="run the scenarios whose name contains one of these words")
    parser.add_argument("--markdown", type=Path, help="write the report here")
    parser.add_argument("--gallery", type=Path, help="write the example figure here")
    parser.add_argument("--experiments", action="store_true", help="also run the remedies")
    parser.add_argument("--remedy", nargs="*", default=None,
                        help="only the remedies whose name contains one of these words")
    parser.add_argument("--holdout", action="store_true",
                        help="run --auto and the remedies again on seeds N .. 2N-1")
    parser.add_argument("--first-seed", type=int, default=0,
                        help="seeds first .. first + N - 1 (fresh seeds for a final check)")
    parser.add_argument("--threads", type=int, default=1, help="numba and BLAS threads")
    args = parser.parse_args(argv)

    import numba
    from threadpoolctl import threadpool_limits

    numba.set_num_threads(max(1, min(args.threads, numba.config.NUMBA_NUM_THREADS)))
    threadpool_limits(args.threads)
    warm_up()
    scenarios = _scenarios()
    if args.only:
        scenarios = [s for s in scenarios if any(w in s.name for w in args.only)]
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    rows = run_rows(scenarios, seeds, args.size)
    print(table(rows))
    experiments = {}
    if args.experiments:
        runs = [("seeds", rows, seeds)]
        if args.holdout:
            held = range(seeds.stop, seeds.stop + args.seeds)
            runs.append(("held-out seeds", run_rows(scenarios, held, args.size), held))
        for title, base, seed_range in runs:
            by_remedy = {r.name: run_rows(scenarios, seed_range, args.size, r)
                         for r in REMEDIES
                         if not args.remedy or any(w in r.name for w in args.remedy)}
            experiments[title] = (seed_range, experiment_table(base, by_remedy))
            print(f"\nExperiments on seeds {seed_range.start}-{seed_range.stop - 1} (remedies "
                  "done in this script, not in the engine): mean / worst")
            print(experiments[title][1])
    if args.gallery:
        gallery(rows, args.gallery)
    if args.markdown:
        args.markdown.write_text(report(rows, experiments, args))
    return 0


def report(rows: list[Row], experiments: dict, args) -> str:
    """docs/robustness.md: the tables of this run inside the hand-written text `DOC_TEXT`."""
    import datetime
    import hashlib

    import napari_symseg

    auto_py = Path(napari_symseg.__file__).parent / "core" / "suggest.py"
    command = (f"python benchmarks/bench_robustness.py --seeds {args.seeds} --size {args.size}"
               + (" --experiments" if args.experiments else "")
               + (" --holdout" if args.holdout else "")
               + f" --markdown {args.markdown}"
               + (f" --gallery {args.gallery}" if args.gallery else ""))
    tables = []
    for title, (seed_range, text) in experiments.items():
        tables.append(f"**{title.capitalize()} {seed_range.start}–{seed_range.stop - 1}** "
                      "(mean / worst; bold: the verdict ≥ 0.97 changes; for *--descriptor auto* "
                      "the descriptor picked per seed)\n\n" + text)
    fills = {
        "{COMMAND}": command,
        "{VERSION}": napari_symseg.__version__,
        "{AUTO_SHA}": hashlib.sha1(auto_py.read_bytes()).hexdigest()[:10],
        "{DATE}": datetime.date.today().isoformat(),
        "{N_SEEDS}": str(args.seeds),
        "{LAST_SEED}": str(args.seeds - 1),
        "{SIZE}": str(args.size),
        "{THREADS}": str(args.threads),
        "{RULE}": DESCRIPTOR_RULE,
        "{TABLE}": table(rows),
        "{REMEDIES}": "\n".join(f"- **{r.name}**: {r.what}." for r in REMEDIES),
        "{EXPERIMENTS}": "\n\n".join(tables) or "(run with `--experiments --holdout`)",
    }
    text = DOC_TEXT
    for key, value in fills.items():
        text = text.replace(key, value)
    return text


DOC_TEXT = """# Robustness: accuracy under realistic imaging conditions (issue 5)

Can the segmentation, with `--auto` parameters, be trusted on the images microscopists really
take: low dose, thickness gradients, scan distortions, particles on amorphous supports, weak
chemical order, regions that differ only in point symmetry, grains and twins? Target of the
issue: **≥ 0.97 of the pixels right outside a band of one lattice spacing around the true
boundaries**, on several seeds per scenario (mean and worst reported, nothing tuned to one
image).

Produced by `{COMMAND}` ({DATE}, napari-symseg {VERSION}, `core/suggest.py` sha1 {AUTO_SHA};
parameters change with the `--auto` rule, so re-run after changing it).
The numbers quoted in the text below are from this run; re-running gives the same accuracies
(everything is seeded) and new timings.

**In short.** With `--auto` parameters every scenario of the issue passes (≥ 0.97 on every
seed, mean and worst): low dose down to 5 (and 1) counts/px, a 5× thickness wedge, 1 px scan
jitter with drift, a crystalline particle on an amorphous support next to vacuum (with the
rotation descriptor), weak chemical order (contrast 0.1 and 0.2), a mirror-broken basis with the
same autocorrelation (with the reflection descriptor), grains that differ only in orientation,
and twin lamellae. Two engine changes made this so (both found by this benchmark, see
*History*): **descriptor smoothing** over one lattice period (`Params.smoothing`, set by
`--auto`), and **translation descriptors up to the image border** (patches clipped to the
image). Translations stay the default descriptor; the two rows where they fail are controls
that show why the rule below picks another family there.

## How it is measured

**Images** (`benchmarks/scenarios.py`; every generator returns `(image, truth)`, HAADF-like
Gaussian atoms on a background, Poisson counts; the seed draws the geometry *and* the noise):

- `low_dose(counts, base="two_phase")`: square 8 px | hexagonal 10 px lattice, vertical
  boundary at a random column, Poisson noise at 5–20 (and 1) mean counts/px. 2 patterns.
- `low_dose(counts, base="grain_boundary")`: one square lattice, grains at ±15°, diagonal
  boundary (only the noise changes with the seed). 2 patterns.
- `thickness_wedge(low=0.2)`: `two_phase` times a linear ramp 0.2 → 1 at a random angle within
  30° of the boundary, so that each phase spans the ramp; 100 counts/px. 2 patterns.
- `scan_distortions(jitter, drift)`: `two_phase` sampled through a raster scan: per-line
  jitter N(0, jitter²) along the fast axis, 3 % slow-axis stretch, 8 % drift shear; the truth
  is distorted with the lattice. 2 patterns.
- `particle_on_support`: a hexagonal particle of a square lattice (9 px, random orientation)
  on the wavy edge of an amorphous support (hard-core random light atoms, no lattice), vacuum
  above; intensities add where the particle lies on the support. 3 patterns.
- `superlattice_precipitate(contrast)`: one square lattice (8 px); atoms 1 ± contrast,
  checkerboard-ordered in a random ellipse, random in the matrix (same composition). 2
  patterns.
- `mirror_broken_basis`: one square lattice (16 px), two four-atom bases with **identical
  autocorrelation** (`kite_bases`: A = (v∘m) * v and B = (v∘m) * (v∘−1) for a two-atom motif v
  and the mirror m, so |F_A| = |F_B|); A has a vertical mirror that B breaks (B has a
  horizontal one instead); straight boundary at a random angle. 2 patterns.
- `rotated_grains(n_grains=3)`: Voronoi grains of one square lattice (9 px), orientations at
  least 15° apart. 3 patterns.
- `twin(n_boundaries=3)`: rectangular lattice (8 × 12 px) at 35.3° to the twin planes, mirrored
  across each plane (coherent twin lamellae at least 4 cells wide), random plane direction. 2
  patterns.

**Parameters**: `suggest_params(image, Params(n_patterns=K, descriptor_name=D))` — patch,
window, radius, stride and number of shifts from the image, everything else at the defaults
(5 PCA components, k-means++ with `random_state=0`, 10 reflection axes). The parameters used are
in the table (ranges over the seeds). **Descriptor rule**: {RULE}

**Accuracy**: labels are matched one-to-one to the true patterns so as to maximise agreement
(Hungarian algorithm on the confusion matrix); the fraction of agreeing pixels is counted on
pixels at least one lattice spacing (the largest in the image: 8–16 px) away from every true
boundary. *worst, inside grid*: the same, counting only pixels inside the rectangle where
descriptors are computed (outside it, in the border margin — one shift window for translations,
radius + pooling reach for rotations/reflections — labels are copied from the nearest grid
point). *all px*: every pixel, band included. Time per image:
`suggest_params` + `segment`, one thread, after a JIT warm-up, {SIZE}² images, {N_SEEDS}
seeds (0–{LAST_SEED}) per scenario.

## Results

{TABLE}

![worst seed of every scenario](images/robustness_gallery.png)

*The worst seed of every scenario. Tint and yellow lines: predicted patterns (no yellow lines
where the labels are salt-and-pepper); cyan dashed: true boundaries; white dotted: the
descriptor grid (labels outside it are extrapolated).*

**What holds, and why.**
- *Low dose*: no loss down to 5 counts/px, and still ≥ 0.997 at 1 count/px. A patch of
  ~35 × 35 px averages the shot noise of ~1200 pixels into every score.
- *Thickness wedge*: a Pearson correlation is invariant to an affine change of intensity within
  the patch, and a ramp is nearly affine over a patch: a 5× ramp changes nothing.
- *Scan jitter and drift*: the descriptor compares the image with itself, so drift (a smooth
  shear and stretch) only moves the lattice vectors a little; 1 px line jitter is averaged over
  the ~35 rows of a patch. No loss at 1 px jitter (12 % of the 8 px lattice constant).
- *Particle on amorphous support + vacuum*: rotations separate the three (worst 0.982 over
  seeds 0–9 in a side run with `--seeds 10 --only particle`). Translations cannot (the control
  row, 0.56–0.58 on every seed): vacuum and the amorphous support both lack long-range order, so
  all their long-shift scores are ~0, and they differ only at shifts shorter than an atom (a
  handful of the ~300 features). A patch that straddles an intensity step (vacuum → support, or
  the particle edge) has its variance dominated by the step, and every shift parallel to the
  edge then correlates strongly: k-means spends a cluster on that band instead. Max-pooled
  rotation scores hand the band to the neighbour with the higher score, and noise (vacuum) and
  random atoms (support) have different rotation scores.
- *Weak chemical order*: with `smoothing` = one lattice period (the `--auto` default) worst
  0.997 at contrast 0.1. Without it the study found 0.51–0.65: scores of shifts that are not
  lattice vectors vary strongly with the position inside the unit cell, the ordering signal
  (scores of lattice vectors differ by ~contrast² between checkerboard and random matrix) is
  smaller, so PCA's largest components carried the position and k-means split the image into
  stripes (a stride of 1 did not help: not aliasing). Averaging every descriptor over one cell
  removes the position and keeps the order.
- *Mirror-broken basis*: the reflection descriptor separates the two bases (worst 0.995). The
  translation control fails, as it must: the two bases have the same autocorrelation, and a
  translation score is a local autocorrelation (the Patterson function is centrosymmetric and
  the same on both sides). Rotations fail too (neither basis has a rotation axis; 0.51–0.79 on
  ten seeds in a side run).
- *Grains by orientation only* and *twins*: worst 0.999 and 0.991. The twin was the last
  failure (mean 0.980, worst 0.960): every error lay in the border margin where labels were
  copied from the nearest grid point — with `--auto` sizes (patch = window = 1.5 cells) that
  margin was 3 cells, 36–44 % of a 384² image. Translation scores are now computed from one
  shift window off the border, with the patch clipped to the image (the Pearson correlation of
  I(x) and I(x + t) over the x of the patch with both inside; `clipped_correlations`, checked
  against a looped reference); the PCA and k-means are fitted on the unclipped points only and
  the clipped ones are labelled with that model. The margin halves, and the twin passes.

## Experiments (done in this script; the engine is unchanged by them)

{REMEDIES}

These remedies were chosen after looking at seeds 0–4, so the **held-out seeds 5–9 are the fair
test**.

{EXPERIMENTS}

Reading:
- *LCN* does not help any more and it hurts: it equalises the intensity of neighbouring atomic
  columns, which erases Z-contrast (chemical) order. Not offered.
- *--descriptor auto* (issue 13, `core/choose.py`) picks a family per image by the separation
  of its patterns. It is not used by `--auto`: the descriptor stays the user's choice unless
  they ask for `--descriptor auto`, which prints its reason (see the issue-13 section).

## History (what this benchmark changed)

1. First run (translations, `--auto` sizes, no smoothing, descriptors only where the whole
   patch and window fit): particle 0.57, weak order 0.93 / 0.65 (contrast 0.2) and
   0.72 / 0.51 (0.1), twins 0.980 / 0.960 — everything else passed.
2. Remedies tried in the script on seeds 0–4 and checked on held-out seeds 5–9: *smooth*
   (descriptors averaged over one cell before PCA) fixed weak order on both seed sets (worst
   ≥ 0.996) and broke nothing; *half size* (patch, window, radius × 0.5) fixed the twin but broke
   reflections and weak order; LCN fixed the particle on seeds 0–4 only.
3. Engine changes: `smoothing` became a parameter (exact in the chunked pipeline: each chunk is
   computed with a halo of grid rows covering the Gaussian's reach, tested equal to smoothing
   the whole grid), set to the shortest lattice period by `--auto`; translations reach the
   border with clipped patches. The descriptor rule for crystal next to amorphous/vacuum
   regions (rotations) was written down.
4. Limits left: labels in the remaining border margin (one window for translations, radius +
   pooling for rotations/reflections) are still copied from the nearest grid point.
5. Issue 13 (section below): contrast channels (`contrast_features`, turned on by `--auto` when
   part of the image shows no lattice), `--descriptor auto` (best separated patterns), and a
   separation test in the number-of-patterns hint (a wedged single crystal now reads as 1).
""" + ISSUE13_SECTION



if __name__ == "__main__":
    sys.exit(main())
