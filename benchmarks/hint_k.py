"""Which k >= 2 does the number-of-patterns hint pick on scenes of 3-4 patterns? (issue 13)

Usage::

    PYTHONPATH=src:. python benchmarks/hint_k.py --seeds 9710-9712 [--size 320]
        [--real /work/shared/data/real]

Segments (``--auto`` sizes, k = 2) rotated grains (3 and 4 grains), a particle
on an amorphous support with vacuum (3) and the nanoparticle on carbon of
`hard_scenarios` (3), and prints the hint's silhouettes per k with the true
number: the data for judging a rule that picks k among the silhouettes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def scenes(seeds, size):
    from benchmarks.hard_scenarios import nanoparticle_on_carbon
    from benchmarks.scenarios import particle_on_support, rotated_grains

    for seed in seeds:
        for n in (3, 4):
            yield f"grains{n}-{seed}", n, \
                (lambda s=seed, n=n: rotated_grains((size, size), n_grains=n, seed=s)[0])
        yield f"particle-{seed}", 3, (lambda s=seed: particle_on_support((size, size), seed=s)[0])
        yield f"nanoparticle-{seed}", 3, \
            (lambda s=seed: nanoparticle_on_carbon((size, size), seed=s)[0])


def main(argv=None) -> int:
    from benchmarks.bench_hint import REAL, hint_features, seeds_of

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="9710-9712")
    parser.add_argument("--size", type=int, default=320)
    parser.add_argument("--real", type=Path, help="folder of the real images")
    args = parser.parse_args(argv)
    todo = list(scenes(seeds_of(args.seeds), args.size))
    if args.real:
        todo += [(name, n, (lambda p=args.real / f"{name}.npy": np.load(p).astype(np.float32)))
                 for name, n in REAL.items() if (args.real / f"{name}.npy").exists()]
    for name, n_true, image_of in todo:
        hint, _, seconds = hint_features(image_of())
        print(f"{name:36s} true {n_true}  hint {hint.suggested}  silhouettes "
              + " ".join(f"{v:.3f}" for v in hint.silhouette[1:]) + f"  {seconds:5.1f} s",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
