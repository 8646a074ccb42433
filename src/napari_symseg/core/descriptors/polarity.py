"""Polarity descriptors: odd-order scores that change sign under inversion.

Every Pearson score (translations, rotations, reflections) and the power
spectrum is of second order in the image, and an image and its inverse
(rotated by 180 degrees) have the same second-order statistics: 180-degree
ferroelectric domains score alike. The polarity family scores third-order
local correlations, which are odd under inversion.

With ``a(x) = (I(x) - mu(p)) / sigma(p)`` the image standardised by the mean
and standard deviation of the patch B(p) around the grid point p, the
third-order score of shift t is::

    s_t(p) = mean_{x in B(p)} [a(x)^2 a(x + t) - a(x) a(x + t)^2]
           = mean_{x in B(p)} a(x) a(x + t) (a(x) - a(x + t))

and the descriptor is its odd part in t::

    D_t(p) = (s_t(p) - s_{-t}(p)) / 2,     D_{-t} = -D_t,

kept for one shift of every pair (+t, -t) (``operations``). Rotating the
image by 180 degrees about any point maps D_t at p to -D_t at the mirrored
point, exactly: ``s'_{-t}(-p) = s_t(p)``. A centrosymmetric pattern (and
any pattern at a lattice translation t, where a(x + t) = a(x)) scores 0.

Box sums: with u = I - mu and v = I(. + t) - mu, ``u v (u - v) = (I - J)
(I J - mu (I + J) + mu^2)`` for J = I(x + t), since mu cancels in u - v::

    sigma^3 s_t(p) = mean_B(I J (I - J)) - mu (M2(p) - M2(p + t))
                     + mu^2 (mu - M1(p + t))

where M1, M2 are the box means of I and I^2 (once per image) and the one
product image per shift, ``I J (I - J)``, is box-summed on the strided grid
with running sums as in `translation` (cost independent of the patch size).
Sums are accumulated in float64 on the globally standardised region; a patch
of (numerically) zero variance scores 0. The registered family (`compute`)
scores the image minus its Gaussian blur over the patch size (`flattened`),
so that intensity gradients do not score as a polarisation.
"""

from __future__ import annotations

import numba
import numpy as np

from ..progress import raise_if_stopped, stop_flag
from .kernel_stop import flag_set
from .operations import Operations
from .pearson import ZERO_VARIANCE
from .translation import _row_box_sums, box_setup, grid_step


def margin(params) -> tuple[int, int]:
    """Rows/cols a grid point keeps from the border: patch + shift window (no clipping)."""
    return (params.patch_x + params.window_x, params.patch_y + params.window_y)


def half_shifts(shifts: np.ndarray) -> np.ndarray:
    """One shift of every pair (+t, -t): those with row > 0, or row == 0 and col > 0."""
    shifts = np.asarray(shifts, dtype=np.int64).reshape(-1, 2)
    keep = (shifts[:, 0] > 0) | ((shifts[:, 0] == 0) & (shifts[:, 1] > 0))
    return shifts[keep]


