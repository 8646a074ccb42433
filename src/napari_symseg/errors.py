"""Every error the package raises on purpose: one base class, one subclass per kind.

Every entry point (the Python API, the command line, the widget) catches
`SymsegError` and shows its message: the user's input or parameters were
wrong, nothing was lost. Anything else is a bug. Each subclass is also a
`ValueError`, so code written against the older names keeps working.
"""

from __future__ import annotations


class SymsegError(Exception):
    """Base class: bad input, bad parameters or a file that cannot be read or written."""


class ParamsError(SymsegError, ValueError):
    """A parameter value is invalid (out of range, wrong type, inconsistent)."""


class InputError(SymsegError, ValueError):
    """The image or image series cannot be segmented as given (NaN, RGB, constant...)."""


class ImageTooSmallError(InputError):
    """The image is smaller than the patch and shift window need."""


class ClusteringError(SymsegError, ValueError):
    """The features cannot be clustered as asked (e.g. fewer points than patterns)."""


class FileFormatError(SymsegError, ValueError):
    """A file cannot be read or written in the requested format."""


class ExportError(SymsegError, ValueError):
    """A result cannot be exported (no result yet, an unwritable target...)."""


class ScribbleError(InputError):
    """Scribbles that cannot guide a run (wrong shape, too many classes, nothing covered)."""


class Cancelled(Exception):
    """Work stopped on request (a closed window, a Cancel button): not a failure."""
