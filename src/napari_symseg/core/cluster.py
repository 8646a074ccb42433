"""Frames of a series as tasks on a dask.distributed cluster.

distributed is imported only when used, so the core works without it.
"""

from __future__ import annotations

import sys

import numpy as np

from .frame_labels import label_task
from .model import Model


def active_client():
    """The active dask.distributed `Client`, or None (none, or distributed not installed).

    A client exists only once distributed has been imported, so a process
    that has not imported it has none, and does not import it to find out
    (~0.3 s of CPU; it was inside the frames' time of every CLI series).
    """
    if "distributed" not in sys.modules:
        return None
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:
        return None


def label_on_cluster(client, model: Model, series, frames, keep):
    """Label `frames` as tasks on a dask cluster, a bounded number in flight at once.

    Parameters
    ----------
    client : distributed.Client
        The cluster.
    model : Model
        The fitted model (sent to every worker once).
    series : array_like, (T, Y, X)
        The frames; a dask array's frames are computed on the cluster.
    frames : iterable of int
        Frames to label.
    keep : callable
        ``keep(done, t, labels, row)`` stores frame `t`'s labels and statistics
        row and returns the step yielded after it.

    Yields
    ------
    SeriesProgress
        After every frame, in the order frames finish.
    """
    from distributed import as_completed

    model_future = client.scatter(model, broadcast=True, hash=False)
    in_flight = 2 * max(sum(client.nthreads().values()), 1)
    todo = iter(frames)

    def submit(t):
        frame = series[t]
        if hasattr(frame, "dask"):  # a dask array: computed on the cluster, not here
            frame = client.compute(frame)
        else:
            frame = np.asarray(frame)
        return client.submit(label_task, model_future, frame, t, pure=False)

    first = [submit(t) for _, t in zip(range(in_flight), todo, strict=False)]
    pending = as_completed(first)
    done = 0
    try:
        for future in pending:
            t, labels, row = future.result()
            future.release()
            done += 1
            yield keep(done, t, labels, row)
            nxt = next(todo, None)
            if nxt is not None:
                pending.add(submit(nxt))
    finally:
        client.cancel(list(pending.futures))
