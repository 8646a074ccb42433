"""Merge, split and rename patterns of a result: pure functions, and an undo history.

Each edit returns a new `Result` whose `Model` labels other images the same
way: a merged pattern keeps both cluster centres (`Model.centre_patterns`
maps centres to patterns), a split pattern's centres are replaced by the
two centres of k-means (k = 2) on its own grid points. A merge is a pure
relabel of the existing labels (`merge_table`: no pixel moves between the
other patterns); a split labels the grid points again. Nothing is
modified in place, so keeping the previous result is all an undo needs
(`History`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import ClusteringError, ParamsError
from .kmeans import kmeans
from .model import Model
from .result import Result
from .separability import fisher_separability


def _check_pattern(result: Result, pattern: int, what: str = "pattern") -> int:
    k = result.model.n_patterns
    if not 0 <= int(pattern) < k:
        raise ParamsError(f"{what} {pattern} does not exist (patterns 0..{k - 1})")
    return int(pattern)


def _groups(model: Model) -> np.ndarray:
    if model.centre_patterns is None:
        return np.arange(len(model.centres))
    return np.asarray(model.centre_patterns, dtype=np.int64)


def _relabelled(result: Result, model: Model, table: np.ndarray | None = None) -> Result:
    """`result` labelled again with `model` (same features, grid and descriptors); with
    `table` (a merge) its labels are ``table[labels]`` and only the confidence is new."""
    grid_labels, confidence = model.assign(result.pca_components)
    params = model.params
    if table is not None:
        grid_labels = table[result.grid_labels].astype(np.int32)
        labels = table[result.labels]
    else:
        labels = result.grid.upsample(grid_labels) if params.upsampling else grid_labels
    sep = pca_sep = None
    if result.separability is not None and result.descriptors is not None and \
            model.n_patterns > 1:
        sep = fisher_separability(result.descriptors[..., : len(model.operations)], grid_labels)
    if result.pca_separability is not None and model.n_patterns > 1:
        pca_sep = fisher_separability(result.pca_components, grid_labels)
    return replace(result, labels=np.ascontiguousarray(labels, dtype=np.int32),
                   grid_labels=grid_labels, confidence=confidence, separability=sep,
                   pca_separability=pca_sep, cluster_centres=model.centres, model=model,
                   params=params)


def _names_without(names: tuple, gone: int) -> tuple:
    return tuple(n for i, n in enumerate(names) if i != gone)


def merge_table(n_patterns: int, a: int, b: int) -> np.ndarray:
    """The lookup table of a merge: ``table[old pattern]`` is the new pattern.

    `a` and `b` become the smaller of the two; patterns above the larger
    move down by one.

    Parameters
    ----------
    n_patterns : int
        Patterns before the merge.
    a, b : int
        The two merged patterns (different, both < `n_patterns`).

    Returns
    -------
    ndarray of int32, (n_patterns,)

    Examples
    --------
    >>> merge_table(4, 2, 0).tolist()
    [0, 1, 0, 2]
    """
    keep, gone = min(a, b), max(a, b)
    table = np.arange(n_patterns, dtype=np.int32)
    table[gone] = keep
    table[gone + 1:] -= 1
    return table


def merge(result: Result, a: int, b: int) -> Result:
    """Merge patterns `a` and `b` into the smaller number of the two.

    Patterns above the larger number move down by one; the merged pattern
    keeps the name of the smaller number. The labels are relabelled by
    `merge_table` (a pixel of another pattern never changes); the model's
    centres are kept, grouped (it labels other images the same way).

    Parameters
    ----------
    result : Result
        A segmentation (not modified).
    a, b : int
        Two different patterns.

    Returns
    -------
    Result
        With ``n_patterns - 1`` patterns.

    Raises
    ------
    ParamsError
        A pattern that does not exist, or ``a == b``.
    """
    a, b = _check_pattern(result, a), _check_pattern(result, b)
    if a == b:
        raise ParamsError(f"cannot merge pattern {a} with itself")
    keep, gone = min(a, b), max(a, b)
    groups = _groups(result.model)
    groups = np.where(groups == gone, keep, groups)
    groups = np.where(groups > gone, groups - 1, groups)
    model = replace(result.model, centre_patterns=groups,
                    params=result.model.params.replace(n_patterns=result.model.n_patterns - 1),
                    names=_names_without(result.model.names, gone))
    return _relabelled(result, model, merge_table(result.model.n_patterns, a, b))


def split(result: Result, pattern: int, random_state=None) -> Result:
    """Split `pattern` in two by k-means (k = 2) on its own grid points.

    The part nearer the pattern's old centre(s) keeps the number (and the
    name); the other part becomes the new last pattern.

    Parameters
    ----------
    result : Result
        A segmentation (not modified).
    pattern : int
        The pattern to split.
    random_state : int or None, optional
        Seed of the k-means (default: the run's ``random_state``).

    Returns
    -------
    Result
        With ``n_patterns + 1`` patterns.

    Raises
    ------
    ParamsError
        A pattern that does not exist.
    ClusteringError
        The pattern has fewer than two distinct grid points.
    """
    pattern = _check_pattern(result, pattern)
    model = result.model
    points = result.pca_components[result.grid_labels == pattern].astype(np.float64)
    if len(np.unique(points, axis=0)) < 2:
        raise ClusteringError(f"pattern {pattern} has fewer than two distinct grid points; "
                              "nothing to split")
    seed = model.params.random_state if random_state is None else random_state
    two = kmeans(points, 2, n_init=4, random_state=seed).cluster_centers_
    groups = _groups(model)
    old = model.centres[groups == pattern]
    near = np.linalg.norm(two[:, None] - old[None], axis=-1).min(1)
    two = two[np.argsort(near, kind="stable")]  # nearer the old centre(s) first
    k = model.n_patterns
    keep = groups != pattern
    centres = np.concatenate([model.centres[keep], two])
    groups = np.concatenate([groups[keep], [pattern, k]])
    new = replace(model, centres=centres, centre_patterns=groups,
                  params=model.params.replace(n_patterns=k + 1))
    return _relabelled(result, new)


def rename(result: Result, names) -> Result:
    """The result with pattern names (travel to layers, statistics and exports).

    Parameters
    ----------
    result : Result
        A segmentation (not modified).
    names : sequence of str
        One name per pattern (or fewer: the rest stay unnamed, '').

    Returns
    -------
    Result

    Raises
    ------
    ParamsError
        More names than patterns.
    """
    names = tuple(str(n) for n in names)
    k = result.model.n_patterns
    if len(names) > k:
        raise ParamsError(f"{len(names)} names for {k} patterns")
    names = names + ("",) * (k - len(names)) if any(names) else ()
    return replace(result, model=replace(result.model, names=names))


def pattern_names(model: Model) -> list[str]:
    """Name of every pattern: its given name, or 'pattern i'.

    Parameters
    ----------
    model : Model
        A fitted model.

    Returns
    -------
    list of str
    """
    given = list(model.names) + [""] * model.n_patterns
    return [given[i] or f"pattern {i}" for i in range(model.n_patterns)]


class History:
    """Results after each edit, for undo.

    Parameters
    ----------
    result : Result
        The result before any edit.
    """

    def __init__(self, result: Result):
        self._results = [result]

    @property
    def current(self) -> Result:
        """The result after the last edit."""
        return self._results[-1]

    @property
    def can_undo(self) -> bool:
        """Whether there is an edit to undo."""
        return len(self._results) > 1

    def apply(self, edit, *args, **kwargs) -> Result:
        """``edit(current, *args, **kwargs)`` becomes the current result (e.g. `merge`).

        Parameters
        ----------
        edit : callable
            `merge`, `split`, `rename` or any ``Result -> Result`` function.
        *args, **kwargs
            Passed on to `edit`.

        Returns
        -------
        Result
        """
        return self.push(edit(self.current, *args, **kwargs))

    def push(self, result: Result) -> Result:
        """`result` (an edit of `current` computed elsewhere, e.g. in a worker) becomes current.

        Parameters
        ----------
        result : Result
            The edited result.

        Returns
        -------
        Result
        """
        self._results.append(result)
        return self.current

    def undo(self) -> Result:
        """Go back to the result before the last edit (nothing to undo: unchanged).

        Returns
        -------
        Result
        """
        if self.can_undo:
            self._results.pop()
        return self.current
