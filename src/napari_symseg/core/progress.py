"""Progress of a running segmentation, and the helpers that drive progress generators.

The compute core is a generator of progress: it yields `Progress` (one image)
or `SeriesProgress` (an image series) between chunks of work, so a GUI can
show progress and cancel by no longer iterating. `run` drives such a
generator to its result; `relay` re-yields its steps in another form.
"""

from __future__ import annotations

from collections.abc import Generator
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
