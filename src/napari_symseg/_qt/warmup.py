"""The background warm-up: numba's and napari's kernels compiled, the plots imported.

`warm_up_once` (the first dock opened) starts one daemon thread per
process (`_warm_up`): the plots' imports first, then the core's kernels
and napari's label kernels, napari's Shapes kernels last; its events
(`PLOTS_WARM`, `NAPARI_WARM`, `SHAPES_WARM`) say what is ready, and
`napari_ready` whether the GUI thread may make napari layers without
waiting for numba. The garbage collector's objects are frozen meanwhile
and taken back once nothing is busy (`collector`, which also keeps them
frozen between idle collections while a dock is open).
Split out of `runner`, which re-exports these names.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ..controller.warmup import WarmUpProgress
from . import collector
from .collector import thaw_now  # noqa: F401  (re-exported: runner, tests)

_WARMED = []
#: How far the compiling process of a cold numba cache is (`_warm_up`; the docks'
#: `_qt.compile_notice.CompileNotice` shows it).
PROGRESS = WarmUpProgress()
#: Set at exit (`stop_warm_up`): the warm-up ends after the step it is in.
STOP = threading.Event()
#: The warm-up thread of this process (`warm_up_once`).
_THREAD: list[threading.Thread] = []
#: Seconds the exit waits for the warm-up's current step (`stop_warm_up`): a quick step
#: ends cleanly; a compile (napari's label kernels, 2-15 s, which numba cannot cut) is
#: left to this daemon thread, whose result nobody needs any more. Waiting up to 10 s
#: kept a closed napari 2-10 s longer than plain napari (benchmarks/exit_time.py, issue 11).
EXIT_WAIT_S = 1.0
#: Set once the warm-up thread has imported the plots and made its first axes.
PLOTS_WARM = threading.Event()
#: Held by whichever thread imports matplotlib (or a module of ours that does): two threads
#: importing it at once can each be handed the other's partly initialised module
#: (``ImportError: cannot import name 'Transform' from partially initialized module``,
#: then napari crashed: the Scribbles dock opened right after the main dock, whose
#: warm-up thread was importing matplotlib).
PLOTS_IMPORT = threading.RLock()
#: Set once the warm-up thread has compiled napari's label kernels (`napari_ready`).
NAPARI_WARM = threading.Event()
#: Set once it has also loaded napari's Shapes kernels (`napari_ready("shapes")`).
SHAPES_WARM = threading.Event()
#: How often (ms) a step that makes napari layers checks `napari_ready` again.
READY_POLL_MS = 50


def napari_ready(kind: str = "labels") -> bool:
    """True when the GUI thread may make napari layers without waiting for numba.

    numba compiles under one process-wide lock: a napari layer made on the
    GUI thread while the warm-up (or a run's worker) compiles would wait
    for that lock, seconds on a busy machine. Layers are made once the
    warm-up has compiled napari's kernels for them (at once when no
    warm-up runs).

    Parameters
    ----------
    kind : {"labels", "shapes"}
        A run's result layers, the probe's or Measure's boundaries (a Shapes layer).
    """
    event = SHAPES_WARM if kind == "shapes" else NAPARI_WARM
    return not _WARMED or event.is_set()



def compiling() -> bool:
    """True while the warm-up waits for the compiling process of a cold numba cache."""
    return PROGRESS.compiling and warming()


def warming() -> bool:
    """True while this process's warm-up thread runs."""
    return any(thread.is_alive() for thread in _THREAD)


def warm_up_once(busy: Callable[[], bool] = lambda: False,
                 holder=None) -> threading.Thread | None:
    """Compile the numba kernels (the core's and napari's label colours) in the background.

    `busy` (GUI thread) says when a run or a suggestion is going on: the garbage
    collector's objects frozen meanwhile are taken back once it is not.

    Only the first call in a process starts a thread (the kernels are then
    cached); later calls return None. A plain daemon thread, not a Qt
    worker: nothing reports back, and closing napari while it still
    compiles neither waits for it nor touches deleted Qt objects.

    `holder` (a dock) keeps the objects alive after an idle collection frozen
    until it calls `release_frozen` (see the module); its ``collection_busy()``
    says when such a collection must wait (held weakly).
    """
    collector.hold(holder)
    collector.watch_input()
    if _WARMED:
        return None
    _WARMED.append(True)
    for event in (PLOTS_WARM, NAPARI_WARM, SHAPES_WARM):
        event.clear()
    # pint's unit registry loads its definitions on first use, not thread-safely: the
    # warm-up's napari layer and a layer made here meanwhile could both load it, and one
    # then missed units ("'pixel' is not defined"). Loaded here first (napari's first
    # layer has usually done it already).
    import pint

    _ = pint.get_application_registry().pixel
    # The warm-up's imports and numba's compiler make objects by the million, and every
    # few seconds Python's cyclic collector then walked the whole heap (napari's included)
    # holding the interpreter: 0.6-1.5 s gaps (load 6) during a first Suggest or run, 90 %
    # of the longest gap outside napari (benchmarks/gap_stacks.py). What exists now is left
    # out of those collections while the warm-up runs, and taken back (one collection)
    # once it has ended and no run is going on (`collector.run_frozen`).
    STOP.clear()
    thread = threading.Thread(target=_warm_up, name="napari-symseg warm-up", daemon=True)
    _THREAD[:] = [thread]
    collector.run_frozen(thread, busy)
    return thread


