"""The lists a `Params` holds, checked and made hashable: tuples of whole numbers.

Lists from JSON, the command line or numpy arrays (``reference_frames``,
``rotation_angles``, ``preselected_translations``) become tuples of Python
ints; anything else (text, fractions, NaN, too many entries) is refused
with one `ParamsError` naming the field. `napari_symseg.core.params` calls
these in `Params.__post_init__`.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from ..errors import ParamsError

#: Most reference frames a series model can be fitted on (a longer list is refused
#: before it is built: ``--reference-frames 0-99999999``).
MAX_REFERENCE_FRAMES = 100_000
#: Most preselected translations (the shift window holds at most 1025 x 1025).
MAX_TRANSLATIONS = 1_050_625


def _short(values: Any) -> str:
    text = repr(values)
    return text if len(text) <= 80 else text[:77] + "..."


def _whole(value: Any) -> int:
    """`value` as an int if it is a whole, finite number (bools and text refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError
    if isinstance(value, numbers.Integral):
        return int(value)
    if not math.isfinite(value) or float(value) != int(value):
        raise ValueError
    return int(value)


def _as_int_tuple(values: Any, name: str = "value", limit: int = MAX_REFERENCE_FRAMES
                  ) -> tuple[int, ...]:
    if isinstance(values, str | bytes | dict) or not hasattr(values, "__len__"):
        raise ParamsError(f"{name} must be a list of integers; got {_short(values)}")
    if len(values) > limit:
        raise ParamsError(f"{name} has {len(values)} entries; at most {limit}")
    try:
        return tuple(_whole(v) for v in values)
    except (TypeError, ValueError, OverflowError):
        raise ParamsError(f"{name} must be a list of integers; got {_short(values)}") from None


def _as_translations(values: Any) -> tuple[tuple[int, int], ...]:
    message = ("preselected_translations must be a list of integer (row, col) pairs, "
               f"shape (n, 2); got {_short(values)}")
    if isinstance(values, str | bytes | dict) or not hasattr(values, "__len__"):
        raise ParamsError(message)
    if len(values) > MAX_TRANSLATIONS:
        raise ParamsError(f"preselected_translations has {len(values)} entries; at most "
                          f"{MAX_TRANSLATIONS}")
    try:
        out = []
        for v in values:
            if isinstance(v, str | bytes | dict):
                raise ValueError
            row, col = v
            out.append((_whole(row), _whole(col)))
    except (TypeError, ValueError, OverflowError):
        raise ParamsError(message) from None
    return tuple(out)
