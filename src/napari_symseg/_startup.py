"""Process set-up that must happen before numba (or anything heavy) is imported.

Imported first by ``napari_symseg/__init__.py``; cheap (standard library
only, no numba import on the usual path).

numba's cache
-------------
The compiled kernels are cached by numba (``cache=True``) beside the code,
in the package's ``__pycache__``, or else in ``~/.cache/numba``. A shared
cluster install or a container has a read-only package folder and often no
home folder, and then numba refuses to define the kernels at all ("cannot
cache function ...: no locator available"), so every command failed, even
``--version``. `set_numba_cache_dir` therefore points ``NUMBA_CACHE_DIR``
(unless the user set it) to the first writable folder of:
``$XDG_CACHE_HOME/napari-symseg/numba``, ``~/.cache/napari-symseg/numba``,
``<temp>/napari-symseg-<user>/numba``, when the package folder is not
writable. With none writable, the kernels are compiled at every start
instead (one warning), never refused.

Ctrl-C during the command's start-up
------------------------------------
Importing numpy, scipy, scikit-learn and numba takes a second or two; a
Ctrl-C then would print a traceback from the middle of an import. For the
``napari-symseg`` command only, `quiet_interrupt` makes it one line
(``napari-symseg: interrupted``); Python still ends the process as
interrupted by Ctrl-C (the shell sees 130).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

# Only os and sys at the top: the Ctrl-C hook below is installed before anything else is
# imported (a Ctrl-C that landed in ``import tempfile`` under load printed a traceback).


def _package() -> Path:
    """The folder of the package's code (numba caches beside it when it can)."""
    from pathlib import Path

    return Path(__file__).resolve().parent


def _writable_folder(folder: Path) -> bool:
    """True when `folder` exists (or can be made) and a file can be created in it."""
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            return True
    except (OSError, ValueError):
        return False


def cache_candidates() -> list[Path]:
    """Folders for numba's cache when the package folder is not writable, in order."""
    import tempfile
    from pathlib import Path

    out = []
    if os.environ.get("XDG_CACHE_HOME"):
        out.append(Path(os.environ["XDG_CACHE_HOME"]) / "napari-symseg" / "numba")
    home = Path(os.path.expanduser("~"))
    if home.is_absolute():
        out.append(home / ".cache" / "napari-symseg" / "numba")
    try:
        user = str(os.getuid()) if hasattr(os, "getuid") else os.getlogin()
    except OSError:
        user = "user"
    out.append(Path(tempfile.gettempdir()) / f"napari-symseg-{user}" / "numba")
    return out


def set_numba_cache_dir() -> str | None:
    """Point numba's cache to a writable folder when the package folder is not writable.

    Returns
    -------
    str or None
        The folder chosen (also in ``os.environ["NUMBA_CACHE_DIR"]``); None
        when nothing had to change (the user's own ``NUMBA_CACHE_DIR``, or a
        writable package folder) or when no folder is writable (then the
        kernels are compiled uncached, with one warning).
    """
    if os.environ.get("NUMBA_CACHE_DIR") or _writable_folder(_package() / "__pycache__"):
        return None
    for folder in cache_candidates():
        if _writable_folder(folder):
            os.environ["NUMBA_CACHE_DIR"] = str(folder)
            return str(folder)
    _compile_uncached()
    return None


def _compile_uncached() -> None:
    """Make numba's ``cache=True`` a no-op (every start compiles again), with one warning."""
    import warnings

    from numba.core.dispatcher import Dispatcher

    Dispatcher.enable_caching = lambda self: None
    warnings.warn(
        "napari-symseg: no writable folder for numba's cache (package folder, "
        "$XDG_CACHE_HOME, ~/.cache, the temporary folder); kernels are compiled at every "
        "start. Set NUMBA_CACHE_DIR to a writable folder to keep them.",
        UserWarning, stacklevel=2,
    )


def _running_the_command() -> bool:
    argv = getattr(sys, "orig_argv", sys.argv)
    return os.path.basename(sys.argv[0]) == "napari-symseg" or "napari_symseg.cli" in argv


def quiet_interrupt() -> None:
    """For the ``napari-symseg`` command: Ctrl-C before `main` runs gives one line."""
    if not _running_the_command():
        return
    previous = sys.excepthook

    def hook(kind, value, traceback) -> None:
        if issubclass(kind, KeyboardInterrupt):
            # a Ctrl-C outside `main`'s handler (start-up, or between `main` returning and
            # the exit): one line, and the 130 the shell expects rather than Python's
            # re-raised SIGINT (returncode -2); `finally` blocks have run already
            print("napari-symseg: interrupted", file=sys.stderr)
            sys.stderr.flush()
            os._exit(130)
        previous(kind, value, traceback)

    sys.excepthook = hook


quiet_interrupt()
set_numba_cache_dir()
