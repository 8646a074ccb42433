"""Which parameter fields the widget shows, and where, without Qt.

The fields come from the `Params` dataclass; the descriptor registry
(`FAMILIES`, `COMMON_FIELDS`) says which ones a descriptor family uses.
Of those, the *essential* ones (the family's sizes and inputs, the number
of patterns, the stride, a series' reference frames) come first in the
widget; the expert ones (`ADVANCED_FIELDS`: translation method and
number of shifts, rotation angles, PCA, smoothing, upsampling, seed, ...)
sit in a collapsed *Advanced* section.
"""

from __future__ import annotations

import dataclasses

from ..core.descriptors.registry import COMMON_FIELDS, FAMILIES
from ..core.params import Params

#: Fields used by image series only: shown for a (T, Y, X) layer in "all frames" mode.
SERIES_FIELDS = ("n_selected_operations", "reference_frames")
#: Expert fields: in the collapsed *Advanced* section whenever they apply.
ADVANCED_FIELDS = frozenset({
    "max_num_points", "method", "rotation_angles", "n_pca_components", "pca_variance",
    "smoothing", "upsampling", "separability_analysis", "random_state",
    "sort_labels_by_pattern_size", "n_selected_operations",
    # the contrast channels are for images whose phases differ in brightness only: an
    # expert's choice, and two rows fewer above Run on a 1366x768 screen
    "contrast_features", "contrast_weight", "edge_smoothing",
})
#: Every `Params` field, in dataclass order.
FIELD_NAMES = tuple(f.name for f in dataclasses.fields(Params))
#: Widget defaults that differ from `Params`: an empty reference_frames field
#: means "the frame shown now", resolved when the run starts.
WIDGET_DEFAULTS = {"reference_frames": None}
#: Grey text an empty JSON field shows (what leaving it empty means).
PLACEHOLDERS = {"reference_frames": "empty: the current frame; auto: 5 spread over the series"}
#: Example values of the fields typed as JSON (quoted in error messages).
EXAMPLES = {"reference_frames": "[0, 40]", "rotation_angles": "[90, 180]"}
#: Tooltips that say more than the `Params` help.
HELP = {
    "reference_frames": "series: frames the model is fitted on, e.g. 0 or [0, 40]; "
    "auto = 5 frames spread over the series (best when a pattern is missing from some "
    "frames); empty = the current frame (the time slider's)",
    "descriptor_name": "translations (default): regions that differ in lattice, orientation "
    "(grains, twins), chemical order or in having a lattice at all; rotations: crystal next to "
    "amorphous support or vacuum; reflections: same lattice and orientation, different point "
    "symmetry (a mirror broken on one side); polarity: ferroelectric domains related by "
    "inversion (180-degree +P/-P domains), with a polarisation map. See docs/parameters.md",
    "smoothing": "average every descriptor over this Gaussian sigma (px) before PCA: about "
    "one lattice period (what Suggest sets) lets weak differences such as chemical order "
    "win over the position inside the unit cell; 0 = as in the paper",
}


def visible_fields(descriptor: str, series: bool = False) -> list[str]:
    """Names of the fields a run with `descriptor` uses, in dataclass order.

    Parameters
    ----------
    descriptor : str
        A key of `FAMILIES`.
    series : bool
        "all frames" mode of a (T, Y, X) layer: adds `SERIES_FIELDS`.
    """
    shown = {"descriptor_name", *FAMILIES[descriptor].fields, *COMMON_FIELDS}
    if series:
        shown.update(SERIES_FIELDS)
    return [name for name in FIELD_NAMES if name in shown]


def is_advanced(name: str) -> bool:
    """True for a field of the collapsed *Advanced* section."""
    return name in ADVANCED_FIELDS


def essential_fields(descriptor: str, series: bool = False) -> list[str]:
    """The fields shown first for `descriptor` (see `visible_fields`)."""
    return [n for n in visible_fields(descriptor, series) if not is_advanced(n)]


def help_text(name: str) -> str | None:
    """The help of a `Params` field (its metadata), or the widget's longer one."""
    meta = {f.name: f.metadata for f in dataclasses.fields(Params)}[name]
    return HELP.get(name, meta.get("help"))
