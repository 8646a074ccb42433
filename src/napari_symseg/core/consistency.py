"""Per-frame consistency of a series with the model it was labelled with.

A series model is fitted on reference frames; every other frame is only
*assigned* to the nearest reference centre. A frame that holds something
the reference frames did not (a phase that nucleates later, a region that
drifts in, a change of focus) is still given a label everywhere, silently.
The check measures, per frame, the share of grid points that are farther
from every pattern centre than `REACH_QUANTILE` of the reference frames'
own points were (the model's ``reach``): about 1 % on frames like the
reference, much more where something new appears. Frames above
`UNLIKE_LIMIT` are named in a note (`consistency_note`), with what to do.
A single-image fit records its reach too, so an image labelled later with
a saved model gets the same check (`model_note`).

The reach only sees the image through the model's PCA: descriptors unlike
anything the model was fitted on can project close to a centre (a
hexagonal lattice labelled with a square-lattice model: 0.7 % beyond the
reach; the MoS2 image with the Ni boride model: 0 %). The second check
(`residual_ratio`, `subspace_note`) measures what the projection throws
away: the image's descriptor variance outside the model's components,
in units of the reference images' own (about 1 on images like them, 1-5 on
noisier ones or on one grain of a two-grain model; 13-350 on unlike ones;
`RESIDUAL_LIMIT` 8).
"""

from __future__ import annotations

import numpy as np

#: Quantile of the reference points' distance to their nearest centre that is the reach.
REACH_QUANTILE = 0.99
#: A frame with more of its points beyond the reach than this is reported.
UNLIKE_LIMIT = 0.05
_CHUNK = 65536


