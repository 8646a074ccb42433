"""Moments and operation products of the polar samples, shared by both score kernels.

Compiled helpers inlined into `point_symmetry_scores._scores_kernel` and
`point_symmetry_dense._dense_kernel`: they add one ring of samples to a
block of points' sums and turn the sums into scores.
"""

from __future__ import annotations

import numba


@numba.njit(cache=True, inline="always")
def add_ring(
    x, nb, r1, r2, wi, first, second, n_pairs, n_terms, s1, s2, cov, rc
):  # pragma: no cover - compiled
    """Add one ring's moments and operation products (weight `wi`) to the sums.

    ``x[j, :nb]`` holds the ring's samples minus the reference, ``r1`` /
    ``r2`` their sums / sums of squares over the ring; ``rc`` is scratch.
    """
    for k in range(nb):
        s1[k] += wi * r1[k]
        s2[k] += wi * r2[k]
    for o in range(first.shape[0]):
        rc[:] = 0.0
        for t in range(n_terms[o]):
            if t == n_pairs[o]:  # pairs count twice
                for k in range(nb):
                    rc[k] += rc[k]
            xs = x[first[o, t]]
            xp = x[second[o, t]]
            for k in range(nb):
                rc[k] += xs[k] * xp[k]
        if n_terms[o] == n_pairs[o]:
            for k in range(nb):
                rc[k] += rc[k]
        co = cov[o]
        for k in range(nb):
            co[k] += wi * rc[k]


@numba.njit(cache=True, inline="always")
def store_scores(s1, s2, cov, nb, eps, out):  # pragma: no cover - compiled
    """Scores ``(cov_o - mu^2) / var`` of `nb` points into ``out[:nb, o]`` (0 if flat)."""
    for k in range(nb):
        mu2 = s1[k] * s1[k]
        var = s2[k] - mu2
        for o in range(cov.shape[0]):
            out[k, o] = (cov[o, k] - mu2) / var if var > eps else 0.0
