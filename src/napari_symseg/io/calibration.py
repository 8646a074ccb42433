"""Pixel size and units of an image, carried from the file to every output."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Calibration:
    """Pixel size and units per axis of an image or image series.

    One entry per array axis, in array order (``(y, x)`` for an image,
    ``(t, y, x)`` for a series). ``units`` entries are napari/pint unit
    strings (``"nm"``, ``"angstrom"``, ``"s"``) or ``"pixel"`` for an
    uncalibrated axis.

    Attributes
    ----------
    scale : tuple of float
        Pixel (or frame) size along each axis.
    units : tuple of str
        Unit of each axis.
    axis_labels : tuple of str
        Names of the axes (``"y"``, ``"x"``, ``"t"``).
    origin : tuple of float
        Coordinate of the first pixel along each axis (napari's ``translate``).
    source : str
        Where the calibration came from (``"ImageJ TIFF"``, ``"none"``...), for messages.
    metadata : dict
        JSON-compatible extra metadata read from the file (instrument, voltage...).
    """

    scale: tuple[float, ...]
    units: tuple[str, ...]
    axis_labels: tuple[str, ...]
    origin: tuple[float, ...] = ()
    source: str = "none"
    metadata: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        n = len(self.scale)
        if not self.origin:
            object.__setattr__(self, "origin", (0.0,) * n)
        if not (len(self.units) == len(self.axis_labels) == len(self.origin) == n):
            raise ValueError("scale, units, axis_labels and origin need one entry per axis")

    @classmethod
    def pixels(cls, ndim: int) -> Calibration:
        """An uncalibrated calibration (1 pixel per pixel) for `ndim` axes."""
        labels = ("t", "y", "x")[3 - ndim:] if ndim <= 3 else \
            tuple(f"axis{i}" for i in range(ndim))
        return cls((1.0,) * ndim, ("pixel",) * ndim, labels)

    @property
    def calibrated(self) -> bool:
        """True when at least one axis has a physical unit."""
        return any(u != "pixel" for u in self.units)

    def on_grid(self, grid) -> Calibration:
        """The calibration of values on a descriptor `grid` (its last two axes): one grid
        step is ``stride`` pixels and the first value sits on the first grid point."""
        scale, origin = list(self.scale), list(self.origin)
        for axis, first in ((-2, grid.rows[0]), (-1, grid.cols[0])):
            origin[axis] += float(first) * scale[axis]
            scale[axis] *= grid.stride
        return Calibration(tuple(scale), self.units, self.axis_labels, tuple(origin),
                           self.source, self.metadata)

    def layer_kwargs(self) -> dict:
        """``scale`` / ``translate`` / ``units`` / ``axis_labels`` for a napari layer."""
        return {
            "scale": self.scale,
            "translate": self.origin,
            "units": self.units,
            "axis_labels": self.axis_labels,
        }

    def to_dict(self) -> dict:
        """JSON-compatible form (stored beside results)."""
        return {
            "scale": list(self.scale),
            "units": list(self.units),
            "axis_labels": list(self.axis_labels),
            "origin": list(self.origin),
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Calibration:
        """Inverse of `to_dict`."""
        return cls(
            tuple(float(s) for s in data["scale"]),
            tuple(str(u) for u in data["units"]),
            tuple(str(a) for a in data["axis_labels"]),
            tuple(float(o) for o in data.get("origin", ())),
            str(data.get("source", "none")),
        )


def unit_symbol(unit: str) -> str:
    """The short symbol of a unit, e.g. ``"nanometer"`` -> ``"nm"`` (as given if unknown).

    Parameters
    ----------
    unit : str
        A unit name pint understands (``"second"``, ``"nm"``...).
    """
    try:
        import pint

        return f"{pint.Unit(unit):~}" or unit
    except Exception:  # a unit pint cannot parse or abbreviate is shown as it is
        return unit
