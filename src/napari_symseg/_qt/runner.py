"""Controller jobs in napari thread workers: progress, layers between events, cancel.

`JobRunner` iterates a controller `Job`'s generator in a napari thread
worker and hands its messages to the job on the GUI thread: progress
steps (`Job.progress`, shown by the widget), then `Ready`, whose layers
`Job.apply` adds one per turn of the Qt event loop, with a pause between
them (`next_turn`: a result of three layers never blocks the loop for the
time of three), then the returned
hint. `start_worker` runs a plain function or generator the same way
(Suggest). The background warm-up (`warm_up_once`, `napari_ready`, the
plots' import lock) is in `warmup`, the count of running workers
(`any_running`, `track`) in `worker_end`: their names are re-exported here.
"""

from __future__ import annotations

import atexit
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
from .warmup import (  # noqa: F401  (the warm-up's public names, re-exported)
    NAPARI_WARM,
    PLOTS_IMPORT,
    PLOTS_WARM,
    READY_POLL_MS,
    SHAPES_WARM,
    napari_ready,
    thaw_now,
    warm_up_once,
)
from .worker_end import (  # noqa: F401  (any_running, track: re-exported)
    _RUNNING,
    QuietFunction,
    QuietGenerator,
    any_running,
    settle_at_exit,
    track,
    wait_at_exit,
)

_NOTHING = object()


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
    objects), so run before it. The warm-up is told to stop first (a worker may
    wait for numba's lock while it compiles), and waited for after the workers
    (`stop_warm_up`); then nothing of theirs is left for PyQt's clean-up
    (`worker_end.settle_at_exit`: a worker that ended in this wait crashed it).
    """
    from . import warmup, worker_end

    warmup.STOP.set()
    for item in list(_RUNNING):
        if isinstance(item, JobRunner):
            item.job.cancel()
            item.worker.quit()
        else:
            item.quit()
    ended = wait_at_exit(wait_s)
    stopped = warmup.stop_warm_up(warmup.EXIT_WAIT_S if wait_s is None else wait_s)
    if ended:  # (a worker still in its step would keep the pool waiting)
        ended = settle_at_exit(worker_end.SETTLE_WAIT_S if wait_s is None else wait_s)
    return stopped and ended



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
        if getattr(self.job, "reveal_pending", False):  # a series layer added hidden
            next_turn(self.job.show_added)  # its first draw in a turn of its own
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
