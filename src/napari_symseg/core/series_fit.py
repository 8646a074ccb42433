"""The fit of an image series: the reference frames, one model fitted on them with every
operation, the operations ranked by Fisher's separability and the model refitted with
the best ones (`fit_series_steps`; `core.series` labels the frames with it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .chunks import edge_preserving
from .consistency import reach
from .descriptors.registry import get_family
from .model import Model
from .params import AUTO_REFERENCE_FRAMES, Params
from .pipeline import fit_steps
from .progress import SeriesProgress, relay
from .separability import SeparabilityAccumulator
from .validation import check_series, frame_image


@dataclass(frozen=True)
class SeriesFit:
    """The model fitted on the reference frame(s) of a series.

    Attributes
    ----------
    model : Model
        Labels every frame: the selected operations, their PCA and centres.
    full_model : Model
        The first fit, with every operation of the descriptor.
    separability : ndarray, (n_operations,)
        Fisher separability of every operation of `full_model` on the
        reference frames (labels of the full fit).
    selected : ndarray of int
        Indices into ``full_model.operations`` of the operations in
        `model`, best separability first.
    reference_frames : tuple of int
    """

    model: Model
    full_model: Model
    separability: np.ndarray
    selected: np.ndarray
    reference_frames: tuple[int, ...]


def auto_reference_frames(n_frames: int, n: int = AUTO_REFERENCE_FRAMES) -> tuple[int, ...]:
    """`n` frames spread evenly over a series of `n_frames`, first and last included.

    Parameters
    ----------
    n_frames : int
        Frames in the series (>= 1).
    n : int
        How many reference frames at most.

    Returns
    -------
    tuple of int
        Increasing frame numbers, ``min(n, n_frames)`` of them.
    """
    count = max(1, min(int(n), int(n_frames)))
    return tuple(int(t) for t in np.unique(np.round(np.linspace(0, n_frames - 1, count))))


def reference_frames(params: Params, n_frames: int) -> tuple[int, ...]:
    """The frames a series model is fitted on (``"auto"`` resolved; checked).

    Parameters
    ----------
    params : Params
        Its ``reference_frames``: ``"auto"`` or frame numbers.
    n_frames : int
        Frames in the series.

    Returns
    -------
    tuple of int

    Raises
    ------
    InputError
        A frame number beyond the series.
    """
    if params.reference_frames == "auto":
        return auto_reference_frames(n_frames)
    bad = [t for t in params.reference_frames if t >= n_frames]
    if bad:
        raise InputError(
            f"reference frame(s) {bad} do not exist: the series has {n_frames} frames "
            f"(0..{n_frames - 1})"
        )
    return params.reference_frames


# ------------------------------------------------------------------------ fitting
def select_operations(separability: np.ndarray, n: int) -> np.ndarray:
    """Indices of the `n` operations of best separability, best first (0 = all).

    Ties keep the operations' order; NaN counts as no separability.

    Parameters
    ----------
    separability : array_like, (n_operations,)
        Fisher separability of every operation.
    n : int
        How many to keep (0, or at least all: every operation).

    Returns
    -------
    ndarray of int
    """
    sep = np.nan_to_num(np.asarray(separability, dtype=np.float64), nan=-np.inf)
    order = np.argsort(-sep, kind="stable")
    return order if n <= 0 or n >= len(sep) else order[:n]


def fit_series_steps(
    series, params: Params | None = None, scribbles: dict | None = None
) -> Generator[SeriesProgress, None, SeriesFit]:
    """Fit a series model on the reference frame(s); yields `SeriesProgress`.

    Parameters
    ----------
    series : array_like, (T, Y, X)
        The frames (read one at a time).
    params : Params, optional
        ``reference_frames`` and ``n_selected_operations`` drive the fit.
    scribbles : dict of int to ndarray, optional
        Strokes per frame (`core.scribbles.series_scribbles`): those frames
        join the reference frames and the fit follows the strokes
        (`core.scribbles`; pattern i - 1 = scribbled class i).

    Returns
    -------
    SeriesFit
        (the generator's return value)
    """
    params = Params() if params is None else params
    n_frames = check_series(series)[0]
    refs = reference_frames(params, n_frames)
    strokes = None
    if scribbles:  # the scribbled frames are reference frames too (issue 15)
        refs = tuple(sorted(set(refs) | set(scribbles)))
        strokes = [scribbles.get(t) for t in refs]
    images = [frame_image(series, t, allow_constant=False) for t in refs]
    family = get_family(params.descriptor_name)
    operations = family.operations(params)
    n_sel = params.n_selected_operations
    selecting = 0 < n_sel < len(operations)
    # the two fits' shares of the reference work, by number of operations
    share = len(operations) / (len(operations) + (n_sel if selecting else 0))

    def report(steps, start, width, what):
        def convert(p):
            frac = start + width * p.fraction
            return SeriesProgress("reference", round(100 * frac), 100, frac, detail=f"{what} {p}")

        return relay(steps, convert)

    full = yield from report(
        fit_steps(images, params, operations, strokes), 0.0, share,
        f"{len(operations)} operations,"
    )
    model = full.model
    acc = SeparabilityAccumulator(len(operations), model.n_patterns)
    for chunks, (labels, _) in zip(full.chunks, full.assigned, strict=True):
        n_ops = len(operations)  # (the contrast channels are never selected away)

        def add(sl, block, lab=labels, n_ops=n_ops):
            acc.add(block[..., :n_ops], lab[sl])

        for _ in chunks.each(add, "labels"):
            yield SeriesProgress("reference", round(100 * share), 100, share,
                                 detail="separability of every operation")
    separability = acc.result() if model.n_patterns > 1 else np.zeros(len(operations))
    selected = select_operations(separability, params.n_selected_operations)
    final = full
    if selecting and model.n_patterns > 1:
        # the selected operations' descriptors are columns of the full fit's (the same bit
        # for bit): taken from them when kept, not computed again
        columns = np.concatenate([selected, np.arange(len(operations), full.chunks[0].n_features)])
        # (not with the edge-preserving smoothing: it picks its windows from all features)
        kept = None if edge_preserving(params) or any(c.kept is None for c in full.chunks) \
            else [
            np.ascontiguousarray(c.kept[..., columns]) for c in full.chunks]
        final = yield from report(
            fit_steps(images, params, operations.subset(selected), strokes, kept), share,
            1 - share, f"{len(selected)} selected operations,",
        )
        model = final.model
    else:
        selected = np.arange(len(operations))
    # how far the reference points lie from their centres: the per-frame consistency check
    model = dataclasses.replace(model, reach=reach(final.features, model.centres))
    return SeriesFit(model, model if final is full else full.model, separability, selected,
                     refs)
