"""One line for every failure of the command (never a traceback, unless asked)."""

from __future__ import annotations

import os

from ..errors import SymsegError

#: Set to 1 to get Python's traceback of an unexpected error (a bug) instead of one line.
DEBUG_ENV = "NAPARI_SYMSEG_DEBUG"


def failure_text(err: BaseException) -> str:
    """What went wrong, as one line (an unexpected error is named a bug).

    Re-raises an unexpected error (not a `SymsegError`, `OSError` or
    `MemoryError`) when ``NAPARI_SYMSEG_DEBUG`` is set, so its traceback shows.

    Parameters
    ----------
    err : BaseException
        The error caught.
    """
    if isinstance(err, SymsegError):
        text = str(err)
    elif isinstance(err, MemoryError):
        text = ("not enough memory for this input and these parameters (a larger "
                "--stride or fewer --max-num-points need less)")
    elif isinstance(err, OSError):
        where = f" {err.filename}" if err.filename else ""
        text = f"{err.strerror or err}:{where}"
    else:
        if os.environ.get(DEBUG_ENV):
            raise err
        text = (f"unexpected {type(err).__name__}: {err} (this is a bug; "
                f"{DEBUG_ENV}=1 shows where)")
    return " ".join(text.split())
