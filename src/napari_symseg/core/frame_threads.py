"""Frames of a series labelled side by side, one frame per thread (in-process).

Labelling one frame alternates numba kernels (parallel over the machine's
threads) with numpy steps on one thread (PCA projection, nearest centre,
upsampling, statistics), and every parallel kernel ends at a barrier. With
one frame per thread, each on one numba thread, the numpy steps of one frame
run beside the kernels of another and no thread waits at a barrier: on the
2-core development machine under load 8 the series took ~30 % less CPU per
frame and ran 1.4x faster (docs/benchmarks.md). The labels and statistics are
the same bit for bit (the kernels' sums do not depend on the thread count).

Frames are read in the calling thread (a reader need not be thread-safe) and
at most ``workers + 1`` frames are in flight, so memory stays flat in the
number of frames; results come back in frame order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numba

from .frame_labels import label_task
from .model import Model
from .pca import single_threaded_blas


def frame_workers() -> int:
    """Frames labelled side by side by default: numba's thread count (1: one at a time).

    Returns
    -------
    int
    """
    return max(1, int(numba.get_num_threads()))


def _one_thread_task(model: Model, frame, t: int):
    numba.set_num_threads(1)  # per thread: this frame's kernels stay on this thread
    return label_task(model, frame, t)


def label_in_threads(model: Model, series, frames: Iterable[int],
                     workers: int) -> Iterator[tuple]:
    """`label_task` of every frame in `frames`, `workers` frames at a time, in order.

    Parameters
    ----------
    model : Model
        A fitted model.
    series : array_like, (T, Y, X)
        The frames (``series[t]`` is read in the calling thread).
    frames : iterable of int
        The frames to label.
    workers : int
        Threads (frames labelled at once).

    Yields
    ------
    (int, ndarray, FrameStats)
        What `label_task` returns, frame by frame in the order of `frames`.
        Closing the generator cancels the frames not started and waits for
        those running.
    """
    todo = iter(frames)
    pending: deque = deque()
    # one BLAS thread for the whole run (the projection's products are small), set once
    # here: the workers' own nested limits then restore the same value in any order
    with single_threaded_blas(), ThreadPoolExecutor(workers, "symseg-frame") as pool:
        try:
            for t in todo:
                pending.append(pool.submit(_one_thread_task, model, series[t], t))
                if len(pending) > workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
