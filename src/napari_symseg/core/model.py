"""A fitted segmentation model: operations + PCA + cluster centres + params."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import FileFormatError, SymsegError
from .descriptors.contrast import n_channels
from .descriptors.operations import Operations
from .params import Params
from .pca import PCAModel


@dataclass(frozen=True)
class Model:
    """Everything needed to label another image the same way.

    Attributes
    ----------
    params : Params
    operations : Operations
        The symmetry operations whose scores form the descriptor.
    pca : PCAModel
    centres : ndarray, (n_patterns, n_components)
        Cluster centres in label order (label i = nearest to centres[i]).
    version : str
        napari-symseg version that fitted the model.
    centre_patterns : ndarray of int or None
        Pattern of every centre when patterns were merged or split
        (`core.edit`); None: centre i is pattern i.
    names : tuple of str
        Pattern names (empty: unnamed).
    reach : float or None
        Series models: how far from its nearest centre a reference point
        lies at most (`core.consistency.reach`); a frame with many points
        beyond it is unlike the reference frames. None: not measured.
    """

    params: Params
    operations: Operations
    pca: PCAModel
    centres: np.ndarray
    version: str
    centre_patterns: np.ndarray | None = None
    names: tuple[str, ...] = ()
    reach: float | None = None

    @property
    def n_patterns(self) -> int:
        """Number of patterns."""
        if self.centre_patterns is None:
            return len(self.centres)
        return int(np.max(self.centre_patterns)) + 1

    def assign(self, features: np.ndarray,
               nearest: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Pattern of every feature vector and its confidence (see `clustering.assign`).

        Parameters
        ----------
        features : ndarray, (..., n_components)
            PCA features.
        nearest : ndarray of float64, (...), optional
            Filled with every vector's distance to its nearest centre.

        Returns
        -------
        labels : ndarray of int32
        confidence : ndarray of float32
        """
        from .clustering import assign, assign_groups

        if self.centre_patterns is None:
            return assign(features, self.centres, nearest)
        if nearest is not None:
            from .consistency import nearest_distance

            nearest[...] = nearest_distance(features, self.centres)
        return assign_groups(features, self.centres, self.centre_patterns)

    def predict(self, image):
        """Label `image` with this model; returns a `Result`.

        Examples
        --------
        >>> from napari_symseg import segment
        >>> from napari_symseg.core.samples import two_phase
        >>> fitted = segment(two_phase((128, 128)), patch_x=6, patch_y=6,
        ...                  window_x=9, window_y=9, stride=4).model
        >>> fitted.predict(two_phase((128, 128), seed=5)).labels.shape
        (128, 128)
        """
        from .labelling import predict_steps
        from .progress import run

        return run(predict_steps(self, image))

    def to_dict(self) -> dict:
        """JSON-compatible representation."""
        return {
            "napari_symseg_model": 1,
            "version": self.version,
            "params": self.params.to_dict(),
            "operations": self.operations.to_dict(),
            "pca": {
                "mean": self.pca.mean.tolist(),
                "components": self.pca.components.tolist(),
                "explained_variance": self.pca.explained_variance.tolist(),
                "explained_variance_ratio": self.pca.explained_variance_ratio.tolist(),
            },
            "centres": np.asarray(self.centres).tolist(),
            **({} if self.centre_patterns is None else
               {"centre_patterns": np.asarray(self.centre_patterns).tolist()}),
            **({"pattern_names": list(self.names)} if self.names else {}),
            **({} if self.reach is None else {"reach": float(self.reach)}),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Model:
        """Inverse of `to_dict`."""
        if data.get("napari_symseg_model") != 1:
            raise FileFormatError("not a napari-symseg model (no \"napari_symseg_model\": 1)")
        pca = data["pca"]
        return cls(
            params=Params.from_dict(data["params"]),
            operations=Operations.from_dict(data["operations"]),
            pca=PCAModel(
                *(
                    np.asarray(pca[k], dtype=np.float64)
                    for k in (
                        "mean",
                        "components",
                        "explained_variance",
                        "explained_variance_ratio",
                    )
                )
            ),
            centres=np.asarray(data["centres"], dtype=np.float64),
            version=data["version"],
            centre_patterns=(None if data.get("centre_patterns") is None
                             else np.asarray(data["centre_patterns"], dtype=np.int64)),
            names=tuple(str(n) for n in data.get("pattern_names") or ()),
            reach=None if data.get("reach") is None else float(data["reach"]),
        )

    def save(self, path: str | Path) -> None:
        """Write the model as JSON (floats round-trip exactly; whole or not at all)."""
        from .._atomic import write_text_atomic

        write_text_atomic(path, json.dumps(self.to_dict()))

    @classmethod
    def load(cls, path: str | Path) -> Model:
        """Read a model written by `save`, checking the whole file first.

        Parameters
        ----------
        path : str or Path
            A ``.json`` file written by `save` (or ``--save-model``).

        Raises
        ------
        FileFormatError
            The file cannot be read, is not JSON (e.g. truncated), is not a
            model file, or has a missing, null, non-finite or wrong-shaped
            entry; the message says which.
        """
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as err:
            raise FileFormatError(f"cannot read model file {path}: {err.strerror}") from None
        except UnicodeDecodeError:
            raise FileFormatError(f"{path.name} is not a model file (not JSON text)") from None
        except (ValueError, RecursionError) as err:
            raise FileFormatError(f"{path.name} is not valid JSON (truncated?): {err}") from None
        try:
            _check_model_data(data)
            return cls.from_dict(data)
        except (SymsegError, KeyError, TypeError, ValueError) as err:
            raise FileFormatError(f"{path.name} is not a valid napari-symseg model: "
                                  f"{err}") from None


#: Operation kind of each descriptor family's features.
_KINDS = {"local_correlation_map": "translation", "preselected_translations": "translation",
          "rotational_symmetry_maximum_pooling": "rotation",
          "reflection_symmetry_maximum_pooling": "reflection", "power_spectrum": "frequency",
          "polarity": "polarity"}


def _array(data: dict, key: str, ndim: int, where: str) -> np.ndarray:
    """``data[key]`` as a finite float array of `ndim` axes, or FileFormatError."""
    if not isinstance(data, dict) or data.get(key) is None:
        raise FileFormatError(f"{where}{key} is missing or null")
    try:
        array = np.asarray(data[key], dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise FileFormatError(f"{where}{key} is not an array of numbers") from None
    if array.ndim != ndim or 0 in array.shape:
        raise FileFormatError(f"{where}{key} must be a non-empty {ndim}-D array; got shape "
                              f"{array.shape}")
    if not np.isfinite(array).all():
        raise FileFormatError(f"{where}{key} holds NaN or infinite values")
    return array


def _check_model_data(data) -> None:
    """Raise `FileFormatError` (or `ParamsError`) naming the first bad entry of a model file."""
    if not isinstance(data, dict) or data.get("napari_symseg_model") != 1:
        raise FileFormatError("not a napari-symseg model file (no \"napari_symseg_model\": 1)")
    for key in ("version", "params", "operations", "pca", "centres"):
        if data.get(key) is None:
            raise FileFormatError(f"{key} is missing or null")
    if not isinstance(data["version"], str):
        raise FileFormatError("version must be text")
    params = Params.from_dict(data["params"])
    operations = data["operations"]
    if not isinstance(operations, dict):
        raise FileFormatError("operations must be a JSON object")
    kind = operations.get("kind")
    if kind != _KINDS[params.descriptor_name]:
        raise FileFormatError(f"operations.kind {kind!r} does not fit descriptor "
                              f"{params.descriptor_name!r}")
    pairs = kind in ("translation", "frequency", "polarity")
    values = _array(operations, "values", 2 if pairs else 1, "operations.")
    if values.ndim == 2 and (values.shape[1] != 2 or (values != np.round(values)).any()):
        raise FileFormatError("operations.values must be (n, 2) whole numbers")
    if kind in ("translation", "polarity") and (
            np.abs(values[:, 0]).max() > params.window_x
            or np.abs(values[:, 1]).max() > params.window_y):
        # grid points keep one window from the border (`translation.margin`): a longer
        # shift would reach outside the image
        raise FileFormatError(f"operations.values: a shift is longer than the shift window "
                              f"({params.window_x}, {params.window_y}) of params")
    n_features = len(values) + n_channels(params)  # scores, then contrast channels
    mean = _array(data["pca"], "mean", 1, "pca.")
    components = _array(data["pca"], "components", 2, "pca.")
    variance = _array(data["pca"], "explained_variance", 1, "pca.")
    ratio = _array(data["pca"], "explained_variance_ratio", 1, "pca.")
    centres = _array(data, "centres", 2, "")
    reach = data.get("reach")
    if reach is not None and (isinstance(reach, bool) or not isinstance(reach, int | float)
                              or not np.isfinite(reach) or reach < 0):
        raise FileFormatError(f"reach must be a finite number >= 0; got {reach!r}")
    n_components = len(components)
    checks = [(len(mean) == n_features, f"pca.mean has {len(mean)} entries, not one per "
               f"feature ({n_features})"),
              (components.shape[1] == n_features, f"pca.components has shape "
               f"{components.shape}, not (n, {n_features})"),
              (len(variance) == len(ratio) == n_components, "pca.explained_variance(_ratio) "
               f"need {n_components} entries (one per component)"),
              (centres.shape[1] == n_components, f"centres has shape {centres.shape}, not "
               f"(k, {n_components})")]
    groups = data.get("centre_patterns")
    if groups is not None:
        groups = np.asarray(groups)
        checks.append((groups.shape == (len(centres),) and groups.dtype.kind in "iu"
                       and np.array_equal(np.unique(groups), np.arange(groups.max() + 1)),
                       "centre_patterns must give every centre a pattern 0..k-1, each used"))
    names = data.get("pattern_names")
    checks.append((names is None or (isinstance(names, list)
                                     and all(isinstance(n, str) for n in names)),
                   "pattern_names must be a list of text"))
    for ok, message in checks:
        if not ok:
            raise FileFormatError(message)
