"""The ``napari-symseg`` command.

``napari-symseg segment INPUT -o OUTPUT [options]`` segments a 2-D image
or a (T, Y, X) series (``.npy``/``.tif``/microscope files) and writes
integer labels of the same shape; a series is fitted on its reference
frame(s) and every frame is labelled with the same model.
``napari-symseg demo`` opens napari with the sample image and the widget,
or segments the sample headless and writes the result files to a folder.

Bad input or parameters: exit code 2, one line on stderr, nothing written.

Modules: `args` (the parser and the `Params` it gives), `segment`, `demo`.
"""

from __future__ import annotations

import sys

from ..errors import SymsegError
from .args import UsageError, build_parser, params_from_args
from .demo import cmd_demo, has_display, open_napari_demo
from .segment import cmd_segment

__all__ = [
    "UsageError",
    "build_parser",
    "has_display",
    "main",
    "open_napari_demo",
    "params_from_args",
]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``napari-symseg`` command.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code: 0, 2 for bad input or parameters, 130 when interrupted.
    """
    try:
        args = build_parser().parse_args(argv)
        handler = {"segment": cmd_segment, "demo": cmd_demo}[args.command]
        return handler(args)
    except SymsegError as err:
        print(f"napari-symseg: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("napari-symseg: interrupted", file=sys.stderr)
        return 130
