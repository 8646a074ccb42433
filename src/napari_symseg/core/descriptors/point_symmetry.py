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
   sample ``k = i * n_t + j``. The sample spacing is at most
   ``RADIAL_STEP = 1.5`` px along the radius and at most ``TANGENTIAL_STEP =
   2`` px along the outer ring (see `polar_grid_size`); ``n_t`` is a multiple
   of 12 for rotations and of ``N`` for reflections, so that every operation
   maps polar samples exactly onto polar samples: a rotation by ``alpha`` is
   the roll ``j -> j + alpha n_t / 360`` and the reflection across the axis
   at ``beta`` maps ``theta -> 2 beta - theta``, i.e. ``j -> beta n_t / 180 - j``
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
   variance counts as constant and scores 0 (never NaN).
4. Max-pooling (translational invariance). Raw scores are evaluated on
   the points aligned with the output grid, ``q = p + (a * stride,
   b * stride)``, and the feature at output point ``p`` is the maximum of the
   raw scores over those ``q`` with ``|q_row - p_row| <= window_x`` and
   ``|q_col - p_col| <= window_y``. At stride 1 this is the dense moving-window
   maximum over a ``(2 window_x + 1) x (2 window_y + 1)`` window.

Cost: ``16 * n_r * n_t`` multiply-adds per raw point for the interpolation
(about ``34 * radius**2``) plus ``n_r * n_t`` per operation. Raw scores are
computed once per call on the aligned points covering the requested rows and
the pooling reach, so splitting the grid into row chunks only recomputes
``2 * (window_x // stride)`` raw rows per chunk.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from scipy import ndimage

from .operations import Operations

#: A patch whose weighted variance is at most this fraction of the image
#: variance counts as constant: all its scores are 0.
ZERO_VARIANCE = 1e-12
#: Largest spacing (px) between polar samples along a radius.
RADIAL_STEP = 1.0
#: Largest spacing (px) between polar samples along the outer circle.
TANGENTIAL_STEP = 1.5
#: Rows/columns of image kept around the region read by the stencil when the
#: spline prefilter runs on a sub-image: the influence of a pixel on a spline
#: coefficient decays as 0.268**distance, below 1e-18 after 32 px.
PREFILTER_PAD = 32
#: Rotations by 60, 90, 120 and 180 degrees all map the polar grid onto
#: itself when the number of angles is a multiple of this.
ROTATION_BASE = 12


# ----------------------------------------------------------------- operations
def margin(params) -> tuple[int, int]:
    """Rows/cols a grid point must keep from the border.

    The polar samples lie strictly inside the circle of `radius`, so the
    4 x 4 cubic stencils read pixels at most ``radius + 1`` away from the
    centre; the pooling window adds the farthest aligned grid point,
    ``(window // stride) * stride``.

    Parameters
    ----------
    params : Params
        Uses ``radius``, ``window_x``, ``window_y`` and ``stride``.

    Returns
    -------
    tuple of int
        (row margin, column margin).
    """
    s = params.stride
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


# ---------------------------------------------------------------- polar grid
def polar_grid_size(radius: int, base: int) -> tuple[int, int]:
    """Number of radii and of angles of the polar patch.

    ``n_r = max(2, ceil(radius / RADIAL_STEP))`` and ``n_t`` the smallest
    multiple of `base` with ``n_t >= 2 pi radius / TANGENTIAL_STEP`` (at
    least 2 * `base` ... only when that rule asks for it), so samples are at
    most 1.5 px apart radially and 2 px apart on the outer circle (denser on
    inner rings). With ``radius = 20`` and ``base = 12``: 14 x 72 samples,
    about 0.8 samples per pixel of the disc.

    Parameters
    ----------
    radius : int
        Patch radius (px).
    base : int
        `n_t` is a multiple of it (12 for rotations, ``N`` for reflections).

    Returns
    -------
    tuple of int
        ``(n_r, n_t)``.
    """
    n_r = max(2, math.ceil(radius / RADIAL_STEP))
    target = 2.0 * math.pi * radius / TANGENTIAL_STEP
    n_t = base * max(1, math.ceil(target / base))
    return n_r, n_t


def polar_samples(radius: int, n_r: int, n_t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Offsets of the polar samples from the centre, sample ``k = i * n_t + j``.

    Returns
    -------
    d_row, d_col : ndarray, float64, shape (n_r * n_t,)
        Row / column offsets: ``-r_i sin(theta_j)`` and ``r_i cos(theta_j)``.
    weight : ndarray, float64, shape (n_r * n_t,)
        Polar area element ``r_i`` of each sample.
    """
    r = (np.arange(n_r) + 0.5) * (radius / n_r)
    theta = 2.0 * np.pi * np.arange(n_t) / n_t
    d_row = -np.outer(r, np.sin(theta)).ravel()
    d_col = np.outer(r, np.cos(theta)).ravel()
    return d_row, d_col, np.repeat(r, n_t)


def _bspline3(t: np.ndarray) -> np.ndarray:
    """Centred cubic B-spline."""
    t = np.abs(t)
    return np.where(
        t < 1.0, 2.0 / 3.0 - t * t + 0.5 * t**3, np.where(t < 2.0, (2.0 - t) ** 3 / 6.0, 0.0)
    )


def spline_stencil(offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cubic B-spline taps of points at fractional `offsets` along one axis.

    The point at offset ``d`` reads coefficients ``floor(d) - 1 + (0..3)``
    with weights ``beta3(d - floor(d) + 1 - (0..3))``, as
    `scipy.ndimage.map_coordinates` does for ``order=3``.

    Returns
    -------
    first : ndarray, int64, shape (n,)
        Offset of the first tap.
    weights : ndarray, float64, shape (n, 4)
    """
    fl = np.floor(offsets)
    frac = offsets - fl
    weights = _bspline3(frac[:, None] + 1.0 - np.arange(4)[None, :])
    return fl.astype(np.int64) - 1, weights


def permutations(operations: Operations, n_r: int, n_t: int) -> np.ndarray:
    """Sample permutation of every operation, shape ``(len(operations), n_r * n_t)``.

    Row ``o`` holds ``sigma(k)``: the sample that operation ``o`` brings onto
    sample ``k``. Rotation by ``alpha``: ``j -> j + alpha n_t / 360``;
    reflection across the axis at ``beta``: ``j -> beta n_t / 180 - j``
    (mod ``n_t``, radius unchanged).

    Raises
    ------
    ValueError
        If an operation does not map the polar grid onto itself.
    """
    angles = np.asarray(operations.values, dtype=float).reshape(-1)
    if operations.kind == "rotation":
        steps = angles * n_t / 360.0
        sign = 1
    elif operations.kind == "reflection":
        steps = angles * n_t / 180.0
        sign = -1
    else:
        raise ValueError(f"point-symmetry operations must be rotations or reflections; "
                         f"got {operations.kind!r}")
    shift = np.round(steps)
    bad = np.abs(steps - shift) > 1e-6
    if bad.any():
        raise ValueError(
            f"{operations.kind} angle(s) {angles[bad].tolist()} do not map the polar grid of "
            f"{n_t} angles onto itself"
        )
    j = np.arange(n_t)
    ring = (shift.astype(np.int64)[:, None] + sign * j[None, :]) % n_t  # (n_ops, n_t)
    perm = ring[:, None, :] + n_t * np.arange(n_r)[None, :, None]
    return np.ascontiguousarray(perm.reshape(len(angles), n_r * n_t), dtype=np.int64)


def polar_base(params, kind: str) -> int:
    """`n_t` must be a multiple of this: 12 for rotations, ``N`` for reflections."""
    if kind == "rotation":
        return ROTATION_BASE
    if kind == "reflection":
        return int(params.num_reflection_plane)
    raise ValueError(f"point-symmetry operations must be rotations or reflections; got {kind!r}")


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
    perm = permutations(operations, n_r, n_t)
    out = np.zeros((len(rows), len(cols), len(perm)), dtype=np.float32)
    if out.size == 0:
        return out
    stride = int(params.stride)
    for name, coords in (("rows", rows), ("cols", cols)):
        if len(coords) > 1 and np.any(np.diff(coords) != stride):
            raise ValueError(f"grid {name} must be equally spaced by stride={stride}")
    ext_r = params.window_x // stride
    ext_c = params.window_y // stride
    raw_rows = rows[0] + stride * np.arange(-ext_r, len(rows) + ext_r)
    raw_cols = cols[0] + stride * np.arange(-ext_c, len(cols) + ext_c)
    raw = raw_scores(image, params.radius, n_r, n_t, perm, raw_rows, raw_cols)
    pooled = ndimage.maximum_filter(raw, size=(2 * ext_r + 1, 2 * ext_c + 1, 1), mode="nearest")
    out[...] = pooled[ext_r : ext_r + len(rows), ext_c : ext_c + len(cols)]
    return out


def raw_scores(image, radius, n_r, n_t, perm, rows, cols) -> np.ndarray:
    """Un-pooled scores of the operations `perm` at every point ``rows x cols``.

    Parameters
    ----------
    image : ndarray, 2-D float64
        The image.
    radius, n_r, n_t : int
        The polar patch (see `polar_grid_size`).
    perm : ndarray, int64, shape (n_ops, n_r * n_t)
        Sample permutations (see `permutations`).
    rows, cols : ndarray of int64
        Centre pixels; every stencil (``radius + 1`` around them) must lie
        inside the image.

    Returns
    -------
    ndarray, float32, shape (len(rows), len(cols), n_ops)
    """
    h, w = image.shape
    reach = radius + 1
    r0, r1 = int(rows.min()) - reach, int(rows.max()) + reach + 1
    c0, c1 = int(cols.min()) - reach, int(cols.max()) + reach + 1
    if r0 < 0 or c0 < 0 or r1 > h or c1 > w:
        raise ValueError(
            "grid points too close to the border for this radius and pooling window"
        )
    # Spline coefficients of the region read by the stencils (plus a pad so
    # that cutting the image changes nothing measurable; the image's own
    # borders keep scipy's "mirror" boundary). Pearson scores do not change
    # under affine intensity changes: centre and scale by the whole image.
    pr0, pr1 = max(0, r0 - PREFILTER_PAD), min(h, r1 + PREFILTER_PAD)
    pc0, pc1 = max(0, c0 - PREFILTER_PAD), min(w, c1 + PREFILTER_PAD)
    scale = image.std()
    scale = scale if scale > 0 else 1.0
    region = (image[pr0:pr1, pc0:pc1] - image.mean()) / scale
    coef = ndimage.spline_filter(region, order=3, mode="mirror", output=np.float64)
    coef = np.ascontiguousarray(coef)

    stride = int(cols[1] - cols[0]) if len(cols) > 1 else 1
    d_row, d_col, weight = polar_samples(radius, n_r, n_t)
    first_r, w_row = spline_stencil(d_row)
    first_c, w_col = spline_stencil(d_col)
    # Column phases: with grid columns c0 + b * stride, the tap at column
    # offset dc of grid column b reads deci[phase, row, k + b] where
    # phase, k = divmod-split of (c0 - pc0 + dc): consecutive grid points
    # read consecutive memory, so the kernel vectorises over grid points.
    tap_c = (int(cols[0]) - pc0) + first_c[:, None] + np.arange(4)[None, :]
    phase = np.ascontiguousarray(tap_c % stride)
    k0 = np.ascontiguousarray(tap_c // stride)
    n_k = -(-coef.shape[1] // stride)
    deci = np.zeros((stride, coef.shape[0], n_k), dtype=np.float64)
    for ph in range(stride):
        cols_ph = coef[:, ph::stride]
        deci[ph, :, : cols_ph.shape[1]] = cols_ph
    tap_r = np.ascontiguousarray(first_r[:, None] + np.arange(4)[None, :])
    out = np.empty((len(rows), len(cols), perm.shape[0]), dtype=np.float32)
    _scores_kernel(
        deci,
        np.asarray(rows, dtype=np.int64) - pr0,
        len(cols),
        tap_r,
        phase,
        k0,
        np.ascontiguousarray(w_row),
        np.ascontiguousarray(w_col),
        weight / weight.sum(),
        perm,
        ZERO_VARIANCE,
        out,
    )
    return out


#: Grid points processed together by the kernel (vector length of its loops).
BLOCK = 32


@numba.njit(cache=True, parallel=True)
def _scores_kernel(
    deci, centre_rows, n_cols, tap_r, phase, k0, w_row, w_col, weight, perm, eps, out
):  # pragma: no cover - compiled
    """Interpolate the polar samples of every grid point and score every operation.

    Sample ``s`` of grid point ``(a, b)`` is
    ``sum_{u,t} w_row[s, u] w_col[s, t] deci[phase[s, t], centre_rows[a] +
    tap_r[s, u], k0[s, t] + b]``. Grid points of one row are processed in
    blocks of `BLOCK`, every loop running over the block (contiguous memory).
    `weight` is normalised to sum 1.
    """
    n_s = tap_r.shape[0]
    n_ops = perm.shape[0]
    n_blocks = -(-n_cols // BLOCK)
    for job in numba.prange(centre_rows.shape[0] * n_blocks):
        a = job // n_blocks
        b0 = (job % n_blocks) * BLOCK
        nb = min(BLOCK, n_cols - b0)
        cr = centre_rows[a]
        x = np.zeros((n_s, BLOCK), dtype=np.float64)
        y = np.empty((n_s, BLOCK), dtype=np.float64)
        mu = np.zeros(BLOCK, dtype=np.float64)
        var = np.zeros(BLOCK, dtype=np.float64)
        acc = np.empty(BLOCK, dtype=np.float64)
        for s in range(n_s):
            acc[:] = 0.0
            for t in range(4):
                plane = deci[phase[s, t]]
                k = k0[s, t] + b0
                for u in range(4):
                    w = w_row[s, u] * w_col[s, t]
                    src = plane[cr + tap_r[s, u], k : k + nb]
                    for j in range(nb):
                        acc[j] += w * src[j]
            ws = weight[s]
            for j in range(nb):
                x[s, j] = acc[j]
                mu[j] += ws * acc[j]
        for s in range(n_s):
            ws = weight[s]
            for j in range(nb):
                v = x[s, j] - mu[j]
                x[s, j] = v
                y[s, j] = ws * v
                var[j] += ws * v * v
        for o in range(n_ops):
            cov = np.zeros(BLOCK, dtype=np.float64)
            for s in range(n_s):
                xs = x[perm[o, s]]
                ys = y[s]
                for j in range(nb):
                    cov[j] += ys[j] * xs[j]
            for j in range(nb):
                out[a, b0 + j, o] = cov[j] / var[j] if var[j] > eps else 0.0
