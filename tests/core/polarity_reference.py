"""Slow, obviously correct reference of the polarity scores (descriptors/polarity.py)."""

from __future__ import annotations

import numpy as np

from .translation_reference import ZERO_VARIANCE, patch_at


def reference_polarity(image, shifts, patch_x, patch_y, rows, cols) -> np.ndarray:
    """D_t(p) = (s_t(p) - s_{-t}(p)) / 2 by looping over points and shifts, with
    s_t(p) = mean over x in B(p) of a(x)^2 a(x+t) - a(x) a(x+t)^2 and a the image
    standardised by the mean and standard deviation of B(p). Float64."""
    image = np.asarray(image, dtype=np.float64)
    shifts = np.asarray(shifts, dtype=np.int64).reshape(-1, 2)
    threshold = ZERO_VARIANCE * image.var()
    out = np.zeros((len(rows), len(cols), len(shifts)))

    def patch(r, c):
        return patch_at(image, r, c, patch_x, patch_y)

    for a, r in enumerate(rows):
        for b, c in enumerate(cols):
            p0 = patch(int(r), int(c))
            mu, sd = p0.mean(), p0.std()
            if sd * sd <= threshold:
                continue
            a0 = (p0 - mu) / sd
            for k, (m, n) in enumerate(shifts):
                s = []
                for sign in (1, -1):
                    a1 = (patch(int(r + sign * m), int(c + sign * n)) - mu) / sd
                    s.append(np.mean(a0 ** 2 * a1 - a0 * a1 ** 2))
                out[a, b, k] = (s[0] - s[1]) / 2
    return out
