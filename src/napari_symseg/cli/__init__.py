"""The ``napari-symseg`` command.

``napari-symseg segment INPUT -o OUTPUT [options]`` segments a 2-D image
or a (T, Y, X) series (``.npy``/``.tif``/microscope files) and writes
integer labels of the same shape; a series is fitted on its reference
frame(s) and every frame is labelled with the same model.
``napari-symseg demo`` opens napari with the sample image and the widget,
or segments the sample headless and writes the result files to a folder.

Bad input or parameters: exit code 2, one line on stderr, nothing written.

Modules: `args` (the parser and the `Params` it gives), `segment`, `demo`.
"""

from __future__ import annotations

import os
import signal
import sys

from ..errors import SymsegError
from .args import UsageError, build_parser, params_from_args
from .demo import cmd_demo, has_display, open_napari_demo
from .segment import cmd_segment
from .signals import Terminated, terminating_signals

__all__ = [
    "UsageError",
    "build_parser",
    "has_display",
    "main",
    "open_napari_demo",
    "params_from_args",
]

#: Set to 1 to get Python's traceback of an unexpected error (a bug) instead of one line.
DEBUG_ENV = "NAPARI_SYMSEG_DEBUG"


def _fail(message: str) -> int:
    print("napari-symseg: error: " + " ".join(str(message).split()), file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``napari-symseg`` command.

    Every failure is one line on stderr, never a traceback: exit code 2 for
    bad input, parameters or files (and for an unexpected error, reported
    as a bug; ``NAPARI_SYMSEG_DEBUG=1`` shows its traceback), 130 for Ctrl-C,
    143 / 129 for SIGTERM / SIGHUP. Nothing is left half-written
    (`napari_symseg.io.output`).

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code.
    """
    try:
        with terminating_signals():
            return _run(argv)
    except KeyboardInterrupt:
        print("napari-symseg: interrupted", file=sys.stderr)
        return 130
    except Terminated as stop:
        print(f"napari-symseg: stopped by {signal.Signals(stop.signum).name}", file=sys.stderr)
        return 128 + stop.signum


def _run(argv: list[str] | None) -> int:
    """Parse and run one command; every error becomes one line and exit code 2."""
    try:
        args = build_parser().parse_args(argv)
        handler = {"segment": cmd_segment, "demo": cmd_demo}[args.command]
        return handler(args)
    except SymsegError as err:
        return _fail(err)
    except MemoryError:
        return _fail("not enough memory for this input and these parameters (a larger "
                     "--stride or fewer --max-num-points need less)")
    except OSError as err:
        where = f" {err.filename}" if err.filename else ""
        return _fail(f"{err.strerror or err}:{where}")
    except Exception as err:  # a bug: still one line, unless asked for the traceback
        if os.environ.get(DEBUG_ENV):
            raise
        return _fail(f"unexpected {type(err).__name__}: {err} (this is a bug; "
                     f"{DEBUG_ENV}=1 shows where)")
