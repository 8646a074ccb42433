"""Power spectrum and FFT translation route: this tree against an older commit, in one process.

Usage::

    PYTHONPATH=src python benchmarks/bench_spectral.py [--base d1b77ba] [--repeats 5]

On the 1024^2 benchmark image (`two_phase`, noise 0.1, seed 0) at stride 5
with the defaults (power spectrum: window 21, 924 frequencies; FFT route:
patch 20, the 81 translations -20, -15, ..., 20), times
`power_spectrum.power_spectrum_features` and
`translation_fft.correlations_fft` of this tree and of the `--base`
commit (its two modules, taken with ``git show`` and imported beside
this tree's package), alternately, and prints the medians of wall and CPU
time (process, all threads) and the largest difference between the two
results. The machine's load changes fast: only ratios measured in the same
minutes mean much.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MODULES = {
    "power_spectrum": "src/napari_symseg/core/descriptors/power_spectrum.py",
    "translation_fft": "src/napari_symseg/core/descriptors/translation_fft.py",
}


def base_module(commit: str, name: str, folder: Path):
    """This module as it was at `commit`, its relative imports made absolute."""
    text = subprocess.run(["git", "show", f"{commit}:{MODULES[name]}"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout
    text = text.replace("from ...", "from napari_symseg.").replace(
        "from ..", "from napari_symseg.core.").replace(
        "from .", "from napari_symseg.core.descriptors.")
    path = folder / f"base_{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(f"base_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv=None) -> int:
    """Time both kernels of both versions alternately; print medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="d1b77ba", help="commit to compare with")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    from napari_symseg.core.descriptors import power_spectrum, translation_fft
    from napari_symseg.core.samples import two_phase

    image = two_phase((1024, 1024), noise=0.1, seed=0)
    centred = (image - image.mean()) / image.std()  # as the pipeline passes it
    freqs = power_spectrum.frequencies(21, 21)
    ps_grid = (np.arange(21, 1024 - 21, 5),) * 2
    lags = np.arange(-20, 21, 5)
    shifts = np.stack(np.meshgrid(lags, lags, indexing="ij"), -1).reshape(-1, 2)
    fft_grid = (np.arange(40, 1024 - 40, 5),) * 2
    with tempfile.TemporaryDirectory() as folder:
        base = {name: base_module(args.base, name, Path(folder)) for name in MODULES}
    jobs = {
        "power spectrum": lambda m: m.power_spectrum_features(centred, freqs, 21, 21, *ps_grid),
        "FFT route": lambda m: m.correlations_fft(image, shifts, 20, 20, *fft_grid),
    }
    versions = {"power spectrum": (base["power_spectrum"], power_spectrum),
                "FFT route": (base["translation_fft"], translation_fft)}
    for name, job in jobs.items():
        times = {"base": [], "new": []}
        results = {}
        for i in range(args.repeats + 1):  # the first round compiles / loads the JIT cache
            for tag, module in zip(("base", "new"), versions[name], strict=True):
                wall, cpu = time.perf_counter(), time.process_time()
                results[tag] = job(module)
                if i:
                    times[tag].append((time.perf_counter() - wall, time.process_time() - cpu))
        diff = float(np.abs(results["new"].astype(np.float64) - results["base"]).max())
        line = [f"{name}: max |new - base| {diff:.2g}"]
        for tag, runs in times.items():
            wall = statistics.median(t[0] for t in runs)
            cpu = statistics.median(t[1] for t in runs)
            line.append(f"{tag} wall {wall:.3f} s, CPU {cpu:.3f} s")
        print("; ".join(line) + f" (load {os.getloadavg()[0]:.1f})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
