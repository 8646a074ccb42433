"""The symmetry operations (or frequencies) behind each descriptor feature."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Operations:
    """The operation behind every feature of a descriptor, in feature order.

    Attributes
    ----------
    kind : str
        ``"translation"`` (values: (n, 2) int row/col shifts),
        ``"rotation"`` (values: (n,) angles in degrees),
        ``"reflection"`` (values: (n,) axis angles in degrees from the
        horizontal image axis, counter-clockwise as seen on screen) or
        ``"frequency"`` (values: (n, 2) int row/col frequency indices of the
        local window FFT) or ``"polarity"`` (values: (n, 2) int row/col
        shifts t of the odd third-order scores D_t).
    values : ndarray
        Parameters of each operation, see `kind`.
    """

    kind: str
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.values)

    @property
    def labels(self) -> list[str]:
        """A short human-readable name per operation."""
        if self.kind == "translation":
            return [f"T({int(m)},{int(n)})" for m, n in self.values]
        if self.kind == "polarity":
            return [f"D({int(m)},{int(n)})" for m, n in self.values]
        if self.kind == "rotation":
            return [f"R({float(a):g}°)" for a in self.values]
        if self.kind == "reflection":
            return [f"M({float(a):g}°)" for a in self.values]
        return [f"F({int(m)},{int(n)})" for m, n in self.values]

    def subset(self, indices: np.ndarray) -> Operations:
        """The operations at `indices` (in that order)."""
        return Operations(self.kind, np.asarray(self.values)[np.asarray(indices)])

    def to_dict(self) -> dict:
        """JSON-compatible representation."""
        return {"kind": self.kind, "values": np.asarray(self.values).tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> Operations:
        """Inverse of `to_dict`."""
        return cls(data["kind"], np.asarray(data["values"]))
