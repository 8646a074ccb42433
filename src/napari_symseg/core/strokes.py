"""Scribbles as input: checking the strokes, the scribbled class of every grid point,
the scribbled and the unscribbled points of a fit, the strokes of a series.

Scribbles are a 2-D integer array of the image's shape: 0 = unlabelled,
``i >= 1`` = pattern ``i - 1`` (`core.scribbles` fits them).
"""

from __future__ import annotations

import numpy as np

from ..errors import ScribbleError
from .grid import Grid


def check_scribbles(scribbles, image_shape: tuple[int, int], n_patterns: int) -> np.ndarray:
    """Validate scribbles against an image and a number of patterns.

    Class numbers may have gaps (e.g. only 1 and 3 painted): the numbers
    nobody painted become free (unsupervised) patterns at those places, so
    erasing one class's strokes in napari never makes a run fail and the
    output keeps the numbers the user painted.

    Parameters
    ----------
    scribbles : array_like, 2-D, integer
        0 = unlabelled, i >= 1 = pattern i - 1.
    image_shape : (int, int)
        Shape of the image the scribbles were painted on.
    n_patterns : int
        Number of patterns of the run.

    Returns
    -------
    ndarray of int64
        The scribbles (a copy; the input is not modified).

    Raises
    ------
    ScribbleError
        Wrong number of axes or shape, non-integer or negative values, a
        class larger than `n_patterns`, or no scribbled pixel at all.
    """
    s = np.asarray(scribbles)
    if s.ndim != 2 or tuple(s.shape) != tuple(image_shape):
        raise ScribbleError(f"scribbles must have the image's shape {tuple(image_shape)}; "
                            f"got {tuple(s.shape)}")
    if s.dtype.kind == "b" or s.dtype.kind not in "iuf":
        raise ScribbleError(f"scribbles must be integers (0 = unlabelled); got {s.dtype}")
    if s.dtype.kind == "f" and not (np.isfinite(s).all() and (s == np.round(s)).all()):
        raise ScribbleError("scribbles must be whole numbers (0 = unlabelled, i = pattern i-1)")
    s = s.astype(np.int64)
    if (s < 0).any():
        raise ScribbleError(f"scribbles must not be negative; found {int(s.min())}")
    top = int(s.max())
    if top == 0:
        raise ScribbleError("scribbles cover no pixel (all 0): paint at least one class")
    if top > n_patterns:
        raise ScribbleError(f"scribbles use class {top} but n_patterns is {n_patterns}: "
                            f"raise n_patterns to at least {top}")
    return s


def grid_classes(scribbles: np.ndarray, grid: Grid) -> np.ndarray:
    """The scribbled class of every descriptor grid point (0 = none).

    A grid point takes the majority class among the scribbled pixels of its
    cell (the pixels whose nearest grid point it is, as in the labels'
    upsampling; ties go to the smaller class). A majority of the cell, not
    the one pixel at its centre: a thin brush stroke between two grid points
    would otherwise be lost at stride 4 and more, and every pixel of the
    cell lies inside the point's patch anyway.

    Parameters
    ----------
    scribbles : ndarray, 2-D int
        Checked scribbles (`check_scribbles`) of the grid's image shape.
    grid : Grid
        The descriptor grid.

    Returns
    -------
    ndarray of int32, (n_rows, n_cols)
    """
    ri, ci = grid.nearest_index()
    rr, cc = np.nonzero(scribbles)
    cls = scribbles[rr, cc]
    point = ri[rr] * grid.shape[1] + ci[cc]
    n_cls = int(cls.max()) + 1 if len(cls) else 1
    votes = np.bincount(point * n_cls + cls, minlength=grid.size * n_cls)
    votes = votes.reshape(grid.size, n_cls)
    out = np.where(votes.any(1), votes.argmax(1), 0)
    return out.reshape(grid.shape).astype(np.int32)


