"""Numba's first dispatch in a command's process: no ``scipy.linalg``, no registries.

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

`lean_cache_loads` goes one step further, in the command's own process only
(``main()`` without arguments): a kernel loaded from numba's on-disk cache
is machine code that needs numba's runtime (NRT) but none of its typing and
lowering registries, which numba's cache loader nevertheless loads first
(``Cache.load_overload`` calls ``target_context.refresh()``: ~40 modules
imported and every registry installed, ~0.2-0.3 s of CPU). With it the loader
initialises the runtime only. A kernel that is not in the cache is compiled
as before: numba's compiler refreshes the registries itself
(``CompilerBase.__init__``), so nothing is lost, only postponed to where it
is needed. Measured: docs/benchmarks.md.
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


def lean_cache_loads() -> bool:
    """Load cached numba kernels without numba's typing and lowering registries.

    Replaces ``numba.core.caching.Cache.load_overload`` (for this process)
    by the same load with ``rtsys.initialize`` instead of the full
    ``target_context.refresh()`` (module docstring). Does nothing when numba
    lacks the methods it relies on (another numba version: the cache then
    loads as numba does), or when already done.

    Returns
    -------
    bool
        Whether the loader was replaced here.
    """
    try:
        from numba.core import caching
        from numba.core.runtime import rtsys
    except ImportError:
        return False
    cache = caching.Cache
    if getattr(cache.load_overload, "lean", False) or not all(
            hasattr(cache, name) for name in ("_load_overload",
                                              "_guard_against_spurious_io_errors")):
        return False

    def load_overload(self, sig, target_context):
        rtsys.initialize(target_context)  # all the cached machine code needs of the refresh
        with self._guard_against_spurious_io_errors():
            return self._load_overload(sig, target_context)
        return None  # an I/O error swallowed by the guard: compiled instead, as in numba

    load_overload.lean = True
    load_overload.__doc__ = cache.load_overload.__doc__
    cache.load_overload = load_overload
    return True
