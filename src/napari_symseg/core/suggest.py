"""Choose patch, window, radius, stride and number of shifts from the image itself.

The rule (also in docs/parameters.md):

1. **Lattice.** Bragg peaks are the local maxima of the image's power
   spectrum (Hann window, mean removed; log power minus a smooth
   background) between 2.5 cycles per image and 0.4 cycles/px, with at
   least 1e-4 of the power of the band's strongest bin. Strong peaks
   are within a factor 10 in power of the strongest and 5 times above the
   median of all spectral maxima (the noise level); with no strong peak
   the image has no clear lattice (an error asks for sizes by hand). Among
   the strong peaks the two shortest non-collinear frequency vectors
   g1, g2 are the reciprocal basis (each halved while a weaker peak, down
   to 1/1000 of the strongest, sits at its half: first orders; for the
   sizes of reflections, `FUNDAMENTAL_SIZES`, only a half-order peak within
   1/100 of the power of the peak it halves counts, ``SUPERLATTICE_RATIO``:
   a weaker one is a superlattice over part of the image, e.g. small
   ordered L1_2 cuboids in a disordered fcc matrix at 1/140-1/740, and
   descriptors sized by its doubled cell spread the cuboids into the
   matrix by a cell more, into the border margin too; a weak basis atom in
   every cell sits at ~1/16; the contrast rule, step 5, keeps the full
   period's sizes), ignoring
   periods over 3 times that of the strongest peak (particles, bands and
   thickness changes are not the lattice); the real-space basis a1, a2
   (a_i . g_j = delta_ij) is reduced to the two shortest lattice vectors.
   One strong direction only (stripes): a1 is its period, a2 is left out.
2. **Per-axis cell extent** ``e_row``, ``e_col``: the width of the
   Wigner-Seitz cell (the unit cell of points nearer to one lattice point
   than to any other; independent of the basis chosen) along the image
   axes. It handles rectangular lattices and non-square pixels (e.g. STM
   scans with rows twice as dense as columns) without knowing which is
   which. Stripes (one direction): the period's components, at least half
   the period on both axes.
3. **Sizes.**
   - ``patch_x = ceil(1.5 e_row)``, ``patch_y = ceil(1.5 e_col)``: a patch
     spans about three cells per axis, enough for a full unit cell in any
     orientation and to average noise;
   - ``window_x/y = patch_x/y``: the shift window holds +-a1 and +-a2;
   - ``radius = ceil(1.5 |a|_max)`` for rotations/reflections (capped like
     the rest);
   - ``stride = max(1, round(min(e_row, e_col) / 3))``: about three grid
     points per cell;
   - ``max_num_points``: the translation grid spacing
     ``d = max(1, round(|a|_min / 4))`` samples every cell about four times
     per axis (at most half the window: at least 2 shifts each way);
     max_num_points is the size of that grid in the window;
   - ``smoothing = |a|_min``: every descriptor is averaged over about one
     cell (Gaussian sigma) before PCA, so the clusters follow what differs
     between regions, not the position inside the unit cell (needed for
     weak chemical order; docs/robustness.md).
   - reflections (max-pooled): ``window_x/y = ceil(0.6 e_row/col)``,
     ``stride = max(1, round(min(e_row, e_col) / 9))`` and at least 36
     reflection axes (``num_reflection_plane``, one every 5 degrees): the
     pooling spans about one cell (it always holds a symmetry centre, and
     little of the neighbouring region), its raw points lie a ninth of a cell
     apart and an axis lies within 2.5 degrees of every mirror of the
     lattice. The max-pooled score depends on how near the nearest raw point
     and axis come to a mirror; where that varies slowly over the image (a
     moire of the raw grid with the lattice, a lattice between two axes) it
     outweighed ~1 px displacements (docs/robustness.md, issue 13 fifth
     session: a sixth of a cell and 10 axes read the weakest polar perovskites
     at chance). Rotations keep the sizes above: the same rule helped
     them on design seeds but mistook carbon for vacuum next to a
     nanoparticle on 2 of 8 fresh seeds (docs/robustness.md).
4. Everything shrinks together if the image cannot hold the descriptor and
   at least 8 grid points per axis; the lattice's text then says so
   (`small_image_note`), and that the spacing itself is uncertain when
   fewer than `MIN_PERIODS` periods fit across the image.
5. **Contrast channels** (``contrast_features``) on when at least 5 % of
   the image shows no lattice (vacuum, amorphous film), off otherwise
   (`coverage`); `suggest_with_reasons` says which and why.
6. **Family** (`family_for`; only with ``pick_family=True``: the CLI's
   ``--auto`` without ``--descriptor``, the widget's *Suggest* unless the
   descriptor was changed by hand since the last Suggest or run):
   translations (the default) become rotations when the contrast channels
   go on. Translation scores are ~0 on vacuum and on amorphous film alike,
   and their hundreds of features outweigh the two contrast channels: on
   the nanoparticle-on-carbon scenario translations + contrast merge vacuum
   and film (0.59-0.75); rotations + contrast reach 0.99-1.00
   (docs/robustness.md). Rotations do not see a grain's orientation:
   grains of one lattice next to vacuum need ``--descriptor
   local_correlation_map`` given explicitly.

Steps 1 and 2 (`estimate_lattice`) live in `core.lattice_estimate`, re-exported here.
"""

