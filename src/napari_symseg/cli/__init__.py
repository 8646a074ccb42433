"""The ``napari-symseg`` command.

``napari-symseg segment INPUT -o OUTPUT [options]`` segments a 2-D image
or a (T, Y, X) series (``.npy``/``.tif``/microscope files) and writes
integer labels of the same shape; a series is fitted on its reference
frame(s) and every frame is labelled with the same model.
``napari-symseg segment A B ... -o OUTDIR/`` (or a folder, or a quoted glob)
segments many files in one process (`batch`), each with its own fit or all
with one ``--model``; a failing file is reported and skipped (exit 1).
``napari-symseg demo`` opens napari with the sample image and the widget,
or segments the sample headless and writes the result files to a folder.

Bad input or parameters: exit code 2, one line on stderr, nothing written.

Modules: `args` (the parser and the `Params` it gives), `segment` (one file),
`batch` (many files), `progress` (bars on a terminal), `failures` (one-line
errors), `demo`, `numba_start` (numba's first dispatch without ``scipy.linalg`` and,
in the command's own process, cached kernels loaded without numba's registries).
"""

from __future__ import annotations

import signal
import sys

from .args import UsageError, build_parser, params_from_args
from .demo import has_display, open_napari_demo
from .failures import DEBUG_ENV, failure_text
from .signals import Terminated, interrupted, terminating_signals

__all__ = [
    "DEBUG_ENV",
    "UsageError",
    "build_parser",
    "has_display",
    "main",
    "open_napari_demo",
    "params_from_args",
]


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
    code = _main(argv, own_process=argv is None)
    if argv is None:  # the process's own command (console script, ``python -m``): it ends now
        _skip_final_collections()
    return code


def _skip_final_collections() -> None:
    """Leave every object out of the garbage collector's passes at interpreter exit.

    At exit Python's cyclic collector walks every object still alive (~10^5
    after a ``segment``, most of them numba's registries; ~0.1 s of CPU a
    pass): the process ended ~2 s after `main` returned under a load of 14,
    0.3 s with this (docs/benchmarks.md). ``gc.freeze`` moves them to the
    permanent generation; finalisation (``atexit`` handlers, closing files, freeing by
    reference count) is unchanged. Only for the command's own process, never
    when `main` is called with arguments (tests, other programs).
    """
    import gc

    gc.freeze()


def _main(argv: list[str] | None, own_process: bool = False) -> int:
    try:
        with terminating_signals():
            return _run(argv, own_process)
    except KeyboardInterrupt as stop:
        print("napari-symseg: interrupted" + _note(stop), file=sys.stderr)
        return 130
    except Terminated as stop:
        print(f"napari-symseg: stopped by {signal.Signals(stop.signum).name}{_note(stop)}",
              file=sys.stderr)
        return 128 + stop.signum


def _note(stop: BaseException) -> str:
    """``": what was written"`` of a stopped batch (`batch.stopped_note`), else ``""``."""
    note = getattr(stop, "note", None)
    return f": {note}" if note else ""


def _handler(command: str, own_process: bool = False):
    """The function running `command`, imported only now (``--help`` imports no numpy).

    In the command's own process (`own_process`) cached numba kernels load
    without numba's registries (`numba_start.lean_cache_loads`) and freed
    arrays stay with the allocator for the next frame (`memory.reuse_freed_memory`).
    """
    if command == "demo":  # (may open napari in this process: no preload)
        from .demo import cmd_demo

        return cmd_demo
    from .memory import reuse_freed_memory
    from .numba_start import lean_cache_loads, preload_cython_blas

    preload_cython_blas()  # numba's first dispatch without all of scipy.linalg
    if own_process:
        lean_cache_loads()
        reuse_freed_memory()  # frames' arrays reuse pages instead of faulting in new ones
    from .batch import cmd_segment

    return cmd_segment


def _run(argv: list[str] | None, own_process: bool = False) -> int:
    """Parse and run one command; every error becomes one line and exit code 2."""
    try:
        args = build_parser().parse_args(argv)
        return _handler(args.command, own_process)(args)
    except Exception as err:  # a bug too is one line, unless asked for the traceback
        if interrupted():  # Ctrl-C inside an extension's import comes out as ImportError
            raise KeyboardInterrupt from err
        return _fail(failure_text(err))
