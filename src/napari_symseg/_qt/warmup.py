"""The background warm-up: numba's and napari's kernels compiled, the plots imported.

`warm_up_once` (the first dock opened) starts one daemon thread per
process (`_warm_up`): the plots' imports first, then the core's kernels
and napari's label kernels, napari's Shapes kernels last; its events
(`PLOTS_WARM`, `NAPARI_WARM`, `SHAPES_WARM`) say what is ready, and
`napari_ready` whether the GUI thread may make napari layers without
waiting for numba. The garbage collector's objects are frozen meanwhile
and taken back once nothing is busy (`_thaw_when_idle`, `thaw_now`).

After that collection the objects alive are frozen again (`KEEP_FROZEN`):
napari's own full collection on every layer removal and Python's automatic
full collections then walk only the objects made since, not napari's,
numba's and matplotlib's half a million (deleting a chosen 2048² image froze
napari 365 ms, 313 of them in ``gc.collect``). What was frozen and has
become garbage since (a deleted layer's data in its reference cycles) is
collected, and the rest frozen again, once nothing is busy and the mouse
rests (`collect_when_idle`, after a layer removal or a run); closing the
dock takes every object back (`release_frozen`).
Split out of `runner`, which re-exports these names.
"""

from __future__ import annotations

import gc
import threading
import time
import weakref
from collections.abc import Callable

from qtpy.QtCore import QTimer

from ..controller.warmup import WarmUpProgress
from .worker_end import any_running

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
    if holder is not None:
        _HOLDERS.add(holder)
    watch_input()
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
    # once it has ended and no run is going on (`_thaw_when_idle`): nothing stays
    # uncollectable (a deleted layer's data in a reference cycle would).
    gc.freeze()
    _THAW_CHAIN[0] += 1
    STOP.clear()
    thread = threading.Thread(target=_warm_up, name="napari-symseg warm-up", daemon=True)
    _THREAD[:] = [thread]
    thread.start()
    _thaw_when_idle(thread, busy, chain=_THAW_CHAIN[0], refreeze=True)
    return thread


#: How often (ms) the GUI thread checks whether the frozen objects can be taken back.
THAW_POLL_MS = 500
#: ... and for how long (ms) nothing may have been busy before (not as a run's layers
#: are drawn, nor while the user starts the next action at once).
THAW_QUIET_MS = 5000


#: The newest warm-up's thaw chain (one per process in napari; a test that starts another
#: warm-up stops the older chain, which would otherwise thaw at its own time).
_THAW_CHAIN = [0]
#: After an idle collection the objects alive stay frozen (see the module).
KEEP_FROZEN = True
#: Idle collections made (`_collect`): the warm-up's thaw and each `collect_when_idle`.
COLLECTIONS = [0]
#: Docks open that keep objects frozen (`warm_up_once` adds its holder, `release_frozen`
#: takes it out; a holder deleted without closing drops out by itself).
_HOLDERS: weakref.WeakSet = weakref.WeakSet()


def _collect() -> None:
    """Take every frozen object back, one full collection, then (`KEEP_FROZEN`, a dock
    open) freeze what is alive."""
    gc.unfreeze()
    gc.collect()
    COLLECTIONS[0] += 1
    if KEEP_FROZEN and len(_HOLDERS):
        gc.freeze()


def collect_when_idle() -> None:
    """Collect what was frozen and has become garbage since (a removed layer), once
    nothing is busy and the mouse rests; nothing to do when nothing is frozen."""
    if not gc.get_freeze_count() or any(thread.is_alive() for thread in _THREAD):
        return  # (while the warm-up runs, its own thaw comes after it)
    _THAW_CHAIN[0] += 1
    _thaw_when_idle(threading.Thread(), _holders_busy, chain=_THAW_CHAIN[0])


def _holders_busy() -> bool:
    """True while a dock holding frozen objects is busy (its ``collection_busy()``)."""
    return any(getattr(holder, "collection_busy", lambda: False)() for holder in list(_HOLDERS))


def release_frozen(holder) -> None:
    """A dock closed: the objects frozen are taken back (no collection here: Python's
    own come later) when no other dock holds them (`warm_up_once`'s `holder`)."""
    _HOLDERS.discard(holder)
    if not len(_HOLDERS):
        _THAW_CHAIN[0] += 1  # no pending idle collection freezes again
        gc.unfreeze()


