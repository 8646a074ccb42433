"""Max-pooled point-symmetry descriptors: rotations and reflections.

Two descriptor families of Wang et al. (2021), section "Extracting Features
via Rotation and Reflection Operations": ``rotational_symmetry_maximum_pooling``
(rotations by 60, 90, 120 and 180 degrees about a pixel) and
``reflection_symmetry_maximum_pooling`` (reflections across
``num_reflection_plane`` axes through a pixel).

Definitions
-----------
Angle convention. Angles are measured from the horizontal image axis (the
direction of increasing column index), counter-clockwise *as seen on
screen*, where rows grow downward. A point at distance ``r`` and angle
``theta`` from the centre pixel ``p`` therefore sits at::

    row = p_row - r * sin(theta),   col = p_col + r * cos(theta)

Reflection axis ``k`` of ``N = num_reflection_plane`` has angle
``beta_k = k * 180 / N`` degrees, ``k = 0 .. N-1``: ``beta = 0`` is the
horizontal axis, ``beta = 90`` the vertical one and ``beta = 45`` the
diagonal from bottom-left to top-right on screen.

1. Circular patch on a polar grid. Radii ``r_i = (i + 0.5) * radius / n_r``
   (``i = 0 .. n_r-1``), angles ``theta_j = 2 pi j / n_t`` (``j = 0 .. n_t-1``),
   sample ``k = i * n_t + j``. The samples are at most ``RADIAL_STEP = 1``
   px apart along a radius and ``TANGENTIAL_STEP = 1.5`` px along the outer
   ring (see `polar_grid_size`); ``n_t`` is a multiple of 12 for rotations
   and of ``N`` for reflections, so that every operation maps polar samples
   exactly onto polar samples: a rotation by ``alpha`` is the roll
   ``j -> j + alpha n_t / 360`` and the reflection across the axis at
   ``beta`` maps ``theta -> 2 beta - theta``, i.e. ``j -> beta n_t / 180 - j``
   (mod ``n_t``). No interpolation of the transformed patch is needed.
2. Sample values by cubic B-spline interpolation, exactly
   ``scipy.ndimage.map_coordinates(image, coords, order=3, mode="mirror")``:
   the image is prefiltered once (`scipy.ndimage.spline_filter`), after which
   every sample is a fixed 4 x 4 stencil of spline coefficients whose offsets
   and weights do not depend on the (integer) centre pixel. The stencil is
   computed once per call and applied by a numba kernel.
3. Score of operation ``O`` at ``p``: the weighted Pearson correlation
   between the sample vector ``x`` and its permuted version ``x_sigma``, with
   the polar area element ``w_k = r_i`` as weight. ``O`` permutes samples
   within a ring, so both vectors have the same weighted mean and variance::

       mu  = sum_k w_k x_k / W,   var = sum_k w_k (x_k - mu)^2 / W,   W = sum_k w_k
       rho = sum_k w_k (x_k - mu) (x_sigma(k) - mu) / (W var)

   The direction of a rotation does not matter (``rho(alpha) = rho(-alpha)``).
   A patch whose variance is at most ``ZERO_VARIANCE`` times the image
   variance counts as constant and scores 0 (never NaN). (Near texture, the
   spline of a flat area is not exactly flat: its coefficients ring with an
   amplitude of 0.268**distance, so only flat areas more than about 10 px
   from any texture count as constant.)
4. Max-pooling (translational invariance). Raw scores are evaluated on
   the points ``q = p + (a * step, b * step)`` aligned with the output grid,
   where ``step`` (`pooling_step`) is the largest divisor of the stride not
   above ``min(window_x, window_y) / 2`` (so the pooling window always holds
   at least 5 x 5 raw points, however large the stride), and the feature at
   output point ``p`` is the maximum of the raw scores over those ``q`` with
   ``|q_row - p_row| <= window_x`` and ``|q_col - p_col| <= window_y``. With
   the defaults (stride 5, window 21) step = stride; at stride 1 this is the
   dense moving-window maximum over a ``(2 window_x + 1) x (2 window_y + 1)``
   window.

Cost: ``16 * n_r * n_t`` multiply-adds per raw point for the interpolation
(about ``67 * radius**2``) plus ``n_r * n_t`` per operation (half that for
reflections and the rotation by 180 degrees, which pair samples). At pooling
step 1 the interpolation is separable and shared between neighbouring raw
points (`point_symmetry_dense`): about 6 instead of 16 multiply-adds per
sample; rotations by 60, 90, 120 and 180 degrees then take about ``n_r * n_t``
products in all from folded ring sums instead of ``3.5 n_r * n_t``. Raw scores are
computed once per call on the aligned points covering the requested rows and
the pooling reach; the ``2 * (window_x // step)`` raw rows that consecutive
row chunks of the grid share at their border are computed once, by the first
chunk, and carried to the next (`point_symmetry_carry`).

Modules: this one holds the operations and the max-pooling (`compute`);
`polar_patch` the polar samples, spline taps and ring permutations;
`point_symmetry_scores` the raw scores (spline prefilter and numba kernel),
`point_symmetry_dense` the kernel for consecutive raw points (step 1) and
`point_symmetry_sums` the moments and operation sums both kernels share,
`point_symmetry_pool` the max-pooling, `point_symmetry_carry` the raw rows
carried between consecutive row chunks.
"""

from __future__ import annotations

import numpy as np

from ...errors import ParamsError
from .operations import Operations
from .point_symmetry_carry import carried, keep
from .point_symmetry_pool import max_pool
from .point_symmetry_scores import global_level, raw_scores
from .polar_patch import polar_grid_size, ring_permutations

#: Rotations by 60, 90, 120 and 180 degrees all map the polar grid onto
#: itself when the number of angles is a multiple of this.
ROTATION_BASE = 12