def operations(params) -> Operations:
    """Half of the uniform translation grid (`translation.grid_step`), zero shift left out.

    The same grid as ``local_correlation_map`` for the same window and
    ``max_num_points``, of which only one shift per pair (+t, -t) is kept
    (D_{-t} = -D_t carries nothing new).
    """
    d = grid_step(params.window_x, params.window_y, params.max_num_points)
    m = d * np.arange(-(params.window_x // d), params.window_x // d + 1)
    n = d * np.arange(-(params.window_y // d), params.window_y // d + 1)
    mm, nn = np.meshgrid(m, n, indexing="ij")
    shifts = half_shifts(np.stack([mm.ravel(), nn.ravel()], axis=1))
    if not len(shifts):  # 1 x 1 grid: keep the smallest non-zero shift
        shifts = np.array([[0, 1] if params.window_y >= 1 else [1, 0]], dtype=np.int64)
    return Operations("polarity", shifts)


def compute(image, params, operations: Operations, rows, cols, out=None) -> np.ndarray:
    """Polarity scores D_t of the flattened image at the grid points ``rows x cols``.

    The scores are those of `polarity_scores` on ``I - G_sigma * I``, the
    image minus its Gaussian blur of sigma = the patch half sizes
    (`flattened`): an intensity gradient (thickness, illumination) is odd
    under inversion and would otherwise score as a polarisation, while the
    lattice (periods below the patch size) passes unchanged.

    Parameters
    ----------
    image : ndarray, 2-D
        The whole image.
    params : Params
        ``patch_x``, ``patch_y`` are used.
    operations : Operations
        Kind ``"polarity"``, values the (n, 2) shifts t (row, col).
    rows, cols : ndarray of int
        Equally spaced rows / columns of the grid points; every patch, shifted
        by any +t or -t, must lie inside the image.
    out : ndarray, optional
        C-contiguous float32 array of the result's shape to write into.

    Returns
    -------
    ndarray, float32, shape (len(rows), len(cols), n)
    """
    shifts = np.asarray(operations.values, dtype=np.int64).reshape(-1, 2)
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    reach = (params.patch_x + int(np.abs(shifts[:, 0]).max(initial=0)),
             params.patch_y + int(np.abs(shifts[:, 1]).max(initial=0)))
    sigma = (params.patch_x, params.patch_y)
    h, w = np.shape(image)
    halo = [reach[i] + int(4 * sigma[i] + 0.5) + 1 for i in (0, 1)]
    r0, r1 = max(0, int(rows.min(initial=0)) - halo[0]), min(h, int(rows.max(initial=0))
                                                              + halo[0] + 1)
    c0, c1 = max(0, int(cols.min(initial=0)) - halo[1]), min(w, int(cols.max(initial=0))
                                                              + halo[1] + 1)
    region = flattened(np.asarray(image[r0:r1, c0:c1], dtype=np.float64), sigma)
    return polarity_scores(region, shifts, params.patch_x, params.patch_y, rows - r0,
                           cols - c0, out)


def flattened(image: np.ndarray, sigma) -> np.ndarray:
    """`image` minus its Gaussian blur of `sigma` (px per axis; reflected at the edges).

    On a part of an image with a halo of 4 sigma + 1 around everything used
    (cut at the image's own edges), the used pixels are those of the whole
    image flattened.

    Parameters
    ----------
    image : ndarray, 2-D float64
        The image (or such a part).
    sigma : (float, float)
        Blur width per axis.

    Returns
    -------
    ndarray, float64
    """
    from scipy import ndimage

    return image - ndimage.gaussian_filter(image, sigma, mode="reflect", truncate=4.0)


def polarity_scores(image, shifts, patch_x, patch_y, rows, cols, out=None) -> np.ndarray:
    """Exact odd third-order scores D_t by running box sums (see module docstring).

    Parameters
    ----------
    image : ndarray, 2-D
        The image (it is centred and scaled here).
    shifts : ndarray of int, shape (n, 2)
        Shifts t (row, col); D_t is computed for each as given.
    patch_x, patch_y : int
        Patch half height / half width.
    rows, cols : ndarray of int
        Equally spaced image rows / columns of the grid points.
    out : ndarray, optional
        C-contiguous float32 array of the result's shape to write into.

    Returns
    -------
    ndarray, float32, shape (len(rows), len(cols), n)
    """
    out, box = box_setup(image, shifts, patch_x, patch_y, rows, cols, out)
    if box is not None:
        stop = stop_flag()
        _odd_scores(box.region, box.mean, box.var, box.shifts, patch_x, patch_y,
                    box.row0, box.step_r, box.col0, box.step_c, ZERO_VARIANCE, out, stop)
        raise_if_stopped(stop)
    return out


@numba.njit(cache=True, parallel=True)
def _odd_scores(img, mean, var, shifts, px, py, row0, step_r, col0, step_c, eps,
                out, stop):  # pragma: no cover - compiled
    """Kernel: `img` is padded by (px, py); `mean`/`var` index patch centres.

    Grid index (a, b) is the patch centre (row0 + a*step_r, col0 + b*step_c)
    in `mean` coordinates; the patch spans rows cr .. cr + 2*px of `img`. Per
    shift, s_{+t} then s_{-t} are box sums of the product I J (I - J) with
    running column sums down the grid rows (leaving product rows recomputed
    and subtracted, so nothing drifts) and running sums along each grid row
    (`translation._row_box_sums`, shared with the translation kernel).
    A shift stops before a grid row once ``stop[0]`` is set (`progress.stop_flag`).
    """
    n_rows, n_cols = out.shape[0], out.shape[1]
    hx = 2 * px + 1
    hy = 2 * py + 1
    inv_area = 1.0 / (hx * hy)
    width = (n_cols - 1) * step_c + hy
    for k in numba.prange(shifts.shape[0]):
        plus = np.empty((n_rows, n_cols))
        colsum = np.zeros(-(-width // step_c) * step_c)  # whole blocks (`_row_box_sums`)
        sums = np.empty(n_cols)
        blocks = np.empty(n_cols + hy // step_c)  # scratch of `_row_box_sums`
        for side in range(2):
            sign = 1 - 2 * side
            m = sign * shifts[k, 0]
            n = sign * shifts[k, 1]
            for a in range(n_rows):
                if flag_set(stop):
                    break
                cr = row0 + a * step_r
                if a == 0 or step_r >= hx:
                    first_new = cr
                    colsum[:] = 0.0
                else:
                    first_new = cr + hx - step_r
                    for i in range(cr - step_r, cr):
                        x = img[i, col0:col0 + width]
                        y = img[i + m, col0 + n:col0 + n + width]
                        for j in range(width):
                            colsum[j] -= x[j] * y[j] * (x[j] - y[j])
                for i in range(first_new, cr + hx):
                    x = img[i, col0:col0 + width]
                    y = img[i + m, col0 + n:col0 + n + width]
                    for j in range(width):
                        colsum[j] += x[j] * y[j] * (x[j] - y[j])
                _row_box_sums(colsum, n_cols, step_c, hy, sums, blocks)
                for b in range(n_cols):
                    s = sums[b]
                    cc = col0 + b * step_c
                    mu = mean[cr, cc]
                    v0 = var[cr, cc]
                    if v0 <= eps:
                        score = 0.0
                    else:
                        mu1 = mean[cr + m, cc + n]
                        m2_0 = v0 + mu * mu
                        m2_1 = var[cr + m, cc + n] + mu1 * mu1
                        score = (s * inv_area - mu * (m2_0 - m2_1)
                                 + mu * mu * (mu - mu1)) / (v0 * np.sqrt(v0))
                    if side == 0:
                        plus[a, b] = score
                    else:
                        out[a, b, k] = 0.5 * (plus[a, b] - score)


def polarisation(scores: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Local polarisation vector from polarity scores: ``P = -sum_t D_t t / |t| / n``.

    Parameters
    ----------
    scores : ndarray, (..., n)
        Polarity scores D_t (e.g. ``Result.descriptors`` of the polarity
        family, without contrast channels).
    shifts : ndarray of int, (n, 2)
        The shifts t (row, col) behind the scores.

    Returns
    -------
    ndarray, float32, (..., 2)
        (row, col) components. Odd under inversion (P -> -P when the image is
        rotated by 180 degrees) and rotated with the image when the shift set
        is (as the square translation grid is); dimensionless (the scores are
        of the standardised image), so comparable across images. The sign is
        chosen so that in HAADF images of perovskites with bright A columns
        and weaker B-O columns (PbTiO3, BiFeO3) P points along the B-site
        displacement (measured on `benchmarks/polar_scenarios.py`); it
        flips with the contrast (docs/parameters.md, "Polarity").
    """
    shifts = np.asarray(shifts, dtype=np.float64).reshape(-1, 2)
    unit = shifts / np.linalg.norm(shifts, axis=1, keepdims=True)
    scores = np.asarray(scores, dtype=np.float64)
    return (-(scores @ unit) / len(shifts)).astype(np.float32)


def polarisation_angle(p: np.ndarray) -> np.ndarray:
    """Direction of (row, col) vectors in degrees, counter-clockwise on screen from +x.

    Parameters
    ----------
    p : ndarray, (..., 2)
        Vectors (row, col); rows point down on screen.

    Returns
    -------
    ndarray, float32, (...)
        In (-180, 180].
    """
    return np.degrees(np.arctan2(0.0 - p[..., 0], p[..., 1])).astype(np.float32)


def region_polarisation(p: np.ndarray, regions: np.ndarray, ids,
                        reach: float = 0.0) -> dict[str, np.ndarray]:
    """Mean polarisation of every region: the region table's polarisation columns.

    The mean is taken over the region's grid points farther than `reach`
    from its edge (where the patch lies inside the region: a wall between
    domains has odd scores of its own), or over all its points when none is.

    Parameters
    ----------
    p : ndarray, (n_rows, n_cols, 2)
        Polarisation on the descriptor grid.
    regions : ndarray of int, (n_rows, n_cols)
        Region id at every grid point (0: none).
    ids : array_like of int
        The regions, in table order.
    reach : float
        Distance from the region's edge, in grid steps, below which points
        are left out (the patch half size over the stride).

    Returns
    -------
    dict of str to ndarray
        ``polarisation_y``, ``polarisation_x`` (the mean vector's row and
        column components), ``polarisation_deg`` (its direction,
        `polarisation_angle`) and ``polarisation_magnitude`` (its length);
        NaN for a region without grid points.
    """
    from scipy import ndimage

    ids = np.asarray(ids, dtype=np.int64)
    mean = np.full((len(ids), 2), np.nan)
    for i, region in enumerate(ids):
        inside = regions == region
        if not inside.any():
            continue
        interior = inside & (ndimage.distance_transform_edt(inside) > reach)
        mean[i] = p[interior if interior.any() else inside].mean(axis=0)
    return {"polarisation_y": mean[:, 0], "polarisation_x": mean[:, 1],
            "polarisation_deg": polarisation_angle(mean).astype(np.float64),
            "polarisation_magnitude": np.linalg.norm(mean, axis=1)}
