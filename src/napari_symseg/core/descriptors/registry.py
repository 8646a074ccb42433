"""Descriptor families: one registry drives the core dispatch and the widget.

Every family is three plain functions plus the `Params` fields it uses:

- ``margin(params) -> (rows, cols)``: how far from the border a grid point
  must be for everything the descriptor reads to lie inside the image;
- ``operations(params) -> Operations``: the operation behind each feature;
- ``compute(image, params, operations, rows, cols, out=None)``: float32 array
  of shape ``(len(rows), len(cols), len(operations))`` (written into `out` if
  given), the descriptors of a float64
  image at the grid points ``rows x cols``. ``rows`` and ``cols`` are equally
  spaced by ``params.stride`` and lie at least ``margin`` from the border.
  ``operations`` may be any subset of ``operations(params)`` (this is how a
  model restricted to the most separable operations is applied).

``box(params) -> (rows, cols)``: the half sizes of the descriptor's own
scale (patch, radius or window), over which the optional contrast channels
(`contrast`) are measured.

Optionally ``full_margin(params)``: a family that clips what it reads at the
border (translations clip their patches) computes descriptors from `margin`
on, but only points at least `full_margin` from the border read a full patch;
the PCA and k-means are fitted on those, and the clipped points are only
labelled with that model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import point_symmetry, polarity, power_spectrum, translation
from .operations import Operations


def _writing_into(compute: Callable) -> Callable:
    """Adapt a ``compute`` without ``out`` to the registry's interface."""

    def compute_into(image, params, operations, rows, cols, out=None):
        result = compute(image, params, operations, rows, cols)
        if out is None:
            return result
        out[...] = result
        return out

    compute_into.__doc__ = compute.__doc__
    return compute_into


@dataclass(frozen=True)
class DescriptorFamily:
    """A descriptor family as seen by the pipeline and the widget."""

    name: str
    title: str
    fields: tuple[str, ...]
    margin: Callable
    operations: Callable
    compute: Callable
    box: Callable
    full_margin: Callable | None = None
    #: Scores are Pearson correlations in [-1, 1] (the number-of-patterns hint's score change
    #: test is in those units; `core.pattern_count.results_hint`).
    scores_are_correlations: bool = False

    def fit_margin(self, params) -> tuple[int, int]:
        """Distance from the border from which descriptors are unclipped (fit points)."""
        return (self.full_margin or self.margin)(params)


def _patch_box(params) -> tuple[int, int]:
    return (params.patch_x, params.patch_y)


def _radius_box(params) -> tuple[int, int]:
    return (params.radius, params.radius)


def _window_box(params) -> tuple[int, int]:
    return (params.window_x, params.window_y)


FAMILIES: dict[str, DescriptorFamily] = {
    f.name: f
    for f in (
        DescriptorFamily(
            "local_correlation_map",
            "Translations (all shifts)",
            ("patch_x", "patch_y", "window_x", "window_y", "max_num_points", "method"),
            translation.margin,
            translation.grid_operations,
            translation.compute,
            _patch_box,
            translation.full_margin,
            scores_are_correlations=True,
        ),
        DescriptorFamily(
            "preselected_translations",
            "Translations (given shifts)",
            ("patch_x", "patch_y", "window_x", "window_y", "preselected_translations", "method"),
            translation.margin,
            translation.preselected_operations,
            translation.compute,
            _patch_box,
            translation.full_margin,
            scores_are_correlations=True,
        ),
        DescriptorFamily(
            "rotational_symmetry_maximum_pooling",
            "Rotations (max-pooled)",
            ("radius", "window_x", "window_y", "rotation_angles"),
            point_symmetry.margin,
            point_symmetry.rotation_operations,
            _writing_into(point_symmetry.compute),
            _radius_box,
            scores_are_correlations=True,
        ),
        DescriptorFamily(
            "reflection_symmetry_maximum_pooling",
            "Reflections (max-pooled)",
            ("radius", "window_x", "window_y", "num_reflection_plane"),
            point_symmetry.margin,
            point_symmetry.reflection_operations,
            _writing_into(point_symmetry.compute),
            _radius_box,
            scores_are_correlations=True,
        ),
        DescriptorFamily(
            "power_spectrum",
            "Power spectrum (FFT)",
            ("window_x", "window_y"),
            power_spectrum.margin,
            power_spectrum.operations,
            power_spectrum.compute,
            _window_box,
        ),
        DescriptorFamily(
            "polarity",
            "Polarity (±P domains)",
            ("patch_x", "patch_y", "window_x", "window_y", "max_num_points"),
            polarity.margin,
            polarity.operations,
            polarity.compute,
            _patch_box,
        ),
    )
}

COMMON_FIELDS = (
    "n_patterns",
    "n_pca_components",
    "pca_variance",
    "stride",
    "smoothing",
    "contrast_features",
    "contrast_weight",
    "edge_smoothing",
    "upsampling",
    "separability_analysis",
    "random_state",
    "sort_labels_by_pattern_size",
)


def get_family(name: str) -> DescriptorFamily:
    """The registered family called `name`."""
    return FAMILIES[name]


__all__ = ["COMMON_FIELDS", "FAMILIES", "DescriptorFamily", "Operations", "get_family"]

