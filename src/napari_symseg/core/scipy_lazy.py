"""``scipy.ndimage`` and ``scipy.fft``, imported when first used.

The core's modules are imported when napari's dock widget opens (its fields
come from the descriptor registry), on napari's GUI thread; ``scipy.ndimage``
alone took 0.6 s there (more on a busy machine). Modules that need it write
``from .scipy_lazy import ndimage`` and call ``ndimage.gaussian_filter(...)``
as before: the real module is imported by the first such call, in practice
in the widget's warm-up thread or a run's worker.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any


class LazyModule:
    """A stand-in for a module that imports it on first attribute access.

    Parameters
    ----------
    name : str
        The module's full name, e.g. ``"scipy.ndimage"``.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, attr: str) -> Any:
        # import_module takes the import lock: safe from several threads at once
        return getattr(import_module(self.name), attr)

    def __repr__(self) -> str:
        return f"<lazy module {self.name!r}>"


#: ``scipy.ndimage`` on first use.
ndimage = LazyModule("scipy.ndimage")
#: ``scipy.fft`` on first use.
fft = LazyModule("scipy.fft")