def _warm_up() -> None:
    """napari's label kernels, the core's, the plots' imports, napari's Shapes kernels.

    The quick parts that the GUI thread would otherwise do itself come first:
    the plots' imports (the dock makes its plots in idle turns once
    `PLOTS_WARM` is set, or after 5 s anyway: then matplotlib was imported on
    the GUI thread, a 5 s gap at load 7 on a first Suggest), then the core's
    kernels (loaded from numba's cache in about a second; a run's worker
    waits for numba's process-wide lock while anything compiles), then
    napari's label kernels (a typed dict numba cannot cache: compiled in
    every process, 2-3 s idle, 15 s at load 7; the result layers wait for
    them, `napari_ready`), napari's Shapes kernels last. On a cold numba
    cache (`controller.warmup.start_compiling`) the core's kernels are
    compiled in another process while napari's are compiled here, then loaded.
    """
    from ..controller.warmup import (
        finish_compiling,
        follow,
        start_compiling,
        warm_up_labels,
        warm_up_shapes,
    )
    from ..core.warmup import warm_up as warm_up_core

    def labels() -> None:
        warm_up_labels()
        warm_up_vispy_lines()

    try:
        warm_up_plots()
    finally:
        PLOTS_WARM.set()
    # a cold numba cache: the core's kernels compile in another process meanwhile
    # (napari's label kernels cannot be cached: compiled here while it works)
    process = start_compiling()
    if process is not None:  # its steps, as it prints them, for the docks' notice
        PROGRESS.begin()
        threading.Thread(target=follow, args=(process, PROGRESS), daemon=True,
                         name="napari-symseg compile progress").start()

    def core() -> None:
        warm_up_core(stop=STOP.is_set)

    def compiled() -> None:  # (at exit the process is stopped, `start_compiling`)
        try:
            while process.poll() is None and not STOP.is_set():
                time.sleep(0.1)
            if not STOP.is_set():
                finish_compiling(process)
        finally:
            PROGRESS.compiling = False

    if process is None:
        steps = [(core, None), (labels, NAPARI_WARM)]
    else:
        steps = [(labels, NAPARI_WARM), (compiled, None), (core, None)]
    try:
        for step, done in [*steps, (warm_up_shapes, SHAPES_WARM)]:
            try:
                if not STOP.is_set():  # (napari is closing: nothing more to compile)
                    step()
            finally:
                if done is not None:
                    done.set()
    finally:
        PROGRESS.compiling = False


def stop_warm_up(wait_s: float = EXIT_WAIT_S) -> bool:
    """At exit: the warm-up ends after the step it is in, and is waited for.

    A run's worker waiting for numba's lock while the warm-up compiled kept a
    closed napari's process alive 48-99 s (tester newuser11: Qt's thread pool
    waits for its workers); the warm-up now stops between its steps (and
    between the core's families, `core.warmup.warm_up`).

    Parameters
    ----------
    wait_s : float
        Longest wait (s) for the step going on.

    Returns
    -------
    bool
        True when no warm-up thread is left running.
    """
    STOP.set()
    for thread in _THREAD:
        thread.join(max(0.0, wait_s))
    return not any(thread.is_alive() for thread in _THREAD)


def warm_up_vispy_lines() -> None:
    """Fill vispy's cache of line dash patterns here (numpy only, no OpenGL).

    napari gives every Labels layer a polygon overlay whose line visual
    makes vispy's dash atlas; the first one of a process computes its 13
    patterns in Python loops (0.4 s, over 2 s on a busy machine) on the GUI
    thread, inside the first run's patterns layer. Later atlases hit the cache.
    """
    from vispy.visuals.line.dash_atlas import DashAtlas

    DashAtlas()


def warm_up_plots() -> None:
    """Import the plots' modules and make a figure's first axes and colour bar here.

    The first axes of a process import and set up parts of matplotlib
    (0.1-0.4 s, seconds on a busy machine); done in the warm-up thread, the
    plots dock made later on the GUI thread finds them ready. No Qt object
    is made: a plain Agg figure.
    """
    import numpy as np

    with PLOTS_IMPORT:
        from matplotlib.figure import Figure

        from . import plots  # noqa: F401  (the module the plots dock is made of)
    figure = Figure(figsize=(3, 2), layout="constrained")
    axes = figure.add_subplot()
    figure.colorbar(axes.imshow(np.zeros((2, 2))))
    axes.bar([1, 2], [0.5, 0.7])
    axes.plot([0, 1], [0, 1], marker="o")

