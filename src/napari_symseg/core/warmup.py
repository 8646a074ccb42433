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

On a cold cache (a fresh install, an upgrade) compiling them takes a minute
or more, and numba's compiler holds the interpreter for long stretches: in
napari's process that froze the window for 1-5 s at a time. The widget
therefore first asks `cache_is_cold` and, when it is, runs this module as a
program in another process (``python -m napari_symseg.core.warmup``), which
compiles the kernels into numba's on-disk cache; its own warm-up then only
loads them.
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
import time

import numpy as np

from .descriptors.registry import FAMILIES
from .descriptors.translation import correlation_map
from .params import Params
from .stats import frame_statistics, upsampled_statistics

#: Side (px) of the warm-up image: big enough for every family's smallest sizes.
SIZE = 48
#: Small sizes every family accepts on a `SIZE` x `SIZE` image.
TINY = {"patch_x": 3, "patch_y": 3, "window_x": 4, "window_y": 4, "max_num_points": 25,
        "radius": 4, "stride": 2, "n_patterns": 2, "n_pca_components": 2,
        "random_state": 0}


#: The kernels `warm_up` leaves in numba's on-disk cache ("module:function", the module
#: under ``napari_symseg.core``). tests/core/test_warmup.py checks that a warm-up caches
#: every one of them (a renamed kernel must be renamed here).
WARM_KERNELS = (
    "descriptors.translation:_box_moments", "descriptors.translation_clipped:_box",
    "descriptors.translation_clipped:_integral_images",
    "descriptors.translation_clipped:_clipped_kernel",
    "descriptors.pearson:_standardise",
    "descriptors.translation:_box_correlations", "descriptors.translation_fft:_lagged_box_sums",
    "descriptors.point_symmetry_dense:_dense_kernel",
    "descriptors.point_symmetry_scores:_scores_kernel", "descriptors.polarity:_odd_scores",
    "descriptors.point_symmetry_pool:_pool_rows", "descriptors.point_symmetry_pool:_pool_cols",
    "descriptors.power_spectrum:_gather_windows", "descriptors.power_spectrum:_one_plus_power",
    "stats:_pattern_sums", "stats:_gathered_sums", "stats:_count_regions",
    "kmeans:_assign_and_sum",
    "separability:_class_sums", "clustering_fused:_nearest_kernel",
)


def cache_is_cold() -> bool:
    """Whether one of `WARM_KERNELS` has nothing in numba's on-disk cache for its source.

    True on a fresh install and after an upgrade (numba keys its cache on the
    source file's time stamp and size), and also when the check itself fails:
    it reads numba's cache index through numba's private API
    (``Dispatcher._cache._cache_file._load_index``), and a numba that has
    changed it gets the safe answer (compiling in another process costs a
    second of another core when everything was cached after all).
    """
    return kernels_cold(f"{__package__}.{entry}" for entry in WARM_KERNELS)


def kernels_cold(kernels) -> bool:
    """Whether one of `kernels` has nothing in numba's on-disk cache for its source.

    The one check behind `cache_is_cold` (the core's kernels) and
    `napari_symseg.controller.warmup.napari_cache_is_cold` (napari's). It reads
    numba's cache index through numba's private API
    (``Dispatcher._cache._cache_file._load_index``); any failure (a module or
    kernel renamed, a numba that changed that API, a function numba does not
    cache) reads as cold, the safe answer.

    Parameters
    ----------
    kernels : iterable of str
        ``"module:function"``, the module's full name (imported if needed).

    Returns
    -------
    bool
        True when one of them is not cached (or cannot be checked).
    """
    try:
        for entry in kernels:
            module, name = entry.split(":")
            kernel = getattr(importlib.import_module(module), name)
            if not kernel._cache._cache_file._load_index():
                return True
    except Exception:  # numba's private API moved, or a kernel renamed: assume cold
        return True
    return False


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


#: Seconds each step of `warm_up` took on a cold cache (one process alone, load 1-6 on
#: 2 cores: 286 s in all, 124 s of CPU): the weights of `cold_fraction`.
COLD_S = {
    "local_correlation_map/direct": 93.5, "local_correlation_map/fft": 8.5,
    "preselected_translations/direct": 0.1, "preselected_translations/fft": 0.1,
    "rotational_symmetry_maximum_pooling": 30.8, "reflection_symmetry_maximum_pooling": 0.1,
    "power_spectrum": 11.5, "polarity": 8.1, "point symmetry, stride 1": 108.8,
    "probe map": 23.5, "statistics": 1.5,
}


def cold_fraction(keys, done: int) -> float:
    """The share of a cold compile that the first `done` of the steps `keys` are (by `COLD_S`).

    Parameters
    ----------
    keys : sequence of str
        The steps' names in order (`warm_up`'s, and a caller's own; unknown: 1 s each).
    done : int
        How many of them are done.

    Returns
    -------
    float
        In [0, 1].
    """
    weights = [COLD_S.get(key, 1.0) for key in keys]
    return sum(weights[:done]) / sum(weights) if weights else 1.0


def warm_up(stop=None, step=None) -> dict[str, float]:
    """Run every kernel once on a tiny image; return the seconds each step took.

    Safe to call from any thread, any number of times (later calls are fast).

    Parameters
    ----------
    stop : callable, optional
        ``stop()`` True: return before the next step (a closing
        napari does not wait for every kernel to compile).
    step : callable, optional
        ``step(done, keys)`` before each step: `done` steps of those named
        `keys` are done (a progress report: `napari_symseg.controller.warmup.main`
        prints it).

    Returns
    -------
    dict of str to float
        Seconds per step, e.g. ``{"local_correlation_map/direct": 0.8, ...,
        "point symmetry, stride 1": 0.02, "probe map": 0.01, "statistics": 0.002}``.
    """
    from . import segment  # the package's verb (imported late: core/__init__ is ready)

    image, last = warm_up_image(), {}

    def family(params):
        last["result"] = segment(image, params)

    steps = [(p.descriptor_name + (f"/{p.method}" if p.is_translation else ""),
              functools.partial(family, p)) for p in warm_up_params()]
    steps += [
        ("point symmetry, stride 1",  # the dense point-symmetry kernel
         lambda: segment(image, Params(descriptor_name="rotational_symmetry_maximum_pooling",
                                       **{**TINY, "stride": 1}))),
        ("probe map", lambda: correlation_map(image, 3, 3, 4, 4, SIZE // 2, SIZE // 2)),
        ("statistics", lambda: _statistics(last["result"], image)),
    ]
    timings, keys = {}, [key for key, _ in steps]
    for done, (key, run) in enumerate(steps):
        if stop is not None and stop():
            break
        if step is not None:
            step(done, keys)
        start = time.perf_counter()
        run()
        timings[key] = time.perf_counter() - start
    return timings


def _statistics(result, image) -> None:
    """The statistics of an image's labels, and of a series frame's (`frame_labels`)."""
    frame_statistics(result.labels, image, TINY["n_patterns"])
    upsampled_statistics(np.asarray(result.grid_labels, np.uint8), *result.grid.nearest_index(),
                         image, TINY["n_patterns"])


def main() -> None:
    """``python -m napari_symseg.core.warmup [--nice N]``: compile into numba's cache, exit.

    With ``--nice N`` the process first lowers its priority by N (POSIX), so
    that compiling in the background leaves the cores to the user's window.
    """
    args = sys.argv[1:]
    if args[:1] == ["--nice"] and hasattr(os, "nice"):
        os.nice(int(args[1]))
    warm_up()


if __name__ == "__main__":
    main()
