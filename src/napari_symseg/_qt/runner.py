"""Controller jobs in napari thread workers: progress, layers between events, cancel.

`JobRunner` iterates a controller `Job`'s generator in a napari thread
worker and hands its messages to the job on the GUI thread: progress
steps (`Job.progress`, shown by the widget), then `Ready`, whose layers
`Job.apply` adds one per turn of the Qt event loop, with a pause between
them (`next_turn`: a result of three layers never blocks the loop for the
time of three), then the returned
hint. `start_worker` runs a plain function or generator the same way
(Suggest), `warm_up_once` compiles the numba kernels once per process in
the background when the widget opens.
"""

from __future__ import annotations

import atexit
import gc
import inspect
import threading
from collections.abc import Callable
from typing import Any

from napari.qt.threading import thread_worker
from qtpy.QtCore import QThreadPool, QTimer

from ..controller.label_colormap import kernel_free
from ..controller.runs import Job, Ready, Status
from ..core.progress import stoppable
from .stall import next_turn, over_turns
from .worker_end import QuietFunction, QuietGenerator, wait_at_exit

_NOTHING = object()
_WARMED = []
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
#: Workers of this process not finished yet (every dock's: `start_worker`, `JobRunner`).
_RUNNING: set = set()

def make_worker(function: Callable, *args: Any) -> Any:
    """A napari thread worker for ``function(*args)``, not started, that never aborts the
    process (`worker_end.EndsQuietly`) and that the interpreter's exit stops and waits for.

    Parameters
    ----------
    function : callable
        A function or generator function.
    *args
        Its arguments.

    Returns
    -------
    FunctionWorker or GeneratorWorker
    """
    kind = QuietGenerator if inspect.isgeneratorfunction(function) else QuietFunction
    return thread_worker(function, start_thread=False, ignore_errors=True,
                         worker_class=kind)(*args)


@atexit.register
def _stop_at_exit(wait_s: float | None = None) -> bool:
    """Stop every run and worker still going and wait for them (`worker_end.wait_at_exit`).

    Registered after PyQt's own exit clean-up (which deletes the workers' signal
    objects), so run before it.
    """
    for item in list(_RUNNING):
        if isinstance(item, JobRunner):
            item.job.cancel()
            item.worker.quit()
        else:
            item.quit()
    return wait_at_exit(wait_s)


def any_running() -> bool:
    """True while a worker started by `start_worker` or a `JobRunner` has not finished.

    Process-wide: the thaw (`warm_up_once`) asks it besides its dock's own
    `busy`, which says nothing once that dock was closed and another opened
    (its full collection, 0.6 s, then landed in the new dock's run).
    """
    return bool(_RUNNING)


