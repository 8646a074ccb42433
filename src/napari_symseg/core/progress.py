"""Progress of a running segmentation, and the helpers that drive progress generators.

The compute core is a generator of progress: it yields `Progress` (one image)
or `SeriesProgress` (an image series) between chunks of work, so a GUI can
show progress and cancel by no longer iterating. `run` drives such a
generator to its result; `relay` re-yields its steps in another form.

A step can be long (the descriptors of a chunk of a large image at stride 1:
seconds). To stop inside one, the caller drives the generator through
`stoppable` with a `Stop`: while a step runs, `stop_flag` gives the kernels
that step's flag (a one-element array the numba kernels read before each of
their parallel jobs or grid rows, leaving the rest undone); `Stop.set` from
another thread makes them return early, and the kernel's caller then raises
`Stopped` instead of returning a partly computed array (`raise_if_stopped`),
which `stoppable` turns into the end of the run (it returns None). A kernel
never writes the flag, so a run that is not stopped computes exactly what it
did without one. Without `stoppable`, the kernels read the process's flag
(`PROCESS_STOP`): the command line sets it on Ctrl-C and SIGTERM
(`cli.signals`), stopping the kernels of every thread.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field

import numpy as np

# share of the total run time of each stage, for an overall progress fraction
_WEIGHTS = {"descriptors": 0.85, "pca": 0.05, "kmeans": 0.07, "labels": 0.03}
_STARTS = {"descriptors": 0.0, "pca": 0.85, "kmeans": 0.90, "labels": 0.97}


@dataclass(frozen=True)
class Progress:
    """One step of a running segmentation.

    Attributes
    ----------
    stage : str
        ``"descriptors"``, ``"pca"``, ``"kmeans"`` or ``"labels"``.
    done, total : int
        Units of the stage done so far / in all.
    fraction : float
        Overall progress in [0, 1].
    """

    stage: str
    done: int
    total: int
    fraction: float = field(init=False)

    def __post_init__(self) -> None:
        part = self.done / self.total if self.total else 1.0
        object.__setattr__(self, "fraction", _STARTS[self.stage] + _WEIGHTS[self.stage] * part)

    def __str__(self) -> str:
        return f"{self.stage} {self.done}/{self.total} ({100 * self.fraction:.0f} %)"


@dataclass(frozen=True)
class SeriesProgress:
    """One step of a running series segmentation.

    Attributes
    ----------
    stage : str
        ``"reference"`` while the model is fitted on the reference frame(s),
        ``"frames"`` while frames are labelled (one step per frame), and
        ``"labelling"`` between chunks of a frame's rows when asked for
        (``within=True`` of `core.series.label_frames_steps`: no frame).
    done, total : int
        Frames labelled so far / in all (stage ``"frames"``), or the
        reference fit's own progress in percent.
    fraction : float
        Overall progress in [0, 1].
    frame : int or None
        The frame just labelled (stage ``"frames"``; frames finish in order
        in-process, in any order on a cluster).
    labels : ndarray or None
        Its labels.
    area_fraction : ndarray or None
        Its pattern area fractions, (n_patterns,).
    detail : str
        What the reference fit is doing.
    """

    stage: str
    done: int
    total: int
    fraction: float
    frame: int | None = None
    labels: np.ndarray | None = field(default=None, repr=False)
    area_fraction: np.ndarray | None = None
    detail: str = ""

    def __str__(self) -> str:
        if self.stage == "reference":
            return f"reference fit: {self.detail} ({100 * self.fraction:.0f} %)"
        return f"frame {self.done}/{self.total} ({100 * self.fraction:.0f} %)"


def relay(steps: Generator, convert) -> Generator:
    """Re-yield ``convert(p)`` for every progress step `p` of `steps`; return its value.

    Closing the relay (a cancel) closes `steps` too.

    Parameters
    ----------
    steps : generator
        A progress generator.
    convert : callable
        Maps one step of `steps` to the step yielded instead.

    Returns
    -------
    object
        The return value of `steps` (the generator's return value).
    """
    try:
        while True:
            try:
                p = next(steps)
            except StopIteration as stop:
                return stop.value
            yield convert(p)
    finally:
        steps.close()


def run(steps: Generator):
    """Drive a progress generator to completion and return its result.

    Parameters
    ----------
    steps : generator
        A progress generator, e.g. ``segment_steps(image, params)``.

    Returns
    -------
    object
        Its return value (a `Result`, a `SeriesResult`...).
    """
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value


class Stopped(BaseException):
    """A kernel stopped early because its `Stop` was set: its result is incomplete.

    A BaseException (like KeyboardInterrupt), so that no ``except Exception``
    on the way takes a stopped run for a failed input.
    """


class Stop:
    """A cancel flag the long kernels read while they run (`stop_flag`).

    Attributes
    ----------
    flag : ndarray, uint8, shape (1,)
        Nonzero once set; passed to the numba kernels.
    """

    def __init__(self) -> None:
        self.flag = np.zeros(1, dtype=np.uint8)

    def set(self) -> None:
        """Ask the kernels reading this flag to stop (any thread)."""
        self.flag[0] = 1

    def clear(self) -> None:
        """Let the kernels run to the end again."""
        self.flag[0] = 0

    def is_set(self) -> bool:
        """Whether `set` was called (and not cleared since)."""
        return bool(self.flag[0])


#: Read by kernels run outside `stoppable` (the command line's, every frame thread's).
PROCESS_STOP = Stop()
_CURRENT = threading.local()


def stop_flag() -> np.ndarray:
    """The flag that a kernel called now in this thread reads (pass it to the kernel).

    The `Stop` of the `stoppable` step this thread is running, else `PROCESS_STOP`'s.
    """
    stop = getattr(_CURRENT, "stop", None)
    return (PROCESS_STOP if stop is None else stop).flag


def raise_if_stopped(flag: np.ndarray) -> None:
    """Raise `Stopped` if `flag` (from `stop_flag`) is set: the kernel that read it
    may have left its output incomplete."""
    if flag[0]:
        raise Stopped


def stoppable(steps: Generator, stop: Stop) -> Generator:
    """Re-yield the steps of `steps`, its kernels reading `stop` (`stop_flag`); return its value.

    A step stopped inside by ``stop.set()`` ends the run: nothing more is
    yielded and None is returned (the partial step's result is dropped).
    Closing this generator closes `steps`.

    Parameters
    ----------
    steps : generator
        A progress generator (or any generator whose kernels call `stop_flag`).
    stop : Stop
        Set from another thread to stop a step in progress.

    Returns
    -------
    object
        The return value of `steps`, or None once stopped.
    """
    try:
        while True:
            if stop.is_set():
                return None
            try:
                with stopping(stop):
                    p = next(steps)
            except StopIteration as end:
                return end.value
            except Stopped:
                if not stop.is_set():  # (another flag's: not this run's cancel)
                    raise
                return None
            yield p
    finally:
        steps.close()


@contextlib.contextmanager
def stopping(stop: Stop) -> Iterator[Stop]:
    """The kernels called in this thread within the block read `stop` (`stop_flag`).

    Parameters
    ----------
    stop : Stop
        The flag; set it from another thread to stop them.
    """
    outer = getattr(_CURRENT, "stop", None)
    _CURRENT.stop = stop
    try:
        yield stop
    finally:
        _CURRENT.stop = outer
