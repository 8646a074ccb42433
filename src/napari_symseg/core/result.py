"""What a segmentation of one image produced: the `Result`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .descriptors.operations import Operations
from .grid import Grid
from .params import Params

if TYPE_CHECKING:  # Model applies itself through labelling.py, which builds Results
    from .measure import Measurement
    from .model import Model
    from .pattern_count import PatternCountHint


@dataclass(frozen=True)
class Result:
    """Everything a segmentation produced.

    Attributes
    ----------
    labels : ndarray of int32
        Pattern label per pixel, shape of the image (or of the grid when
        ``params.upsampling`` is False).
    grid_labels : ndarray of int32, (n_rows, n_cols)
        Labels on the descriptor grid.
    confidence : ndarray of float32, (n_rows, n_cols)
        Margin between nearest and second-nearest cluster centre, in [0, 1];
        low values mark pattern boundaries, defects and unusual spots.
    descriptors : ndarray of float32, (n_rows, n_cols, n_features), or None
        Raw descriptors on the grid; None when they were too large to keep
        (more than `DESCRIPTOR_BUDGET` bytes) and were streamed instead.
    pca_components : ndarray of float32, (n_rows, n_cols, n_components)
        The PCA features as images on the grid.
    explained_variance_ratio : ndarray, (n_components,)
    operations : Operations
        The symmetry operation behind each descriptor feature.
    separability : ndarray or None, (n_features,)
        Fisher separability of every raw feature (None if not computed).
    pca_separability : ndarray or None, (n_components,)
        Fisher separability of every PCA component.
    cluster_centres : ndarray, (n_patterns, n_components)
        In label order.
    grid : Grid
        Where the descriptors were computed.
    model : Model
        The fitted model: applies the same operations, PCA and centres to
        another image (``result.model.predict(other)``).
    params : Params
    image : ndarray or None
        The segmented image (validated, float64), kept for `measure`.
    """

    labels: np.ndarray
    grid_labels: np.ndarray
    confidence: np.ndarray
    descriptors: np.ndarray
    pca_components: np.ndarray
    explained_variance_ratio: np.ndarray
    operations: Operations
    separability: np.ndarray | None
    pca_separability: np.ndarray | None
    cluster_centres: np.ndarray
    grid: Grid
    model: Model
    params: Params
    image: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def confidence_image(self) -> np.ndarray:
        """Confidence upsampled to the image size (nearest grid point)."""
        return self.grid.upsample(self.confidence)

    def pattern_count_hint(self, k_max: int = 6) -> PatternCountHint:
        """How many patterns the features suggest (k = 1 .. k_max; see `pattern_count_hint`),
        from the grid points whose descriptors are unclipped (those the model was fitted on;
        `pattern_count.results_hint`, the rule the widget's series hint uses too).

        Parameters
        ----------
        k_max : int
            Largest number of patterns tried.

        Returns
        -------
        PatternCountHint
        """
        from .pattern_count import results_hint

        return results_hint([self], k_max)

    @property
    def pca_images(self) -> np.ndarray:
        """PCA features as a stack of images, (n_components, n_rows, n_cols)."""
        return np.moveaxis(self.pca_components, -1, 0)

    def measure(self, image=None, maps: bool = True) -> Measurement:
        """Regions with their lattices, boundaries and local lattice maps of this result
        (computed once, then kept; see `napari_symseg.core.measure`).

        Parameters
        ----------
        image : array_like, 2-D, optional
            The segmented image (default: the one the result was computed from).
        maps : bool
            Also compute the local orientation and spacing maps.

        Returns
        -------
        Measurement
        """
        from .measure import max_lag_for, measure_frame

        cached = self.__dict__.get("_measurement")
        if image is None and cached is not None and (cached[1] or not maps):
            return cached[0]
        source = self.image if image is None else np.asarray(image, np.float64)
        if source is None:
            raise ValueError("this result holds no image: pass it, result.measure(image)")
        m = measure_frame(source, self.grid_labels, self.grid, self.params.n_patterns, 0,
                          max_lag_for(self.params), maps=maps)
        if image is None and self.operations.kind == "polarity":  # its own polarisation
            from .descriptors.polarity import region_polarisation

            on_grid = m.region_labels[np.ix_(self.grid.rows, self.grid.cols)]
            reach = max(self.params.patch_x, self.params.patch_y) / self.grid.stride
            m.regions.columns.update(region_polarisation(self.polarisation(), on_grid,
                                                         m.regions["region"], reach))
        if image is None:
            object.__setattr__(self, "_measurement", (m, maps))
        return m

    def regions(self):
        """One row per connected region of every pattern (`Measurement.regions`).

        Returns
        -------
        Table
            Columns ``frame, region, pattern, area_px, centroid_y_px,
            centroid_x_px, bbox_*, orientation_deg, a_px, b_px, gamma_deg,
            a_y_px, a_x_px, b_y_px, b_x_px, a_ideal_px, distortion, plane_group,
            plane_group_score, lattice_note``;
            for the polarity family also ``polarisation_y, polarisation_x,
            polarisation_deg, polarisation_magnitude`` (the region's mean
            polarisation, `descriptors.polarity.region_polarisation`).
        """
        return self.measure(maps=False).regions

    def boundaries(self):
        """One row per pair of adjacent regions (`Measurement.boundaries`).

        Returns
        -------
        Table
            Columns ``frame, boundary, region_a, region_b, length_px,
            misorientation_deg, n_lines, mid_y_px, mid_x_px``.
        """
        return self.measure(maps=False).boundaries

    def polarisation(self) -> np.ndarray:
        """Local polarisation vector (row, col) on the descriptor grid (polarity family).

        From the polarity scores (`descriptors.polarity.polarisation`):
        dimensionless, odd under inversion; recomputed from the image when
        the descriptors were streamed.

        Returns
        -------
        ndarray, float32, (n_rows, n_cols, 2)

        Raises
        ------
        ValueError
            When the result is not of the ``polarity`` family.
        """
        from .descriptors.polarity import polarisation

        if self.operations.kind != "polarity":
            raise ValueError("polarisation needs a result of the 'polarity' descriptor "
                             f"family; this one is {self.params.descriptor_name!r}")
        scores = self.descriptors
        if scores is None:
            from .chunks import descriptor_steps
            from .progress import run

            _, scores = run(descriptor_steps(self.image, self.params, self.operations))
        return polarisation(scores[..., :len(self.operations)], self.operations.values)

    @property
    def orientation_map(self) -> np.ndarray:
        """Local lattice orientation (degrees) on the descriptor grid."""
        return self.measure().orientation_map

    @property
    def spacing_map(self) -> np.ndarray:
        """Local shortest lattice spacing (px) on the descriptor grid."""
        return self.measure().spacing_map
