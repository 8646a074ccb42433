"""Workers that never abort the process, and the interpreter's exit waiting for them.

`QuietGenerator` / `QuietFunction` are napari's workers whose ``run`` lets
no exception out (`EndsQuietly`); `runner.make_worker` makes every worker
of the Qt layer from them, and `runner`'s exit hook stops the runs and
calls `wait_at_exit`: a stopped worker ends while its signals still exist,
one still in a step that cannot stop keeps its signals object and ends
silently. `_RUNNING` counts the workers and runs not finished yet
(`track`, `any_running`: the warm-up's thaw waits for none to be going on).
`settle_at_exit` then delivers what the ended workers posted, so that PyQt's
own exit clean-up finds the closed window gone (it crashed when a worker
ended inside the exit hook: issue 11).
"""

from __future__ import annotations

import gc
import threading
import time
import traceback
from typing import Any

from napari.qt.threading import FunctionWorker, GeneratorWorker

#: Started workers (`runner.make_worker`) whose thread has not left ``run`` yet.
LIVE: set = set()
#: How long (s) the interpreter's exit waits for stopped workers to end (`wait_at_exit`).
EXIT_WAIT_S = 20.0
#: How long (s) the exit waits for Qt's pool threads once every worker has ended
#: (`settle_at_exit`: what is left of a worker's end, milliseconds).
SETTLE_WAIT_S = 5.0


class EndsQuietly:
    """A worker whose ``run`` never lets an exception out, and says when it has left.

    PyQt aborts the process on an exception leaving a Qt virtual (``QRunnable.run``).
    superqt's ``run`` emits ``finished`` (and ``errored``, ``aborted``) outside its
    own guard: a worker still in a step when the interpreter exits finds its signals
    object deleted by PyQt's clean-up, and ``emit`` raised ``RuntimeError: wrapped
    C/C++ object ... has been deleted`` -> ``Aborted`` (tester newuser9: a cancelled
    stride-1 run still in its step when the viewer was closed).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entered, self.ended = threading.Event(), threading.Event()

    def start(self) -> None:
        """Start the worker (counted in `LIVE` until its thread leaves ``run``)."""
        LIVE.add(self)
        super().start()

    def run(self) -> None:
        """superqt's ``run``; an exception it lets out is printed (not a deleted object's)."""
        self.entered.set()
        try:
            super().run()
        except RuntimeError as error:
            if "has been deleted" not in str(error):
                traceback.print_exc()
        except Exception:  # anything let out aborts the process
            traceback.print_exc()
        finally:
            self.ended.set()
            LIVE.discard(self)


class QuietGenerator(EndsQuietly, GeneratorWorker):
    """A generator worker that `EndsQuietly`."""


class QuietFunction(EndsQuietly, FunctionWorker):
    """A function worker that `EndsQuietly`."""


def wait_at_exit(wait_s: float | None = None) -> bool:
    """Ask every started worker to quit and wait (at most `EXIT_WAIT_S`) for those running.

    Parameters
    ----------
    wait_s : float, optional
        Instead of `EXIT_WAIT_S`.

    Returns
    -------
    bool
        True when every worker had ended.
    """
    for worker in list(LIVE):
        worker.quit()
    end = time.monotonic() + (EXIT_WAIT_S if wait_s is None else wait_s)
    ended = True
    for worker in list(LIVE):  # (one still queued in the pool sees its quit at once)
        if worker.entered.is_set() and not worker.ended.wait(max(0.0, end - time.monotonic())):
            _keep_signals(worker)
            ended = False
    return ended


def settle_at_exit(wait_s: float) -> bool:
    """After the workers ended: deliver what they posted, before PyQt's exit clean-up.

    A worker that ended inside our exit hook (a Measure on a cold numba
    cache, still tracing when napari was closed) posted its last signals
    (``returned``, ``finished``) to a GUI thread whose event loop had
    stopped: undelivered, they kept the worker, and through its connections
    (napari's task status, the dock's handlers) the closed window's objects,
    alive into PyQt's own exit hook (run after ours). That hook deletes every
    QObject Python owns while it walks sip's table of wrappers; a deletion
    there freed the wrapper being visited (napari's main window, a layer's
    controls) and the walk read the freed one: a segmentation fault in the
    main thread with no Python frame (PyQt 6.11, sip 6.17; gdb:
    ``cleanup_on_exit`` -> ``sip_api_visit_wrappers`` -> ``cleanup_qobject``
    -> ``sip_api_get_address(0x60)``). Here, as the stopped event loop would
    have: the pool's threads finish (`QThreadPool.waitForDone`, which
    releases the interpreter's lock), the posted events are delivered (the
    dock's handlers skip a closed dock, `runner.start_worker`'s ``alive``),
    the objects closed with ``deleteLater`` are deleted, and the garbage is
    collected: the closed window is gone before PyQt's walk. Delivering is
    what mends it (`benchmarks/exit_measure_held.py`, load 15-22: 6 of 9 runs crashed
    before, 0 of 8 after; with the deliveries only, 0 of 6; dropping the events
    instead, 8 of 10).

    Parameters
    ----------
    wait_s : float
        Longest wait (s) for the pool's threads.

    Returns
    -------
    bool
        True when the pool's threads had all finished.
    """
    from qtpy.QtCore import QCoreApplication, QEvent, QThreadPool

    done = QThreadPool.globalInstance().waitForDone(int(1000 * max(0.0, wait_s)))
    if QCoreApplication.instance() is not None:
        QCoreApplication.sendPostedEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    gc.collect()
    return done


def _keep_signals(worker: Any) -> None:
    """Leave `worker`'s signals object out of PyQt's exit clean-up (it deletes every
    QObject Python owns): the worker's last emits then reach a live object, which
    delivers nothing (no event loop any more) instead of raising."""
    try:
        from qtpy import sip

        sip.transferto(worker.signals, None)
    except (ImportError, AttributeError, RuntimeError, TypeError):  # PySide: no sip
        pass


#: Workers of this process not finished yet (every dock's: `start_worker`, `JobRunner`).
_RUNNING: set = set()


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