def thaw_now() -> None:
    """Take the frozen objects back now (one full collection, if any are frozen or a dock
    holds them; then frozen again while a dock is open), and stop the pending thaw: for a
    measurement that must not have it land inside."""
    _THAW_CHAIN[0] += 1
    if gc.get_freeze_count() or len(_HOLDERS):  # (a dock open: frozen again after)
        _collect()


#: Where the mouse pointer was at the last poll of `_pointer_in_use`.
_POINTER: list = [None]
#: When (``time.monotonic()``) the user last did something (`note_activity`).
_ACTIVITY = [0.0]
#: The input events that count as the user doing something (`_InputWatch`).
_INPUT = None


def note_activity(*_) -> None:
    """The user did something (a key, the mouse, the time slider moved or played): an
    idle collection waits (`_pointer_in_use`)."""
    _ACTIVITY[0] = time.monotonic()


def watch_input() -> None:
    """Count every key, click, wheel turn and mouse move of the application as activity
    (`note_activity`; one event filter per process)."""
    global _INPUT
    if _INPUT is not None:
        return
    from qtpy.QtCore import QEvent, QObject
    from qtpy.QtWidgets import QApplication

    kinds = {QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.MouseButtonPress,
             QEvent.Type.MouseButtonRelease, QEvent.Type.MouseMove, QEvent.Type.Wheel}

    class _InputWatch(QObject):
        def eventFilter(self, watched, event) -> bool:
            if event.type() in kinds:
                _ACTIVITY[0] = time.monotonic()
            return False

    app = QApplication.instance()
    if app is not None:
        _INPUT = _InputWatch(app)
        app.installEventFilter(_INPUT)


def _pointer_in_use() -> bool:
    """True when the mouse moved since the last poll, a button is held, or the user did
    anything else since then (`note_activity`: a key, the time slider playing).

    The thaw's collection then waits: a user panning, dragging the probe,
    moving towards a button or scrubbing a video would feel its 0.3 s (idle
    machine, ``benchmarks/gap_stacks.py open``; a keyboard scrub 5 s after a
    run met it: tester newuser14); once everything rests for `THAW_QUIET_MS`
    nobody does.
    """
    from qtpy.QtCore import Qt
    from qtpy.QtGui import QCursor
    from qtpy.QtWidgets import QApplication

    pos = QCursor.pos()
    before, _POINTER[0] = _POINTER[0], (pos.x(), pos.y())
    recent = time.monotonic() - _ACTIVITY[0] < THAW_POLL_MS / 1000
    return (_POINTER[0] != before or recent
            or QApplication.mouseButtons() != Qt.MouseButton.NoButton)


def _thaw_when_idle(thread: threading.Thread, busy: Callable[[], bool],
                    quiet_ms: float = 0.0, chain: int = 0, refreeze: bool = False) -> None:
    """``gc.unfreeze()`` and one full collection once `thread` has ended and nothing
    has been ``busy()`` (nor the mouse in use, `_pointer_in_use`) for `THAW_QUIET_MS`.

    With `refreeze` (the warm-up's chain), the first poll that finds `thread`
    ended freezes what it made too (numba's dispatchers, matplotlib: ~150 000
    objects): a first run's automatic full collections walked them before
    the thaw (70-80 ms inside a series layer's insert while scrubbing). Done
    here on the GUI thread, in the chain that thaws them, not in the thread:
    a dock closed meanwhile stops the chain, and nothing stays frozen.

    The collection holds the interpreter (0.3 s idle, 1.3-1.6 s at load 7-10):
    done in the warm-up thread's last step it landed in a first run's layer
    insert; right when a run ended, in the first draw of its layers.
    """
    if chain != _THAW_CHAIN[0]:
        return  # a newer warm-up's chain thaws
    if refreeze and not thread.is_alive():
        gc.freeze()
        refreeze = False
    busy_now = thread.is_alive() or busy() or any_running() or _pointer_in_use()
    if not busy_now and quiet_ms >= THAW_QUIET_MS:
        _collect()
        return
    # quiet time counts from the first poll that finds nothing busy (a poll that found the
    # warm-up or a run going on starts again from 0, not from one interval)
    quiet = 0.0 if busy_now else quiet_ms + THAW_POLL_MS
    QTimer.singleShot(THAW_POLL_MS,
                      lambda: _thaw_when_idle(thread, busy, quiet, chain, refreeze))


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