def nearest_distance(features: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Euclidean distance of every feature vector to its nearest centre.

    Parameters
    ----------
    features : ndarray, (..., d)
        PCA features.
    centres : ndarray, (k, d)
        Cluster centres.

    Returns
    -------
    ndarray of float64, (...)
    """
    flat = np.asarray(features, np.float64).reshape(-1, features.shape[-1])
    c = np.asarray(centres, np.float64)
    out = np.empty(len(flat))
    for i in range(0, len(flat), _CHUNK):
        block = flat[i:i + _CHUNK]
        best = None
        for centre in c:  # one centre at a time: no (points, k, d) temporary, the same sums
            d = block - centre
            np.multiply(d, d, out=d)
            d2 = d.sum(axis=1)
            best = d2 if best is None else np.minimum(best, d2, out=best)
        out[i:i + _CHUNK] = np.sqrt(best)
    return out.reshape(features.shape[:-1])


def reach(features: list[np.ndarray], centres: np.ndarray) -> float:
    """`REACH_QUANTILE` of the reference points' distances to their nearest centre.

    Parameters
    ----------
    features : list of ndarray, (..., d)
        The PCA features of the reference frames.
    centres : ndarray, (k, d)
        The model's cluster centres.

    Returns
    -------
    float
    """
    distances = np.concatenate([nearest_distance(f, centres).ravel() for f in features])
    return float(np.quantile(distances, REACH_QUANTILE))


def unlike_fraction(features: np.ndarray, centres: np.ndarray, reach_: float) -> float:
    """Share of a frame's points farther than `reach_` from every centre.

    Parameters
    ----------
    features : ndarray, (..., d)
        The frame's PCA features.
    centres : ndarray, (k, d)
        The model's cluster centres.
    reach_ : float
        The model's reach (`reach`).

    Returns
    -------
    float
        In [0, 1].
    """
    return float(np.mean(nearest_distance(features, centres) > reach_))


def consistency_note(unlike: np.ndarray, limit: float = UNLIKE_LIMIT) -> str | None:
    """A one-line note naming the frames unlike the reference frames, or None.

    Parameters
    ----------
    unlike : ndarray, (n_frames,)
        `unlike_fraction` per frame (NaN: not measured).
    limit : float
        Frames above it are named.

    Returns
    -------
    str or None

    Examples
    --------
    >>> consistency_note(np.array([0.01, 0.02, 0.3, 0.4, 0.01, 0.2]))[:58]
    'frames 2-3, 5 look unlike the reference frames (up to 40 %'
    """
    values = np.asarray(unlike, np.float64)
    bad = np.flatnonzero(np.nan_to_num(values, nan=0.0) > limit)
    if bad.size == 0:
        return None
    runs, start = [], bad[0]
    for a, b in zip(bad, [*bad[1:], None], strict=True):
        if b is None or b != a + 1:
            runs.append(f"{start}" if start == a else f"{start}-{a}")
            start = b
    word = "frame" if bad.size == 1 else "frames"
    return (f"{word} {', '.join(runs)} look unlike the reference frames (up to "
            f"{100 * np.nanmax(values):.0f} % of points farther from every pattern than "
            f"{100 * REACH_QUANTILE:.0f} % of the reference points): a pattern the fit did not "
            "see? Add reference frames there (--reference-frames) or raise --n-patterns")


def model_note(features: np.ndarray, model) -> str | None:
    """A one-line note when an image labelled with a saved `model` is unlike the images the
    model was fitted on (more than `UNLIKE_LIMIT` of its points beyond the model's reach).

    Parameters
    ----------
    features : ndarray, (..., d)
        The image's PCA features (``Result.pca_components``).
    model : Model
        The model it was labelled with; a model without a ``reach`` (saved by an
        older version) gives no note.

    Returns
    -------
    str or None
    """
    if getattr(model, "reach", None) is None or np.size(features) == 0:
        return None
    share = unlike_fraction(features, model.centres, model.reach)
    if share <= UNLIKE_LIMIT:
        return None
    return (f"{100 * share:.0f} % of this image's points are farther from every pattern than "
            f"{100 * REACH_QUANTILE:.0f} % of the model's own fit points: the image is unlike "
            "what the model was fitted on, its labels may mean nothing; fit this image on its "
            "own, or fit the model on images like it")


# ------------------------------------------------------ outside the model's subspace
#: An image whose descriptors have this many times the reference's variance outside the
#: model's PCA components (per point, about the model's mean) is reported (`subspace_note`).
RESIDUAL_LIMIT = 8.0


def residual_ratio(descriptors: np.ndarray, pca) -> float | None:
    """Variance of `descriptors` outside the model's PCA components, in units of the
    reference's.

    The model's PCA keeps the directions in which the reference images' descriptors
    varied most; what they varied in the other directions (per point) is
    ``sum(explained_variance) * (1 / sum(explained_variance_ratio) - 1)``. The same
    quantity of a new image (about the model's mean, so a shift away from the
    reference also counts) is ``mean |x - mean|² - mean |features|²``. Descriptors
    that look nothing like the reference's mostly vary, or sit, off the model's
    components: their projection can still fall near a centre (within the reach),
    this ratio cannot hide it.

    Parameters
    ----------
    descriptors : ndarray, (..., n_features)
        The new image's raw descriptors (``Result.descriptors``).
    pca : PCAModel
        The model's PCA.

    Returns
    -------
    float or None
        About 1 for images like the reference (more for noisier ones); None
        when it cannot be measured: no descriptors, a PCA that keeps every
        direction (or all the variance), or weighted components (contrast
        channels: not orthonormal).
    """
    if descriptors is None or np.size(descriptors) == 0:
        return None
    comps = np.asarray(pca.components, np.float64)
    if comps.shape[0] >= comps.shape[1] or not np.allclose(comps @ comps.T,
                                                           np.eye(len(comps)), atol=1e-6):
        return None
    kept = float(np.sum(pca.explained_variance))
    share = float(np.sum(pca.explained_variance_ratio))
    reference = kept * (1.0 / share - 1.0) if share > 0 else 0.0
    if not reference > 1e-12 * max(kept, 1e-300):
        return None
    flat = np.asarray(descriptors).reshape(-1, comps.shape[1])
    total = captured = 0.0
    for i in range(0, len(flat), _CHUNK):
        d = flat[i:i + _CHUNK].astype(np.float64) - pca.mean
        total += float(np.einsum("ij,ij->", d, d))
        f = d @ comps.T
        captured += float(np.einsum("ij,ij->", f, f))
    return max(total - captured, 0.0) / len(flat) / reference


def subspace_note(descriptors: np.ndarray, model) -> str | None:
    """A one-line note when an image's descriptors vary outside the saved `model`'s PCA
    components far more than its reference images' did (`residual_ratio` above
    `RESIDUAL_LIMIT`): a second check beside the reach (`model_note`), for images
    whose projected features fall near a centre although the image is unlike.

    Parameters
    ----------
    descriptors : ndarray, (..., n_features)
        The image's raw descriptors (None: no note).
    model : Model
        The model it was labelled with.

    Returns
    -------
    str or None
    """
    ratio = residual_ratio(descriptors, model.pca)
    if ratio is None or ratio <= RESIDUAL_LIMIT:
        return None
    return (f"this image's descriptors vary {ratio:.0f} times as much as the model's fit "
            "images did in directions the model's PCA does not keep: the image is unlike "
            "what the model was fitted on, its labels may mean nothing; fit this image on its "
            "own, or fit the model on images like it")