def split_fit_points(features: np.ndarray, classes: np.ndarray, fit_mask: np.ndarray):
    """Scribbled points (anywhere on the grid) and unscribbled fit points.

    Parameters
    ----------
    features : ndarray, (n_rows, n_cols, d)
        PCA features on the grid.
    classes : ndarray of int, (n_rows, n_cols)
        `grid_classes`.
    fit_mask : ndarray of bool, (n_rows, n_cols)
        Points the model is fitted on (unclipped descriptors).

    Returns
    -------
    unscribbled : ndarray, (n, d)
    seeds : ndarray, (m, d)
    seed_classes : ndarray of int, (m,)
    """
    scribbled = classes > 0
    return features[fit_mask & ~scribbled], features[scribbled], classes[scribbled]


def scribbled_points(chunks, features, scribbles):
    """The scribbled points of one or more images and their unscribbled fit points.

    Parameters
    ----------
    chunks : list of DescriptorChunks
        Per image, its descriptor chunks (their grid and fit area).
    features : list of ndarray, (n_rows, n_cols, d)
        Per image, its PCA features.
    scribbles : list of (ndarray or None)
        Per image, checked scribbles of its shape (or None).

    Returns
    -------
    unscribbled : ndarray, (n, d)
        Unscribbled fit points of every image.
    seeds : ndarray, (m, d)
    seed_classes : ndarray of int, (m,)
    """
    rest, seeds, classes = [], [], []
    for c, f, s in zip(chunks, features, scribbles, strict=True):
        cls = np.zeros(c.grid.shape, np.int32) if s is None else grid_classes(s, c.grid)
        mask = np.zeros(c.grid.shape, bool)
        c.fit_part(mask)[...] = True
        x, seed, y = split_fit_points(f, cls, mask)
        rest.append(x)
        seeds.append(seed)
        classes.append(y)
    return np.concatenate(rest), np.concatenate(seeds), np.concatenate(classes)


def series_scribbles(scribbles, series_shape, n_patterns: int, frame: int | None = None
                     ) -> dict[int, np.ndarray]:
    """Scribbles of a (T, Y, X) series as ``{frame: checked 2-D scribbles}``.

    One form on the command line and in `segment_series`: a 2-D array of
    the frames' shape plus the `frame` it was painted on. The widget, whose
    scribbles layer has the series' shape, passes a mapping of the painted
    frames. Every scribbled frame becomes a reference frame of the fit.

    Parameters
    ----------
    scribbles : array_like, 2-D int, or dict of int to array_like
        Strokes of one frame (with `frame`), or per frame.
    series_shape : tuple of int
        (T, Y, X).
    n_patterns : int
        Number of patterns of the run.
    frame : int, optional
        The frame a 2-D `scribbles` was painted on (required for 2-D).

    Returns
    -------
    dict of int to ndarray
        Frames with at least one scribbled pixel.

    Raises
    ------
    ScribbleError
        A 2-D array without `frame`, a frame outside the series, a frame
        with a mapping, a 3-D array, or another shape (`check_scribbles`).
    """
    n_frames, shape = int(series_shape[0]), tuple(series_shape[-2:])
    if isinstance(scribbles, dict):
        if frame is not None:
            raise ScribbleError("give the scribbles' frame either as the mapping's keys or "
                                "as the frame, not both")
        given = {int(t): s for t, s in scribbles.items()}
    else:
        s = np.asarray(scribbles)
        if s.ndim != 2:
            raise ScribbleError(f"scribbles of a series are one frame's strokes (2-D, "
                                f"{shape}) plus the frame they were painted on; got "
                                f"{s.ndim}-D {tuple(s.shape)}")
        if frame is None:
            raise ScribbleError("scribbles of a series need the frame they were painted on "
                                "(scribbles_frame / --scribbles-frame N)")
        given = {int(frame): s}
    bad = [t for t in given if not 0 <= t < n_frames]
    if bad:
        raise ScribbleError(f"scribbles frame {bad[0]} does not exist: the series has "
                            f"{n_frames} frames (0..{n_frames - 1})")
    out = {}
    for t, s in sorted(given.items()):
        arr = np.asarray(s)
        if arr.ndim == 2 and arr.shape == shape and not arr.any():
            continue  # an unpainted frame of the widget's layer
        out[t] = check_scribbles(arr, shape, n_patterns)
    if not out:
        raise ScribbleError("scribbles cover no pixel (all 0): paint at least one class")
    return out
