"""Slow, obviously correct reference of the translation scores (paper eq. 3).

Shared by the tests of both translation routes (running sums and FFT).
"""

from __future__ import annotations

import numpy as np

#: Same meaning as ``pearson.ZERO_VARIANCE``: a patch whose variance is at
#: most this fraction of the image variance counts as constant (score 0).
ZERO_VARIANCE = 1e-10


def _is_constant(patch: np.ndarray, threshold: float) -> bool:
    return bool(np.ptp(patch) == 0 or patch.var() <= threshold)


def patch_at(image, r, c, patch_x, patch_y) -> np.ndarray:
    """The (2*patch_x+1, 2*patch_y+1) patch centred at (r, c); asserts it is inside."""
    assert r - patch_x >= 0 and c - patch_y >= 0, "patch leaves the image"
    p = image[r - patch_x : r + patch_x + 1, c - patch_y : c + patch_y + 1]
    assert p.shape == (2 * patch_x + 1, 2 * patch_y + 1), "patch leaves the image"
    return p


def reference_correlations(image, shifts, patch_x, patch_y, rows, cols) -> np.ndarray:
    """rho_t(p) = Corr(P[p], P[p + t]) by looping over points and shifts.

    Returns float64 of shape (len(rows), len(cols), len(shifts)); a score
    involving a constant patch (zero spread, or variance at most
    ``ZERO_VARIANCE`` times the image variance) is 0.
    """
    image = np.asarray(image, dtype=np.float64)
    shifts = np.asarray(shifts, dtype=np.int64).reshape(-1, 2)
    threshold = ZERO_VARIANCE * image.var()
    out = np.zeros((len(rows), len(cols), len(shifts)))

    def patch(r, c):
        return patch_at(image, r, c, patch_x, patch_y).ravel()

    for a, r in enumerate(rows):
        for b, c in enumerate(cols):
            p0 = patch(int(r), int(c))
            for k, (m, n) in enumerate(shifts):
                p1 = patch(int(r + m), int(c + n))
                if _is_constant(p0, threshold) or _is_constant(p1, threshold):
                    continue
                out[a, b, k] = np.corrcoef(p0, p1)[0, 1]
    return out


def reference_clipped_correlations(image, shifts, patch_x, patch_y, rows, cols) -> np.ndarray:
    """Scores with patches clipped to the image, by looping: for point p and shift t, the
    Pearson correlation of I(x) and I(x + t) over every x of the patch around p with both x
    and x + t inside the image (0 if either side is constant, as above)."""
    image = np.asarray(image, dtype=np.float64)
    h, w = image.shape
    shifts = np.asarray(shifts, dtype=np.int64).reshape(-1, 2)
    threshold = ZERO_VARIANCE * image.var()
    out = np.zeros((len(rows), len(cols), len(shifts)))
    for a, r in enumerate(rows):
        for b, c in enumerate(cols):
            for k, (m, n) in enumerate(shifts):
                xs = [x for x in range(r - patch_x, r + patch_x + 1)
                      if 0 <= x < h and 0 <= x + m < h]
                ys = [y for y in range(c - patch_y, c + patch_y + 1)
                      if 0 <= y < w and 0 <= y + n < w]
                p0 = image[np.ix_(xs, ys)].ravel()
                p1 = image[np.ix_([x + m for x in xs], [y + n for y in ys])].ravel()
                if _is_constant(p0, threshold) or _is_constant(p1, threshold):
                    continue
                out[a, b, k] = np.corrcoef(p0, p1)[0, 1]
    return out
