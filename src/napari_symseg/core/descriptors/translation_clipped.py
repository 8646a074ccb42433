"""Translation scores with patches clipped to the image: the border frame.

Grid points closer than patch + shift window to the border have patches (or
shifted patches) that leave the image; their scores are the Pearson
correlations over the part of the patch where both I(x) and I(x + t) lie in
the image (a rectangle). Every sum is a box sum of an integral image: of I and
I^2 once, of the product I * I(. + t) per shift, the latter kept only on the
rows that the boxes read. `translation.compute` sends the four sides of the
frame here in one call (`clipped_bands`).
"""

from __future__ import annotations

import numba
import numpy as np

from .pearson import ZERO_VARIANCE, standardise


def clipped_correlations(image, shifts, patch_x, patch_y, rows, cols) -> np.ndarray:
    """Translation scores with patches clipped to the image (for points near the border).

    The score of shift t at p is the Pearson correlation of I(x) and I(x + t)
    over the x of the patch B(p) for which both x and x + t lie in the image
    (a rectangle); inside the image it is the usual score. Every sum is a box
    sum of an integral image: of I and I^2 once, of I * I(. + t) per shift.

    Parameters
    ----------
    image : ndarray, 2-D
        The whole image.
    shifts : ndarray of int, shape (n, 2)
        Translations (row, col).
    patch_x, patch_y : int
        Patch half height / half width.
    rows, cols : ndarray of int
        Image rows / columns of the points (inside the image; every point
        must lie at least max |shift| from the border, so that it is in its
        own overlap).

    Returns
    -------
    ndarray, float32, shape (len(rows), len(cols), n)
    """
    return clipped_bands(image, shifts, patch_x, patch_y, [(rows, cols)])[0]


#: Bands `clipped_bands` passes to its kernel at once (the four sides of a frame).
MAX_BANDS = 4


def clipped_bands(image, shifts, patch_x, patch_y, bands, standardised=False
                  ) -> list[np.ndarray]:
    """`clipped_correlations` of up to `MAX_BANDS` grids at once, in one parallel region.

    Parameters
    ----------
    image, shifts, patch_x, patch_y
        As for `clipped_correlations`.
    bands : list of (rows, cols)
        The grids (each as `clipped_correlations` takes them).
    standardised : bool, optional
        `image` is already centred and scaled (`standardise`): each band's
        region is only copied, not standardised again.

    Returns
    -------
    list of ndarray
        The scores of each band, float32, shape (len(rows), len(cols), n),
        the same as `clipped_correlations` of that band alone, bit for bit.
    """
    image = np.asarray(image, dtype=np.float64)
    shifts = np.ascontiguousarray(shifts, dtype=np.int64).reshape(-1, 2)
    if len(bands) > MAX_BANDS:
        raise ValueError(f"at most {MAX_BANDS} bands at once")
    h, w = image.shape
    wx = int(np.abs(shifts[:, 0]).max())
    wy = int(np.abs(shifts[:, 1]).max())
    args = []
    for rows, cols in bands:
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        if rows.min() < wx or rows.max() >= h - wx or cols.min() < wy or cols.max() >= w - wy:
            raise ValueError("points closer to the border than the largest shift")
        r0 = max(0, int(rows[0]) - patch_x - wx)
        r1 = min(h, int(rows[-1]) + patch_x + wx + 1)
        c0 = max(0, int(cols[0]) - patch_y - wy)
        c1 = min(w, int(cols[-1]) + patch_y + wy + 1)
        region = image[r0:r1, c0:c1]
        region = np.ascontiguousarray(region if standardised else standardise(region))
        sums = np.zeros((2, r1 - r0 + 1, c1 - c0 + 1))
        _integral_images(region, sums)
        out = np.empty((len(rows), len(cols), len(shifts)), dtype=np.float32)
        args.append((region, sums, rows - r0, cols - c0, out))
    empty = (np.zeros((1, 1)), np.zeros((2, 1, 1)), np.zeros(0, np.int64), np.zeros(0, np.int64),
             np.zeros((0, 0, len(shifts)), np.float32))
    padded = args + [empty] * (MAX_BANDS - len(args))
    n_threads = max(1, min(numba.get_num_threads(), len(shifts)))
    regions, tables, local_rows, local_cols, outs = (
        tuple(part) for part in zip(*padded, strict=True))
    _clipped_kernel(regions, tables, shifts, local_rows, local_cols, patch_x, patch_y,
                    ZERO_VARIANCE, n_threads, outs)
    return [band[4] for band in args]


@numba.njit(cache=True)
def _box(table, x0, x1, y0, y1):  # pragma: no cover - compiled
    return table[x1, y1] - table[x0, y1] - table[x1, y0] + table[x0, y0]


@numba.njit(cache=True, nogil=True)  # the other frame's thread runs meanwhile
def _integral_images(img, sums):  # pragma: no cover - compiled
    """``sums[0]``/``sums[1]`` (first row and column zero) become the integral images
    of `img` and `img`**2, added in the order of ``x.cumsum(0).cumsum(1)``."""
    h, w = img.shape
    for i in range(h):  # down the columns
        for j in range(w):
            v = img[i, j]
            sums[0, i + 1, j + 1] = sums[0, i, j + 1] + v
            sums[1, i + 1, j + 1] = sums[1, i, j + 1] + v * v
    for i in range(h):  # along the rows
        for t in range(2):
            row = sums[t, i + 1]
            acc = row[1]
            for j in range(2, w + 1):
                acc += row[j]
                row[j] = acc


