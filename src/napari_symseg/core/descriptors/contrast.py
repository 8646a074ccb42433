"""Contrast channels: local mean intensity and local contrast at the descriptor's scale.

Pearson scores are invariant to the local mean and contrast of the image:
that is what makes them robust to thickness and dose, and what makes them
blind where regions differ by exactly those (vacuum vs amorphous carbon, a
weak superlattice of darker columns). With ``Params.contrast_features`` every
descriptor family gets two more features per grid point:

- ``mean``: ``log(FLOOR + m / level)``, with ``m`` the mean intensity over
  the box of half sizes (``bx``, ``by``) around the point;
- ``std``: ``log(FLOOR + s / level)``, with ``s`` the standard deviation over
  the same box (the local contrast: atomic columns, speckle, noise);

where ``level`` is the image's mean intensity (`image_level`; intensities
are counted from 0, or from the image's minimum if it is negative).
Logarithms, because HAADF intensity is a product (thickness x Z^1.7 x
dose): a ratio is what tells two regions apart, and vacuum (a few percent of
a film's intensity) must be as far from an amorphous film as the film is
from a particle ten times brighter. Dividing by the image's level makes the
channels independent of the dose (and of the frame's dose in a series).

The box (`contrast_box`) is the descriptor's own scale (`DescriptorFamily.box`:
the patch for translations, the radius for rotations and reflections, the
window for the power spectrum), but no more than half a lattice period
(``Params.smoothing / 2``, rounded up) when the descriptors are smoothed;
near the border it is clipped to the image. Why the cap (issue 13): the
logarithm of a box mean is pulled towards the brighter side -- a box over
vacuum that holds 10 % of an amorphous film already reads as film -- so a
large box moves the vacuum/film boundary by most of its half width (15-25 px
of vacuum labelled film on the nanoparticle scenario). The smoothing that
follows averages the logarithms over a lattice period, which is symmetric
across a step, and averages the noise of the small box as well. Both come from
box sums of the image and its square (running sums along rows, then along
columns), so the cost does not depend on the box size.

How much they weigh in the PCA is decided when the model is fitted
(`contrast_scales`), not here.
"""

from __future__ import annotations

import numpy as np

#: Names of the contrast channels, in feature order (after the symmetry scores).
CHANNELS = ("mean", "std")
#: Added before the logarithm (in units of the image's mean intensity): vacuum
#: with no counts at all stays finite, ~7 below the image's mean.
FLOOR = 1e-3


def n_channels(params) -> int:
    """Number of contrast channels `params` adds (0 or ``len(CHANNELS)``)."""
    return len(CHANNELS) if params.contrast_features else 0


def contrast_box(box: tuple[int, int], params) -> tuple[int, int]:
    """Half sizes of the contrast channels' box: `box`, capped at half a lattice period.

    Parameters
    ----------
    box : (int, int)
        The descriptor family's box (`DescriptorFamily.box`).
    params : Params
        ``smoothing`` > 0 caps every half size at ``ceil(smoothing / 2)``.

    Returns
    -------
    (int, int)

    Examples
    --------
    >>> from napari_symseg import Params
    >>> contrast_box((18, 18), Params(smoothing=11.4))
    (6, 6)
    >>> contrast_box((18, 12), Params(smoothing=0.0))
    (18, 12)
    """
    if params.smoothing <= 0:
        return int(box[0]), int(box[1])
    cap = max(1, int(np.ceil(params.smoothing / 2)))
    return min(int(box[0]), cap), min(int(box[1]), cap)


def image_level(image: np.ndarray) -> tuple[float, float]:
    """Zero and unit of the contrast channels' intensities.

    Returns
    -------
    (float, float)
        The zero: 0, or the image's minimum if it is negative; the unit:
        the image's mean above that zero (1 for a constant image).
    """
    zero = min(0.0, float(np.min(image)))
    unit = float(np.mean(image)) - zero
    return zero, unit if unit > 0 else 1.0