# ----------------------------------------------------------------- operations
def margin(params) -> tuple[int, int]:
    """Rows/cols a grid point must keep from the border.

    The polar samples lie strictly inside the circle of `radius`, so the
    4 x 4 cubic stencils read pixels at most ``radius + 1`` away from the
    centre; the pooling window adds the farthest raw point,
    ``(window // step) * step`` with ``step = pooling_step(params)``.

    Parameters
    ----------
    params : Params
        Uses ``radius``, ``window_x``, ``window_y`` and ``stride``.

    Returns
    -------
    tuple of int
        (row margin, column margin).
    """
    s = pooling_step(params)
    reach = params.radius + 1
    return (reach + (params.window_x // s) * s, reach + (params.window_y // s) * s)


def rotation_operations(params) -> Operations:
    """Rotations by ``params.rotation_angles`` degrees, in that order."""
    return Operations("rotation", np.array(params.rotation_angles, dtype=float))


def reflection_operations(params) -> Operations:
    """Reflection axes ``beta_k = k * 180 / N`` degrees, ``k = 0 .. N - 1``.

    ``N = params.num_reflection_plane``. Angles are measured from the
    horizontal image axis (increasing column), counter-clockwise as seen on
    screen (rows grow downward).
    """
    n = params.num_reflection_plane
    return Operations("reflection", np.arange(n) * (180.0 / n))


def polar_base(params, kind: str) -> int:
    """`n_t` must be a multiple of this: 12 for rotations, ``N`` for reflections."""
    if kind == "rotation":
        return ROTATION_BASE
    if kind == "reflection":
        return int(params.num_reflection_plane)
    raise ParamsError(f"point-symmetry operations must be rotations or reflections; got {kind!r}")


def pooling_step(params) -> int:
    """Spacing of the raw scores that are max-pooled.

    The largest divisor of ``params.stride`` that is at most
    ``min(window_x, window_y) // 2`` (at least 1): raw points stay aligned
    with the output grid and every pooling window holds at least 5 x 5 of
    them, so a stride larger than the window does not disable pooling.
    """
    limit = max(1, min(params.window_x, params.window_y) // 2)
    return max(d for d in range(1, params.stride + 1) if params.stride % d == 0 and d <= limit)


# ------------------------------------------------------------------- compute
def compute(image, params, operations: Operations, rows, cols) -> np.ndarray:
    """Max-pooled rotation or reflection scores at the grid points ``rows x cols``.

    Parameters
    ----------
    image : ndarray, 2-D
        The image (converted to float64; centred and scaled here).
    params : Params
        Uses ``radius``, ``window_x``, ``window_y``, ``stride`` and, for
        reflections, ``num_reflection_plane``.
    operations : Operations
        Kind ``"rotation"`` or ``"reflection"``; any subset of
        `rotation_operations` / `reflection_operations`, in any order.
    rows, cols : ndarray of int
        Image rows / columns of the grid points, equally spaced by
        ``params.stride``, at least `margin` from the border.

    Returns
    -------
    ndarray, float32, shape (len(rows), len(cols), len(operations))
    """
    image = np.asarray(image, dtype=np.float64)
    rows = np.asarray(rows, dtype=np.int64).reshape(-1)
    cols = np.asarray(cols, dtype=np.int64).reshape(-1)
    n_r, n_t = polar_grid_size(params.radius, polar_base(params, operations.kind))
    sigma = ring_permutations(operations, n_t)
    out = np.zeros((len(rows), len(cols), len(sigma)), dtype=np.float32)
    if out.size == 0:
        return out
    stride = int(params.stride)
    for name, coords in (("rows", rows), ("cols", cols)):
        if len(coords) > 1 and np.any(np.diff(coords) != stride):
            raise ValueError(f"grid {name} must be equally spaced by stride={stride}")
    step = pooling_step(params)
    sub = stride // step  # raw points per output grid spacing
    ext_r = params.window_x // step
    ext_c = params.window_y // step
    raw_rows = rows[0] + step * np.arange(-ext_r, (len(rows) - 1) * sub + 1 + ext_r)
    raw_cols = cols[0] + step * np.arange(-ext_c, (len(cols) - 1) * sub + 1 + ext_c)
    raw = _raw_carried(image, params.radius, (n_r, n_t), sigma, raw_rows, raw_cols, step,
                       2 * ext_r)
    if ext_r or ext_c:
        raw = max_pool(raw, ext_r, ext_c)
    out[...] = raw[::sub, ::sub]
    return out


def _raw_carried(image, radius, polar, sigma, raw_rows, raw_cols, step, n_keep) -> np.ndarray:
    """`raw_scores` at ``raw_rows x raw_cols``, reusing the previous call's last raw rows.

    Consecutive row chunks share ``2 * (window_x // step)`` raw rows
    (`point_symmetry_carry`); the last `n_keep` raw rows of this call are
    kept for the next one.
    """
    n_r, n_t = polar
    key = (sigma.shape, sigma.tobytes(), radius, n_r, n_t, step, int(raw_cols[0]),
           len(raw_cols), global_level(image))
    i, prior = carried(key, image, raw_rows, step)
    parts = [] if prior is None else [prior]
    if prior is None or i > 0:
        parts.insert(0, raw_scores(image, radius, n_r, n_t, sigma, raw_rows[:i] if i else
                                   raw_rows, raw_cols, step))
    if prior is not None and i + len(prior) < len(raw_rows):
        parts.append(raw_scores(image, radius, n_r, n_t, sigma, raw_rows[i + len(prior):],
                                raw_cols, step))
    raw = parts[0] if len(parts) == 1 else np.concatenate(parts)
    keep(key, image, raw_rows, raw_cols, raw, min(n_keep, len(raw_rows)), radius)
    return raw
