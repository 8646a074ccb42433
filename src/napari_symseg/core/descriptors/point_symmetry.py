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
reflections and the rotation by 180 degrees, which pair samples). Raw scores are
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


# ---------------------------------------------------------------- polar grid
def polar_grid_size(radius: int, base: int) -> tuple[int, int]:
    """Number of radii and of angles of the polar patch.

    ``n_r = max(2, ceil(radius / RADIAL_STEP))`` and ``n_t`` the smallest
    multiple of `base` with ``n_t >= 2 pi radius / TANGENTIAL_STEP``: samples
    at most 1 px apart along a radius and 1.5 px apart on the outer circle
    (denser on inner rings), about 1.3 samples per pixel of the disc. With
    ``radius = 20``: 20 x 84 samples for rotations, 20 x 90 for 10
    reflections.

    Why this density: at radius 20, scores on this grid differ from those on
    a 16x denser polar grid by 0.002 (clean hexagonal lattice) to 0.008
    (noisy lattice) on average, at most 0.04, i.e. 1-5 % of the spread of
    the scores over a lattice image; at radius 4-8 by 0.005-0.04 on average.
    The radial step matters most: 1.5 px radially and 2 px tangentially
    costs 60 % as much but doubles or triples those differences.

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


def ring_permutations(operations: Operations, n_t: int) -> np.ndarray:
    """Angle permutation of every operation, shape ``(len(operations), n_t)``.

    Row ``o`` holds ``sigma(j)``: operation ``o`` brings the sample at angle
    index ``sigma(j)`` onto angle index ``j`` of the same ring. Rotation by
    ``alpha``: ``sigma(j) = j + alpha n_t / 360``; reflection across the axis
    at ``beta``: ``sigma(j) = beta n_t / 180 - j`` (both mod ``n_t``).

    Raises
    ------
    ValueError
        If an operation does not map the polar grid onto itself.
    """
    angles = np.asarray(operations.values, dtype=float).reshape(-1)
    if operations.kind == "rotation":
        steps, sign = angles * n_t / 360.0, 1
    elif operations.kind == "reflection":
        steps, sign = angles * n_t / 180.0, -1
    else:
        raise ValueError(
            f"point-symmetry operations must be rotations or reflections; got {operations.kind!r}"
        )
    shift = np.round(steps)
    bad = np.abs(steps - shift) > 1e-6
    if bad.any():
        raise ValueError(
            f"{operations.kind} angle(s) {angles[bad].tolist()} do not map the polar grid of "
            f"{n_t} angles onto itself"
        )
    j = np.arange(n_t)
    sigma = (shift.astype(np.int64)[:, None] + sign * j[None, :]) % n_t
    return np.ascontiguousarray(sigma, dtype=np.int64)


def polar_base(params, kind: str) -> int:
    """`n_t` must be a multiple of this: 12 for rotations, ``N`` for reflections."""
    if kind == "rotation":
        return ROTATION_BASE
    if kind == "reflection":
        return int(params.num_reflection_plane)
    raise ValueError(f"point-symmetry operations must be rotations or reflections; got {kind!r}")


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
    raw = raw_scores(image, params.radius, n_r, n_t, sigma, raw_rows, raw_cols, step)
    if ext_r or ext_c:
        raw = ndimage.maximum_filter(raw, size=(2 * ext_r + 1, 2 * ext_c + 1, 1), mode="nearest")
    out[...] = raw[ext_r : ext_r + (len(rows) - 1) * sub + 1 : sub,
                   ext_c : ext_c + (len(cols) - 1) * sub + 1 : sub]
    return out


def raw_scores(image, radius, n_r, n_t, sigma, rows, cols, stride=1) -> np.ndarray:
    """Un-pooled scores at every point ``rows x cols`` (no max-pooling).

    Parameters
    ----------
    image : ndarray, 2-D float64
        The image.
    radius, n_r, n_t : int
        The polar patch (see `polar_grid_size`).
    sigma : ndarray, int64, shape (n_ops, n_t)
        Angle permutation of each operation (see `ring_permutations`).
    rows, cols : ndarray of int
        Centre pixels, `cols` equally spaced by `stride` (`rows` arbitrary);
        every stencil (``radius + 1`` around a centre) must lie inside the
        image.
    stride : int
        Spacing of `cols` (only used when there is a single column).

    Returns
    -------
    ndarray, float32, shape (len(rows), len(cols), n_ops)
    """
    rows = np.asarray(rows, dtype=np.int64).reshape(-1)
    cols = np.asarray(cols, dtype=np.int64).reshape(-1)
    if len(cols) > 1:
        stride = int(cols[1] - cols[0])
        if stride < 1 or np.any(np.diff(cols) != stride):
            raise ValueError("cols must be increasing and equally spaced")
    h, w = image.shape
    reach = radius + 1
    r0, r1 = int(rows.min()) - reach, int(rows.max()) + reach + 1
    c0, c1 = int(cols[0]) - reach, int(cols[-1]) + reach + 1
    if r0 < 0 or c0 < 0 or r1 > h or c1 > w:
        raise ValueError("grid points too close to the border for this radius and pooling window")
    # Spline coefficients of the region read by the stencils, plus a pad so
    # that cutting the image changes nothing measurable (the image's own
    # borders keep scipy's "mirror" boundary). Pearson scores do not change
    # under affine intensity changes: centre and scale by the whole image.
    pr0, pr1 = max(0, r0 - PREFILTER_PAD), min(h, r1 + PREFILTER_PAD)
    pc0, pc1 = max(0, c0 - PREFILTER_PAD), min(w, c1 + PREFILTER_PAD)
    mean, scale = _global_level(image)
    region = (image[pr0:pr1, pc0:pc1] - mean) / scale
    coef = ndimage.spline_filter(region, order=3, mode="mirror", output=np.float64)

    d_row, d_col, weight = polar_samples(radius, n_r, n_t)
    first_r, w_row = spline_stencil(d_row)
    first_c, w_col = spline_stencil(d_col)
    # De-interleave the coefficient columns by phase modulo the stride:
    # deci[ph, r, k] = coef[r, ph + k * stride]. The tap at column offset dc
    # of grid column b (image column cols[0] + b * stride) then reads
    # deci[ph, r, k + b] with (k, ph) = divmod(cols[0] - pc0 + dc, stride):
    # consecutive grid columns read consecutive memory.
    n_k = -(-coef.shape[1] // stride)
    deci = np.zeros((stride, coef.shape[0], n_k), dtype=np.float64)
    for ph in range(stride):
        part = coef[:, ph::stride]
        deci[ph, :, : part.shape[1]] = part
    tap_c = (int(cols[0]) - pc0) + first_c[:, None] + np.arange(4)[None, :]  # (n_s, 4)
    tap_r = (first_r[:, None] + np.arange(4)[None, :]) * n_k  # (n_s, 4), flat row offsets
    offsets = (tap_c // stride)[:, :, None] + tap_r[:, None, :]
    offsets += ((tap_c % stride) * (coef.shape[0] * n_k))[:, :, None]
    weights = w_col[:, :, None] * w_row[:, None, :]  # (n_s, 4 cols, 4 rows)
    out = np.empty((len(rows), len(cols), len(sigma)), dtype=np.float32)
    _scores_kernel(
        deci.ravel(),
        (rows - pr0) * n_k,
        len(cols),
        n_t,
        np.ascontiguousarray(offsets.reshape(-1, 16), dtype=np.int64),
        np.ascontiguousarray(weights.reshape(-1, 16)),
        weight[::n_t] / weight.sum(),
        *_ring_terms(sigma),
        np.ascontiguousarray(region[rows[:, None] - pr0, cols[None, :] - pc0]),
        ZERO_VARIANCE,
        _block_size(n_t, len(cols)),
        out,
    )
    return out


def _global_level(image: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation (1 if 0) of the image.

    The same for every chunk of the grid, so chunks scale alike. On images
    above about 1 Mpx a regular subsample of about 1 Mpx is used (the
    values only condition the sums and set the zero-variance threshold).
    """
    step = max(1, int(np.sqrt(image.size / 2**20)))
    sample = image[::step, ::step]
    scale = float(sample.std())
    return float(sample.mean()), scale if scale > 0 else 1.0


