"""A TIFF that cannot be read, said in words: one line naming the file, no tifffile log lines.

tifffile reports a damaged file in two voices: an exception whose text is an
implementation detail (``failed to read 262144 bytes, got 2728``), and log
lines on its ``tifffile`` logger (``<tifffile.TiffPages @…> invalid offset to
first page …``) that Python prints to stderr when nothing handles them, before
the error that follows (``empty Zarr arrays not supported`` from the zarr
store of a file without pages). `reading_tiff` holds both back while the
package reads a TIFF and raises one `FileFormatError`: ``NAME is not a
readable TIFF: what is wrong``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..errors import FileFormatError


class _HeldBack(logging.Filter):
    """Keeps (and drops) the tifffile log records of one thread."""

    def __init__(self) -> None:
        super().__init__()
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.thread != self.thread:
            return True  # another thread's read: not ours to silence
        try:
            self.messages.append(record.getMessage())
        except Exception:  # a malformed record: dropped all the same
            pass
        return False


@contextmanager
def quiet_tifffile() -> Iterator[list[str]]:
    """tifffile's log records of this thread kept in a list instead of printed.

    Yields
    ------
    list of str
        The messages tifffile logged inside the block.
    """
    held = _HeldBack()
    logger = logging.getLogger("tifffile")
    logger.addFilter(held)
    try:
        yield held.messages
    finally:
        logger.removeFilter(held)


def unreadable_reason(err: BaseException, logged: list[str], size: int | None) -> str:
    """What is wrong with a TIFF that failed to read, in words.

    Parameters
    ----------
    err : BaseException
        What the reader raised.
    logged : list of str
        What tifffile logged while reading.
    size : int or None
        The file's size in bytes (None if unknown).

    Returns
    -------
    str
        One line without the file's name.
    """
    text = " ".join(str(err).split())
    said = " ".join(logged).lower()
    if size == 0:
        return "the file is empty (0 bytes)"
    if "not a tiff" in text.lower() or "not a bigtiff" in text.lower():
        return "it does not start with a TIFF header"
    if "failed to read" in text or "truncated" in text.lower():
        return "the file ends before its image data does (truncated or damaged)"
    if "first page" in said or "empty" in text.lower() or "no pages" in text.lower():
        return "its header points to no image (the file is damaged)"
    if isinstance(err, MemoryError):
        return "its header asks for an image too large to hold (the file is damaged)"
    detail = f" ({type(err).__name__}: {text})" if text else f" ({type(err).__name__})"
    return "the file is damaged" + detail[:200]


def has_image(values):
    """`values` read from a TIFF, if it holds an image (tifffile reads a TIFF
    whose header points to no page as an empty array); else ValueError, which
    `reading_tiff` says in words."""
    if np.ndim(values) < 2 or not np.size(values):
        raise ValueError("no pages: empty")
    return values


@contextmanager
def reading_tiff(path: str | Path, where: str = "") -> Iterator[None]:
    """Read a TIFF inside this block: one clear `FileFormatError` if it fails.

    tifffile's log lines are held back inside the block (they are in the
    error's message when they explain it); any exception but a
    `FileFormatError` becomes ``"NAME is not a readable TIFF: reason"``
    (``"NAME is not a readable TIFF at WHERE: reason"`` with `where`).

    Parameters
    ----------
    path : str or Path
        The file read in the block (named in the message).
    where : str, optional
        Which part is read (e.g. ``"frame 3"``), said in the message.

    Raises
    ------
    FileFormatError
        The file could not be read as a TIFF.
    """
    path = Path(path)
    with quiet_tifffile() as logged:
        try:
            yield
        except FileFormatError:
            raise
        except Exception as err:  # any reader failure is a bad file for the user
            try:
                size = path.stat().st_size
            except OSError:
                size = None
            raise FileFormatError(
                f"{path.name} is not a readable TIFF{' at ' + where if where else ''}: "
                f"{unreadable_reason(err, logged, size)}"
            ) from None
