"""Compile the numba kernels a first run needs before it needs them (no Qt).

The first run of a process used to freeze napari for seconds: the core's
kernels and napari's own label-colour kernels are compiled on first use.
`warm_up` compiles both. numba compiles under one process-wide lock, so
napari's kernels must not be needed on the GUI thread while anything
compiles: the widget makes result layers only once they are done
(`napari_symseg._qt.runner.napari_ready`). The widget's warm-up thread
(`napari_symseg._qt.warmup.warm_up_once`) runs the plots' imports, the
core's kernels (from numba's cache: quick), `warm_up_labels` (napari's typed
dict, compiled in every process) and `warm_up_shapes` (the probe's), and
tells the GUI thread when each is done.
"""

from __future__ import annotations

import atexit
import subprocess
import sys

import numpy as np

from ..core.params import Params
from ..io.colours import label_colour_dict
from . import LABEL_OFFSET
from .label_colormap import pattern_colormap

#: How much the compiling process lowers its priority (POSIX ``nice``).
NICE = 10


def start_compiling() -> subprocess.Popen | None:
    """Start compiling the core's kernels into numba's on-disk cache in another process.

    On a fresh install (or after an upgrade) numba compiles every kernel,
    a minute or more, holding the interpreter for seconds at a time: done
    in napari's process it froze the window (benchmarks/gui_cold_cache.py).
    When `napari_symseg.core.warmup.cache_is_cold` or `napari_cache_is_cold`
    says so, this starts ``python -m napari_symseg.controller.warmup`` (`main`:
    the core's kernels and napari's Shapes kernels, which numba caches too)
    at a lower priority; the caller
    (a background thread) waits for it with `finish_compiling`, then its own
    warm-up loads every kernel from the cache. A process still compiling
    when napari exits is stopped (numba writes each cache entry whole).

    Returns
    -------
    subprocess.Popen or None
        The process, or None when the cache is warm or the process could not
        start (the caller's warm-up then compiles in-process, as before).
    """
    from ..core.warmup import cache_is_cold

    if not cache_is_cold() and not napari_cache_is_cold():
        return None
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "napari_symseg.controller.warmup", "--nice", str(NICE)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        return None
    atexit.register(_stop_process, process)
    return process


def _stop_process(process: subprocess.Popen) -> None:
    """At exit: stop the compiling process and collect it (no "still running" warning)."""
    process.kill()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


#: napari's numba kernels that numba caches and the probe's layers use
#: (`warm_up_shapes`), "module:function".
NAPARI_KERNELS = tuple(
    f"napari.layers.shapes._accelerated_triangulate_numba:{name}"
    for name in ("remove_path_duplicates", "create_box_from_bounding",
                 "generate_2D_edge_meshes"))


def napari_cache_is_cold() -> bool:
    """Whether one of `NAPARI_KERNELS` has nothing in numba's on-disk cache for its source.

    As `napari_symseg.core.warmup.cache_is_cold`, with the same check
    (`napari_symseg.core.warmup.kernels_cold`: numba's private API; a failure,
    e.g. a napari that renamed them, reads as cold).
    """
    from ..core.warmup import kernels_cold

    return kernels_cold(NAPARI_KERNELS)


def main() -> None:
    """``python -m napari_symseg.controller.warmup [--nice N]``: fill numba's cache, exit.

    The core's kernels (`napari_symseg.core.warmup.warm_up`) and napari's
    Shapes kernels as the probe uses them (`warm_up_shapes`); with ``--nice
    N`` the process first lowers its priority by N (POSIX).
    """
    import os

    from ..core.warmup import warm_up as warm_up_core

    args = sys.argv[1:]
    if args[:1] == ["--nice"] and hasattr(os, "nice"):
        os.nice(int(args[1]))
    warm_up_core()
    warm_up_shapes()


def finish_compiling(process: subprocess.Popen | None, timeout: float | None = None) -> bool:
    """Wait for `start_compiling`'s process; True when it ran and ended without error.

    Parameters
    ----------
    process : subprocess.Popen or None
        What `start_compiling` returned (None: nothing to wait for, False).
    timeout : float, optional
        Seconds to wait before giving up (the process is then stopped).
    """
    if process is None:
        return False
    try:
        return process.wait(timeout=timeout) == 0
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return False
    finally:
        atexit.unregister(_stop_process)


def warm_up_labels() -> None:
    """Compile napari's kernels that map uint8 labels through a direct colormap.

    Small Labels layers with the plugin's colormap (`pattern_colormap`) in both
    data types the plugin gives napari: uint8 (patterns) and int32 (scribbled
    patterns, regions), each refreshed once (model only: nothing is drawn).
    The uint8 one with the dict napari's numba path takes (its table not filled).
    """
    from napari.layers import Labels

    data = np.arange(4, dtype=np.uint8).reshape(2, 2)
    Labels(data, colormap=label_colour_dict(3, LABEL_OFFSET)).refresh()
    data = data.astype(np.int32)
    Labels(data, colormap=pattern_colormap(3, np.int32)).refresh()


def warm_up_shapes() -> None:
    """Compile (or load) napari's Shapes kernels as the probe's layers use them, model only.

    The probe makes an empty Shapes layer with an edge width, then sets two
    rectangles, their colours and a translate (`napari_symseg._qt.probe`);
    each of those steps compiles its own numba signatures of napari's
    triangulation (``remove_path_duplicates``, ``create_box_from_bounding``,
    ``generate_2D_edge_meshes``: 4 s on a cold cache at load 3, measured).
    Done here, the probe's layers load them; otherwise they compiled on the
    GUI thread.
    """
    from napari.layers import Points, Shapes

    from .probe import probe_shapes

    Shapes([np.array([[0.0, 0.0], [4.0, 4.0]])], shape_type="rectangle",
           face_color="transparent")
    for family in ("local_correlation_map", "rotational_symmetry_maximum_pooling"):
        window = Shapes(face_color="transparent", edge_width=1.5)
        data, kinds = probe_shapes(0, 0, Params(descriptor_name=family, patch_x=3, patch_y=3,
                                                window_x=4, window_y=4, radius=4))
        window.data = list(zip(data, kinds, strict=True))
        window.edge_width = 1.5
        window.edge_color = ["yellow", "cyan"][: len(kinds)]
        window.face_color = "transparent"
        window.translate = (1.0, 1.0)
    Points([[1.0, 1.0]], size=10.0, face_color="yellow", border_color="black",
           border_width=0.15)


def warm_up_napari() -> None:
    """Compile napari's kernels the widget's layers need on the GUI thread (labels, shapes)."""
    warm_up_labels()
    warm_up_shapes()


def warm_up() -> None:
    """Compile napari's label kernels, then the core's (`napari_symseg.core.warmup`)."""
    from ..core.warmup import warm_up as warm_up_core

    warm_up_napari()
    warm_up_core()


if __name__ == "__main__":
    main()
