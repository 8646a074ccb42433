"""One frozen dataclass holding every segmentation parameter.

`Params` is the single source of truth for parameter names, defaults,
ranges and validation. The Python API, the command line, the napari
widget, saved JSON files and layer metadata are all derived from it.
Names follow Appendix A of Wang et al., Microscopy and Microanalysis 27
(2021); defaults follow pySTEM 0.0.26 except ``random_state`` (0 rather
than None, so that runs are reproducible unless asked otherwise).
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ParamsError
from .param_values import (  # noqa: F401  (the limits are part of this module's API)
    MAX_REFERENCE_FRAMES,
    MAX_TRANSLATIONS,
    _as_int_tuple,
    _as_translations,
)

DESCRIPTOR_NAMES = (
    "local_correlation_map",
    "preselected_translations",
    "rotational_symmetry_maximum_pooling",
    "reflection_symmetry_maximum_pooling",
    "power_spectrum",
    "polarity",
)
METHODS = ("direct", "fft")
ALLOWED_ROTATION_ANGLES = (60, 90, 120, 180)
#: Frames a series model is fitted on with ``reference_frames="auto"``.
AUTO_REFERENCE_FRAMES = 5


def _meta(help: str, lo: float | None = None, hi: float | None = None, **extra: Any) -> dict:
    return {"help": help, "min": lo, "max": hi, **extra}


@dataclass(frozen=True)
class Params:
    """Parameters of a symmetry-descriptor segmentation.

    Sizes are in pixels; ``*_x`` is the vertical (row) axis and ``*_y``
    the horizontal (column) axis, as in the paper.

    Parameters
    ----------
    descriptor_name : str
        Local descriptor family, one of `DESCRIPTOR_NAMES`.
    patch_x, patch_y : int
        Half height / half width of the rectangular patch that is
        translated (translation descriptors).
    window_x, window_y : int
        Half height / half width of the shift window (translations), of the
        max-pooling window (rotations, reflections) or of the local FFT
        window (power spectrum).
    max_num_points : int
        Upper bound on the number of translations taken from a uniform grid
        in the shift window (``local_correlation_map``).
    method : {"direct", "fft"}
        Route used to compute translation descriptors; both are exact.
    preselected_translations : tuple of (int, int), optional
        Translation vectors (row, column) for ``preselected_translations``.
    radius : int
        Radius of the circular patch (rotations, reflections).
    num_reflection_plane : int
        Number of reflection axes, evenly spaced over 180 degrees.
    rotation_angles : tuple of int
        Rotation angles in degrees, a subset of (60, 90, 120, 180).
    n_patterns : int
        Number of patterns (k-means clusters).
    n_pca_components : int
        Number of PCA components kept (ignored when `pca_variance` is set).
    pca_variance : float, optional
        Keep the fewest PCA components explaining at least this fraction of
        the variance (the paper recommends 0.8-0.9).
    stride : int
        Descriptors are computed on every `stride`-th pixel in both axes.
    smoothing : float
        Width (Gaussian sigma, px) over which every descriptor is averaged on
        the grid before PCA and k-means; 0 (the paper) keeps them as
        computed. About one lattice period removes the variation of the
        scores with the position inside the unit cell, so weak differences
        (chemical order) are not drowned by it; boundaries blur by about
        sigma. `suggest_params` (``--auto``) sets the shortest lattice period.
        With `edge_smoothing`, the averaging is edge-preserving instead.
    contrast_features : bool
        Add two contrast channels to every descriptor: the local mean
        intensity and the local standard deviation over the descriptor's
        own scale (patch, radius or window), both divided by the image's
        mean intensity. Pearson scores ignore both; they are what tells
        vacuum from an amorphous film, or a weak superlattice of darker
        columns. `suggest_params` (``--auto``) turns them on when part of
        the image shows no lattice (docs/parameters.md).
    contrast_weight : float
        How strongly the contrast channels enter the PCA: their strongest
        direction gets this many times the variance of the symmetry scores'
        strongest direction (1: on a par with the first principal component
        of the scores).
    edge_smoothing : bool
        Make the `smoothing` edge-preserving (`core.kuwahara`: every grid
        point takes the mean of whichever of the four windows 1.5 sigma wide
        it is a corner of varies least), so that a step between two regions
        is never averaged into a rim that looks like a third (vacuum next to
        a particle read as film). `suggest_params` (``--auto``) turns it on
        with the contrast channels. Off: a Gaussian (models saved before this
        field existed load with it off and label as they did).
    upsampling : bool
        Bring labels back to the full image size by nearest-neighbour
        upsampling (otherwise labels stay on the strided grid).
    separability_analysis : bool
        Compute Fisher's separability of every feature and PCA component.
    random_state : int, optional
        Seed of k-means++ initialisation and subsampling; None draws a new
        seed each run.
    sort_labels_by_pattern_size : bool
        Relabel patterns by size, smallest pattern = 0.
    n_selected_operations : int
        Image series only: the model is fitted on the reference frame(s)
        with every operation, then refitted with the operations of the best
        Fisher separability, and every frame is labelled with those (paper,
        "Speedup for image series"). 0 keeps all operations.
    reference_frames : tuple of int or "auto"
        Image series only: the frames (0-based) the model is fitted on.
        ``"auto"`` (the default) spreads `AUTO_REFERENCE_FRAMES` frames evenly
        over the series, first and last included, so that a pattern that is
        absent from the first frame (a phase that nucleates, a boundary that
        sweeps in) is still in the fit.
    """

    descriptor_name: str = field(
        default="local_correlation_map",
        metadata=_meta("local descriptor family", choices=DESCRIPTOR_NAMES),
    )
    patch_x: int = field(default=20, metadata=_meta("patch half height (px)", 1, 512))
    patch_y: int = field(default=20, metadata=_meta("patch half width (px)", 1, 512))
    window_x: int = field(default=21, metadata=_meta("window half height (px)", 1, 512))
    window_y: int = field(default=21, metadata=_meta("window half width (px)", 1, 512))
    max_num_points: int = field(
        default=100, metadata=_meta("max number of translations", 1, 100_000)
    )
    method: str = field(default="direct", metadata=_meta("translation route", choices=METHODS))
    preselected_translations: tuple[tuple[int, int], ...] | None = field(
        default=None, metadata=_meta("translation vectors (row, col)")
    )
    radius: int = field(default=20, metadata=_meta("circular patch radius (px)", 2, 512))
    num_reflection_plane: int = field(
        default=10, metadata=_meta("number of reflection axes", 1, 180)
    )
    rotation_angles: tuple[int, ...] = field(
        default=ALLOWED_ROTATION_ANGLES, metadata=_meta("rotation angles (degrees)")
    )
    n_patterns: int = field(default=2, metadata=_meta("number of patterns", 1, 256))
    n_pca_components: int = field(default=5, metadata=_meta("PCA components", 1, 10_000))
    pca_variance: float | None = field(
        default=None, metadata=_meta("explained-variance fraction", 0.0, 1.0)
    )
    stride: int = field(default=5, metadata=_meta("stride (px)", 1, 512))
    smoothing: float = field(
        default=0.0, metadata=_meta("descriptor smoothing sigma (px), 0 = off", 0.0, 512.0)
    )
    contrast_features: bool = field(
        default=False, metadata=_meta("add local mean and contrast channels")
    )
    contrast_weight: float = field(
        default=1.0,
        metadata=_meta("contrast channels' weight vs the strongest symmetry component",
                       0.01, 100.0),
    )
    edge_smoothing: bool = field(
        default=False, metadata=_meta("edge-preserving smoothing (no rim along steps)")
    )
    upsampling: bool = field(default=True, metadata=_meta("upsample labels to full size"))
    separability_analysis: bool = field(
        default=True, metadata=_meta("compute Fisher separability")
    )
    random_state: int | None = field(default=0, metadata=_meta("random seed", 0, 2**32 - 1))
    sort_labels_by_pattern_size: bool = field(
        default=True, metadata=_meta("sort labels by pattern size")
    )
    n_selected_operations: int = field(
        default=20,
        metadata=_meta("series: operations kept by separability (0 = all)", 0, 100_000),
    )
    reference_frames: tuple[int, ...] | str = field(
        default="auto", metadata=_meta("series: frames the model is fitted on")
    )

    def __post_init__(self) -> None:
        # numpy numbers (from arrays, widgets) as Python numbers; NaN/inf are refused below
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, numbers.Integral) and not isinstance(value, bool | int):
                object.__setattr__(self, f.name, int(value))
            elif isinstance(value, numbers.Real) and not isinstance(value, int | float):
                object.__setattr__(self, f.name, float(value))
        # Normalise containers (lists from JSON / CLI) to hashable tuples.
        if self.preselected_translations is not None:
            object.__setattr__(
                self, "preselected_translations", _as_translations(self.preselected_translations)
            )
        object.__setattr__(self, "rotation_angles",
                           _as_int_tuple(self.rotation_angles, "rotation_angles", 16))
        frames = self.reference_frames
        frames = (frames,) if isinstance(frames, int) and not isinstance(frames, bool) else frames
        if isinstance(frames, str) and frames != "auto":
            raise ParamsError(
                f'reference_frames must be "auto" or a list of frame numbers; got {frames!r}')
        if frames != "auto":
            object.__setattr__(self, "reference_frames", _as_int_tuple(
                frames, "reference_frames", MAX_REFERENCE_FRAMES))
        self.validate()

    # ------------------------------------------------------------------ checks
    def validate(self) -> None:
        """Raise `ParamsError` with a clear message if anything is invalid."""
        if self.descriptor_name not in DESCRIPTOR_NAMES:
            raise ParamsError(
                f"descriptor_name must be one of {', '.join(DESCRIPTOR_NAMES)}; "
                f"got {self.descriptor_name!r}"
            )
        if self.method not in METHODS:
            raise ParamsError(f"method must be 'direct' or 'fft'; got {self.method!r}")
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            lo, hi = f.metadata.get("min"), f.metadata.get("max")
            if f.type in ("bool",) and not isinstance(value, bool):
                raise ParamsError(f"{f.name} must be true or false; got {value!r}")
            if f.type in ("int", "int | None"):
                if value is None and f.type == "int | None":
                    continue
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ParamsError(f"{f.name} must be an integer; got {value!r}")
            if f.type in ("float", "float | None") and value is not None:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ParamsError(f"{f.name} must be a number; got {value!r}")
                if not math.isfinite(value):
                    raise ParamsError(f"{f.name} must be a finite number; got {value}")
            if value is None or not isinstance(value, int | float) or isinstance(value, bool):
                continue
            if lo is not None and value < lo:
                raise ParamsError(f"{f.name} must be >= {lo}; got {value}")
            if hi is not None and value > hi:
                raise ParamsError(f"{f.name} must be <= {hi}; got {value}")
        if self.pca_variance is not None and not 0.0 < self.pca_variance <= 1.0:
            raise ParamsError(f"pca_variance must be in (0, 1]; got {self.pca_variance}")
        bad = [a for a in self.rotation_angles if a not in ALLOWED_ROTATION_ANGLES]
        if bad or not self.rotation_angles:
            raise ParamsError(
                "rotation_angles must be a non-empty subset of 60, 90, 120, 180 "
                f"degrees; got {list(self.rotation_angles)}"
            )
        if len(set(self.rotation_angles)) != len(self.rotation_angles):
            raise ParamsError(f"rotation_angles has duplicates: {list(self.rotation_angles)}")
        frames = self.reference_frames
        if frames == "auto":
            frames = (0,)
        if not frames or any(not isinstance(t, int) or t < 0 for t in frames):
            raise ParamsError(
                f"reference_frames must be a non-empty list of frame numbers >= 0; got "
                f"{list(frames)}"
            )
        if len(set(frames)) != len(frames):
            raise ParamsError(f"reference_frames has duplicates: {list(frames)}")
        if self.descriptor_name == "preselected_translations":
            if not self.preselected_translations:
                raise ParamsError(
                    "descriptor 'preselected_translations' needs preselected_translations, "
                    "a list of (row, col) translation vectors"
                )
            for t in self.preselected_translations:
                if abs(t[0]) > self.window_x or abs(t[1]) > self.window_y:
                    raise ParamsError(
                        f"translation {list(t)} lies outside the shift window "
                        f"(|row| <= window_x={self.window_x}, |col| <= window_y={self.window_y})"
                    )

    # --------------------------------------------------------------- helpers
    def replace(self, **changes: Any) -> Params:
        """Return a copy with some fields changed (validated).

        Parameters
        ----------
        **changes
            New values of `Params` fields.

        Raises
        ------
        ParamsError
            An unknown name or an invalid value.
        """
        _check_names(changes)
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible dictionary of all fields."""
        out = dataclasses.asdict(self)
        if out["preselected_translations"] is not None:
            out["preselected_translations"] = [list(t) for t in out["preselected_translations"]]
        out["rotation_angles"] = list(out["rotation_angles"])
        if out["reference_frames"] != "auto":
            out["reference_frames"] = list(out["reference_frames"])
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Params:
        """Build from a dictionary, rejecting unknown keys with a clear message."""
        if not isinstance(data, dict):
            raise ParamsError(f"parameters must be a JSON object; got {type(data).__name__}")
        if "params" in data:
            data = data["params"]
            if not isinstance(data, dict):
                raise ParamsError(
                    f'"params" must be a JSON object of parameters; got {type(data).__name__}'
                )
        _check_names(data)
        return cls(**data)

    def to_json(self, path: str | Path | None = None) -> str:
        """Serialise to JSON text; also write it to `path` if given (whole or not at all)."""
        from .._atomic import write_text_atomic

        text = json.dumps({"params": self.to_dict()}, indent=2)
        if path is not None:
            write_text_atomic(path, text + "\n")
        return text

    @classmethod
    def from_json(cls, source: str | Path) -> Params:
        """Load from a JSON file path or JSON text."""
        text = str(source)
        if not text.lstrip().startswith("{"):
            path = Path(source)
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as err:
                raise ParamsError(f"cannot read parameter file {path}: {err.strerror}") from None
            except UnicodeDecodeError:
                raise ParamsError(f"parameter file {path} is not UTF-8 text (JSON)") from None
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as err:
            raise ParamsError(f"parameter file is not valid JSON: {err}") from None
        return cls.from_dict(data)

    # ------------------------------------------------------------ derived
    @property
    def is_translation(self) -> bool:
        """True for the two translation descriptor families."""
        return self.descriptor_name in ("local_correlation_map", "preselected_translations")


def _check_names(changes: dict) -> None:
    """Refuse keys that are not `Params` fields (one message naming them)."""
    names = {f.name for f in dataclasses.fields(Params)}
    unknown = sorted(str(k) for k in set(changes) - names)
    if unknown:
        raise ParamsError(f"unknown parameter(s): {', '.join(unknown)}")


def field_help(name: str) -> str:
    """One-line help text of a `Params` field."""
    return {f.name: f.metadata.get("help", "") for f in dataclasses.fields(Params)}[name]