def track(worker: Any) -> None:
    """Count `worker` in `_RUNNING` (`any_running`) until its ``finished`` signal.

    `start_worker` does it; a dock starting its own napari worker calls it too.

    Parameters
    ----------
    worker : napari.qt.threading.WorkerBase
        A worker not finished yet.
    """
    _RUNNING.add(worker)
    worker.finished.connect(lambda: _RUNNING.discard(worker))


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
        A run's result layers, or the probe's (a Shapes layer too).
    """
    event = SHAPES_WARM if kind == "shapes" else NAPARI_WARM
    return not _WARMED or event.is_set()


def start_worker(function: Callable, *args: Any, alive: Callable[[], bool] = lambda: True,
                 cleanup: Callable[[], None] | None = None, **handlers: Callable) -> Any:
    """Run ``function(*args)`` in a napari thread worker; connect and start it.

    Parameters
    ----------
    function : callable
        A function or generator function.
    *args
        Its arguments.
    alive : callable
        Returns False once the widget is gone: handlers are then skipped.
    cleanup : callable, optional
        Connected to ``finished`` without the `alive` guard: called even
        after the widget is gone (it must touch no widget).
    **handlers : callable
        ``yielded``, ``returned``, ``errored``, ``finished``: slots of the
        worker's signals of the same names.

    Returns
    -------
    FunctionWorker or GeneratorWorker
        The started worker.
    """
    worker = make_worker(function, *args)
    for signal, slot in handlers.items():
        getattr(worker, signal).connect(_guarded(slot, alive))
    if cleanup is not None:
        worker.finished.connect(cleanup)
    track(worker)
    worker.start()
    return worker


def _guarded(slot: Callable, alive: Callable[[], bool]) -> Callable:
    def call(*args: Any) -> None:
        if alive():
            slot(*args)

    return call


def warm_up_once(busy: Callable[[], bool] = lambda: False) -> threading.Thread | None:
    """Compile the numba kernels (the core's and napari's label colours) in the background.

    `busy` (GUI thread) says when a run or a suggestion is going on: the garbage
    collector's objects frozen meanwhile are taken back once it is not.

    Only the first call in a process starts a thread (the kernels are then
    cached); later calls return None. A plain daemon thread, not a Qt
    worker: nothing reports back, and closing napari while it still
    compiles neither waits for it nor touches deleted Qt objects.
    """
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
    thread = threading.Thread(target=_warm_up, name="napari-symseg warm-up", daemon=True)
    thread.start()
    _thaw_when_idle(thread, busy, chain=_THAW_CHAIN[0])
    return thread


#: How often (ms) the GUI thread checks whether the frozen objects can be taken back.
THAW_POLL_MS = 500
#: ... and for how long (ms) nothing may have been busy before (not as a run's layers
#: are drawn, nor while the user starts the next action at once).
THAW_QUIET_MS = 5000


#: The newest warm-up's thaw chain (one per process in napari; a test that starts another
#: warm-up stops the older chain, which would otherwise thaw at its own time).
_THAW_CHAIN = [0]


def thaw_now() -> None:
    """Take the frozen objects back now (one full collection, if any are frozen), and stop
    the pending thaw: for a measurement that must not have it land inside."""
    _THAW_CHAIN[0] += 1
    if gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()


def _thaw_when_idle(thread: threading.Thread, busy: Callable[[], bool],
                    quiet_ms: float = 0.0, chain: int = 0) -> None:
    """``gc.unfreeze()`` and one full collection once `thread` has ended and nothing
    has been ``busy()`` for `THAW_QUIET_MS`.

    The collection holds the interpreter (0.3 s idle, 1.3-1.6 s at load 7-10):
    done in the warm-up thread's last step it landed in a first run's layer
    insert; right when a run ended, in the first draw of its layers.
    """
    if chain != _THAW_CHAIN[0]:
        return  # a newer warm-up's chain thaws
    busy_now = thread.is_alive() or busy() or any_running()
    if not busy_now and quiet_ms >= THAW_QUIET_MS:
        gc.unfreeze()
        gc.collect()
        return
    # quiet time counts from the first poll that finds nothing busy (a poll that found the
    # warm-up or a run going on starts again from 0, not from one interval)
    quiet = 0.0 if busy_now else quiet_ms + THAW_POLL_MS
    QTimer.singleShot(THAW_POLL_MS, lambda: _thaw_when_idle(thread, busy, quiet, chain))


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
    them, `napari_ready`), the probe's Shapes kernels last. On a cold numba
    cache (`controller.warmup.start_compiling`) the core's kernels are
    compiled in another process while napari's are compiled here, then loaded.
    """
    from ..controller.warmup import (
        finish_compiling,
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
    if process is None:
        steps = [(warm_up_core, None), (labels, NAPARI_WARM)]
    else:
        steps = [(labels, NAPARI_WARM), (lambda: finish_compiling(process), None),
                 (warm_up_core, None)]
    for step, done in [*steps, (warm_up_shapes, SHAPES_WARM)]:
        try:
            step()
        finally:
            if done is not None:
                done.set()


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


class JobRunner:
    """Runs one controller `Job` in a thread worker.

    Parameters
    ----------
    job : Job
        Not started.
    on_status : callable
        ``on_status(Status)`` for each progress step.
    on_error : callable
        ``on_error(message)`` when the run raised (once per failure).
    on_done : callable
        ``on_done(final_status_text)`` when the worker is finished and every
        layer of the result is in the viewer (or taken back).
    alive : callable
        Returns False once the widget is gone.

    Attributes
    ----------
    job : Job
    worker : GeneratorWorker
    done : bool
    """

    def __init__(self, job: Job, on_status: Callable[[Status], None],
                 on_error: Callable[[str], None], on_done: Callable[[str], None],
                 alive: Callable[[], bool] = lambda: True) -> None:
        self.job = job
        self._on_status, self._on_error, self._on_done = on_status, on_error, on_done
        self._alive = alive
        self._applying = None
        self._kernel_free = False  # the run's Labels draw without numba (`_on_yielded`)
        self._returned = _NOTHING
        self._worker_done = False
        self.done = False
        # the hint (computed in the worker) starts once the layers are in and drawn
        job.hint_gate = threading.Event()
        job.layers_ready = napari_ready  # a series' layer waits for napari's label kernels
        # a 2-D run's kernels read `job.stop`: Cancel stops the step in progress too (a
        # series job writes its frames' store until its worker ends: stopped between steps)
        if job.ends_at_cancel:
            self.worker = make_worker(stoppable, job.steps(), job.stop)
        else:
            self.worker = make_worker(job.steps)
        self.worker.yielded.connect(_guarded(self._on_yielded, alive))
        self.worker.returned.connect(_guarded(self._on_returned, alive))
        self.worker.errored.connect(_guarded(self._on_errored, alive))
        self.worker.finished.connect(_guarded(self._on_finished, alive))
        # counted until its layers are in (`_maybe_done`), or its worker's end once the
        # dock is gone (nothing is added then)
        self.worker.finished.connect(lambda: alive() or _RUNNING.discard(self))
        self._lent = False  # a pool thread lent for this worker after an early cancel
        self.worker.finished.connect(self._give_back)

    def start(self) -> None:
        """Start the worker."""
        _RUNNING.add(self)
        self.worker.start()

    def cancel(self) -> None:
        """Stop the run at its next step; nothing of it is added.

        A job that `ends_at_cancel` (a 2-D run) is done at once when its
        layers are not going in yet: Cancel answers without waiting for the
        worker's step in progress (a k-means or the labels of a large image,
        1-2 s under load), which ends in the background and is dropped; its
        descriptor kernels stop within a job (`core.progress.stoppable`).
        """
        self.job.cancel()
        self.worker.quit()
        if self.job.ends_at_cancel and self._applying is None and self._alive():
            if not self._worker_done:
                self._lend()
            self._worker_done = True
            self._maybe_done()

    def _lend(self) -> None:
        """One more thread in Qt's pool while this cancelled worker ends its step.

        The pool has one thread per core: two cancelled runs still in a long
        step (10-40 s at stride 1 under load) kept a new run "starting" for
        25 s. Given back when the worker ends (`_give_back`).
        """
        pool = QThreadPool.globalInstance()
        pool.setMaxThreadCount(pool.maxThreadCount() + 1)
        self._lent = True

    def _give_back(self) -> None:
        if self._lent:
            self._lent = False
            pool = QThreadPool.globalInstance()
            pool.setMaxThreadCount(pool.maxThreadCount() - 1)

    # -- worker signals
    def _on_yielded(self, step: Any) -> None:
        if self.done:  # queued before an early cancel (`cancel`): dropped
            return
        if isinstance(step, Ready):
            self._applying = self.job.apply(step)
            self._kernel_free = all(kernel_free(spec.kwargs.get("colormap"))
                                    for spec in step.specs if spec.layer_type == "labels")
            self._apply_when_ready()
            return
        status = self.job.progress(step)
        if status is not None:
            self._on_status(status)

    def _apply_when_ready(self) -> None:
        """Start adding the layers once napari can draw them without compiling.

        At once when every Labels layer's colormap has its table filled
        (`label_colormap`); else once the warm-up has compiled napari's label
        kernels (`napari_ready`).
        """
        if not self._alive() or self._applying is None:
            return
        if self._kernel_free or napari_ready():
            over_turns(self._applying, now=False, done=self._applied,
                       alive=lambda: self._alive() and self._applying is not None)
        else:
            QTimer.singleShot(READY_POLL_MS, self._apply_when_ready)

    def _applied(self, _: Any = None) -> None:
        self._applying = None
        # two turns: the layers' first draw (paint events come before timers) is done
        # before the worker's hint competes with the GUI thread for the interpreter
        next_turn(lambda: next_turn(self.job.hint_gate.set))
        if self._returned is not _NOTHING:
            self.job.returned(self._returned)
        self._maybe_done()

    def _on_returned(self, value: Any) -> None:
        if self.done:
            return
        if self._applying is None:
            self.job.returned(value)
        else:  # the layers are still going in: the hint after them
            self._returned = value

    def _on_errored(self, err: Exception) -> None:
        if self.done:  # a step that ended after an early cancel: dropped
            return
        self._on_error(self.job.failed(err))

    def _on_finished(self) -> None:
        self._worker_done = True
        self._maybe_done()

    def _maybe_done(self) -> None:
        if self.done or not self._worker_done or self._applying is not None:
            return
        self.done = True
        _RUNNING.discard(self)
        self._on_done(self.job.session.job_done(self.job))
