"""Labelling one frame of a series with a fitted model (in-process or on a dask worker)."""

from __future__ import annotations

import numpy as np

from .chunks import DescriptorChunks, grid_for, project
from .model import Model
from .progress import run
from .stats import FrameStats, upsampled_statistics
from .validation import as_frame


def label_frame(model: Model, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Labels of one validated frame: ``(labels, grid_labels)``, both uint8.

    Parameters
    ----------
    model : Model
        A fitted model.
    image : ndarray, 2-D float64
        The validated frame (`as_frame`).

    Returns
    -------
    (ndarray, ndarray)
        `labels` has the frame's shape (the grid's without upsampling);
        `grid_labels` the grid's.
    """
    labels, grid_labels, _, _ = _label(model, image)
    return labels, grid_labels


def _label(model: Model, image: np.ndarray, nearest: bool = False, stats: bool = False):
    """`label_frame` and the frame's PCA features (`nearest`: their distances to the
    nearest centre instead, computed with the labels), and with `stats` the frame's
    statistics (else None), taken while the labels are upsampled."""
    return run(_label_steps(model, image, nearest, stats))


def _label_steps(model: Model, image: np.ndarray, nearest: bool = False, stats: bool = False):
    """`_label` as a generator: yields a `Progress` after every chunk of rows."""
    chunks = DescriptorChunks(image, model.params, model.operations, passes=1)
    if not chunks.stream:
        yield from chunks.keep_all()
    features = yield from project(chunks, model.pca)
    if nearest:
        distances = np.empty(features.shape[:-1])
        grid_labels, _ = model.assign(features, distances)
        features = distances
    else:
        grid_labels, _ = model.assign(features)
    grid_labels = grid_labels.astype(np.uint8)
    statistics = None
    if stats:  # the pixels' labels and their statistics in one pass
        full, statistics = upsampled_statistics(grid_labels, *chunks.grid.nearest_index(),
                                                image, model.n_patterns)
        labels = full if model.params.upsampling else grid_labels
    else:
        labels = chunks.grid.upsample(grid_labels) if model.params.upsampling else grid_labels
    return labels, grid_labels, features, statistics


def label_task(model: Model, frame, t: int):
    """One frame, in-process or on a dask worker: ``(t, labels, statistics)``.

    Parameters
    ----------
    model : Model
        A fitted model.
    frame : array_like, 2-D
        The frame's pixels (validated here).
    t : int
        Its index in the series.

    Returns
    -------
    (int, ndarray, FrameStats)
        The index, the labels (`label_frame`) and the frame's statistics
        (with its unlike share when the model has a reach, else NaN).
    """
    image = as_frame(frame, t)
    return _task_result(model, t, *_label(model, image, nearest=model.reach is not None,
                                          stats=True))


def label_task_steps(model: Model, frame, t: int):
    """`label_task` (same parameters and value, returned) as a generator: yields a
    `Progress` after every chunk of the frame's rows, so a run can stop within a frame."""
    image = as_frame(frame, t)
    labelled = yield from _label_steps(model, image, nearest=model.reach is not None,
                                       stats=True)
    return _task_result(model, t, *labelled)


def _task_result(model: Model, t: int, labels, grid_labels, nearest, statistics):
    """``(t, labels, statistics)`` of a labelled frame (`label_task`)."""
    # the consistency check (core.consistency): the unlike share
    unlike = float(np.mean(nearest > model.reach)) if model.reach is not None else np.nan
    return t, labels, FrameStats(*statistics, unlike)


def labels_shape(model: Model, shape: tuple[int, int, int]) -> tuple[int, int, int]:
    """Shape of a series' labels: the frames', or the grid's without upsampling.

    Parameters
    ----------
    model : Model
        A fitted model.
    shape : (int, int, int)
        The series' shape (T, Y, X).

    Returns
    -------
    (int, int, int)
    """
    if model.params.upsampling:
        return shape
    return (shape[0], *grid_for(shape[1:], model.params).shape)
