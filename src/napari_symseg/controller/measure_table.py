"""The *Measure* table without Qt: its columns, rows and links to the canvas.

`MeasureTable` is the table part of
`napari_symseg.controller.measure.MeasureController` (a mixin): the rows of
the last measurement (`columns`, `rows`), the region under the cursor
(`region_at`), a region's row (`row_of`) and a row's region shown alone
(`highlight`).
"""

from __future__ import annotations

import numpy as np

from .measure_parts import table_cell

#: The columns the table shows (all columns go to the layer's features).
TABLE_COLUMNS = ("frame", "region", "pattern", "area_px", "orientation_deg", "a_px", "b_px",
                 "gamma_deg", "a_ideal_px", "plane_group")
#: What the columns mean, in a microscopist's words (the table header's tooltips).
COLUMN_HELP = {
    "frame": "frame of the series (0 for an image)",
    "region": "connected region of one pattern (its number in the regions layer)",
    "pattern": "the pattern of the region (as in the patterns layer, minus 1)",
    "area_px": "area in pixels",
    "orientation_deg": "direction of the lattice vector a, counter-clockwise from the x axis, "
                       "modulo the lattice's rotation symmetry: 0-60° for a hexagonal, 0-90° "
                       "for a square lattice (its equally short vectors are equivalent), "
                       "0-180° otherwise",
    "a_px": "unit cell: the shortest translation that maps the region's image onto itself "
            "(autocorrelation peaks), in px. Suggest names the strongest spacings of the "
            "whole image instead: they can be a fraction of this (bright columns on a finer "
            "grid, e.g. the M3B2 boride: 22.7 px spacings, 45 px cell) or a multiple",
    "b_px": "unit cell: the shortest translation not parallel to a, in px",
    "gamma_deg": "angle between a and b (90-120°) as imaged: scan drift shears a hexagonal "
                 "cell to 116-119°, a square one off 90°",
    "a_ideal_px": "side of the undistorted square or hexagonal cell of the same area (scan "
                  "drift removed, the mean of the short vectors), in px; empty for other "
                  "lattices",
    "plane_group": "the plane group guessed from the region's symmetries",
}
#: ... and after them, when the measured run was of the ``polarity`` family (issue 18).
POLAR_COLUMNS = ("polarisation_deg", "polarisation_magnitude")
#: Columns shown as integers.
INTEGER_COLUMNS = ("frame", "region", "pattern", "area_px")



class MeasureTable:
    """The table part of `controller.measure.MeasureController` (a mixin).

    Uses the controller's ``last`` (the `Measured` the table shows) and
    ``viewer``; see `MeasureController`.
    """

    def columns(self) -> tuple[str, ...]:
        """The table's columns: `TABLE_COLUMNS`, and `POLAR_COLUMNS` when measured."""
        if self.last is not None and all(c in self.last.regions.columns
                                         for c in POLAR_COLUMNS):
            return TABLE_COLUMNS + POLAR_COLUMNS
        return TABLE_COLUMNS

    def rows(self) -> list[list[str]]:
        """The table's rows (`columns`), formatted."""
        if self.last is None:
            return []
        cols = self.last.regions.columns
        out = []
        for i in range(len(self.last.regions)):
            out.append([table_cell(cols[c][i], c in INTEGER_COLUMNS, c.endswith("magnitude"))
                        for c in self.columns()])
        return out

    def region_at(self, position) -> int:
        """The region id under a world `position` (0: none).

        Parameters
        ----------
        position : sequence of float
            World coordinates (napari's cursor position).
        """
        if self.last is None or "regions" not in self.last.layers:
            return 0
        value = self.last.layers["regions"].get_value(position, world=True)
        return int(value or 0)

    def row_of(self, region: int, frame: int = 0) -> int | None:
        """The table row of `region` in `frame` (None when absent).

        Parameters
        ----------
        region : int
            Region id.
        frame : int
            Frame (0 for an image).
        """
        if self.last is None:
            return None
        r = self.last.regions
        hit = np.flatnonzero((r["region"] == region) & (r["frame"] == frame))
        return int(hit[0]) if len(hit) else None

    def highlight(self, row: int) -> int:
        """Show only the region of table row `row` (its frame under the slider); its id.

        Parameters
        ----------
        row : int
            Table row.
        """
        r = self.last.regions
        region = int(r["region"][row])
        layer = self.last.layers["regions"]
        layer.selected_label = region
        layer.show_selected_label = True
        if layer.ndim == 3:
            step = list(self.viewer.dims.current_step)
            step[0] = int(r["frame"][row])
            self.viewer.dims.current_step = tuple(step)
        return region
