"""Number-of-patterns hint: confusion table on one crystal vs several patterns (issue 13).

Usage::

    PYTHONPATH=src:. python benchmarks/bench_hint.py --seeds 10-13 [--size 320]
        [--cache DIR] [--real /work/shared/data/real] [--kinds stm] [--positives single twin]
        [--other] [--weak] [--wedge] [--wedge-variant] [--crops]

Every scenario of `benchmarks.hint_scenarios` (3 crystals x one crystal / twin /
grains / phases / precipitate) is segmented the way a user would (``--auto``
sizes, k = 2) and `Result.pattern_count_hint` is asked how many patterns it
sees. Prints one row per image (the hint and its separation score) and the
confusion table true 1 / true >= 2 vs hint 1 / hint >= 2. ``--cache DIR``
keeps every run's features (``.npz``) so that a new rule can be scored
without segmenting again (``--from-cache``). ``--real DIR`` adds the real
images whose expected number the data README states; ``--crops`` (with
``--real``) one-pattern crops of them (`CROPS`, true 1).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

#: real images (data README) and how many patterns a microscopist sees (1 or >= 2)
REAL = {
    "temul_MoS2_Se_implanted_HAADF": 1,
    "ingrained_Ni_M3B2_boride_HAADF91": 2,
    "pystem_high_entropy_alloy": 2,
    "pystem_FeNb_mu_Laves_from_notebook": 2,
    "temul_Au_nanoparticles_HAADF": 2,
}

#: one-pattern crops of the real images (data README): name -> (image, rows, cols)
CROPS = {
    "crop-FeNb-lower": ("pystem_FeNb_mu_Laves_from_notebook", slice(320, 602), slice(0, 602)),
    "crop-FeNb-upper": ("pystem_FeNb_mu_Laves_from_notebook", slice(0, 280), slice(0, 602)),
    "crop-alloy-matrix": ("pystem_high_entropy_alloy", slice(0, 330), slice(600, 1024)),
    "crop-Ni-matrix": ("ingrained_Ni_M3B2_boride_HAADF91", slice(700, 1024), slice(0, 1024)),
    "crop-Ni-boride": ("ingrained_Ni_M3B2_boride_HAADF91", slice(0, 540), slice(0, 1024)),
}


def seeds_of(text: str) -> list[int]:
    """``"10-13,20"`` -> [10, 11, 12, 13, 20]."""
    out = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def hint_features(image: np.ndarray):
    """``--auto`` k = 2 run of `image`: (hint, the features the hint reads, seconds)."""
    from napari_symseg import Params, segment
    from napari_symseg.core.suggest import suggest_params

    start = time.perf_counter()
    result = segment(image, suggest_params(image, Params(n_patterns=2)))
    hint = result.pattern_count_hint()
    return hint, result, time.perf_counter() - start


def cases(seeds: list[int], size: int, kinds=None, positives=None):
    """(name, n_true, image maker) of every scenario and seed (or of the kinds and
    positives named; ``"single"`` is the one crystal)."""
    from benchmarks.hint_scenarios import KINDS, POSITIVES, make

    for seed in seeds:
        for kind in kinds or KINDS:
            for positive in (None, *POSITIVES):
                if positives and (positive or "single") not in positives:
                    continue
                name = f"{kind}-{positive or 'single'}-{seed}"
                yield name, 1 if positive is None else 2, \
                    (lambda k=kind, p=positive, s=seed: make(k, p, s, size)[0])


def other_cases(seeds: list[int], size: int):
    """The earlier generators: issue-5 twin lamellae (varied) and the issue-13 single crystals."""
    from benchmarks.hard_scenarios import single_crystal_slow
    from benchmarks.scenarios import twin

    for seed in seeds:
        spacing, planes = (8.0, 10.0, 12.0)[seed % 3], 2 + seed % 4
        counts = (20.0, 100.0)[seed % 2]
        yield f"issue5-twin-{seed}", 2, \
            (lambda s=seed, a=spacing, n=planes, c=counts: twin((size, size), n, a, counts=c,
                                                                seed=s)[0])
        for kind in ("perovskite", "metal", "hexagonal"):
            yield f"slow-{kind}-{seed}", 1, \
                (lambda s=seed, k=kind: single_crystal_slow((size, size), kind=k, seed=s)[0])


def weak_cases(seeds: list[int], size: int):
    """Weak chemical order (true 2): issue-5 superlattice precipitates (contrast 0.1 and 0.2)
    and the L1_2 cuboids of `hard_scenarios` (20 counts/px)."""
    from benchmarks.hard_scenarios import l12_cuboids
    from benchmarks.scenarios import superlattice_precipitate

    for seed in seeds:
        for contrast in (0.1, 0.2):
            yield f"issue5-superlattice{contrast:g}-{seed}", 2, \
                (lambda s=seed, c=contrast: superlattice_precipitate((size, size), contrast=c,
                                                                     seed=s)[0])
        yield f"l12-cuboids-{seed}", 2, (lambda s=seed: l12_cuboids((size, size), seed=s)[0])


def real_cases(folder: Path):
    for name, n_true in REAL.items():
        path = folder / f"{name}.npy"
        if path.exists():
            yield name, n_true, (lambda p=path: np.load(p).astype(np.float32))
    movie = folder / "pyfastspm_STM_movie_F20190424.npy"
    if movie.exists():  # frame 0 (up scan), pixel aspect 2:1 -> square
        yield "pyfastspm_STM_movie_frame0", 1, \
            (lambda: np.load(movie)[0].astype(np.float32)[::2])


def crop_cases(folder: Path):
    for name, (source, rows, cols) in CROPS.items():
        path = folder / f"{source}.npy"
        if path.exists():
            yield name, 1, (lambda p=path, r=rows, c=cols: np.load(p)[r, c].astype(np.float32))


def confusion(rows) -> str:
    table = {(t, h): 0 for t in (1, 2) for h in (1, 2)}
    for _, n_true, hint in rows:
        table[(min(n_true, 2), min(hint, 2))] += 1
    return ("| | hint 1 | hint >= 2 |\n|---|---|---|\n"
            f"| true 1 | {table[(1, 1)]} | {table[(1, 2)]} |\n"
            f"| true >= 2 | {table[(2, 1)]} | {table[(2, 2)]} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="10-13")
    parser.add_argument("--size", type=int, default=320)
    parser.add_argument("--cache", type=Path, help="save every run's features here")
    parser.add_argument("--from-cache", action="store_true",
                        help="score the cached features (no segmentation)")
    parser.add_argument("--real", type=Path, help="folder of the real images")
    parser.add_argument("--crops", action="store_true",
                        help="with --real: add one-pattern crops of the real images")
    parser.add_argument("--no-synthetic", action="store_true")
    parser.add_argument("--kinds", nargs="*", help="only these crystals (perovskite metal stm)")
    parser.add_argument("--positives", nargs="*",
                        help="only these scenes (single twin grains phases precipitate)")
    parser.add_argument("--other", action="store_true",
                        help="add the issue-5 twins and the issue-13 single crystals")
    parser.add_argument("--wedge", action="store_true",
                        help="add one crystal under a 4x wedge at 60 and 600 counts/px "
                             "(benchmarks.wedge_scenarios, 256 px)")
    parser.add_argument("--wedge-variant", action="store_true",
                        help="add the wedges' held-out physics (wedge_scenarios)")
    parser.add_argument("--weak", action="store_true",
                        help="add weak chemical order: issue-5 superlattice precipitates, "
                             "L1_2 cuboids")
    args = parser.parse_args(argv)
    from napari_symseg.core.descriptors.contrast import n_channels
    from napari_symseg.core.pattern_count import pattern_count_hint, result_features

    todo = [] if args.no_synthetic else list(cases(seeds_of(args.seeds), args.size, args.kinds,
                                                        args.positives))
    if args.other:
        todo += list(other_cases(seeds_of(args.seeds), args.size))
    if args.weak:
        todo += list(weak_cases(seeds_of(args.seeds), args.size))
    if args.wedge or args.wedge_variant:
        from benchmarks.wedge_scenarios import wedge_cases

        for variant in [False] * args.wedge + [True] * args.wedge_variant:
            todo += list(wedge_cases(seeds_of(args.seeds), variant=variant))
    if args.real:
        todo += list(real_cases(args.real))
        if args.crops:
            todo += list(crop_cases(args.real))
    rows = []
    for name, n_true, image_of in todo:
        cached = args.cache / f"{name}.npz" if args.cache else None
        if args.from_cache and cached is not None and cached.exists():
            stored = np.load(cached)
            n_scores = int(stored["n_scores"]) if "n_scores" in stored else None
            start = time.perf_counter()
            hint = pattern_count_hint(stored["features"], axes=stored["axes"], n_scores=n_scores,
                                      mean=stored["mean"] if "mean" in stored else None)
            seconds = time.perf_counter() - start
        else:
            try:
                image = image_of()
            except ValueError as error:  # a generator's layout that does not fit the image
                print(f"{name:40s} skipped: {error}", flush=True)
                continue
            hint, result, seconds = hint_features(image)
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                np.savez_compressed(cached, features=result_features(result),
                                    axes=result.model.pca.components,
                                    mean=result.model.pca.mean,
                                    descriptor=result.params.descriptor_name,
                                    n_scores=result.model.pca.components.shape[1]
                                    - n_channels(result.params))
        rows.append((name, n_true, hint.suggested))
        mark = "" if (hint.suggested == 1) == (n_true == 1) else "  WRONG"
        print(f"{name:40s} true {n_true}  hint {hint.suggested}  "
              f"separation {hint.separation:7.2f}  score change {hint.score_change:5.2f}  "
              f"score corr {hint.score_correlation:.4f}  "
              f"{seconds:6.1f} s{mark}", flush=True)
    print(confusion(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
