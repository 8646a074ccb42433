"""Images side by side, one per thread: the frames of a series, a fit's reference frames.

Labelling one frame (or computing one image's descriptors) alternates numba
kernels, parallel over the machine's threads, with numpy steps on one thread
(PCA projection, nearest centre, upsampling, statistics), and every parallel
kernel ends at a barrier. With one image per thread, each on one numba
thread, the numpy steps of one image run beside the kernels of another and
no thread waits at a barrier: on the 2-core development machine under load 8
a series took ~30 % less CPU per frame and ran 1.4x faster
(docs/benchmarks.md). The results are the same bit for bit (the kernels'
sums do not depend on the thread count).

The calls' arguments are made in the calling thread (a frame reader need
not be thread-safe) and at most ``workers + 1`` calls are in flight, so
memory stays flat in the number of images; results come back in order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numba

from .pca import single_threaded_blas


def image_workers() -> int:
    """Images processed side by side by default: numba's thread count (1: one at a time).

    One at a time also when numba's threading layer is ``workqueue`` (e.g. a
    macOS install without OpenMP or TBB): it may not be entered from two
    threads at once.

    Returns
    -------
    int
    """
    n = max(1, int(numba.get_num_threads()))
    return n if n > 1 and _thread_safe_layer() else 1


def _thread_safe_layer() -> bool:
    """Whether numba's threading layer accepts parallel kernels from several threads."""
    try:
        try:
            layer = numba.threading_layer()
        except ValueError:  # no parallel kernel has run in this process yet: start the layer
            from numba.np.ufunc.parallel import _launch_threads

            _launch_threads()
            layer = numba.threading_layer()
    except Exception:  # numba's internals changed: the safe answer
        return False
    return layer in ("omp", "tbb")


def _on_one_thread(task: Callable, *args):
    numba.set_num_threads(1)  # per thread: this image's kernels stay on this thread
    return task(*args)


def map_in_threads(task: Callable, calls: Iterable[tuple], workers: int) -> Iterator:
    """``task(*args)`` for every ``args`` of `calls`, `workers` at a time, in order.

    Parameters
    ----------
    task : callable
        Run in a worker thread on one numba thread.
    calls : iterable of tuple
        The arguments of every call, drawn lazily in the calling thread (e.g.
        ``((model, series[t], t) for t in frames)`` reads each frame there).
    workers : int
        Threads (calls running at once).

    Yields
    ------
    object
        What `task` returns, call by call in the order of `calls`. Closing
        the generator cancels the calls not started and waits for those
        running.
    """
    pending: deque = deque()
    # one BLAS thread for the whole run (the projection's products are small), set once
    # here: the workers' own nested limits then restore the same value in any order
    with single_threaded_blas(), ThreadPoolExecutor(workers, "symseg-image") as pool:
        try:
            for args in calls:
                pending.append(pool.submit(_on_one_thread, task, *args))
                if len(pending) > workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
