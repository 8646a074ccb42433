"""Edge-preserving smoothing of descriptors (a Kuwahara filter on the grid).

Why (issue 13, the nanoparticle on carbon next to vacuum): a Gaussian
smoothing across the step between two regions passes through every value in
between, so where a third region's features lie in between (amorphous film
between vacuum and a bright particle: in intensity, contrast and symmetry
scores), a rim of that third pattern appears along the step, one to two
lattice periods wide. The rule: **every grid point takes the mean over the
one of the four windows it is a corner of in which the features vary least**
-- near a boundary that is the window on its own side, so two regions are
never averaged into a third; inside a region all four are alike. Used instead
of the Gaussian with ``Params.edge_smoothing``, which ``--auto`` turns on
with the contrast channels (where part of the image shows no lattice:
vacuum, amorphous film), the case where three regions line up in feature
space.

The windows are squares of ``half + 1`` grid points per side, ``half`` =
1.5 sigma of the Gaussian it replaces; the variation is the variance summed
over all features. Outside the grid the edge values are repeated (like the
Gaussian's ``mode="nearest"``). Costs: a window averages fewer points than
the Gaussian (noisier inside a region), and next to the edge between a noisy
region and a quiet one the quiet one's window wins, so that edge moves into
the noisy region by up to a window (low-dose vacuum next to film: 7 px at a
smoothing of 8 px in tests/core/test_contrast.py).

On a large block (thousands of features at stride 1) each step is seconds of
numpy: a cancelled run (`progress.stoppable`) stops between steps.
"""

from __future__ import annotations

import numpy as np

from .progress import raise_if_stopped, stop_flag

#: Window side in units of the Gaussian smoothing's sigma (the descriptor's reach:
#: 1.5 lattice periods, like the patch half size `suggest.PATCH_CELLS`)
WINDOW_SIGMAS = 1.5


def window_half(sigma: float) -> int:
    """Grid points a window reaches from its corner for a smoothing of `sigma` grid points."""
    return max(1, round(WINDOW_SIGMAS * sigma))


def _windows(run: np.ndarray, half: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """From running sums along axis 0 (a leading zero row; `half` padded rows on each
    side), the sums over rows i-half..i and i..i+half for i < n."""
    return (run[half + 1 : half + 1 + n] - run[:n],
            run[2 * half + 1 : 2 * half + 1 + n] - run[half : half + n])


def _running(array: np.ndarray, axis: int, dtype) -> np.ndarray:
    """Cumulative sums along `axis` with a leading zero."""
    shape = list(array.shape)
    shape[axis] += 1
    run = np.zeros(shape, dtype=dtype)
    np.cumsum(array, axis=axis, dtype=dtype, out=run[1:] if axis == 0 else run[:, 1:])
    return run


def _quadrant_sums(values: np.ndarray, half: int) -> list[np.ndarray]:
    """Sums over the four windows of which each point is a corner: rows i-half..i or
    i..i+half, columns j-half..j or j..j+half (edge values repeated outside); running
    sums, so the cost does not grow with half."""
    n_rows, n_cols = values.shape[:2]
    pad = [(half, half), (half, half)] + [(0, 0)] * (values.ndim - 2)
    padded = np.pad(values, pad, mode="edge")
    out = []
    stop = stop_flag()
    for rows in _windows(_running(padded, 0, values.dtype), half, n_rows):
        raise_if_stopped(stop)  # a cancelled run (`progress.stoppable`): seconds per step
        run = _running(rows, 1, values.dtype)
        out.extend(w.swapaxes(0, 1) for w in _windows(run.swapaxes(0, 1), half, n_cols))
    return out


def kuwahara(block: np.ndarray, half: int) -> np.ndarray:
    """Edge-preserving mean of grid features (module docstring).

    Parameters
    ----------
    block : ndarray, (n_rows, n_cols, n_features)
        Features on the grid.
    half : int
        A window spans the point and `half` grid points on one side, per axis.

    Returns
    -------
    ndarray, float32, same shape
        Per point, the mean of its least varying window.

    Examples
    --------
    >>> import numpy as np
    >>> step = np.zeros((6, 6, 1)); step[:, 3:] = 1.0
    >>> kuwahara(step, 2)[0, :, 0].tolist()  # no point gets a value in between
    [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    """
    values = np.asarray(block, dtype=np.float32)
    values = values - values.reshape(-1, values.shape[-1]).mean(axis=0)  # less cancellation
    count = float((half + 1) ** 2)
    squares = np.einsum("ijk,ijk->ij", values, values, dtype=np.float64)
    best_mean = best_spread = None
    stop = stop_flag()
    for total, total_sq in zip(_quadrant_sums(values, half), _quadrant_sums(squares, half),
                               strict=True):
        raise_if_stopped(stop)
        mean = total / count
        spread = total_sq / count - np.einsum("ijk,ijk->ij", mean, mean, dtype=np.float64)
        if best_mean is None:
            best_mean, best_spread = mean, spread
            continue
        better = spread < best_spread
        best_mean[better] = mean[better]
        best_spread = np.where(better, spread, best_spread)
    return (best_mean + np.asarray(block, np.float32).reshape(-1, values.shape[-1])
            .mean(axis=0)).astype(np.float32)
