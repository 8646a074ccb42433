"""The command's own process keeps freed memory for the next frame (glibc's ``mallopt``).

A series frame allocates some dozen arrays of a few megabytes each (the
float64 frame, its standardised copy, the box moments, the descriptors, the
labels...) and frees them before the next frame. glibc serves an allocation
above its *mmap threshold* (128 KiB at start, raised only as large blocks
are freed, per arena) with a fresh ``mmap`` and returns it with ``munmap``
on ``free``, so the kernel zeroes every page again for the next frame: on a
31-frame 1024² series ~2,700 page faults per frame, ~120,000 for the
process (``clear_page`` was the largest single symbol in a ``perf`` profile
of the command), and ~30 ms of system CPU per frame under load.

`reuse_freed_memory` fixes the threshold at 32 MiB (glibc's largest) and
raises the trim threshold, so that these blocks come from the heap and go
back to it, and the next frame takes the same pages: the peak memory is
that of one frame per thread, as before (it is not returned to the system
between frames, where it would be taken again at once). Arrays above 32 MiB
(frames larger than about 2000²) are still mapped and unmapped. Only for
the command's own process (``main()`` without arguments): a library, a test
or napari's process keeps its allocator as it was. Elsewhere than glibc
(macOS, musl) nothing is done. Measured: docs/benchmarks.md.
"""

from __future__ import annotations

import ctypes
import sys

#: glibc's ``mallopt`` parameters (malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

#: blocks up to this size come from the heap (glibc refuses more than 32 MiB on 64-bit)
MMAP_THRESHOLD = 32 << 20
#: free memory at the heap's top kept for the next allocations, not returned
TRIM_THRESHOLD = 256 << 20


def reuse_freed_memory() -> bool:
    """Have glibc serve blocks up to 32 MiB from its heap and keep them when freed.

    Returns
    -------
    bool
        Whether both settings were made (False off Linux/glibc or if glibc
        refused one).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter runs on
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # the trim threshold first: setting the mmap threshold ends glibc's dynamic adjustment
    return bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)) and bool(
        mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