def _ring_terms(sigma: np.ndarray) -> tuple[np.ndarray, ...]:
    """Products needed for ``sum_j x_j x_sigma(j)`` of every operation.

    An involution (every reflection, the rotation by 180 degrees) pairs
    angles, so the sum is ``2 * sum_pairs x_j x_sigma(j) + sum_fixed x_j^2``:
    half the work. Returns ``first, second`` (int64, (n_ops, n_t)): the
    factors of term ``t``, of which the first ``n_pairs[o]`` count twice, and
    ``n_pairs, n_terms`` (int64, (n_ops,)).
    """
    n_ops, n_t = sigma.shape
    first = np.zeros((n_ops, n_t), dtype=np.int64)
    second = np.zeros((n_ops, n_t), dtype=np.int64)
    n_pairs = np.zeros(n_ops, dtype=np.int64)
    n_terms = np.zeros(n_ops, dtype=np.int64)
    j = np.arange(n_t)
    for o, sig in enumerate(sigma):
        if np.array_equal(sig[sig], j):
            pairs, fixed = j[j < sig], j[j == sig]
            terms = np.concatenate([pairs, fixed])
            n_pairs[o] = len(pairs)
        else:
            terms = j
        n_terms[o] = len(terms)
        first[o, : len(terms)] = terms
        second[o, : len(terms)] = sig[terms]
    return first, second, n_pairs, n_terms


