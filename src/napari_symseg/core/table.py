"""A small column table (the measurement tables: regions, boundaries), no pandas needed."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class Table:
    """Named columns of equal length.

    Attributes
    ----------
    columns : dict of str to ndarray
        In column order.

    Examples
    --------
    >>> t = Table({"region": np.array([1, 2]), "area_px": np.array([10.0, 4.0])})
    >>> len(t), float(t["area_px"].sum()), t.rows()[1]["region"]
    (2, 14.0, 2)
    """

    columns: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def __contains__(self, name: str) -> bool:
        return name in self.columns

    @property
    def names(self) -> list[str]:
        """Column names in order."""
        return list(self.columns)

    def rows(self) -> list[dict]:
        """One dict per row, plain Python values."""
        cols = {k: np.asarray(v).tolist() for k, v in self.columns.items()}
        return [{k: cols[k][i] for k in cols} for i in range(len(self))]

    def where(self, keep) -> Table:
        """The rows where `keep` is True.

        Parameters
        ----------
        keep : array_like of bool, (n_rows,)
            Which rows to keep.
        """
        keep = np.asarray(keep, dtype=bool)
        return Table({k: np.asarray(v)[keep] for k, v in self.columns.items()})

    def to_csv(self, path: str | Path | None = None) -> str:
        """The table as CSV text (floats to 8 significant digits, NaN as an empty cell),
        written to `path` whole or not at all when given.

        Parameters
        ----------
        path : str or Path, optional
            The ``.csv`` file.

        Returns
        -------
        str
            The CSV text.
        """
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(self.names)
        for row in self.rows():
            writer.writerow([_cell(v) for v in row.values()])
        text = buf.getvalue()
        if path is not None:
            from .._atomic import write_text_atomic

            write_text_atomic(path, text, newline="")
        return text

    @classmethod
    def concat(cls, tables: list[Table]) -> Table:
        """Rows of `tables` one after the other (the columns of the first)."""
        tables = [t for t in tables if t.columns]
        if not tables:
            return cls()
        names = tables[0].names
        return cls({k: np.concatenate([np.asarray(t[k]) for t in tables]) for k in names})


def _cell(value) -> str:
    if isinstance(value, float):
        if not np.isfinite(value):
            return ""
        return f"{value:.8g}"
    return str(value)
