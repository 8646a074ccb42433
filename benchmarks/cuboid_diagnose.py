"""What separates ordered from disordered columns on the old L1_2 cuboids (issue 13).

Usage::

    python benchmarks/cuboid_diagnose.py [--seeds 0-2,1000-1002] [--size 384]
        [--families ref,tra,psd]

For each seed of `hard_scenarios.l12_cuboids` (20 counts/px) and each descriptor family
(``--auto`` sizes), on the grid points outside the accuracy band (two column spacings,
the generator's own): the run's accuracy (k-means, best permutation) and an **oracle**
on the same features -- the package's own nearest-centre rule (class means, pooled
covariance) fitted on the *true* labels of all grid points -- on the run's components
and on 12. The oracle tells whether the features or the clustering fail.

Then one physics probe, not a descriptor of the package: the **superlattice lock-in**.
The cuboids' order is a period doubling of the square column lattice (spacing d): power at
the superlattice frequencies k = (1, 0)/2d, (0, 1)/2d, (1, 1)/2d in lattice coordinates,
whatever the anti-phase variant (a phase). Demodulated (image times exp(-2 pi i k.x),
Gaussian-smoothed over sigma = `--lockin-cells` column spacings), its squared modulus over
the local mean squared, summed over the three k: a phase-free local order parameter.
Reported: its Fisher ratio (between / within variance of the true classes), the accuracy
of its best threshold, and of a 2-means split of its log (the unsupervised reading).
The lattice is the generator's (spacing and angle re-drawn from the seed): an upper
bound for what any estimate of it could give.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy import ndimage

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NAMES = {"tra": "local_correlation_map", "ref": "reflection_symmetry_maximum_pooling",
         "rot": "rotational_symmetry_maximum_pooling", "psd": "power_spectrum"}


def generator_lattice(seed: int) -> tuple[float, float]:
    """Column spacing d and lattice angle (degrees) that `l12_cuboids` draws first."""
    rng = np.random.default_rng(seed)
    return float(rng.uniform(7.0, 10.0)), float(rng.uniform(-45, 45))


def lockin(image: np.ndarray, d: float, angle: float, cells: float) -> np.ndarray:
    """Superlattice power over local mean squared, summed over (1,0), (0,1), (1,1)/2d."""
    from benchmarks.hard_scenarios import _rotation

    rot = _rotation(angle)
    a1, a2 = rot @ np.array([0.0, d]), rot @ np.array([d, 0.0])
    recip = np.linalg.inv(np.array([a1, a2]))  # columns: reciprocal vectors (rows, cols)
    img = np.asarray(image, np.float64)
    rr, cc = np.mgrid[: img.shape[0], : img.shape[1]].astype(np.float64)
    sigma = cells * d
    mean = ndimage.gaussian_filter(img, sigma)
    out = np.zeros_like(img)
    for h, k in ((1, 0), (0, 1), (1, 1)):
        q = 0.5 * (h * recip[:, 0] + k * recip[:, 1])
        phase = np.exp(-2j * np.pi * (q[0] * rr + q[1] * cc))
        z = img * phase
        amp = ndimage.gaussian_filter(z.real, sigma) + 1j * ndimage.gaussian_filter(z.imag, sigma)
        out += np.abs(amp) ** 2
    return out / (mean**2 + 1e-12)


def oracle(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Nearest-centre labels under the pooled covariance of the true classes of `x`."""
    means = np.stack([x[y == c].mean(0) for c in (0, 1)])
    resid = np.concatenate([x[y == c] - means[c] for c in (0, 1)])
    cov = np.cov(resid.T) + 1e-9 * np.eye(x.shape[1])
    w = np.linalg.cholesky(np.linalg.inv(cov))
    z, m = x @ w, means @ w
    return np.argmin(((z[:, None] - m[None]) ** 2).sum(-1), 1)


def best(pred: np.ndarray, y: np.ndarray) -> float:
    acc = float((pred == y).mean())
    return max(acc, 1 - acc)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0-2")
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("--families", default="ref,tra")
    parser.add_argument("--lockin-cells", type=float, default=1.5)
    args = parser.parse_args(argv)

    from sklearn.cluster import KMeans

    from benchmarks import hard_scenarios as h
    from benchmarks.bench_hard import parse_seeds
    from benchmarks.bench_robustness import boundary_band, warm_up
    from napari_symseg import Params, segment
    from napari_symseg.core.suggest import suggest_params

    warm_up()
    for seed in parse_seeds(args.seeds):
        image, truth = h.l12_cuboids((args.size, args.size), 20.0, seed)
        d, angle = generator_lattice(seed)
        keep = ~boundary_band(truth, 2 * d)
        # the physics probe, on pixels outside the band
        li = np.log(lockin(image, d, angle, args.lockin_cells))
        v, y = li[keep], truth[keep]
        fisher = (v[y == 1].mean() - v[y == 0].mean()) ** 2 / (
            0.5 * (v[y == 1].var() + v[y == 0].var()))
        qs = np.quantile(v, np.linspace(0.02, 0.98, 97))
        thr = max(best(v > q, y) for q in qs)
        km = KMeans(2, n_init=4, random_state=0).fit_predict(v[::7, None])
        centres = [v[::7][km == c].mean() for c in (0, 1)]
        split = best(v > np.mean(centres), y)
        line = (f"seed {seed} d {d:.1f} cuboids {truth.mean():.2f} | lock-in fisher "
                f"{fisher:.2f} threshold {thr:.3f} 2-means {split:.3f}")
        for short in args.families.split(","):
            p = suggest_params(image, Params(n_patterns=2, descriptor_name=NAMES[short]))
            r = segment(image, p)
            at = np.ix_(r.grid.rows, r.grid.cols)
            k = keep[at].ravel()
            yt = truth[at].ravel()[k]
            feats = np.asarray(r.pca_components, np.float64)
            x = feats.reshape(-1, feats.shape[-1])[k]
            run = best(r.grid_labels.ravel()[k], yt)
            orc = best(oracle(x, yt), yt)
            # the lock-in sampled on the grid, appended: does it add to the family?
            xl = np.column_stack([x, li[at].ravel()[k]])
            orl = best(oracle(xl, yt), yt)
            line += (f" | {short} k-means {run:.3f} oracle {orc:.3f} ({x.shape[1]} comps) "
                     f"+lock-in {orl:.3f}")
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
