"""Labels of `segment()` with the power-spectrum kernel of this tree and of an older commit.

Usage::

    PYTHONPATH=src python benchmarks/check_spectral_labels.py [--base d1b77ba]

For the two-phase sample (seeds 0-2; 512^2 at stride 3, 1024^2 at stride 5)
and four robustness scenarios (low dose, scan distortions, rotated grains,
twin; seeds 1000 and 1001, strides 3 and 5, as many patterns as the truth
has), runs ``segment(image, Params(descriptor_name="power_spectrum", ...))``
once with the `--base` commit's `power_spectrum_features` swapped in and
once with this tree's, and prints whether the labels are equal and how many
pixels differ.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_spectral import base_module


def cases():
    """(name, image, Params) of every comparison."""
    import scenarios
    from napari_symseg.core.params import Params
    from napari_symseg.core.samples import two_phase

    for seed in (0, 1, 2):
        for size, stride in ((512, 3), (1024, 5)):
            image = two_phase((size, size), noise=0.1, seed=seed)
            yield (f"two_phase {size}^2 seed {seed} stride {stride}", image,
                   Params(descriptor_name="power_spectrum", stride=stride))
    for name in ("low_dose", "scan_distortions", "rotated_grains", "twin"):
        for seed in (1000, 1001):
            image, truth = getattr(scenarios, name)(seed=seed)
            for stride in (3, 5):
                yield (f"{name} seed {seed} stride {stride}", image,
                       Params(descriptor_name="power_spectrum", stride=stride,
                              n_patterns=len(np.unique(truth))))


def main(argv=None) -> int:
    """Compare the labels of every case; exit 1 if any differ."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="d1b77ba", help="commit to compare with")
    args = parser.parse_args(argv)

    from napari_symseg.core import segment
    from napari_symseg.core.descriptors import power_spectrum

    with tempfile.TemporaryDirectory() as folder:
        old = base_module(args.base, "power_spectrum", Path(folder)).power_spectrum_features
    new = power_spectrum.power_spectrum_features
    differ = 0
    for name, image, params in cases():
        labels = []
        for features in (old, new):
            power_spectrum.power_spectrum_features = features
            labels.append(segment(image, params).labels)
        power_spectrum.power_spectrum_features = new
        n = int((labels[0] != labels[1]).sum())
        differ += n > 0
        print(f"{name}: labels equal {n == 0}, pixels differing {n}", flush=True)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
