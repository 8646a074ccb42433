"""Slow, obviously correct reference of the max-pooled point-symmetry scores.

Written from the definitions in the docstring of
``napari_symseg.core.descriptors.point_symmetry``, sharing no code with it:
the polar samples and their rotated / reflected positions are computed
geometrically with cos/sin (not as index permutations), sampled with
``scipy.ndimage.map_coordinates`` on the whole image, scored with a plain
weighted Pearson correlation and max-pooled by brute force.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

#: Same meaning as ``point_symmetry_scores.ZERO_VARIANCE``.
ZERO_VARIANCE = 1e-12


def polar_grid(radius: int, base: int) -> tuple[np.ndarray, np.ndarray]:
    """Radii and angles (radians): 1 px radial, <= 1.5 px outer-ring spacing."""
    n_r = max(2, math.ceil(radius / 1.0))
    n_t = base * max(1, math.ceil(2 * math.pi * radius / 1.5 / base))
    r = (np.arange(n_r) + 0.5) * radius / n_r
    theta = 2 * np.pi * np.arange(n_t) / n_t
    rr, tt = np.meshgrid(r, theta, indexing="ij")
    return rr.ravel(), tt.ravel()


def transformed_offsets(kind: str, angle_deg: float, east: np.ndarray, north: np.ndarray):
    """Rotate (counter-clockwise on screen) or reflect (axis at angle) a vector."""
    a = math.radians(angle_deg)
    if kind == "rotation":
        return (math.cos(a) * east - math.sin(a) * north, math.sin(a) * east + math.cos(a) * north)
    ux, uy = math.cos(a), math.sin(a)
    dot = east * ux + north * uy
    return 2 * dot * ux - east, 2 * dot * uy - north


def weighted_pearson(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    """Weighted Pearson correlation of x and y (weights w)."""
    w = w / w.sum()
    mx, my = np.sum(w * x), np.sum(w * y)
    cov = np.sum(w * (x - mx) * (y - my))
    return float(cov / np.sqrt(np.sum(w * (x - mx) ** 2) * np.sum(w * (y - my) ** 2)))


def raw_score_maps(image, radius, base, kind, angles, centres_r, centres_c) -> np.ndarray:
    """Un-pooled scores, float64 of shape (len(centres_r), len(centres_c), len(angles))."""
    image = np.asarray(image, dtype=np.float64)
    r, theta = polar_grid(radius, base)
    east, north = r * np.cos(theta), r * np.sin(theta)  # on screen: north = up
    threshold = ZERO_VARIANCE * image.var()
    out = np.zeros((len(centres_r), len(centres_c), len(angles)))
    cr, cc = np.meshgrid(centres_r, centres_c, indexing="ij")
    cr, cc = cr.ravel()[:, None].astype(float), cc.ravel()[:, None].astype(float)

    def sample(e, n):  # rows grow downward: row = centre - north
        coords = np.stack([(cr - n[None, :]).ravel(), (cc + e[None, :]).ravel()])
        vals = ndimage.map_coordinates(image, coords, order=3, mode="mirror")
        return vals.reshape(len(cr), len(r))

    x = sample(east, north)
    for k, angle in enumerate(angles):
        y = sample(*transformed_offsets(kind, float(angle), east, north))
        for q in range(len(cr)):
            mu = np.sum(r * x[q]) / r.sum()
            if np.sum(r * (x[q] - mu) ** 2) / r.sum() <= threshold:
                continue  # constant patch: score 0
            out.flat[q * len(angles) + k] = weighted_pearson(x[q], y[q], r)
    return out


def reference_scores(image, params, kind, angles, rows, cols) -> np.ndarray:
    """Max-pooled scores at the grid ``rows x cols`` (brute-force pooling).

    The feature at p is the maximum of the raw scores at the points
    ``q = p + (a * s, b * s)`` with ``|q_row - p_row| <= window_x``
    and ``|q_col - p_col| <= window_y``, where s is the largest divisor of the
    stride that is at most ``min(window_x, window_y) // 2`` (at least 1).
    """
    half = max(1, min(params.window_x, params.window_y) // 2)
    s = [d for d in range(1, params.stride + 1) if params.stride % d == 0 and d <= half][-1]
    base = 12 if kind == "rotation" else params.num_reflection_plane
    da = [
        a * s
        for a in range(-params.window_x, params.window_x + 1)
        if abs(a * s) <= params.window_x
    ]
    db = [
        b * s
        for b in range(-params.window_y, params.window_y + 1)
        if abs(b * s) <= params.window_y
    ]
    all_r = sorted({int(p) + d for p in rows for d in da})
    all_c = sorted({int(p) + d for p in cols for d in db})
    raw = raw_score_maps(image, params.radius, base, kind, angles, all_r, all_c)
    ir = {v: i for i, v in enumerate(all_r)}
    ic = {v: i for i, v in enumerate(all_c)}
    out = np.zeros((len(rows), len(cols), len(angles)))
    for i, p in enumerate(rows):
        for j, q in enumerate(cols):
            for k in range(len(angles)):
                out[i, j, k] = max(raw[ir[int(p) + a], ic[int(q) + b], k] for a in da for b in db)
    return out
