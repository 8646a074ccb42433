"""Whole-or-nothing text files for the API's own writers (``Params.to_json``, ``Model.save``...).

The command line and the widget write through `napari_symseg.io.output`
(checks before any work, signals, several outputs at once). The few writers
of the core's objects use this smaller form of the same rule: the text goes
to a unique temporary file in the target folder, which replaces the target
in one rename; on any failure the temporary file is removed and an earlier
file at the target is left as it was. It sits beside `errors` so that the
core may use it without importing `io`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

_MODE: list[int] = []


def file_mode() -> int:
    """The permissions a new file gets from ``open`` here: ``0o666`` minus the umask.

    `tempfile.mkstemp` creates its files private (``0o600``); an output renamed
    from one is given these instead, like any file the user writes.

    Returns
    -------
    int
    """
    if not _MODE:
        mask = os.umask(0o022)  # read it (umask has no getter); put it back at once
        os.umask(mask)
        _MODE.append(0o666 & ~mask)
    return _MODE[0]


def write_text_atomic(path: str | Path, text: str, newline: str | None = None) -> None:
    """Write `text` to `path` whole or not at all.

    Parameters
    ----------
    path : str or Path
        The target file; an existing file is replaced, a folder is refused.
    text : str
        What to write (UTF-8).
    newline : str, optional
        As for `open` (``""`` for CSV).

    Raises
    ------
    IsADirectoryError
        `path` is a folder.
    OSError
        The folder does not exist or cannot be written (nothing is left behind).
    """
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a folder, not a file")
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial",
                                    dir=target.parent if str(target.parent) else ".")
    try:
        os.chmod(temp, file_mode())
        with os.fdopen(handle, "w", encoding="utf-8", newline=newline) as fh:
            fh.write(text)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
