"""Numba's first dispatch in a command's process, without importing all of ``scipy.linalg``.

The first call of any numba kernel in a process, even one loaded from numba's
on-disk cache, loads numba's typing and lowering registries
(``BaseContext.refresh``). One of them, ``numba.np.arraymath``, checks at
import that a BLAS is there by importing ``scipy.linalg.cython_blas``; that
import runs the ``scipy.linalg`` package first, which imports scipy's array-API
layer, which in turn touches every lazy attribute of numpy (``numpy.f2py``,
``numpy.testing``, ...): ~0.3 s of CPU idle, for a module no kernel of
napari-symseg calls (none does linear algebra inside numba). None of our
default path imports ``scipy.linalg`` otherwise
(``tests/cli/test_startup_imports.py``).

`preload_cython_blas` loads just the ``cython_blas`` extension module under its
own name (``importlib``'s "import a source file directly" recipe, for an
extension module), so that numba's check finds it in ``sys.modules`` and the
package is not run. The module object is the real one: numba's BLAS wrappers,
and ``scipy.linalg`` if it is imported later (its Cython modules import
``cython_blas`` by name), use it. What differs: until something imports
``scipy.linalg`` the attribute ``scipy.linalg.cython_blas`` is not set on the
package. That is why only ``napari-symseg segment`` calls it (our own process),
never the napari widget nor ``demo`` (a process shared with other plugins).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys

NAME = "scipy.linalg.cython_blas"


def preload_cython_blas() -> bool:
    """Load ``scipy.linalg.cython_blas`` without running the ``scipy.linalg`` package.

    Does nothing when either is already imported, or when scipy or the
    module cannot be found (numba then imports it its own way).

    Returns
    -------
    bool
        Whether the module was loaded here.
    """
    if NAME in sys.modules or "scipy.linalg" in sys.modules:
        return False
    try:
        import scipy  # the package's __init__ only (its subpackages load lazily)
    except ImportError:
        return False
    spec = importlib.machinery.PathFinder.find_spec(
        "cython_blas", [f"{path}/linalg" for path in scipy.__path__])
    if spec is None or not isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
        return False
    spec = importlib.util.spec_from_file_location(NAME, spec.origin)
    try:
        module = importlib.util.module_from_spec(spec)
        sys.modules[NAME] = module
        spec.loader.exec_module(module)
    except Exception:  # numba then imports it its own way
        sys.modules.pop(NAME, None)
        return False
    return True
