"""The package version, for the package itself and for core (which must not import the top).

``_version.py`` is written by setuptools-scm when the package is built or
installed; a source tree that was never installed falls back to the
installed distribution's metadata, then to ``0.0.0``.
"""

from __future__ import annotations

try:
    from ._version import version as __version__
except ImportError:  # pragma: no cover - not installed from a build
    from importlib.metadata import PackageNotFoundError, version

    try:
        __version__ = version("napari-symseg")
    except PackageNotFoundError:
        __version__ = "0.0.0"

__all__ = ["__version__"]
