"""Wall and CPU time of the rotation and reflection descriptors (default operations).

Usage::

    PYTHONPATH=SRC python benchmarks/bench_point_symmetry.py TAG [--stride 1] [--size 1024]
        [--repeats 5] [--only rotations] [--out DIR]

On the benchmark image (`two_phase`, noise 0.1, seed 0, ``size``^2) with the
defaults (radius 20, window 21; 4 rotations, 10 reflection axes) at
``--stride``: the medians of ``--repeats`` runs (after one warm-up) of
`descriptor_steps` (chunked, all numba threads). Wall clock and process CPU
time (all threads) are printed; on a shared machine the CPU time is the
number to compare, as a ratio between two versions run alternately in the
same minutes (PYTHONPATH chooses the code). With ``--out`` the descriptors
are saved as ``TAG_rotations.npy`` / ``TAG_reflections.npy`` to compare two
versions' results.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from benchmarks.bench_translation_cpu import median_times

FAMILIES = {
    "rotations": "rotational_symmetry_maximum_pooling",
    "reflections": "reflection_symmetry_maximum_pooling",
}


def main(argv=None) -> int:
    import numpy as np

    from napari_symseg.core.chunks import descriptor_steps
    from napari_symseg.core.params import Params
    from napari_symseg.core.progress import run
    from napari_symseg.core.samples import two_phase
    from napari_symseg.core.validation import as_image

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag")
    parser.add_argument("--stride", type=int, default=1)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", choices=sorted(FAMILIES))
    parser.add_argument("--out", type=Path, help="save the descriptors as TAG_*.npy here")
    args = parser.parse_args(argv)

    img = as_image(two_phase((args.size, args.size), noise=0.1, seed=0))
    for name, family in FAMILIES.items():
        if args.only and args.only != name:
            continue
        params = Params(descriptor_name=family, stride=args.stride)
        load = os.getloadavg()[0]
        wall, cpu = median_times(lambda p=params: run(descriptor_steps(img, p)), args.repeats)
        print(f"{args.tag}: {name} {args.size}^2 stride {args.stride}: load {load:.1f}, "
              f"wall {wall:.0f} ms, CPU {cpu:.0f} ms (medians of {args.repeats})", flush=True)
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            grid_desc = run(descriptor_steps(img, params))[1]
            np.save(args.out / f"{args.tag}_{name}.npy", np.asarray(grid_desc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
