"""Compile (or load from numba's cache) every kernel a segmentation uses, on tiny inputs.

The first call of a numba kernel in a process compiles it, or loads it from
the on-disk cache, and starts numba's thread pool: 0.5-4 s before any real
work. The napari widget calls `warm_up` in a background thread when it
opens, so that the first Run, the first probe map and the first series do
not pay for it (and never on the GUI thread). It takes about a second on a
warm cache and runs every route a run may take: each descriptor family,
both translation routes (``method="direct"`` and ``"fft"``), patches
clipped at the border, the probe's local correlation map, PCA, k-means,
Fisher separability and the per-pattern statistics.
"""

from __future__ import annotations

import time

import numpy as np

from .descriptors.registry import FAMILIES
from .descriptors.translation import correlation_map
from .params import Params
from .stats import frame_statistics

#: Side (px) of the warm-up image: big enough for every family's smallest sizes.
SIZE = 48
#: Small sizes every family accepts on a `SIZE` x `SIZE` image.
TINY = {"patch_x": 3, "patch_y": 3, "window_x": 4, "window_y": 4, "max_num_points": 25,
        "radius": 4, "stride": 2, "n_patterns": 2, "n_pca_components": 2,
        "random_state": 0}


def warm_up_image(size: int = SIZE) -> np.ndarray:
    """A small two-lattice image (square left, hexagonal right), float64, deterministic.

    Parameters
    ----------
    size : int
        Side in px.
    """
    y, x = np.mgrid[0:size, 0:size].astype(float)
    square = np.cos(2 * np.pi * x / 6) + np.cos(2 * np.pi * y / 6)
    hexagonal = sum(np.cos(2 * np.pi / 6 * (x * np.cos(a) + y * np.sin(a)))
                    for a in (0.0, np.pi / 3, 2 * np.pi / 3))
    noise = np.random.default_rng(0).normal(0.0, 0.1, (size, size))
    return np.where(x < size / 2, square, hexagonal) + noise


def warm_up_params() -> list[Params]:
    """The parameter sets `warm_up` runs: every family, translations by both routes."""
    out = []
    for name in FAMILIES:
        extra = {"preselected_translations": ((0, 3), (3, 0), (3, 3))} \
            if name == "preselected_translations" else {}
        params = Params(descriptor_name=name, **TINY, **extra)
        methods = ("direct", "fft") if params.is_translation else (params.method,)
        out += [params.replace(method=method) for method in methods]
    return out


def warm_up() -> dict[str, float]:
    """Run every kernel once on a tiny image; return the seconds each step took.

    Safe to call from any thread, any number of times (later calls are fast).

    Returns
    -------
    dict of str to float
        Seconds per step, e.g. ``{"local_correlation_map/direct": 0.8, ...,
        "point symmetry, stride 1": 0.02, "probe map": 0.01, "statistics": 0.002}``.
    """
    from . import segment  # the package's verb (imported late: core/__init__ is ready)

    image = warm_up_image()
    timings = {}
    result = None
    for params in warm_up_params():
        start = time.perf_counter()
        result = segment(image, params)
        key = params.descriptor_name + (f"/{params.method}" if params.is_translation else "")
        timings[key] = time.perf_counter() - start
    start = time.perf_counter()  # stride 1: the dense point-symmetry kernel
    segment(image, Params(descriptor_name="rotational_symmetry_maximum_pooling",
                          **{**TINY, "stride": 1}))
    timings["point symmetry, stride 1"] = time.perf_counter() - start
    start = time.perf_counter()
    correlation_map(image, 3, 3, 4, 4, SIZE // 2, SIZE // 2)
    timings["probe map"] = time.perf_counter() - start
    start = time.perf_counter()
    frame_statistics(result.labels, image, TINY["n_patterns"])
    timings["statistics"] = time.perf_counter() - start
    return timings
