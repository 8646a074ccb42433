"""SIGTERM and SIGHUP as an exception, so that a stopped command cleans up after itself.

Python stops at once on SIGTERM (a cluster's scheduler, ``kill``) and SIGHUP
(a closed terminal): no ``finally`` runs, and temporary files would stay.
While `terminating_signals` is active they raise `Terminated` in the main
thread instead, like Ctrl-C raises `KeyboardInterrupt`; the output policy
(`napari_symseg.io.output`) then removes its temporaries and leaves earlier
files untouched, and the command exits with 128 + the signal number (143,
129), as the shell would report.
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


def _raise(signum, _frame) -> None:
    raise Terminated(signum)


@contextlib.contextmanager
def terminating_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP raise `Terminated` while the block runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _raise) for s in SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
