"""The probe's local correlation map (paper Fig. 3) on shift axes, in px and the image's unit.

Hovering names the shift and its correlation, e.g. ``"T(3,-2): ρ = 0.53"``.
"""

from __future__ import annotations

import numpy as np

from .mpl import FONT_SIZE, calibration_of, shift_axes, shift_in_units
from .panel_plot import PanelPlot


class ProbePlot(PanelPlot):
    """The probe pixel's local correlation map on shift axes (paper Fig. 3).

    Attributes
    ----------
    cmap : ndarray or None
        The map, (2 window_x + 1, 2 window_y + 1); the centre is the zero shift.
    pixel : (int, int) or None
        The image pixel (row, col) it belongs to.
    image : matplotlib.image.AxesImage or None
    """

    def __init__(self, viewer, parent=None) -> None:
        super().__init__(viewer, parent)
        self.clear()

    def clear(self) -> None:
        """Show nothing (probe off)."""
        self.cmap = self.pixel = self.image = self._key = None
        self.message("local correlation map: tick 'probe' and drag it over the image")

    def show(self, cmap: np.ndarray, pixel, source=None) -> None:
        """Draw the local correlation map `cmap` of image pixel `pixel` = (row, col).

        Only the values and texts change when the shape and calibration are
        those of the last map (the probe being dragged).

        Parameters
        ----------
        cmap : ndarray, (2 window_x + 1, 2 window_y + 1)
            Pearson correlation of the patch with itself shifted.
        pixel : (int, int)
            The image pixel (row, col) of the map.
        source : napari.layers.Image, optional
            The probed image: shift axes in its unit when calibrated.
        """
        self.cmap = np.asarray(cmap, dtype=float)
        self.pixel = (int(pixel[0]), int(pixel[1]))
        hx, hy = (np.asarray(self.cmap.shape) - 1) // 2
        calibration = self._calibration = calibration_of(source)
        key = (self.cmap.shape, calibration)
        if self._layout("map") or key != self._key:
            self._key = key
            self.colorbar.set_label("ρ", fontsize=FONT_SIZE)  # the panel says what ρ is
            self.image = self.axes.images[0]
            with self.image.callbacks.blocked(signal="changed"):  # one colour bar update
                self.image.set(cmap="RdBu_r", clim=(-1.0, 1.0), interpolation="nearest",
                               extent=(-hy - 0.5, hy + 0.5, hx + 0.5, -hx - 0.5))
            self.colorbar.update_normal(self.image)
            self.axes.set_xlim(-hy - 0.5, hy + 0.5)
            self.axes.set_ylim(hx + 0.5, -hx - 0.5)
            shift_axes(self.axes, (-hy, hy, -hx, hx), source)
            self.restyle()
        self.image.set_data(self.cmap)
        self._describe_pixel(calibration)
        self.canvas.draw_idle()

    def _describe_pixel(self, calibration) -> None:
        row, col = self.pixel
        self.set_title(f"local correlation map at ({row}, {col})")
        where = f"pixel row {row}, column {col}"
        rows, cols = calibration
        if rows is not None and cols is not None:
            where += f" (y {row * rows[0]:.3g} {rows[1]}, x {col * cols[0]:.3g} {cols[1]})"
        self.info.set_text(
            f"{where}\nρ: Pearson correlation of the patch with itself shifted;\n"
            "1 at zero shift; red spots repeat the patch (the lattice)")

    def describe(self, x: float, y: float) -> str | None:
        """``"T(m,n) = (…) nm: ρ = 0.53"`` for the shift under data point (x, y)."""
        if self.cmap is None:
            return None
        hx, hy = (np.asarray(self.cmap.shape) - 1) // 2
        m, n = round(y), round(x)
        if abs(m) > hx or abs(n) > hy:
            return None
        where = shift_in_units(self._calibration, m, n)
        return f"T({m},{n}){where}: ρ = {self.cmap[m + hx, n + hy]:.3g}"
