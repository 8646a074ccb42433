"""What the widget says, without Qt: lengths, field labels, suggestions, run summaries.

Sizes in `Params` are half sizes in pixels along rows (``*_x``) and columns
(``*_y``), as in the paper and pySTEM; people used to Fiji think in total
sizes and calibrated lengths. The labels built here say both, e.g.
``"patch half-height (total 25 px = 0.50 nm)"`` for ``patch_x = 12`` on a
0.02 nm/px image; the parameter names in JSON files and on the command
line stay the paper's.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.suggest import small_image_note
from ..io.calibration import unit_symbol

#: What a half size, a radius or a length adds to its field's label.
#: ``"half"``: total size 2h + 1 px; ``"radius"``: diameter 2r + 1 px;
#: ``"length"``: the value itself as a calibrated length (stride, sigma).
SIZE_KINDS = {
    "patch_x": ("half", -2), "patch_y": ("half", -1),
    "window_x": ("half", -2), "window_y": ("half", -1),
    "radius": ("radius", -1), "stride": ("length", -1), "smoothing": ("length", -1),
}

#: Field labels (the paper's names stay in JSON, the CLI and the tooltips).
LABELS = {
    "descriptor_name": "descriptor",
    "patch_x": "patch half-height",
    "patch_y": "patch half-width",
    "max_num_points": "max number of shifts",
    "method": "translation method",
    "preselected_translations": "translations [[row, col], ...]",
    "radius": "patch radius",
    "num_reflection_plane": "mirror axes",
    "rotation_angles": "rotation angles (°)",
    "n_patterns": "number of patterns",
    "n_pca_components": "PCA components",
    "pca_variance": "PCA variance fraction",
    "stride": "stride",
    "smoothing": "smoothing sigma",
    "upsampling": "labels at full size",
    "separability_analysis": "separability analysis",
    "random_state": "random seed",
    "sort_labels_by_pattern_size": "sort patterns by size",
    "n_selected_operations": "selected operations",
    "reference_frames": "reference frames",
}
#: What the ``window_*`` fields are for each descriptor family.
WINDOW_NAMES = {
    "local_correlation_map": "shift window",
    "preselected_translations": "shift window",
    "rotational_symmetry_maximum_pooling": "pooling window",
    "reflection_symmetry_maximum_pooling": "pooling window",
    "power_spectrum": "FFT window",
    "polarity": "shift window",
}


def axis_unit(layer, axis: int) -> str:
    """The unit of `axis` of `layer` as text (``"pixel"`` when it has none).

    Parameters
    ----------
    layer : napari.layers.Layer
        Any layer (its ``units``).
    axis : int
        Layer axis (negative counts from the last).
    """
    return str(layer.units[axis]) if getattr(layer, "units", None) is not None else "pixel"


def physical_length(layer, axis: int, pixels: float) -> str | None:
    """``pixels`` along image `axis` of `layer` as a length, e.g. ``"0.16 nm"``.

    Parameters
    ----------
    layer : napari.layers.Layer
        Its ``scale`` and ``units`` calibrate the axis.
    axis : int
        Layer axis (negative counts from the last).
    pixels : float
        A length in pixels.

    Returns
    -------
    str or None
        None when the axis has no length unit (``"pixel"``, whatever its
        scale: a scale without a unit only sets how napari draws the pixel,
        e.g. a 2:1 aspect, and is no length).
    """
    scale = float(layer.scale[axis])
    unit = axis_unit(layer, axis)
    if unit == "pixel":
        return None
    return f"{pixels * scale:.3g} {unit_symbol(unit)}"


def calibrated(layer) -> bool:
    """True when the last two axes of `layer` have a unit or a scale other than 1 px."""
    return layer is not None and any(
        physical_length(layer, axis, 1.0) is not None for axis in (-2, -1)
    )


def field_label(name: str, value: Any = None, layer=None, descriptor: str | None = None) -> str:
    """The label of a parameter field, with the size it stands for.

    Parameters
    ----------
    name : str
        A `Params` field.
    value : int or float, optional
        Its value (sizes only: adds the total size in px and, for a
        calibrated `layer`, its length).
    layer : napari.layers.Image, optional
        The chosen image.
    descriptor : str, optional
        The descriptor family (names the ``window_*`` fields).

    Returns
    -------
    str
        E.g. ``"shift window half-height (total 43 px = 0.86 nm)"``,
        ``"stride (5 px = 0.1 nm)"``, ``"stride (px)"`` (no calibration).
    """
    if name.startswith("window_"):
        window = WINDOW_NAMES.get(descriptor or "", "window")
        base = f"{window} half-{'height' if name.endswith('_x') else 'width'}"
    else:
        base = LABELS.get(name, name.replace("_", " "))
    kind, axis = SIZE_KINDS.get(name, (None, -1))
    if kind is None or value is None:
        return base
    length = None if layer is None else physical_length(layer, axis, _size(kind, value))
    if length and kind != "half" and not square(layer):  # a circle in px: an ellipse
        rows = physical_length(layer, -2, _size(kind, value))
        length = f"{rows.split()[0]} × {length}" if rows else length
    if kind == "length":  # the value is in px already: the unit, and the length
        return f"{base} ({_number(value)} px = {length})" if length and value else \
            f"{base} (px)"
    # the whole size, said so: "half-height (83 px)" read as a half-height of 83 px
    # (tester newuser13)
    total = f"{SIZE_WORDS[kind]}{_size(kind, value)} px"
    return f"{base} ({total} = {length})" if length else f"{base} ({total})"


#: What a size label says before a whole size in px (`field_label`; a length in px: nothing).
SIZE_WORDS = {"half": "total ", "radius": "⌀ "}
#: The widest size a size label shows for a calibrated image (`widest_field_label`): three
#: digits of px, a length of three significant digits (`physical_length`).
WIDEST_SIZE = "888 px = 0.888 nm"


def widest_field_label(name: str) -> str:
    """The widest label a size field has for a calibrated image (sizes up to 999 px, any
    descriptor family: a pooling window's label is the longest).

    The dock reserves its width from the start, so that neither choosing a
    calibrated image (its lengths in nm: 468 -> 528 px, tester newuser13)
    nor *Suggest* choosing the rotations (a pooling window: 522 -> 558 px,
    tester newuser14) widens it.

    Parameters
    ----------
    name : str
        A `Params` size field (`SIZE_KINDS`).
    """
    prefix = SIZE_WORDS.get(SIZE_KINDS[name][0], "")
    base = max((field_label(name, None, None, descriptor) for descriptor in WINDOW_NAMES),
               key=len)
    return f"{base} ({prefix}{WIDEST_SIZE})"


def _number(value) -> str:
    """A field's value as a short number (``8``, ``20.3``)."""
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def square(layer) -> bool:
    """True when the last two axes of `layer` have the same pixel size (or no layer)."""
    if layer is None:
        return True
    rows, cols = (float(s) for s in layer.scale[-2:])
    return math.isclose(rows, cols, rel_tol=1e-6)


def aspect_note(layer) -> str:
    """What the status says of non-square pixels, e.g. ``"pixels 2:1 (height : width): ..."``.

    The size fields always count image pixels along each axis (rows for
    ``*_x``, columns for ``*_y``), as the descriptors see the image; on
    non-square pixels a patch with equal half sizes covers a rectangle of the
    sample (napari draws it so), and the labels give each axis's own length
    when the axes have a unit. Empty for square pixels.

    Parameters
    ----------
    layer : napari.layers.Image or None
        The chosen image (its last two ``scale`` entries).
    """
    if square(layer):
        return ""
    rows, cols = (float(s) for s in layer.scale[-2:])
    ratio = f"{rows / cols:.3g}:1" if rows >= cols else f"1:{cols / rows:.3g}"
    return (f"pixels {ratio} (height : width): the sizes count pixels along each axis, so "
            "equal half sizes cover a rectangle of the sample")


def _size(kind: str, value: float) -> float:
    return 2 * int(value) + 1 if kind in ("half", "radius") else value


def field_tooltip(name: str, help_text: str | None) -> str:
    """The tooltip of a field: its help, its meaning for Fiji users and its JSON/CLI name."""
    kind = SIZE_KINDS.get(name, (None,))[0]
    parts = [help_text or ""]
    if kind == "half":
        along = "rows (vertical)" if name.endswith("_x") else "columns (horizontal)"
        parts.append(f"half size along {along}: the total is 2 × value + 1 px")
    elif kind == "radius":
        parts.append("the circular patch spans 2 × radius + 1 px")
    parts.append(f"JSON and command line: {name}")
    return "; ".join(p for p in parts if p)


#: Below this a "lattice" found in a calibrated image is not one of atoms: the
#: shortest projected column spacings (dumbbells of diamond-structure crystals
#: seen along <112>, about 0.08 nm) are well above it.
SHORTEST_SPACING_NM = 0.05


def _in_nm(layer, axis: int, pixels: float) -> float | None:
    """``pixels`` along `axis` of `layer` in nm (None: not a length unit pint knows)."""
    unit = axis_unit(layer, axis)
    if unit == "pixel":
        return None
    try:
        import pint

        return float(pint.Quantity(pixels * float(layer.scale[axis]), unit).to("nm").magnitude)
    except Exception:  # e.g. "pixel" spelled otherwise, or no length at all
        return None


#: Two lattices whose lengths agree within this (relative) are the same.
SAME_LATTICE = 0.1


def _repeat_text(lengths, repeat) -> str:
    """What the status says of the repeat unit (`core.lattice.region_lattice`, as Measure)."""
    if repeat is None:
        return ""
    found = np.sort(np.asarray(lengths, dtype=float))
    cell = np.sort([repeat.a_length, repeat.b_length])
    if len(found) == 2 and np.allclose(found, cell, rtol=SAME_LATTICE):
        return ""  # Suggest and Measure agree
    if cell[0] <= found[0]:
        # a repeat finer than the Bragg spacings found: on the Fe-Nb image a mix of two
        # phases, but on an STM movie and a high-entropy alloy a 3 px noise repeat (tester
        # newuser6): the spectrum would show a real one, so nothing is said
        return ""
    return (f" · the unit cell, as Measure reports it, is {cell[0]:.1f} × {cell[1]:.1f} px: "
            "the brightest columns repeat on a finer grid than the cell")


def suggestion_text(layer, lattice: Any, changed: dict, repeat=None, params=None) -> str:
    """Status line after "Suggest sizes", e.g. ``"lattice 8.0 x 8.0 px, 90°: patch 12×12, ..."``.

    Parameters
    ----------
    layer : napari.layers.Image
        The image the sizes come from (its calibration, for the lattice).
    lattice : LatticeEstimate, float or None
        What `suggestion_steps` found: a lattice estimate (shown as its text), a
        period in px, or None ("suggested from the image").
    changed : dict
        The fields the suggestion changed, and their new values.
    repeat : Lattice, optional
        The image's repeat unit (autocorrelation, as *Measure* finds a
        region's lattice): said when it is not the lattice the sizes follow
        (e.g. twice as long: the boride of the gallery, 45 px against 22.7 px).
    params : Params, optional
        The suggested parameters: a pair (patch, window) of which only one half
        changed is shown whole.
    """
    lengths = getattr(lattice, "lengths", None)
    if lengths is not None:
        found, shortest = str(lattice), float(np.min(lengths))
    elif lattice is not None:
        shortest = float(lattice)
        found = f"lattice period {shortest:.1f} px"
    else:
        found, shortest = "suggested from the image", None
    length = None if shortest is None else physical_length(layer, -1, shortest)
    if length:
        found += f" (shortest {length})"
        nm = _in_nm(layer, -1, shortest)
        if nm is not None and nm < SHORTEST_SPACING_NM:
            found += (f" — shorter than any atomic spacing ({SHORTEST_SPACING_NM} nm): probably"
                      " noise or a wrong pixel size; check it, or set the sizes by hand")
    shape = getattr(getattr(layer, "data", None), "shape", ())
    if lengths is not None and len(shape) >= 2:
        found += small_image_note(lattice, shape)  # a too small crop says so (newuser10)
    after = "" if lengths is None else _repeat_text(lengths, repeat)
    if (params is not None and params.contrast_features
            and params.descriptor_name == "local_correlation_map"):
        # core.suggest.family_for kept translations: the user chose them by hand
        after += (" · part of the image has no lattice (vacuum, amorphous film): the "
                  "rotations descriptor tells them apart, translations hardly do (you "
                  "chose translations: kept)")
    elif "descriptor_name" in changed:  # core.suggest.family_for switched the family
        after += (" · descriptor: rotations, as part of the image has no lattice (vacuum, "
                  "amorphous film): translations hardly tell them apart")
    if not changed:
        return f"{found}: the sizes are already the suggested ones{after}"
    values, parts = _shown_changes(changed, params), []
    for pair in ("patch", "window"):  # half sizes along rows x columns
        x, y = values.pop(f"{pair}_x", None), values.pop(f"{pair}_y", None)
        if params is not None and (x is not None or y is not None):
            x, y = getattr(params, f"{pair}_x"), getattr(params, f"{pair}_y")
        if x is not None or y is not None:
            parts.append(f"{pair} {'' if x is None else x}×{'' if y is None else y}")
    parts += [f"{LABELS.get(name, name.replace('_', ' '))} {value}"
              for name, value in values.items()]
    return f"{found}: " + ", ".join(parts) + after


def _shown_changes(changed: dict, params) -> dict:
    """The changed fields as the widget shows them: only the chosen family's own sizes
    (not a patch for rotations), the family by its title, switches as on / off."""
    from ..core.descriptors.registry import FAMILIES

    family = FAMILIES.get(getattr(params, "descriptor_name", None))
    sizes = {name for other in FAMILIES.values() for name in other.fields}
    shown = {}
    for name, value in changed.items():
        if family is not None and name in sizes and name not in family.fields:
            continue  # a field the chosen descriptor has not got (hidden in the widget)
        if name == "descriptor_name" and value in FAMILIES:
            value = FAMILIES[value].title
        elif isinstance(value, bool):
            value = "on" if value else "off"
        shown[name] = value
    return shown


def count(n: int, word: str) -> str:
    """``"1 pattern"``, ``"2 patterns"``: `n` and `word`, plural unless `n` is 1.

    Examples
    --------
    >>> count(1, "boundary"), count(3, "region")
    ('1 boundary', '3 regions')
    """
    if n == 1:
        return f"1 {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") else f"{n} {word}s"


