"""Where does the image show a lattice? The rule that turns the contrast channels on.

A patch of crystal correlates strongly with itself shifted by some lattice
vector; a patch of vacuum or of an amorphous film does not correlate with
itself at any shift longer than an atom. So the *lattice score* of a point
is the largest translation score over the shifts of the shift window that
are at least `MIN_SHIFT` lattice spacings long (any orientation, any
lattice: the shifts cover the window). A point shows *no lattice* when its
score is below `NO_LATTICE` times the crystal level, the 90th percentile of
the scores (relative, so low dose, which lowers every score, does not
matter).

Rule (`suggest_contrast`, used by ``--auto``): the contrast channels are
turned on when at least `MIN_AREA` of the image shows no lattice -- the
regions there (vacuum, amorphous film, a lattice too fine to resolve) are
the ones Pearson scores cannot tell apart, and their mean intensity and
contrast can. An image that shows a lattice everywhere (single crystals
under a thickness wedge, grains, twins, ordered precipitates) keeps them
off, so intensity changes that are not regions never split it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ImageTooSmallError
from .descriptors import translation
from .descriptors.operations import Operations
from .grid import Grid
from .params import Params

#: shifts shorter than this many shortest lattice spacings are not lattice vectors
MIN_SHIFT = 0.6
#: a point with a lattice score below this fraction of the crystal level shows no lattice
NO_LATTICE = 0.35
#: the contrast channels are turned on when at least this share of the image shows no lattice
MIN_AREA = 0.05


@dataclass(frozen=True)
class Coverage:
    """Lattice scores on a coarse grid and the share of the image without a lattice.

    Attributes
    ----------
    scores : ndarray, (n_rows, n_cols)
        Largest translation score over lattice-length shifts per grid point.
    level : float
        The crystal level (90th percentile of `scores`).
    no_lattice : float
        Share of grid points scoring below ``NO_LATTICE * level``.
    """

    scores: np.ndarray
    level: float
    no_lattice: float


def lattice_coverage(image: np.ndarray, params: Params, shortest: float) -> Coverage:
    """Lattice scores of `image` with the patch and window of `params`.

    Parameters
    ----------
    image : ndarray, 2-D float64
        A validated image.
    params : Params
        ``patch_x/y``, ``window_x/y`` (e.g. from `suggest_params`).
    shortest : float
        Shortest lattice spacing (px).

    Returns
    -------
    Coverage
    """
    wx, wy = params.window_x, params.window_y
    step = max(1, round(shortest / 4))
    dr, dc = np.meshgrid(np.arange(-wx, wx + 1, step), np.arange(-wy, wy + 1, step),
                         indexing="ij")
    half = (dr > 0) | ((dr == 0) & (dc > 0))  # rho(-t) at p is rho(t) at p - t: one of each
    keep = half & (np.hypot(dr, dc) >= MIN_SHIFT * shortest)
    if not keep.any():  # a window shrunk below one spacing (tiny image): cannot tell
        return Coverage(np.zeros((0, 0)), 0.0, 0.0)
    shifts = np.stack([dr[keep], dc[keep]], axis=1)
    stride = max(2, min(params.patch_x, params.patch_y))
    try:
        grid = Grid.for_margin(image.shape, (wx, wy), stride, what="the lattice coverage")
    except ImageTooSmallError:
        return Coverage(np.zeros((0, 0)), 0.0, 0.0)
    probe = params.replace(descriptor_name="local_correlation_map", method="direct")
    ops = Operations("translation", shifts)
    scores = translation.compute(image, probe, ops, grid.rows, grid.cols).max(axis=-1)
    level = float(np.percentile(scores, 90))
    share = float(np.mean(scores < NO_LATTICE * level)) if level > 0 else 0.0
    return Coverage(scores, level, share)


def suggest_contrast(image: np.ndarray, params: Params, shortest: float) -> tuple[bool, str]:
    """Whether ``--auto`` turns the contrast channels on, and why (module docstring).

    Parameters
    ----------
    image : ndarray, 2-D float64
        A validated image.
    params : Params
        The suggested sizes.
    shortest : float
        Shortest lattice spacing (px).

    Returns
    -------
    (bool, str)
    """
    cover = lattice_coverage(image, params, shortest)
    share = f"{100 * cover.no_lattice:.0f} % of the image shows no lattice"
    if cover.no_lattice >= MIN_AREA:
        return True, (f"contrast channels on: {share} (vacuum or amorphous regions, which "
                      "symmetry scores cannot tell apart; their intensity can)")
    return False, f"contrast channels off: {share}"
