"""SIGTERM and SIGHUP as an exception, so that a stopped command cleans up after itself.

Python stops at once on SIGTERM (a cluster's scheduler, ``kill``) and SIGHUP
(a closed terminal): no ``finally`` runs, and temporary files would stay.
While `terminating_signals` is active they raise `Terminated` in the main
thread instead, like Ctrl-C raises `KeyboardInterrupt`; the output policy
(`napari_symseg.io.output`) then removes its temporaries and leaves earlier
files untouched, and the command exits with 128 + the signal number (143,
129), as the shell would report. Ctrl-C keeps Python's KeyboardInterrupt but
is remembered (`interrupted`), since an import can turn it into an ImportError.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

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


@contextlib.contextmanager
def terminating_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP raise `Terminated` while the block runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _raise) for s in SIGNALS}
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, _interrupt)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