def fractions_text(area_fraction) -> str:
    """Area fractions as percentages, e.g. ``"52 % · 31 % · 17 %"``."""
    values = np.asarray(area_fraction, dtype=float)
    return " · ".join("–" if not np.isfinite(v) else f"{100 * v:.0f} %" for v in values)


def run_summary(seconds: float, n_patterns: int, area_fraction, *, frame: int | None = None,
                n_frames: int | None = None, preview_stride: int | None = None,
                scribbled: bool = False) -> str:
    """The status line after a run, e.g. ``"computed in 2.3 s · 3 patterns: 52 % · 31 % · 17 %"``.

    The time is the computation's; showing the layers adds napari's own time.

    Parameters
    ----------
    seconds : float
        Wall time of the run.
    n_patterns : int
        Number of patterns of the run.
    area_fraction : array_like, (n_patterns,)
        Of the image, of the frame, or the mean over a series' frames.
    frame : int, optional
        The frame of a series that was segmented.
    n_frames : int, optional
        A series run: its number of frames (the fractions are means).
    preview_stride : int, optional
        A live preview run and its stride.
    scribbled : bool
        The run followed the image's scribbles layer (said, so that the same
        fields giving another answer is explained).
    """
    parts = []
    if preview_stride is not None:
        parts.append(f"preview, stride {preview_stride}")
    if frame is not None:
        parts.append(f"frame {frame}")
    parts.append("computed in " + (f"{seconds:.1f} s" if seconds >= 0.095
                                   else f"{1000 * seconds:.0f} ms"))
    if n_frames is not None:
        parts.append(f"{n_frames} frames")
    what = f"{n_patterns} pattern{'s' if n_patterns != 1 else ''}"
    mean = " (mean over frames)" if n_frames is not None else ""
    parts.append(f"{what}{mean}: {fractions_text(area_fraction)}")
    if scribbled:
        parts.append("guided by the scribbles layer")
    return " · ".join(parts)


#: The status line when no image is left to segment (the last one deleted).
NO_IMAGE = "no image: open one (File > Open) or a sample (File > Open Sample > napari-symseg)"

#: The status note when another image is chosen: where its fields come from.
FIELDS_NOTES = {
    "run": "fields as in its last run",
    "suggest": "sizes suggested for this image",
    "fields": "fields as you left them for this image",
    None: "no run or Suggest yet: default fields (Suggest sizes fits them to its lattice)",
}


def fields_note(origin: str | None) -> str:
    """What the status says of the fields when an image is chosen (see `FIELDS_NOTES`).

    Parameters
    ----------
    origin : str or None
        ``Remembered.origin`` of the image, None when nothing is remembered
        (the fields then show the defaults).
    """
    return FIELDS_NOTES.get(origin, FIELDS_NOTES[None])
