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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--scribbles`` and ``--pattern-names`` to the ``segment`` parser.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The ``segment`` sub-command's parser.
    """
    parser.add_argument(
        "--scribbles", metavar="FILE",
        help="2-D image: .npy/.tif of the image's shape, 0 = unlabelled, i = pattern i-1; "
        "a few strokes per pattern guide the run and set the output's numbers (2-D images)",
    )
    parser.add_argument(
        "--pattern-names", metavar="NAME,NAME,...",
        help="names of patterns 0, 1, ... (in the statistics CSV, the labels' metadata and "
        "the saved model)",
    )


def read_scribbles(args: argparse.Namespace, image_shape) -> np.ndarray | None:
    """The ``--scribbles`` array (None without the flag), its shape checked.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``segment`` arguments.
    image_shape : tuple of int
        Shape of the input image.

    Raises
    ------
    ScribbleError
        A series input, or scribbles of another shape.
    FileFormatError
        The file cannot be read.
    """
    path = getattr(args, "scribbles", None)
    if path is None:
        return None
    if len(image_shape) != 2:
        raise ScribbleError("--scribbles is for 2-D images (not series) for now")
    if Path(path).suffix.lower() not in SUFFIXES:
        raise FileFormatError(f"--scribbles must be .npy or .tif; got {Path(path).name}")
    import numpy as np

    from ..io.files import read_image

    scribbles = np.asarray(read_image(path))
    if scribbles.shape != tuple(image_shape):
        raise ScribbleError(f"--scribbles {Path(path).name} has shape {scribbles.shape}, "
                            f"not the image's {tuple(image_shape)}")
    return scribbles


def input_files(args: argparse.Namespace) -> list[str]:
    """The scribbles file, an input of the run (never overwritten).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``segment`` arguments.
    """
    path = getattr(args, "scribbles", None)
    return [] if path is None else [path]


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


def names_record(result: Result) -> dict:
    """``{"pattern_names": [...]}`` for the labels' metadata (empty when unnamed).

    Parameters
    ----------
    result : Result
        The run's result.
    """
    return {"pattern_names": list(result.model.names)} if result.model.names else {}
