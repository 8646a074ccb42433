"""SIGTERM and SIGHUP as an exception, so that a stopped command cleans up after itself.

Python stops at once on SIGTERM (a cluster's scheduler, ``kill``) and SIGHUP
(a closed terminal): no ``finally`` runs, and temporary files would stay.
While `terminating_signals` is active they raise `Terminated` in the main
thread instead, like Ctrl-C raises `KeyboardInterrupt`; the output policy
(`napari_symseg.io.output`) then removes its temporaries and leaves earlier
files untouched, and the command exits with 128 + the signal number (143,
129), as the shell would report. Ctrl-C keeps Python's KeyboardInterrupt but
is remembered (`interrupted`), since an import can turn it into an ImportError.

Python runs a signal's handler only between bytecodes of the main thread: a
numba kernel of the main thread (the descriptors of a large image: seconds
at stride 1) would first run to its end. So a watcher thread is woken by
every signal (``signal.set_wakeup_fd``) and sets the process's stop flag
(`core.progress.PROCESS_STOP`): the kernels of every thread return within a
job, their callers raise `core.progress.Stopped`, and the signal's handler
then runs as before (a `Stopped` that comes out first is turned into the
signal's exception). The flag is cleared when the block ends.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
import threading
from collections.abc import Iterator

#: The core's progress module: looked up, never imported here (``--help`` imports no
#: numpy); no kernel runs before the run has imported it.
_PROGRESS = __name__.rsplit(".", 2)[0] + ".core.progress"

#: Signals turned into `Terminated` (those this platform has).
SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None))
                if s is not None)


class Terminated(BaseException):
    """The process was asked to stop by a signal (not an error of the input).

    Parameters
    ----------
    signum : int
        The signal's number.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = int(signum)


#: Set when Ctrl-C (SIGINT) arrived while `terminating_signals` was active.
_INTERRUPTED = threading.Event()


def _raise(signum, _frame) -> None:
    raise Terminated(signum)


def _interrupt(signum, frame) -> None:
    """Ctrl-C: remembered, then Python's own KeyboardInterrupt."""
    _INTERRUPTED.set()
    signal.default_int_handler(signum, frame)


def interrupted() -> bool:
    """Whether Ctrl-C arrived while `terminating_signals` was active.

    A Ctrl-C that lands inside a C extension's import (numpy's) comes out as
    an ImportError, not a KeyboardInterrupt; the command uses this to report
    it as the interruption it is.

    Returns
    -------
    bool
        True after a SIGINT.
    """
    return _INTERRUPTED.is_set()


class _SignalWatch:
    """A thread woken by the signals (``set_wakeup_fd``): sets the core's ``PROCESS_STOP``.

    Inactive (``signum`` stays None) when another wakeup fd is in use (an
    event loop's): that one is left alone.
    """

    def __init__(self, signals: tuple[int, ...]) -> None:
        self.signals = frozenset(int(s) for s in signals)
        self.signum: int | None = None
        self._read, self._write = socket.socketpair()
        self._write.setblocking(False)
        self._thread = None
        try:
            self._old = signal.set_wakeup_fd(self._write.fileno(), warn_on_full_buffer=False)
        except (ValueError, OSError):
            self._old = -1
            self._close_sockets()
            return
        if self._old != -1:  # someone else's: put it back, no watch
            signal.set_wakeup_fd(self._old)
            self._close_sockets()
            return
        self._thread = threading.Thread(target=self._run, name="napari-symseg signals",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                data = self._read.recv(64)
            except OSError:
                return
            if not data:  # closed
                return
            for signum in data:
                if signum in self.signals:
                    self.signum = signum
                    progress = sys.modules.get(_PROGRESS)
                    if progress is not None:
                        progress.PROCESS_STOP.set()

    def _close_sockets(self) -> None:
        self._write.close()
        self._read.close()

    def close(self) -> None:
        """Stop watching; clear the core's ``PROCESS_STOP``."""
        if self._thread is not None:
            signal.set_wakeup_fd(self._old)
            self._write.shutdown(socket.SHUT_RDWR)
            self._thread.join(5.0)
            self._close_sockets()
        progress = sys.modules.get(_PROGRESS)
        if progress is not None:
            progress.PROCESS_STOP.clear()


@contextlib.contextmanager
def terminating_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP raise `Terminated` while the block runs (main thread only).

    SIGINT, SIGTERM and SIGHUP also stop the numba kernels running in any
    thread at once (`core.progress.PROCESS_STOP`, see the module docstring).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _raise) for s in SIGNALS}
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, _interrupt)
    watch = _SignalWatch((signal.SIGINT, *SIGNALS))
    try:
        yield
    except BaseException as err:
        # a kernel stopped for a signal whose handler has not run yet
        progress = sys.modules.get(_PROGRESS)
        if progress is None or not isinstance(err, progress.Stopped) or watch.signum is None:
            raise
        if watch.signum == signal.SIGINT:
            _INTERRUPTED.set()
            raise KeyboardInterrupt from None
        raise Terminated(watch.signum) from None
    finally:
        watch.close()
        for s, handler in previous.items():
            signal.signal(s, handler)
