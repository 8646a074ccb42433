"""Choose patch, window, radius and stride from the image itself.

Rule (documented in docs/parameters.md):

1. The dominant lattice period ``a`` (px) is the wavelength of the strongest
   peak of the radially averaged power spectrum (Hann-windowed, mean
   removed), ignoring wavelengths longer than a quarter of the image (slow
   background, thickness gradients) and shorter than 2.5 px (noise).
2. ``patch = ceil(1.5 a)``: a patch spans about three periods, enough to
   hold a full unit cell in any orientation and to average noise.
   ``window = ceil(1.5 a)``: the shift window holds at least one lattice
   vector of every orientation. ``radius = ceil(1.5 a)``.
   ``stride = max(1, round(a / 3))``: a few grid points per period.
3. Everything is shrunk together if the image is too small for it (the
   descriptor must fit at least 8 grid points per axis).
"""

from __future__ import annotations

import math

import numpy as np

from .params import Params
from .validation import as_image


def dominant_period(image) -> float:
    """Dominant lattice period of a 2-D image in pixels.

    Parameters
    ----------
    image : array_like, 2-D
        The image.

    Returns
    -------
    float
        Wavelength (px) of the strongest peak of the radial power spectrum.

    Examples
    --------
    >>> from napari_symseg.core.synthetic import lattice
    >>> round(dominant_period(lattice((256, 256), 12.0)))
    12
    """
    img = as_image(image)
    h, w = img.shape
    img = img - img.mean()
    img = img * np.outer(np.hanning(h), np.hanning(w))
    power = np.abs(np.fft.rfft2(img)) ** 2
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    freq = np.sqrt(fy**2 + fx**2)
    n_bins = max(h, w) // 2
    bins = np.minimum((freq * 2 * n_bins).astype(int), n_bins)
    radial = np.bincount(bins.ravel(), weights=power.ravel(), minlength=n_bins + 1)
    counts = np.bincount(bins.ravel(), minlength=n_bins + 1)
    radial = radial / np.maximum(counts, 1)
    f_bin = (np.arange(n_bins + 1) + 0.5) / (2 * n_bins)
    valid = (f_bin > 4.0 / min(h, w)) & (f_bin < 1 / 2.5)
    if not valid.any():
        raise ValueError("image too small to estimate a lattice period")
    k = int(np.argmax(np.where(valid, radial, -np.inf)))
    # refine with a parabola through the peak and its neighbours
    if 0 < k < n_bins:
        y0, y1, y2 = radial[k - 1], radial[k], radial[k + 1]
        denom = y0 - 2 * y1 + y2
        shift = 0.5 * (y0 - y2) / denom if denom < 0 else 0.0
    else:
        shift = 0.0
    return 1.0 / ((k + 0.5 + shift) / (2 * n_bins))


def suggest_params(image, params: Params | None = None) -> Params:
    """`params` with patch, window, radius and stride chosen from the image.

    Parameters
    ----------
    image : array_like, 2-D
        The image.
    params : Params, optional
        Everything else (descriptor, number of patterns, ...) is kept.

    Returns
    -------
    Params
    """
    params = Params() if params is None else params
    img = np.asarray(image)
    a = dominant_period(img)
    size = math.ceil(1.5 * a)
    stride = max(1, round(a / 3))
    # shrink if the image cannot hold the descriptor with 8 grid points per axis
    limit = (min(img.shape[-2:]) - 8 * stride) // 4
    size = max(2, min(size, limit))
    return params.replace(
        patch_x=size, patch_y=size, window_x=size, window_y=size, radius=max(2, size),
        stride=stride,
    )
