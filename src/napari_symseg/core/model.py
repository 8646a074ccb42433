"""A fitted segmentation model: operations + PCA + cluster centres + params."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

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
    """

    params: Params
    operations: Operations
    pca: PCAModel
    centres: np.ndarray
    version: str

    @property
    def n_patterns(self) -> int:
        """Number of patterns (cluster centres)."""
        return len(self.centres)

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
        }

    @classmethod
    def from_dict(cls, data: dict) -> Model:
        """Inverse of `to_dict`."""
        if data.get("napari_symseg_model") != 1:
            raise ValueError("not a napari-symseg model file")
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
        )

    def save(self, path: str | Path) -> None:
        """Write the model as JSON (floats round-trip exactly)."""
        Path(path).write_text(json.dumps(self.to_dict()))

    @classmethod
    def load(cls, path: str | Path) -> Model:
        """Read a model written by `save`."""
        return cls.from_dict(json.loads(Path(path).read_text()))
