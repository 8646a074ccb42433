"""Translation descriptors: local correlation map and preselected translations.

The score of translation t = (m, n) at pixel p is the Pearson correlation
between the patch B(p) (rows p_r - patch_x .. p_r + patch_x, columns
p_c - patch_y .. p_c + patch_y) and the patch B(p + t) (paper eq. 3)::

    S_t(p)  = sum_{r in B} I(p + r) * I(p + r + t)
    mu(p)   = mean_B(I)(p),   var(p) = mean_B(I^2)(p) - mu(p)^2
    rho_t(p) = (S_t(p) / |B| - mu(p) mu(p + t)) / sqrt(var(p) var(p + t))

``mu`` and ``var`` are two box filters of the whole image, computed once.
``S_t`` is a box sum of the product image I * I(. + t), evaluated only on the
strided output grid with running sums: going down one grid row adds the
``stride`` product rows that enter the patch and subtracts those that leave
(recomputed, not stored),
and the horizontal box sum runs the same way along the grid columns. The
cost is O(n_shifts * H * W), independent of the patch size, against
O(n_shifts * H * W * |B|) for the direct evaluation of eq. (2). Sums are
accumulated in float64 on the globally centred and scaled image, so the
running sums lose nothing measurable (tests: 1e-5 against the slow
reference, typically 1e-12). A patch of (numerically) zero variance scores 0.

``method="fft"`` uses the per-pixel FFT route of the paper's Appendix B
(`translation_fft`), exact as well and preferable for very large windows.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from ..grid import inside
from ..progress import raise_if_stopped, stop_flag
from .kernel_stop import flag_set
from .operations import Operations
from .pearson import ZERO_VARIANCE, standardise
from .translation_clipped import MAX_BANDS, clipped_bands, clipped_correlations  # noqa: F401
from .translation_fft import correlations_fft
from .translation_jobs import job_groups as _job_groups
from .translation_jobs import pair_jobs as _pair_jobs
from .translation_jobs import share_lanes as _lanes


def margin(params) -> tuple[int, int]:
    """Rows/cols a grid point must keep from the border: the shift window.

    Closer than patch + window to the border, patches are clipped to the
    image (`clipped_correlations`); a margin of one window keeps the point
    itself in every overlap, so at least a quarter of the patch is scored.
    """
    return (params.window_x, params.window_y)


def full_margin(params) -> tuple[int, int]:
    """From this far off the border no patch is clipped: patch + shift window."""
    return (params.patch_x + params.window_x, params.patch_y + params.window_y)


def grid_step(window_x: int, window_y: int, max_num_points: int) -> int:
    """Spacing of the uniform translation grid.

    The grid holds the shifts ``(d*i, d*j)`` with ``|d*i| <= window_x`` and
    ``|d*j| <= window_y``; `d` is the smallest spacing for which the grid has
    at most `max_num_points` points (the densest uniform grid that fits),
    so the grid is symmetric and contains the zero shift.
    """
    d = 1
    while (2 * (window_x // d) + 1) * (2 * (window_y // d) + 1) > max_num_points:
        d += 1
    return d


def grid_operations(params) -> Operations:
    """The uniform grid of translations of the local correlation map.

    Ordered row-major over (m, n) so that reshaping the features to
    ``(2*window_x//d + 1, 2*window_y//d + 1)`` gives the correlation map.
    """
    d = grid_step(params.window_x, params.window_y, params.max_num_points)
    m = d * np.arange(-(params.window_x // d), params.window_x // d + 1)
    n = d * np.arange(-(params.window_y // d), params.window_y // d + 1)
    mm, nn = np.meshgrid(m, n, indexing="ij")
    return Operations("translation", np.stack([mm.ravel(), nn.ravel()], axis=1).astype(np.int64))


def preselected_operations(params) -> Operations:
    """The user's translation vectors, in the given order."""
    return Operations(
        "translation", np.asarray(params.preselected_translations, dtype=np.int64).reshape(-1, 2)
    )


def compute(image, params, operations: Operations, rows, cols, out=None) -> np.ndarray:
    """Translation scores at the grid points ``rows x cols`` (float32, (nr, nc, n)).

    Points whose patch and shifted patches lie inside the image go through
    the chosen route (``params.method``); the others, near the border, through
    `clipped_correlations`. Written into `out` (a float32 array of that
    shape, each point's features contiguous) if given; the interior kernel
    writes into it directly. The rows the points read are centred and scaled
    once (`standardise`) for the interior and the four border bands.
    """
    shifts = np.asarray(operations.values, dtype=np.int64).reshape(-1, 2)
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    px, py = params.patch_x, params.patch_y
    shape = (len(rows), len(cols), len(shifts))
    if out is None:
        out = np.empty(shape, dtype=np.float32)
    if out.size == 0:
        return out
    wx, wy = (int(np.abs(shifts[:, i]).max()) for i in (0, 1))
    if params.method != "fft":
        # the rows every patch of these points reads (the image's own edges where clipped)
        r_lo = max(0, int(rows[0]) - px - wx)
        r_hi = min(np.shape(image)[0], int(rows[-1]) + px + wx + 1)
        rows = rows - r_lo
        image = standardise(np.asarray(image, dtype=np.float64)[r_lo:r_hi])
    inner_rows = inside(rows, px + wx, np.shape(image)[0])
    inner_cols = inside(cols, py + wy, np.shape(image)[1])
    i0, i1, j0, j1 = inner_rows.start, inner_rows.stop, inner_cols.start, inner_cols.stop
    if i1 > i0 and j1 > j0:
        target = out[i0:i1, j0:j1]  # a view: the interior kernel writes into `out` itself
        if params.method == "fft":
            target[...] = correlations_fft(image, shifts, px, py, rows[i0:i1], cols[j0:j1])
        else:
            correlations_direct(image, shifts, px, py, rows[i0:i1], cols[j0:j1], target,
                                standardised=True)
        if (i0, i1, j0, j1) == (0, shape[0], 0, shape[1]):
            return out
        frame = [(0, i0, 0, shape[1]), (i1, shape[0], 0, shape[1]),
                 (i0, i1, 0, j0), (i0, i1, j1, shape[1])]
    else:
        frame = [(0, shape[0], 0, shape[1])]
    frame = [band for band in frame if band[1] > band[0] and band[3] > band[2]]
    parts = clipped_bands(image, shifts, px, py,
                          [(rows[a0:a1], cols[b0:b1]) for a0, a1, b0, b1 in frame],
                          standardised=params.method != "fft")
    for (a0, a1, b0, b1), part in zip(frame, parts, strict=True):
        out[a0:a1, b0:b1] = part
    return out


def local_moments(image: np.ndarray, patch_x: int, patch_y: int, bounds, rows=None,
                  inverse_sd: bool = False) -> tuple:
    """Box mean and variance of `image` over the patch, on a sub-rectangle.

    Parameters
    ----------
    image : ndarray, 2-D float64
        The image.
    patch_x, patch_y : int
        Patch half sizes.
    bounds : (r0, r1, c0, c1)
        The rectangle ``image[r0:r1, c0:c1]`` of patch centres needed; every
        patch centred in it must lie inside the image.
    rows : ndarray of bool, shape (r1 - r0,), optional
        The rows of the result wanted (default all); the others are left
        undefined. The wanted rows are the same bit for bit either way.
    inverse_sd : bool, optional
        Return ``1 / sqrt(var)`` (0 where ``var <= ZERO_VARIANCE``; NaN stays
        NaN) instead of the variance, computed with it: the interior
        translation kernel multiplies by these instead of dividing by
        ``sqrt(var(p) var(p + t))`` at every score.

    Returns
    -------
    mean, var : ndarray, float64, shape (r1 - r0, c1 - c0)
        (``mean, inv_sd`` with `inverse_sd`.)
    """
    r0, r1, c0, c1 = bounds
    sub = np.ascontiguousarray(
        image[r0 - patch_x : r1 + patch_x, c0 - patch_y : c1 + patch_y], dtype=np.float64
    )
    mean = np.empty((r1 - r0, c1 - c0))
    var = np.empty((r1 - r0, c1 - c0))
    want = np.ones(r1 - r0, np.bool_) if rows is None else np.asarray(rows, dtype=np.bool_)
    if want.shape != (r1 - r0,):
        raise ValueError(f"rows must have shape {(r1 - r0,)}")
    if mean.size:
        _box_moments(sub, patch_x, patch_y, mean, var, want,
                     ZERO_VARIANCE if inverse_sd else -1.0)
    return mean, var


def moment_rows(n_rows: int, row0: int, step_r: int, shifts: np.ndarray) -> np.ndarray:
    """The rows of the box moments `_box_correlations` reads (a superset).

    It reads rows ``row0 + a * step_r`` and ``row0 + a * step_r + m`` for grid
    indices a (extended beyond the grid for the pairs (t, -t)) and the shifts'
    row components m: every row with one of those residues modulo `step_r`.

    Parameters
    ----------
    n_rows : int
        Rows of the moments.
    row0, step_r : int
        The first grid row (in the moments' coordinates) and the grid step.
    shifts : ndarray of int, shape (n, 2)
        Translations (row, col).

    Returns
    -------
    ndarray of bool, shape (n_rows,)
    """
    wanted = np.zeros(step_r, np.bool_)
    wanted[0] = True
    wanted[np.asarray(shifts)[:, 0] % step_r] = True
    return wanted[(np.arange(n_rows) - row0) % step_r]


@numba.njit(cache=True, parallel=True)
def _box_moments(img, px, py, mean, var, want, isd_eps):  # pragma: no cover - compiled
    """Kernel of `local_moments`: `img` is padded by (px, py) around the centres.

    With ``isd_eps >= 0`` `var` receives ``1 / sqrt(var)`` instead (0 where the
    variance is at most `isd_eps`).

    Separable running sums: per block of output rows, column sums of I and
    I^2 over the patch height (updated by one entering and one leaving row),
    then a running horizontal sum along each output row whose `want` is set.
    Blocks restart the sums, so rounding does not build up along the image.
    """
    n_r, n_c = mean.shape
    hx = 2 * px + 1
    hy = 2 * py + 1
    inv_area = 1.0 / (hx * hy)
    block = 32
    n_blocks = (n_r + block - 1) // block
    w = img.shape[1]
    for q in numba.prange(n_blocks):
        a0 = q * block
        a1 = min(n_r, a0 + block)
        s1 = np.zeros(w)
        s2 = np.zeros(w)
        for i in range(a0, a0 + hx):
            row = img[i]
            for j in range(w):
                v = row[j]
                s1[j] += v
                s2[j] += v * v
        for a in range(a0, a1):
            if a > a0:
                old = img[a - 1]
                new = img[a + hx - 1]
                for j in range(w):
                    u = old[j]
                    v = new[j]
                    s1[j] += v - u
                    s2[j] += v * v - u * u
            if not want[a]:
                continue
            t1 = 0.0
            t2 = 0.0
            for j in range(hy):
                t1 += s1[j]
                t2 += s2[j]
            mrow = mean[a]
            vrow = var[a]
            for b in range(n_c):
                if b > 0:
                    t1 += s1[b + hy - 1] - s1[b - 1]
                    t2 += s2[b + hy - 1] - s2[b - 1]
                mu = t1 * inv_area
                mrow[b] = mu
                v = t2 * inv_area - mu * mu
                if isd_eps < 0.0:
                    vrow[b] = v
                else:
                    vrow[b] = 0.0 if v <= isd_eps else 1.0 / np.sqrt(v)


def padded_width(width: int, step: int) -> int:
    """`width` rounded up to a multiple of `step`: the length `_row_box_sums` wants."""
    return -(-width // step) * step


@numba.njit(cache=True, inline="always")
def _row_box_sums(colsum, n_boxes, step, size, sums, blocks):  # pragma: no cover - compiled
    """Box sums along a row: ``sums[q] = colsum[q*step : q*step + size].sum()``.

    For q < `n_boxes`; `colsum` is C-contiguous, its length a multiple of
    `step` (`padded_width`), seen here as blocks of `step` column sums. When
    boxes overlap (``step < size``) each block is summed
    (``blocks[q] = colsum[q*step:(q+1)*step].sum()``, independent short
    sums; `blocks` is scratch space of at least ``n_boxes + size // step``
    values) and a box is a running sum of ``size // step`` blocks (the block
    that leaves subtracted, the one that enters added) plus the
    ``size % step`` column sums after them: one dependent addition per box
    along the row, not ``2 * step``, and no index arithmetic of unknown sign
    (numba's negative-index check on every column sum). Boxes that do not
    overlap are summed apart. The interior translation kernel and the
    polarity kernel (`polarity._odd_scores`) sum their column sums along the
    grid row here.
    """
    grid = colsum.reshape((colsum.shape[0] // step, step))
    if step >= size or n_boxes == 1:
        for q in range(n_boxes):
            s = 0.0
            for j in range(size):
                s += colsum[q * step + j]
            sums[q] = s
        return
    n_full = size // step
    rest = size - n_full * step
    for q in range(n_boxes + n_full - 1):
        t = 0.0
        for j in range(step):
            t += grid[q, j]
        blocks[q] = t
    s = 0.0
    for q in range(n_full):
        s += blocks[q]
    for q in range(n_boxes):
        if q > 0:
            s += blocks[q + n_full - 1] - blocks[q - 1]
        t = s
        for j in range(rest):
            t += grid[q + n_full, j]
        sums[q] = t


class BoxSetup(NamedTuple):
    """What the running-box-sum kernels need: see `box_setup`."""

    region: np.ndarray
    mean: np.ndarray
    var: np.ndarray | None
    shifts: np.ndarray
    row0: int
    step_r: int
    col0: int
    step_c: int
    inv_sd: np.ndarray | None


def box_setup(image, shifts, patch_x, patch_y, rows, cols, out=None, standardised=False,
              only_read=False):
    """Common set-up of the running-box-sum kernels on a strided grid.

    Checks `out` (or makes it) and that every patch and shifted patch lies
    inside the image, cuts the region the kernel reads (padded by the patch),
    standardises it and computes its box mean and variance.

    Parameters
    ----------
    image : ndarray, 2-D
        The image.
    shifts : ndarray of int, shape (n, 2)
        Translations (row, col).
    patch_x, patch_y : int
        Patch half height / half width.
    rows, cols : ndarray of int
        Equally spaced image rows / columns of the grid points.
    out : ndarray, optional
        float32 array of shape (len(rows), len(cols), n), each point's
        features contiguous (C-contiguous, or a block of rows and columns of
        such an array).
    standardised : bool, optional
        `image` is already centred and scaled (`standardise`): the region is
        taken as it is (whole rows of a C-contiguous image: a view).
    only_read : bool, optional
        Compute only the rows of `mean` and `var` that `_box_correlations`
        reads (`moment_rows`), the others being undefined, and their inverse
        standard deviations (`local_moments` with ``inverse_sd``).

    Returns
    -------
    out : ndarray, float32
        `out`, or a new array of that shape.
    setup : BoxSetup or None
        None if `out` is empty; else the standardised region (C-contiguous),
        its box `mean` and `var` at patch centres (region coordinates less the
        patch), the shifts as int64 (n, 2), the first grid point's centre
        ``row0``/``col0`` in `mean` coordinates, the grid steps and, with
        `only_read`, ``inv_sd`` instead of `var` (computed with the moments;
        `var` is then None, `inv_sd` otherwise).

    Raises
    ------
    ValueError
        If `out` has the wrong shape or type, or a patch would leave the image.
    """
    image = np.asarray(image, dtype=np.float64)
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    shifts = np.ascontiguousarray(shifts, dtype=np.int64).reshape(-1, 2)
    shape = (len(rows), len(cols), len(shifts))
    if out is None:
        out = np.empty(shape, dtype=np.float32)
    elif out.shape != shape or out.dtype != np.float32 or out.strides[-1] != out.itemsize:
        raise ValueError(f"out must be a float32 array of shape {shape} (features contiguous)")
    if out.size == 0:
        return out, None
    wx = int(np.abs(shifts[:, 0]).max())
    wy = int(np.abs(shifts[:, 1]).max())
    r0, r1 = int(rows[0]) - wx, int(rows[-1]) + wx + 1
    c0, c1 = int(cols[0]) - wy, int(cols[-1]) + wy + 1
    if (
        r0 - patch_x < 0
        or c0 - patch_y < 0
        or r1 + patch_x > image.shape[0]
        or c1 + patch_y > image.shape[1]
    ):
        raise ValueError("grid points too close to the border for these patches and shifts")
    if standardised and image.flags.c_contiguous:  # whole rows of `image`: a view, not a
        c0, c1 = patch_y, image.shape[1] - patch_y  # copy (2.5 ms a 1024² frame)
    region = image[r0 - patch_x : r1 + patch_x, c0 - patch_y : c1 + patch_y]
    region = np.ascontiguousarray(region) if standardised else standardise(region)
    step_r = int(rows[1] - rows[0]) if len(rows) > 1 else 1
    step_c = int(cols[1] - cols[0]) if len(cols) > 1 else 1
    n_centres = region.shape[0] - 2 * patch_x
    want = moment_rows(n_centres, int(rows[0] - r0), step_r, shifts) if only_read else None
    mean, var = local_moments(
        region,
        patch_x,
        patch_y,
        (patch_x, region.shape[0] - patch_x, patch_y, region.shape[1] - patch_y),
        want,
        inverse_sd=only_read,  # the kernel reads 1 / sd only
    )
    setup = BoxSetup(np.ascontiguousarray(region), mean, None if only_read else var, shifts,
                     int(rows[0] - r0), step_r, int(cols[0] - c0), step_c,
                     var if only_read else None)
    return out, setup


def correlations_direct(image, shifts, patch_x, patch_y, rows, cols, out=None,
                        standardised=False) -> np.ndarray:
    """Exact translation scores by running box sums (see module docstring).

    Parameters
    ----------
    image : ndarray, 2-D
        The image (float64 preferred; it is centred and scaled here).
    shifts : ndarray of int, shape (n, 2)
        Translations (row, col).
    patch_x, patch_y : int
        Patch half height / half width.
    rows, cols : ndarray of int
        Equally spaced image rows / columns of the grid points; every patch
        and every shifted patch must lie inside the image.
    out : ndarray, optional
        float32 array of the result's shape to write into, each point's
        features contiguous (as `box_setup` takes it; saves an allocation and
        a copy per chunk).
    standardised : bool, optional
        `image` is already centred and scaled (`standardise`).

    Returns
    -------
    ndarray, float32, shape (len(rows), len(cols), n)
    """
    out, box = box_setup(image, shifts, patch_x, patch_y, rows, cols, out, standardised,
                         only_read=True)
    if box is None:
        return out
    jobs = _pair_jobs(box.shifts, box.step_r, box.step_c, out.shape[0], out.shape[1])
    n_threads = numba.get_num_threads()
    order, bounds = _job_groups(box.shifts, jobs, n_threads)
    order, bounds, lanes = _lanes(jobs, order, bounds, n_threads, box.step_c, 2 * patch_y + 1)
    stop = stop_flag()
    _box_correlations(box.region, box.mean, box.inv_sd, box.shifts, jobs, order, bounds, lanes,
                      patch_x, patch_y, box.row0, box.step_r, box.col0, box.step_c,
                      out, stop)
    raise_if_stopped(stop)
    return out


@numba.njit(cache=True, parallel=True)
def _box_correlations(
    img, mean, inv_sd, shifts, jobs, order, bounds, lanes, px, py, row0, step_r, col0, step_c,
    out, stop,
):  # pragma: no cover - compiled
    """Kernel: `img` is padded by (px, py); `mean`/`inv_sd` index patch centres.

    Grid index (a, b) is the patch centre (row0 + a*step_r, col0 + b*step_c)
    in `mean` coordinates; the patch then spans rows cr .. cr + 2*px of `img`.
    Going down one grid row, the product rows I(i) * I(i + m) that leave the
    patch are recomputed (the same values that were added, so nothing drifts)
    and each, paired with one that enters, updates the column sums in one
    pass (``colsum += entering - leaving``: fewer loads and stores than two
    passes); no product image is stored. The jobs of one group (`_job_groups`: same m)
    go down the grid rows together, each product row of the two image rows
    being applied to every job's column sums in turn; each job's sums see the
    same operations in the same order as if it ran alone. Thread lane l runs
    the groups ``lanes[l]`` to ``lanes[l + 1] - 1`` (`_lanes`). A group stops
    before a grid row once ``stop[0]`` is set (`progress.stop_flag`). A score
    is the covariance times the two inverse standard deviations (`local_moments`;
    0 for a patch of zero variance).
    """
    n_rows, n_cols = out.shape[0], out.shape[1]
    hx = 2 * px + 1
    hy = 2 * py + 1
    inv_area = 1.0 / (hx * hy)
    for lane in numba.prange(lanes.shape[0] - 1):
        for g in range(lanes[lane], lanes[lane + 1]):
            g0 = bounds[g]
            n_jobs = bounds[g + 1] - g0
            m = shifts[jobs[order[g0], 0], 0]
            a_start = jobs[order[g0], 2]
            a_stop = jobs[order[g0], 3]
            max_width = 0
            max_boxes = 0
            for u in range(n_jobs):
                job = jobs[order[g0 + u]]
                a_start = min(a_start, job[2])
                a_stop = max(a_stop, job[3])
                max_width = max(max_width, (job[5] - job[4] - 1) * step_c + hy)
                max_boxes = max(max_boxes, job[5] - job[4])
            # (padded to whole blocks of step_c columns for `_row_box_sums`)
            colsums = np.zeros((n_jobs, -(-max_width // step_c) * step_c), dtype=np.float64)
            sums = np.empty(max_boxes)  # one grid row's box sums
            blocks = np.empty(max_boxes + hy // step_c)  # scratch of `_row_box_sums`
            rhos = np.empty(max_boxes)  # one job's scores along a grid row
            # every grid column b_all + q (q < n_all) inside `mean`, at column c_all + q*step_c
            b_all = -(col0 // step_c)
            c_all = col0 + b_all * step_c
            n_all = (mean.shape[1] - 1 - c_all) // step_c + 1
            at_grid = np.empty((4, n_all))
            c_firsts = np.empty(n_jobs, dtype=np.int64)
            widths = np.empty(n_jobs, dtype=np.int64)
            firsts = np.empty(n_jobs, dtype=np.int64)
            for u in range(n_jobs):
                job = jobs[order[g0 + u]]
                c_firsts[u] = col0 + job[4] * step_c
                widths[u] = (job[5] - job[4] - 1) * step_c + hy
            for a in range(a_start, a_stop):
                if flag_set(stop):
                    break
                cr = row0 + a * step_r
                lowest = cr + hx
                for u in range(n_jobs):
                    job = jobs[order[g0 + u]]
                    if a < job[2] or a >= job[3]:
                        firsts[u] = cr + hx  # idle at this grid row
                    elif a == job[2] or step_r >= hx:
                        firsts[u] = cr
                        colsums[u, :] = 0.0
                    else:  # running: subtract the rows that leave, add those that enter
                        firsts[u] = cr + hx - step_r
                    lowest = min(lowest, firsts[u])
                running = cr + hx - step_r
                if step_r < hx:  # each leaving row with an entering one, in one pass
                    for t in range(step_r):
                        i_out = cr - step_r + t
                        i_in = running + t
                        xo_row = img[i_out]
                        yo_row = img[i_out + m]
                        xi_row = img[i_in]
                        yi_row = img[i_in + m]
                        for u in range(n_jobs):
                            if firsts[u] != running:  # idle or restarted
                                continue
                            n = shifts[jobs[order[g0 + u], 0], 1]
                            c_first = c_firsts[u]
                            width = widths[u]
                            xo = xo_row[c_first:c_first + width]
                            yo = yo_row[c_first + n:c_first + n + width]
                            xi = xi_row[c_first:c_first + width]
                            yi = yi_row[c_first + n:c_first + n + width]
                            colsum = colsums[u]
                            for j in range(width):
                                colsum[j] += xi[j] * yi[j] - xo[j] * yo[j]
                if lowest == cr:  # jobs that start (again) at this grid row
                    for i in range(cr, cr + hx):
                        x_row = img[i]
                        y_row = img[i + m]
                        for u in range(n_jobs):
                            if firsts[u] != cr:
                                continue
                            n = shifts[jobs[order[g0 + u], 0], 1]
                            c_first = c_firsts[u]
                            width = widths[u]
                            x = x_row[c_first:c_first + width]
                            y = y_row[c_first + n:c_first + n + width]
                            colsum = colsums[u]
                            for j in range(width):
                                colsum[j] += x[j] * y[j]
                mr = mean[cr]
                dr = inv_sd[cr]
                mr2 = mean[cr + m]
                dr2 = inv_sd[cr + m]
                # both rows' moments at every grid column, gathered once for the group
                for q in range(n_all):
                    cc = c_all + q * step_c
                    at_grid[0, q] = mr[cc]
                    at_grid[1, q] = dr[cc]
                    at_grid[2, q] = mr2[cc]
                    at_grid[3, q] = dr2[cc]
                for u in range(n_jobs):
                    k, k_neg, a_lo, a_hi, b_lo, b_hi = jobs[order[g0 + u]]
                    if a < a_lo or a >= a_hi:
                        continue
                    n = shifts[k, 1]
                    ms = m // step_r
                    ns = n // step_c
                    n_boxes = b_hi - b_lo
                    _row_box_sums(colsums[u], n_boxes, step_c, hy, sums, blocks)
                    # contiguous runs of the gathered moments when n is on the grid, else
                    # strided views: a plain loop the compiler vectorises either way
                    q0 = b_lo - b_all
                    m0 = at_grid[0, q0:q0 + n_boxes]
                    d0 = at_grid[1, q0:q0 + n_boxes]
                    if n % step_c == 0:
                        m1 = at_grid[2, q0 + ns:q0 + ns + n_boxes]
                        d1 = at_grid[3, q0 + ns:q0 + ns + n_boxes]
                    else:
                        c_lo = col0 + b_lo * step_c + n
                        c_hi = c_lo + (n_boxes - 1) * step_c + 1
                        m1 = mr2[c_lo:c_hi:step_c]
                        d1 = dr2[c_lo:c_hi:step_c]
                    for q in range(n_boxes):
                        d = d0[q] * d1[q]  # 0 iff a patch has zero variance
                        rhos[q] = (sums[q] * inv_area - m0[q] * m1[q]) * d if d != 0.0 else 0.0
                    if 0 <= a < n_rows:
                        row = out[a]
                        for b in range(max(b_lo, 0), min(b_hi, n_cols)):
                            row[b, k] = rhos[b - b_lo]
                    if k_neg >= 0 and 0 <= a + ms < n_rows:
                        row = out[a + ms]
                        for b in range(max(b_lo, -ns), min(b_hi, n_cols - ns)):
                            row[b + ns, k_neg] = rhos[b - b_lo]


def correlation_map(image, patch_x: int, patch_y: int, window_x: int, window_y: int,
                    row: int, col: int) -> np.ndarray:
    """The local correlation map of one pixel (paper Fig. 3).

    Parameters
    ----------
    image : ndarray, 2-D
        The image.
    patch_x, patch_y, window_x, window_y : int
        Patch and shift-window half sizes.
    row, col : int
        The pixel; moved inside the image by the least amount if the patch
        and window would leave it.

    Returns
    -------
    ndarray, float32, shape (2 * window_x + 1, 2 * window_y + 1)
        ``rho_(m, n)`` at the pixel for every shift ``|m| <= window_x``,
        ``|n| <= window_y``; the centre (zero shift) is 1.
    """
    h, w = np.shape(image)
    row = int(np.clip(row, patch_x + window_x, h - 1 - patch_x - window_x))
    col = int(np.clip(col, patch_y + window_y, w - 1 - patch_y - window_y))
    m, n = np.meshgrid(np.arange(-window_x, window_x + 1), np.arange(-window_y, window_y + 1),
                       indexing="ij")
    shifts = np.stack([m.ravel(), n.ravel()], axis=1)
    out = correlations_direct(image, shifts, patch_x, patch_y, np.array([row]), np.array([col]))
    return out[0, 0].reshape(m.shape)
