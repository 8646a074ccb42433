"""Units and metadata values as microscope files and TIFFs write them.

`normalise_unit` turns a file's unit text into a napari/pint unit string;
the small helpers below make numbers, library versions and metadata
dictionaries safe to keep (finite floats, JSON-compatible values). Shared by
the EM readers (`em_readers`, `formats`) and the TIFF calibration (`tiff`).
"""

from __future__ import annotations

import math

import numpy as np

_LENGTHS = {
    "pm": "pm", "picometer": "pm", "å": "angstrom", "Å": "angstrom", "angstrom": "angstrom",
    "angstroms": "angstrom", "nm": "nm", "nanometer": "nm", "nanometers": "nm", "um": "um",
    "µm": "um", "μm": "um", "micron": "um", "microns": "um", "micrometer": "um",
    "micrometers": "um", "mm": "mm", "m": "m", "meter": "m", "meters": "m", "metre": "m",
    "metres": "m",
}
_TIMES = {
    "ps": "ps", "ns": "ns", "us": "us", "µs": "us", "μs": "us", "ms": "ms", "s": "s",
    "sec": "s", "second": "s", "seconds": "s", "min": "min", "minute": "min",
    "minutes": "min", "h": "h", "hour": "h", "hours": "h",
}
_PIXELS = {"", "pixel", "pixels", "px", "unknown", "none", "<auto>", "unit"}


def normalise_unit(unit) -> tuple[str, float, str]:
    """A unit as a file writes it, as napari/pint understands it.

    Parameters
    ----------
    unit : str or bytes
        The unit text of the file (``"µm"``, ``"Å"``, ``"1/nm"``, ``"m"``,
        Berkeley EMD's ``"[n_m]"``, ``"Unknown"``...).

    Returns
    -------
    unit : str
        ``"nm"``, ``"angstrom"``, ``"1/nm"``, ``"s"``..., ``"pixel"`` when
        the axis is uncalibrated, or the text unchanged for other
        quantities (energy...).
    factor : float
        Multiply the file's scale by this (1e9 for metres to nm).
    kind : str
        ``"length"``, ``"reciprocal"``, ``"time"``, ``"pixel"`` or ``"other"``.
    """
    if isinstance(unit, bytes):
        unit = unit.decode("utf-8", "replace")
    text = str(unit).strip()
    if text.startswith("[") and text.endswith("]"):  # Berkeley EMD: "[n_m]"
        text = text[1:-1].replace("_", "")
    key = text if text in _LENGTHS else text.lower()
    if key in _LENGTHS:
        name = _LENGTHS[key]
        return ("nm", 1e9, "length") if name == "m" else (name, 1.0, "length")
    for prefix, suffix in (("1/", ""), ("", "^-1"), ("", "-1")):
        base = text[len(prefix):len(text) - len(suffix)]
        if text.startswith(prefix) and text.endswith(suffix) and base and base != text:
            base = base if base in _LENGTHS else base.lower()
            if base in _LENGTHS:
                name = _LENGTHS[base]
                return ("1/nm", 1e-9, "reciprocal") if name == "m" else \
                    (f"1/{name}", 1.0, "reciprocal")
    if text.lower() in _TIMES:
        return _TIMES[text.lower()], 1.0, "time"
    if text.lower() in _PIXELS or text.lower().startswith("unit"):  # ncempy: "unit1"
        return "pixel", 1.0, "pixel"
    return text, 1.0, "other"



def json_safe(value):
    """`value` made of numbers, strings, lists and dicts only (for a JSON record).

    Parameters
    ----------
    value : object
        Metadata read from a file: numpy scalars become numbers, bytes
        become text, anything else unknown becomes its ``str``.
    """
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").strip("\x00 ")
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def library_version(module: str) -> str:
    """``"<module> <version>"`` of an installed reader library (the name alone if unknown).

    Parameters
    ----------
    module : str
        Import name (``"ncempy"``, ``"rsciio"``, ``"tifffile"``...).
    """
    from importlib.metadata import PackageNotFoundError, version

    dist = {"rsciio": "rosettasciio"}.get(module, module)
    try:
        return f"{module} {version(dist)}"
    except PackageNotFoundError:
        return module


def finite_number(value, factor: float = 1.0) -> float | None:
    """`value` as a float times `factor`; None if it is not a finite number.

    Parameters
    ----------
    value : object
        A number, or text of one, as a file stores it.
    factor : float
        Unit conversion factor.
    """
    try:
        number = float(value) * factor
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def known_items(**items) -> dict:
    """The keyword items whose value is known (not None, not empty).

    Parameters
    ----------
    **items
        Candidate metadata items.
    """
    return {k: v for k, v in items.items() if v not in (None, "", [])}
