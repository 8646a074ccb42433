"""Raw point-symmetry scores carried from one row chunk of the grid to the next.

The max-pooling of `point_symmetry.compute` reads ``window_x // step`` raw
rows above and below the rows of its grid points, so consecutive row chunks
of a grid (`core.chunks`) need the same ``2 * (window_x // step)`` raw rows
at their common border: at stride 1 with the defaults, 42 raw rows per
chunk border, about a sixth of the raw scores of a 1024^2 image in 5 chunks.
The last raw rows of a call are kept (per thread) and given to the next call
when it starts with the same raw rows of the same image content: the same
operations, polar patch, pooling step, raw columns, global level, and the
same pixels everywhere those rows' spline coefficients read them (the rows
within ``radius + 1 + PREFILTER_PAD`` of them; beyond that a pixel weighs
less than 1e-18 on a coefficient). The carried scores equal a fresh
computation up to rounding (last bits: the spline prefilter of the next
chunk runs on another cut of the image).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from .point_symmetry_scores import PREFILTER_PAD

_last = threading.local()


@dataclass(frozen=True)
class _Kept:
    key: tuple
    rows: np.ndarray  # raw rows kept (image rows, equally spaced)
    raw: np.ndarray  # their scores, (len(rows), n_cols, n_ops)
    bounds: tuple[int, int, int, int]  # image rows / cols of `pixels`
    pixels: np.ndarray  # the image there when the scores were computed


def _bounds(image_shape, rows, cols, radius) -> tuple[int, int, int, int]:
    """Image rows / columns whose pixels the raw scores at ``rows x cols`` depend on."""
    reach = radius + 1 + PREFILTER_PAD
    return (max(0, int(rows[0]) - reach), min(image_shape[0], int(rows[-1]) + reach + 1),
            max(0, int(cols[0]) - reach), min(image_shape[1], int(cols[-1]) + reach + 1))


def carried(key: tuple, image: np.ndarray, raw_rows: np.ndarray, step: int) -> tuple:
    """The kept scores of those of `raw_rows` that were kept, or None.

    Parameters
    ----------
    key : tuple
        Everything but the image that the raw scores depend on (operations,
        polar patch, step, raw columns, the image's global level); scores
        are carried only between calls with equal keys.
    image : ndarray, 2-D float64
        The image of this call: the pixels the kept rows read must be those
        they were computed from.
    raw_rows : ndarray of int
        This call's raw rows, equally spaced by `step`.
    step : int
        Spacing of the raw rows (of the kept ones too: it is part of `key`).

    Returns
    -------
    (int, ndarray or None)
        ``(i, scores)``: the scores of ``raw_rows[i : i + len(scores)]``, or
        ``(0, None)`` when none can be carried.
    """
    kept = getattr(_last, "kept", None)
    if kept is None or kept.key != key or len(raw_rows) == 0:
        return 0, None
    first, last = int(raw_rows[0]), int(raw_rows[-1])
    lo, hi = max(first, int(kept.rows[0])), min(last, int(kept.rows[-1]))
    if lo > hi or (lo - first) % step or (lo - int(kept.rows[0])) % step:
        return 0, None
    i, s, m = (lo - first) // step, (lo - int(kept.rows[0])) // step, (hi - lo) // step + 1
    if not np.array_equal(kept.rows[s : s + m], raw_rows[i : i + m]):
        return 0, None
    r0, r1, c0, c1 = kept.bounds
    if image.shape[0] < r1 or image.shape[1] < c1:
        return 0, None
    if not np.array_equal(image[r0:r1, c0:c1], kept.pixels):
        return 0, None
    return i, kept.raw[s : s + m]


def keep(key: tuple, image: np.ndarray, raw_rows: np.ndarray, raw_cols: np.ndarray,
         raw: np.ndarray, n_rows: int, radius: int) -> None:
    """Keep the scores of the last `n_rows` raw rows for the next call (see `carried`)."""
    if n_rows <= 0 or len(raw_rows) == 0:
        _last.kept = None
        return
    rows = np.array(raw_rows[-n_rows:])
    bounds = _bounds(image.shape, rows, raw_cols, radius)
    r0, r1, c0, c1 = bounds
    _last.kept = _Kept(key, rows, raw[-len(rows):].copy(), bounds, image[r0:r1, c0:c1].copy())


def forget() -> None:
    """Drop the kept scores of this thread."""
    _last.kept = None