from __future__ import annotations

import math

import numpy as np

from .coverage import suggest_contrast
from .lattice_estimate import (  # noqa: F401  (this module's API, as before)
    MAX_SIDE,
    NOISE_FACTOR,
    PEAK_POWER_RATIO,
    LatticeEstimate,
    dominant_period,
    estimate_lattice,
)
from .params import Params
from .validation import as_image

#: patch half size in cell widths (1.5: the patch spans about three cells)
PATCH_CELLS = 1.5
#: reflections: max-pooling half window in cell widths (1.2 cells wide)
POOL_CELLS = 0.6
#: ... and grid points (= max-pooled raw scores) per cell width
POOL_POINTS = 9
#: ... and at least this many reflection axes (every 5 degrees)
POOL_AXES = 36
#: the families sized so (not rotations: on fresh nanoparticle seeds their small window
#: mistook carbon for vacuum, 0.98 -> 0.67-0.71 on 2 of 8; docs/robustness.md)
FINE_POOLING = ("reflection_symmetry_maximum_pooling",)
#: the families sized by the fundamental lattice where a weak superlattice doubles the
#: image's period (rule step 1, ``SUPERLATTICE_RATIO``): reflections only. Translations
#: sized so gained on the old L1_2 cuboids but lost a physical weak-superlattice
#: image (0.999 -> 0.550; docs/robustness.md, issue 13, tenth session)
FUNDAMENTAL_SIZES = ("reflection_symmetry_maximum_pooling",)
#: rule step 6: the family ``--auto`` replaces, and by which
TRANSLATIONS, ROTATIONS = "local_correlation_map", "rotational_symmetry_maximum_pooling"


#: fewer lattice periods than this across the image's shorter side: the spacing found is
#: uncertain (the spectrum's bins are 1/side apart; a 20 px crop of a 10 px lattice read 15 px)
MIN_PERIODS = 4


def _rule_sizes(lattice: LatticeEstimate) -> tuple[list[int], int, int]:
    """Patch half sizes, radius and stride of the rule (step 3), before any shrinking."""
    e_row, e_col = lattice.extent
    patch = [math.ceil(PATCH_CELLS * e_row), math.ceil(PATCH_CELLS * e_col)]
    radius = math.ceil(PATCH_CELLS * lattice.lengths.max())
    return patch, radius, max(1, round(min(e_row, e_col) / 3))


def small_image_note(lattice: LatticeEstimate, image_shape) -> str:
    """What Suggest says when the image is too small for its lattice (empty when it is not):
    the sizes shrunk below the rule's (step 4), and whether the spacing itself is uncertain
    (fewer than `MIN_PERIODS` periods across).

    Parameters
    ----------
    lattice : LatticeEstimate
        The lattice found (`estimate_lattice`).
    image_shape : tuple of int
        The image's shape (its last two axes count).

    Returns
    -------
    str
        Starts with " — " when not empty (appended to the lattice's text).
    """
    h, w = (int(v) for v in tuple(image_shape)[-2:])
    patch, radius, stride = _rule_sizes(lattice)
    need = 4 * max(*patch, radius) + 8 * stride  # step 4: the image holds the descriptor
    periods = min(h, w) / float(lattice.lengths.max())
    if min(h, w) >= need and periods >= MIN_PERIODS:
        return ""
    text = f" — the image ({h} × {w} px) is too small for this lattice"
    if periods < MIN_PERIODS:
        text += (f": {periods:.1f} periods across, so the spacing itself is uncertain, and "
                 f"the rule's sizes need {need} px per side")
    else:
        text += f": the rule's sizes need {need} px per side"
    return text + "; sizes shrunk to fit: segment a larger image, or set the sizes by hand"