def local_contrast(image: np.ndarray, box: tuple[int, int], rows, cols,
                   level: tuple[float, float] | None = None,
                   out: np.ndarray | None = None) -> np.ndarray:
    """Log local mean and log local standard deviation over boxes clipped to the image.

    Parameters
    ----------
    image : ndarray, 2-D float64
        The image.
    box : (int, int)
        Half height and half width of the box; the box around (r, c) holds
        rows r - bx .. r + bx and columns c - by .. c + by inside the image.
    rows, cols : array_like of int
        Grid rows and columns (inside the image).
    level : (float, float), optional
        Zero and unit of the intensities (default `image_level` of `image`).
    out : ndarray, optional
        (len(rows), len(cols), 2) array written in place.

    Returns
    -------
    ndarray, float32, (len(rows), len(cols), 2)
        ``[..., 0]`` log(FLOOR + (mean - zero) / unit), ``[..., 1]``
        log(FLOOR + standard deviation / unit).

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((20, 20)); img[:, 10:] = 2.0
    >>> c = np.exp(local_contrast(img, (2, 2), [10], [2, 10, 17], level=(0.0, 1.0))) - FLOOR
    >>> [[abs(round(float(v), 2)) for v in c[0, :, k]] for k in (0, 1)]
    [[0.0, 1.2, 2.0], [0.0, 0.98, 0.0]]
    """
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    level = image_level(image) if level is None else level
    bx, by = int(box[0]), int(box[1])
    h, w = image.shape
    top, bottom = max(int(rows.min()) - bx, 0), min(int(rows.max()) + bx + 1, h)
    part = image[top:bottom]
    centre = float(part.mean())
    shifted = part - centre  # box sums of the centred image: no cancellation in var
    r0, r1 = np.clip(rows - bx, 0, h) - top, np.clip(rows + bx + 1, 0, h) - top
    c0, c1 = np.clip(cols - by, 0, w), np.clip(cols + by + 1, 0, w)
    count = (r1 - r0)[:, None] * (c1 - c0)[None, :]

    def box_sum(values):
        # separable running sums, both along contiguous axes: first along each row,
        # read at the grid columns only, then (transposed) along the columns
        along_rows = np.zeros((len(values), w + 1))
        np.cumsum(values, axis=1, out=along_rows[:, 1:])
        strips = np.ascontiguousarray((along_rows[:, c1] - along_rows[:, c0]).T)
        down = np.zeros((len(cols), len(values) + 1))
        np.cumsum(strips, axis=1, out=down[:, 1:])
        return (down[:, r1] - down[:, r0]).T

    mean = box_sum(shifted) / count
    var = np.clip(box_sum(shifted * shifted) / count - mean * mean, 0.0, None)
    if out is None:
        out = np.empty((len(rows), len(cols), 2), dtype=np.float32)
    zero, unit = level
    out[..., 0] = np.log(FLOOR + np.clip(mean + centre - zero, 0.0, None) / unit)
    out[..., 1] = np.log(FLOOR + np.sqrt(var) / unit)
    return out


def contrast_scales(cov: np.ndarray, n_scores: int, weight: float) -> np.ndarray:
    """Per-feature weights that put the contrast channels on the scores' scale.

    The rule: each contrast channel is first scaled to the same variance;
    then both together are scaled so that their strongest direction (the
    largest eigenvalue of their covariance) has `weight` times the variance
    of the symmetry scores' strongest direction (their largest eigenvalue,
    i.e. the first principal component of the scores alone). With
    ``weight = 1`` the contrast is as strong as the strongest symmetry
    component: it reaches the first PCA components (never drowned by
    hundreds of scores), but one contrast direction cannot outweigh the
    scores' best one. The symmetry scores keep weight 1.

    Parameters
    ----------
    cov : ndarray, (n, n)
        Covariance of all features (scores first, then contrast channels).
    n_scores : int
        Number of symmetry scores (the first `n_scores` features).
    weight : float
        ``Params.contrast_weight``.

    Returns
    -------
    ndarray, (n,)
        1 for the scores; the contrast channels' weights (0 for a channel
        that does not vary).
    """
    n = len(cov)
    scales = np.ones(n)
    if n == n_scores:
        return scales
    var = np.diag(cov)[n_scores:]
    unit = np.where(var > 0, 1 / np.sqrt(np.where(var > 0, var, 1.0)), 0.0)
    block = cov[n_scores:, n_scores:] * np.outer(unit, unit)
    top_contrast = float(np.linalg.eigvalsh(block)[-1]) if unit.any() else 0.0
    top_scores = float(np.linalg.eigvalsh(cov[:n_scores, :n_scores])[-1]) if n_scores else 1.0
    if top_contrast <= 0 or top_scores <= 0:
        scales[n_scores:] = 0.0 if top_contrast <= 0 else unit
        return scales
    scales[n_scores:] = unit * np.sqrt(weight * top_scores / top_contrast)
    return scales