def _block_size(n_t: int, n_cols: int) -> int:
    """Grid points per kernel block.

    At most enough that one ring of samples (``n_t x block`` float64) fits
    in about 256 kB, and the row split into blocks of (nearly) equal size.
    """
    largest = int(np.clip(32768 // n_t, 16, 512))
    n_blocks = -(-n_cols // largest)
    return -(-n_cols // n_blocks)


@numba.njit(cache=True, parallel=True)
def _scores_kernel(
    coef,
    row_offsets,
    n_cols,
    n_t,
    offsets,
    weights,
    ring_weight,
    first,
    second,
    n_pairs,
    n_terms,
    ref,
    eps,
    block,
    out,
):  # pragma: no cover - compiled
    """Interpolate the polar samples of every grid point and score every operation.

    Sample ``s`` of grid point ``(a, b)`` is
    ``sum_q weights[s, q] * coef[row_offsets[a] + offsets[s, q] + b]``
    (``coef`` is the phase-de-interleaved coefficient image, flattened).
    Samples are produced ring by ring (``s = i * n_t + j``) for a block of
    grid points of one row, every inner loop running over the block
    (contiguous memory, vectorised; the 16 taps are spelled out so that each
    sample is one pass). Moments are accumulated about a reference value
    ``ref[a, b]`` (the centre pixel) to avoid cancellation: with
    ``d = x - ref``, ``mu = sum w d``, ``var = sum w d^2 - mu^2`` and
    ``cov_o = sum w d d_sigma - mu^2`` (``ring_weight`` sums to 1 over all
    samples, i.e. ``n_t * sum(ring_weight) = 1``). Within a ring,
    ``sum_j d_j d_sigma(j)`` is the sum over the terms of `_ring_terms`.
    """
    n_ops = first.shape[0]
    n_r = ring_weight.shape[0]
    n_blocks = -(-n_cols // block)
    for job in numba.prange(row_offsets.shape[0] * n_blocks):
        a = job // n_blocks
        b0 = (job % n_blocks) * block
        nb = min(block, n_cols - b0)
        p = row_offsets[a] + b0
        rf = ref[a, b0 : b0 + nb]
        x = np.empty((n_t, block), dtype=np.float64)
        s1 = np.zeros(block, dtype=np.float64)
        s2 = np.zeros(block, dtype=np.float64)
        cov = np.zeros((n_ops, block), dtype=np.float64)
        r1 = np.empty(block, dtype=np.float64)
        r2 = np.empty(block, dtype=np.float64)
        rc = np.empty(block, dtype=np.float64)
        for i in range(n_r):
            r1[:] = 0.0
            r2[:] = 0.0
            for j in range(n_t):
                s = i * n_t + j
                xs = x[j]
                c0 = coef[p + offsets[s, 0] : p + offsets[s, 0] + nb]
                c1 = coef[p + offsets[s, 1] : p + offsets[s, 1] + nb]
                c2 = coef[p + offsets[s, 2] : p + offsets[s, 2] + nb]
                c3 = coef[p + offsets[s, 3] : p + offsets[s, 3] + nb]
                c4 = coef[p + offsets[s, 4] : p + offsets[s, 4] + nb]
                c5 = coef[p + offsets[s, 5] : p + offsets[s, 5] + nb]
                c6 = coef[p + offsets[s, 6] : p + offsets[s, 6] + nb]
                c7 = coef[p + offsets[s, 7] : p + offsets[s, 7] + nb]
                c8 = coef[p + offsets[s, 8] : p + offsets[s, 8] + nb]
                c9 = coef[p + offsets[s, 9] : p + offsets[s, 9] + nb]
                c10 = coef[p + offsets[s, 10] : p + offsets[s, 10] + nb]
                c11 = coef[p + offsets[s, 11] : p + offsets[s, 11] + nb]
                c12 = coef[p + offsets[s, 12] : p + offsets[s, 12] + nb]
                c13 = coef[p + offsets[s, 13] : p + offsets[s, 13] + nb]
                c14 = coef[p + offsets[s, 14] : p + offsets[s, 14] + nb]
                c15 = coef[p + offsets[s, 15] : p + offsets[s, 15] + nb]
                w0 = weights[s, 0]
                w1 = weights[s, 1]
                w2 = weights[s, 2]
                w3 = weights[s, 3]
                w4 = weights[s, 4]
                w5 = weights[s, 5]
                w6 = weights[s, 6]
                w7 = weights[s, 7]
                w8 = weights[s, 8]
                w9 = weights[s, 9]
                w10 = weights[s, 10]
                w11 = weights[s, 11]
                w12 = weights[s, 12]
                w13 = weights[s, 13]
                w14 = weights[s, 14]
                w15 = weights[s, 15]
                for k in range(nb):
                    d = (
                        w0 * c0[k]
                        + w1 * c1[k]
                        + w2 * c2[k]
                        + w3 * c3[k]
                        + w4 * c4[k]
                        + w5 * c5[k]
                        + w6 * c6[k]
                        + w7 * c7[k]
                        + w8 * c8[k]
                        + w9 * c9[k]
                        + w10 * c10[k]
                        + w11 * c11[k]
                        + w12 * c12[k]
                        + w13 * c13[k]
                        + w14 * c14[k]
                        + w15 * c15[k]
                    ) - rf[k]
                    xs[k] = d
                    r1[k] += d
                    r2[k] += d * d
            wi = ring_weight[i]
            for k in range(nb):
                s1[k] += wi * r1[k]
                s2[k] += wi * r2[k]
            for o in range(n_ops):
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
        for k in range(nb):
            mu2 = s1[k] * s1[k]
            var = s2[k] - mu2
            for o in range(n_ops):
                out[a, b0 + k, o] = (cov[o, k] - mu2) / var if var > eps else 0.0