@numba.njit(cache=True, parallel=True)
def _clipped_kernel(imgs, tables, shifts, bands_rows, bands_cols, px, py, eps, n_threads,
                    outs):  # pragma: no cover
    """Kernel of `clipped_bands`: band ``q`` is ``imgs[q]`` (its region), ``tables[q]``
    (the region's integral images), ``bands_rows[q]``/``bands_cols[q]`` (indexing the
    region) and ``outs[q]``; all bands in one parallel region (a band without rows is
    skipped). The region holds every pixel the points read, and its edges are the image's edges
    wherever a patch is clipped, so clipping to the region is clipping to the image.

    Per shift, the column sums of the product I * I(. + t) run down the rows
    in one row per thread (`n_threads` of them; independent columns, so the
    loop vectorises), only up to the last row and column that a box of the
    points reads; at the rows that boxes read (two per grid row) their running
    sum along the row is the integral image's row (`_keep_rows`), in the order
    of ``cumsum(0).cumsum(1)`` as for I and I**2. Only those rows pay for a
    sum along the row, whose additions depend on each other."""
    for t in numba.prange(n_threads):
        for q in range(len(imgs)):
            img = imgs[q]
            sums = tables[q]
            rows = bands_rows[q]
            cols = bands_cols[q]
            out = outs[q]
            h, w = img.shape
            n_rows = rows.shape[0]
            if n_rows == 0 or cols.shape[0] == 0:
                continue
            running = np.zeros(w + 1)
            line = np.zeros(w + 1)
            prod = np.zeros((2 * n_rows, w + 1))
            x0s = np.empty(n_rows, dtype=np.int64)
            x1s = np.empty(n_rows, dtype=np.int64)
            for k in range(t, shifts.shape[0], n_threads):
                m = shifts[k, 0]
                n = shifts[k, 1]
                x_end = min(rows.max() + px + 1, h, h - m)
                y_end = min(cols.max() + py + 1, w, w - n)
                j_lo = min(max(0, -n), y_end)
                for a in range(n_rows):
                    x0s[a] = max(rows[a] - px, 0, -m)
                    x1s[a] = min(rows[a] + px + 1, h, h - m)
                running[:] = 0.0
                kept = np.zeros(2, dtype=np.int64)  # next grid row whose box starts / ends
                _keep_rows(running, line, 0, x0s, x1s, prod, y_end, kept)
                for i in range(x_end):
                    if i + m >= 0:
                        x = img[i, j_lo:y_end]
                        y = img[i + m, j_lo + n:y_end + n]
                        col = running[j_lo + 1:y_end + 1]
                        for j in range(y_end - j_lo):
                            col[j] += x[j] * y[j]
                    _keep_rows(running, line, i + 1, x0s, x1s, prod, y_end, kept)
                for a in range(n_rows):
                    x0 = x0s[a]
                    x1 = x1s[a]
                    for b in range(cols.shape[0]):
                        c = cols[b]
                        y0 = max(c - py, 0, -n)
                        y1 = min(c + py + 1, w, w - n)
                        count = (x1 - x0) * (y1 - y0)
                        mu0 = _box(sums[0], x0, x1, y0, y1) / count
                        mu1 = _box(sums[0], x0 + m, x1 + m, y0 + n, y1 + n) / count
                        v0 = _box(sums[1], x0, x1, y0, y1) / count - mu0 * mu0
                        v1 = _box(sums[1], x0 + m, x1 + m, y0 + n, y1 + n) / count - mu1 * mu1
                        if v0 <= eps or v1 <= eps:
                            out[a, b, k] = 0.0
                        else:
                            cov = _box(prod, 2 * a, 2 * a + 1, y0, y1) / count - mu0 * mu1
                            out[a, b, k] = cov / np.sqrt(v0 * v1)


@numba.njit(cache=True, inline="always")
def _keep_rows(running, line, i, x0s, x1s, prod, y_end, kept):  # pragma: no cover - compiled
    """Row `i` of the product's integral image, from its column sums over rows
    ``< i`` (`running`), into the rows of `prod` that the boxes read: row 2a if
    the box of grid row a starts at i, row 2a + 1 if it ends there (`line`
    holds it while it is copied). `x0s`/`x1s` (box start / end rows) do not
    decrease with a; ``kept`` holds the next a to look at for each."""
    n_rows = x0s.shape[0]
    a0 = kept[0]
    a1 = kept[1]
    if not ((a0 < n_rows and x0s[a0] == i) or (a1 < n_rows and x1s[a1] == i)):
        return
    acc = 0.0
    line[0] = 0.0
    for j in range(1, y_end + 1):
        acc += running[j]
        line[j] = acc
    while a0 < n_rows and x0s[a0] == i:
        prod[2 * a0, : y_end + 1] = line[: y_end + 1]
        a0 += 1
    kept[0] = a0
    while a1 < n_rows and x1s[a1] == i:
        prod[2 * a1 + 1, : y_end + 1] = line[: y_end + 1]
        a1 += 1
    kept[1] = a1
