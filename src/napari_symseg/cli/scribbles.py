"""``--scribbles`` and ``--pattern-names`` of ``napari-symseg segment`` (issue 15).

Scribbles: a 2-D ``.npy`` or ``.tif`` of the image's shape, 0 = unlabelled,
i >= 1 = pattern i - 1; pattern i - 1 of the output is scribbled class i
(`napari_symseg.core.scribbles`). The hooks in args.py / segment.py call
only the functions here.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import FileFormatError, ScribbleError

if TYPE_CHECKING:  # numpy and the core load when a command runs, not for --help
    import numpy as np

    from ..core.result import Result

SUFFIXES = (".npy", ".tif", ".tiff")


#: The flags of this module: (flag, metavar, type, help), in one argument group.
FLAGS = (
    ("--scribbles", "FILE", str,
     ".npy/.tif of the image's (a series: one frame's) shape, 0 = unlabelled, i = pattern "
     "i-1; a few strokes per pattern guide the run and set the output's numbers"),
    ("--scribbles-frame", "N", int,
     "series: the frame the --scribbles were painted on (it becomes a reference frame; "
     "every frame gets the scribbled numbers)"),
    ("--pattern-names", "NAME,NAME,...", str,
     "names of patterns 0, 1, ... (in the statistics CSV, the labels' metadata and the "
     "saved model)"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add `FLAGS` (``--scribbles``, ``--scribbles-frame``, ``--pattern-names``) as one group.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The ``segment`` sub-command's parser.
    """
    group = parser.add_argument_group("scribbles (a few strokes per pattern, docs/scribbles.md)")
    for flag, metavar, kind, help_ in FLAGS:
        group.add_argument(flag, metavar=metavar, type=kind, help=help_)


def read_scribbles(args: argparse.Namespace, image_shape) -> np.ndarray | None:
    """The ``--scribbles`` array (None without the flag), its shape checked.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``segment`` arguments.
    image_shape : tuple of int
        Shape of the input image, or (T, Y, X) of a series (then the
        scribbles are one frame's, (Y, X), with ``--scribbles-frame``).

    Raises
    ------
    ScribbleError
        Scribbles of another shape; ``--scribbles-frame`` without a series
        or a series without it.
    FileFormatError
        The file cannot be read.
    """
    path = getattr(args, "scribbles", None)
    frame = getattr(args, "scribbles_frame", None)
    if path is None:
        if frame is not None:
            raise ScribbleError("--scribbles-frame needs --scribbles")
        return None
    if len(image_shape) == 2 and frame is not None:
        raise ScribbleError("--scribbles-frame is for a series; this input is one image")
    if len(image_shape) == 3 and frame is None:
        raise ScribbleError("a series needs --scribbles-frame N: the frame the 2-D "
                            "--scribbles were painted on")
    if Path(path).suffix.lower() not in SUFFIXES:
        raise FileFormatError(f"--scribbles must be .npy or .tif; got {Path(path).name}")
    import numpy as np

    from ..io.files import read_image

    scribbles = np.asarray(read_image(path))
    want = tuple(image_shape)[-2:]
    if scribbles.shape != want:
        what = "a frame's" if len(image_shape) == 3 else "the image's"
        raise ScribbleError(f"--scribbles {Path(path).name} has shape {scribbles.shape}, "
                            f"not {what} {want}")
    return scribbles


def series_scribbles(args: argparse.Namespace, series_shape, n_patterns: int) -> dict | None:
    """``--scribbles`` of a series as ``{frame: strokes}`` (None without the flag).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``segment`` arguments.
    series_shape : tuple of int
        (T, Y, X).
    n_patterns : int
        Of the run.

    Raises
    ------
    ScribbleError
        See `read_scribbles` and `napari_symseg.core.scribbles.series_scribbles`.
    """
    from ..core.scribbles import series_scribbles as per_frame

    strokes = read_scribbles(args, series_shape)
    if strokes is None:
        return None
    return per_frame(strokes, series_shape, n_patterns, args.scribbles_frame)


def input_files(args: argparse.Namespace) -> list[str]:
    """The scribbles file, an input of the run (never overwritten).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``segment`` arguments.
    """
    path = getattr(args, "scribbles", None)
    return [] if path is None else [path]


def strokes_text(args: argparse.Namespace, strokes, n_patterns: int) -> str:
    """What a run's line says of the strokes it used (``""`` without ``--scribbles``).

    E.g. ``"scribbles s.npy: 128 px in 2 classes (class 1: 64 px, class 2: 64 px)"``
    (class i = pattern i - 1); a series' strokes say their frame; patterns
    that no class was painted for are named free (unsupervised there).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``segment`` arguments (``args.scribbles`` the file).
    strokes : ndarray, dict of int to ndarray, or None
        The image's checked strokes, or a series' ``{frame: strokes}``
        (`series_scribbles`).
    n_patterns : int
        Of the run.
    """
    if strokes is None:
        return ""
    import numpy as np

    frames = strokes if isinstance(strokes, dict) else {None: strokes}
    pixels = np.zeros(n_patterns + 1, np.int64)
    for painted in frames.values():
        values = np.asarray(painted).astype(np.int64).ravel()
        pixels += np.bincount(values[values > 0], minlength=n_patterns + 1)[:n_patterns + 1]
    classes = [c for c in range(1, n_patterns + 1) if pixels[c]]
    where = Path(args.scribbles).name
    if None not in frames:
        where += " on frame" + ("s " if len(frames) > 1 else " ") + ", ".join(
            str(t) for t in sorted(frames))
    text = (f"scribbles {where}: {int(pixels.sum())} px in {len(classes)} "
            f"class{'es' if len(classes) != 1 else ''} ("
            + ", ".join(f"class {c}: {int(pixels[c])} px" for c in classes) + ")")
    free = n_patterns - len(classes)
    if free:
        text += f", {free} pattern{'s' if free != 1 else ''} free (no strokes)"
    return text


def names(args: argparse.Namespace) -> tuple[str, ...]:
    """``--pattern-names`` as a tuple (empty without the flag).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``segment`` arguments.
    """
    text = getattr(args, "pattern_names", None)
    return () if not text else tuple(n.strip() for n in text.split(","))


def named(result: Result, args: argparse.Namespace) -> Result:
    """The result with ``--pattern-names`` (unchanged without the flag).

    Parameters
    ----------
    result : Result
        The run's result.
    args : argparse.Namespace
        Parsed ``segment`` arguments.
    """
    given = names(args)
    from ..core.edit import rename

    return rename(result, given) if given else result


def named_model(model, args: argparse.Namespace):
    """A series' model with ``--pattern-names`` (unchanged without the flag).

    Parameters
    ----------
    model : Model
        The fitted series model.
    args : argparse.Namespace
        Parsed ``segment`` arguments.
    """
    from dataclasses import replace

    given = names(args)
    if not given:
        return model
    if len(given) > model.n_patterns:
        raise ScribbleError(f"{len(given)} --pattern-names for {model.n_patterns} patterns")
    return replace(model, names=given + ("",) * (model.n_patterns - len(given)))


def names_record(result: Result) -> dict:
    """``{"pattern_names": [...]}`` for the labels' metadata (empty when unnamed).

    Parameters
    ----------
    result : Result
        The run's result.
    """
    return {"pattern_names": list(result.model.names)} if result.model.names else {}