def params_for_lattice(lattice: LatticeEstimate, image_shape, params: Params) -> Params:
    """`params` with the sizes the rule derives from `lattice` (module docstring)."""
    e_row, e_col = lattice.extent
    lengths = lattice.lengths
    patch, radius, stride = _rule_sizes(lattice)
    # shrink everything together if the image cannot hold it (8 grid points per axis)
    room = (min(image_shape) - 8 * stride) // 4
    scale = min(1.0, room / max(*patch, radius)) if room > 0 else 0.0
    patch = [max(2, math.floor(p * scale)) for p in patch]
    radius = max(2, math.floor(radius * scale))
    step = max(1, min(round(lengths.min() / 4), min(patch) // 2))  # >= 2 shifts per side
    points = (2 * (patch[0] // step) + 1) * (2 * (patch[1] // step) + 1)
    window = patch
    if params.descriptor_name in FINE_POOLING:
        window = [max(1, min(p, math.ceil(POOL_CELLS * e))) for p, e in zip(patch, (e_row, e_col),
                                                                           strict=True)]
        stride = max(1, min(stride, round(min(e_row, e_col) * scale / POOL_POINTS)))
        params = params.replace(num_reflection_plane=max(params.num_reflection_plane, POOL_AXES))
    return params.replace(
        patch_x=patch[0], patch_y=patch[1], window_x=window[0], window_y=window[1],
        radius=radius, stride=stride, max_num_points=int(min(points, 10_000)),
        smoothing=round(float(lengths.min()), 1),
    )


def suggest_with_reasons(image, params: Params | None = None,
                         pick_family: bool = False) -> tuple[Params, tuple[str, ...]]:
    """`suggest_params` and one line per choice that is not a plain size (why).

    Parameters
    ----------
    image : array_like, 2-D
        The image.
    params : Params, optional
        Everything else (descriptor, number of patterns, ...) is kept.
    pick_family : bool
        Rule step 6: translations become rotations when the contrast
        channels go on (the CLI's ``--auto``).

    Returns
    -------
    (Params, tuple of str)
        The parameters and the reasons (the lattice found, the contrast rule,
        the family when it changed).
    """
    params = Params() if params is None else params
    img = as_image(image)
    full = estimate_lattice(img)
    sized = params_for_lattice(full, img.shape, params)
    contrast, why = suggest_contrast(img, sized, float(full.lengths.min()))
    reasons = (str(full) + small_image_note(full, img.shape), why)
    if params.descriptor_name in FUNDAMENTAL_SIZES:
        lattice = estimate_lattice(img, superlattice=False)
        if full.lengths.shape != lattice.lengths.shape or not np.allclose(
                np.sort(full.lengths), np.sort(lattice.lengths), rtol=0.02):
            # the contrast rule keeps the full period's sizes
            sized = params_for_lattice(lattice, img.shape, params)
            reasons = (f"{lattice} (sizes); a weak superlattice: {full}"
                       + small_image_note(lattice, img.shape), *reasons[1:])
    family = family_for(params.descriptor_name, contrast, pick_family)
    if family != params.descriptor_name:
        sized = sized.replace(descriptor_name=family)
        reasons += (f"descriptor: rotations ({ROTATIONS}), not translations: their scores "
                    "are ~0 on vacuum and amorphous film alike",)
    return sized.replace(contrast_features=contrast, edge_smoothing=contrast), reasons


def family_for(descriptor: str, contrast: bool, pick_family: bool) -> str:
    """Rule step 6 (module docstring), the one rule of the CLI and the widget: the
    descriptor family a suggestion uses.

    Parameters
    ----------
    descriptor : str
        The family the parameters have now.
    contrast : bool
        The contrast channels go on (part of the image has no lattice).
    pick_family : bool
        The family may be changed: not chosen by the user (the CLI's
        ``--auto`` without ``--descriptor``; the widget's Suggest when the
        descriptor field was not changed by hand since the last Suggest or run).

    Returns
    -------
    str
        Rotations instead of translations when `contrast` and `pick_family`,
        else `descriptor`.
    """
    if pick_family and contrast and descriptor == TRANSLATIONS:
        return ROTATIONS
    return descriptor


def suggest_params(image, params: Params | None = None, pick_family: bool = False) -> Params:
    """`params` with patch, window, radius, stride, max_num_points, smoothing and the
    contrast channels chosen from the image (module docstring).

    Parameters
    ----------
    image : array_like, 2-D
        The image.
    params : Params, optional
        Everything else (descriptor, number of patterns, ...) is kept.
    pick_family : bool
        Rule step 6 (module docstring): translations become rotations when
        the contrast channels go on.

    Returns
    -------
    Params

    Examples
    --------
    >>> from napari_symseg.core.samples import lattice
    >>> p = suggest_params(lattice((256, 256), 10.0, "rectangular"))  # 10 x 15 px cells
    >>> (p.patch_x, p.patch_y, p.stride, p.max_num_points)
    (23, 16, 3, 165)
    """
    return suggest_with_reasons(image, params, pick_family)[0]
