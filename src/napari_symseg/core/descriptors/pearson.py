"""What the two exact translation routes share: the standardised region, the zero variance.

Both routes (running box sums in `translation`, per-pixel FFTs in
`translation_fft`) work on the region centred and scaled to unit variance,
and score a patch whose variance is below `ZERO_VARIANCE` as 0.
"""

from __future__ import annotations

import numpy as np

#: Patches whose variance is below this fraction of the image variance
#: (the image is scaled to unit variance) count as constant: score 0.
ZERO_VARIANCE = 1e-10


def standardise(region: np.ndarray) -> np.ndarray:
    """Copy of `region` centred and scaled to unit variance (if not constant).

    Pearson scores are invariant to affine intensity changes; this keeps the
    sums of both translation routes small and well conditioned, and makes
    `ZERO_VARIANCE` a fraction of the region's variance.

    Parameters
    ----------
    region : ndarray
        Image pixels.

    Returns
    -------
    ndarray, float64
    """
    # numpy's own std, step for step (same sums, same bits), sharing the centred copy:
    # five passes over the region instead of seven
    centred = region - region.mean()
    squares = np.multiply(centred, centred)
    scale = np.sqrt(squares.sum() / squares.size)
    del squares
    centred /= scale if scale > 0 else 1.0
    return centred
