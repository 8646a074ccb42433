"""Parameter fields built from the `Params` dataclass: one magicgui widget per field.

The type and metadata of each field (range, choices, help) give its
widget: a spin box, a check box, a drop-down, `OptionalValue` for
``int | None`` / ``float | None`` and `TupleEdit` for tuples typed as
JSON. Labels and tooltips come from `napari_symseg.controller.text`.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from typing import Any

from magicgui.widgets import (
    CheckBox,
    ComboBox,
    Container,
    FloatSpinBox,
    LineEdit,
    SpinBox,
    Widget,
)

from ..controller.fields import EXAMPLES, PLACEHOLDERS, WIDGET_DEFAULTS, help_text
from ..controller.text import field_label, field_tooltip
from ..core.descriptors.registry import FAMILIES
from ..core.params import Params, ParamsError

#: Qt spin boxes hold 32-bit integers
_QT_INT_MAX = 2**31 - 1
_TYPES = typing.get_type_hints(Params)
_DEFAULTS = Params()


class OptionalValue(Container):
    """A number that can be switched off (`None`): a check box and a spin box.

    Parameters
    ----------
    spin : SpinBox or FloatSpinBox
        The number.
    enabled : bool
        Whether the number is on at start.
    **kwargs
        Passed to `Container` (e.g. ``name``, ``label``, ``tooltip``).
    """

    def __init__(self, spin: Widget, enabled: bool, **kwargs: Any) -> None:
        self.check = CheckBox(value=enabled, tooltip="on / off (off = None)")
        self.spin = spin
        super().__init__(widgets=[self.check, spin], layout="horizontal", labels=False, **kwargs)
        self.margins = (0, 0, 0, 0)
        spin.enabled = enabled
        self.check.changed.connect(lambda on: setattr(spin, "enabled", on))

    @property
    def value(self) -> float | int | None:
        """The number, or None when switched off."""
        return self.spin.value if self.check.value else None

    @value.setter
    def value(self, value: float | int | None) -> None:
        self.check.value = value is not None
        if value is not None:
            self.spin.value = value


class TupleEdit(LineEdit):
    """A tuple-valued parameter typed as JSON, e.g. ``[[0, 8], [8, 0]]``; empty = None.

    Parameters
    ----------
    default : tuple or None
        The value shown at start.
    example : str
        A valid value, quoted in the error message.
    **kwargs
        Passed to `LineEdit` (e.g. ``name``, ``label``, ``tooltip``).
    """

    def __init__(self, default: Any, example: str = "[[0, 8], [8, 0]]", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.example = example
        self.show_param(default)

    def show_param(self, value: Any) -> None:
        """Show `value` (None, or nested tuples of numbers) as JSON text."""
        self.value = ("" if value is None else value if isinstance(value, str)
                      else json.dumps(_as_lists(value)))

    def param(self) -> Any:
        """The parsed value (None when empty); `Params` checks its shape."""
        text = self.value.strip()
        if not text:
            return None
        if text.strip('"').lower() == "auto":  # reference_frames="auto"; Params checks the rest
            return "auto"
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise ParamsError(
                f"{self.name} must be a JSON list such as {self.example}; got {text!r}"
            ) from None


def _as_lists(value: Any) -> Any:
    return [_as_lists(v) for v in value] if isinstance(value, list | tuple) else value


def _number_widget(kind: type, meta: dict, value: Any, name: str) -> Widget:
    lo, hi = meta.get("min"), meta.get("max")
    if kind is int:
        lo = 0 if lo is None else int(lo)
        hi = _QT_INT_MAX if hi is None else min(int(hi), _QT_INT_MAX)
        return SpinBox(value=value, min=lo, max=hi, name=name)
    lo = 0.0 if lo is None else float(lo)
    hi = 1e9 if hi is None else float(hi)
    return FloatSpinBox(value=value, min=lo, max=hi, step=0.05, name=name)


def field_widget(f: dataclasses.Field) -> Widget:
    """A magicgui widget for one `Params` field, built from its type and metadata.

    Parameters
    ----------
    f : dataclasses.Field
        A field of `Params`.
    """
    kind, meta = _TYPES[f.name], f.metadata
    default = WIDGET_DEFAULTS.get(f.name, getattr(_DEFAULTS, f.name))
    common = {"name": f.name, "label": field_label(f.name, default),
              "tooltip": field_tooltip(f.name, help_text(f.name))}
    args = typing.get_args(kind)
    optional = isinstance(kind, types.UnionType) and type(None) in args
    base = next((a for a in args if a is not type(None)), kind) if optional else kind
    if f.name == "descriptor_name":
        choices = [(family.title, name) for name, family in FAMILIES.items()]
        return ComboBox(choices=choices, value=default, **common)
    if "choices" in meta:
        return ComboBox(choices=list(meta["choices"]), value=default, **common)
    if base is bool:
        return CheckBox(value=default, **common)
    if base in (int, float):
        value = default if default is not None else (meta.get("min") or 0)
        spin = _number_widget(base, meta, value, f.name + "_value")
        if optional:
            return OptionalValue(spin, default is not None, **common)
        spin.name, spin.label, spin.tooltip = f.name, common["label"], common["tooltip"]
        return spin
    if f.name in EXAMPLES:
        common["example"] = EXAMPLES[f.name]
    edit = TupleEdit(default, **common)
    if f.name in PLACEHOLDERS:
        edit.native.setPlaceholderText(PLACEHOLDERS[f.name])
    return edit


def value_of(widget: Widget) -> Any:
    """The parameter value a field holds (JSON parsed for `TupleEdit`)."""
    return widget.param() if isinstance(widget, TupleEdit) else widget.value


def set_value(widget: Widget, value: Any) -> None:
    """Show a parameter value in its field."""
    if isinstance(widget, TupleEdit):
        widget.show_param(value)
    else:
        widget.value = value


def build_fields() -> dict[str, Widget]:
    """One widget per `Params` field, in dataclass order."""
    return {f.name: field_widget(f) for f in dataclasses.fields(Params)}
