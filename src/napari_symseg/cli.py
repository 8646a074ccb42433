"""The ``napari-symseg`` command.

``napari-symseg segment INPUT -o OUTPUT [options]`` segments a 2-D image
(``.npy``/``.tif``) and writes integer labels of the same shape.
``napari-symseg demo`` segments the embedded synthetic sample and writes
labels, an overlay PNG and the parameters to a folder.

Bad input or parameters: exit code 2, one line on stderr, nothing written.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

import numpy as np

from .core.clustering import ClusteringError
from .core.grid import ImageTooSmallError
from .core.params import Params, ParamsError
from .core.pipeline import Result, run, segment_steps
from .core.validation import InputError
from .io import FileFormatError, check_output_path, read_image, write_labels, write_overlay

USER_ERRORS = (ParamsError, InputError, ImageTooSmallError, ClusteringError, FileFormatError)

# CLI flag -> Params field where the contract's flag name differs from the field name
_FLAG_NAMES = {"descriptor_name": "descriptor"}
# fields that get a hand-written flag (not a plain scalar)
_SPECIAL = {"preselected_translations", "rotation_angles"}


class UsageError(Exception):
    """Raised instead of argparse's print-usage-and-exit."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one clear line, no usage dump
        raise UsageError(message)


def _add_param_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per `Params` field, help and choices from its metadata."""
    group = parser.add_argument_group("segmentation parameters (defaults in brackets)")
    pca = group.add_mutually_exclusive_group()
    defaults = Params()
    for f in dataclasses.fields(Params):
        if f.name in _SPECIAL:
            continue
        flag = "--" + _FLAG_NAMES.get(f.name, f.name).replace("_", "-")
        help_ = f"{f.metadata['help']} [{getattr(defaults, f.name)}]"
        target = pca if f.name in ("n_pca_components", "pca_variance") else group
        kwargs = {"dest": f.name, "default": None, "help": help_}
        if f.type == "bool":
            target.add_argument(flag, action=argparse.BooleanOptionalAction, **kwargs)
        elif f.type == "str":
            target.add_argument(flag, choices=f.metadata.get("choices"), **kwargs)
        elif f.type.startswith("float"):
            target.add_argument(flag, type=float, metavar="F", **kwargs)
        else:
            target.add_argument(flag, type=int, metavar="N", **kwargs)
    group.add_argument(
        "--preselected-translations",
        dest="preselected_translations",
        default=None,
        metavar="R,C;R,C;...",
        help="translation vectors for --descriptor preselected_translations, e.g. '0,8;8,0'",
    )
    group.add_argument(
        "--rotation-angles",
        dest="rotation_angles",
        default=None,
        metavar="A,A,...",
        help="rotation angles in degrees, subset of 60,90,120,180 [all]",
    )


def _parse_pairs(text: str) -> list[list[int]]:
    try:
        return [[int(v) for v in pair.split(",")] for pair in text.split(";") if pair.strip()]
    except ValueError:
        raise ParamsError(
            f"--preselected-translations must look like '0,8;8,0'; got {text!r}"
        ) from None


def _parse_ints(text: str) -> list[int]:
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ParamsError(f"--rotation-angles must look like '60,90'; got {text!r}") from None


def params_from_args(args: argparse.Namespace, image=None) -> Params:
    """Defaults < ``--params`` file < ``--auto`` (from `image`) < explicit flags."""
    base = Params.from_json(args.params) if args.params else Params()
    if getattr(args, "auto", False):
        from .core.auto import suggest_params

        base = suggest_params(image, base)  # validates the image itself
    base = base.to_dict()
    for f in dataclasses.fields(Params):
        value = getattr(args, f.name, None)
        if value is None:
            continue
        if f.name == "preselected_translations":
            value = _parse_pairs(value)
        elif f.name == "rotation_angles":
            value = _parse_ints(value)
        base[f.name] = value
    if args.n_pca_components is not None:
        base["pca_variance"] = None
    if (
        args.preselected_translations is not None
        and args.descriptor_name is None
        and base["descriptor_name"] == "local_correlation_map"
    ):
        base["descriptor_name"] = "preselected_translations"
    return Params.from_dict(base)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``napari-symseg`` command."""
    parser = _Parser(
        prog="napari-symseg",
        description="Training-free segmentation of atomic-resolution images with local "
        "symmetry descriptors (Wang et al., Microsc. Microanal. 2021).",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"napari-symseg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    seg = sub.add_parser("segment", help="segment an image file and write its labels")
    seg.add_argument("input", metavar="INPUT", help="2-D image, .npy or .tif/.tiff")
    seg.add_argument("-o", "--output", required=True, metavar="OUTPUT", help="labels .npy/.tif")
    seg.add_argument("--params", metavar="FILE.json", help="load parameters from JSON")
    seg.add_argument("--save-params", metavar="FILE.json", help="write the parameters used")
    seg.add_argument("--overlay", metavar="FILE.png", help="also write image + labels as PNG")
    seg.add_argument(
        "--auto",
        action="store_true",
        help="choose patch/window/radius/stride from the image's lattice period "
        "(explicit size flags still win)",
    )
    seg.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    _add_param_flags(seg)

    demo = sub.add_parser(
        "demo",
        help="open napari with the sample image and the widget (with a display), or "
        "segment the sample headless and write the results to files",
    )
    demo.add_argument(
        "-o", "--output-dir", default="symseg-demo", help="folder for the results [symseg-demo]"
    )
    demo.add_argument(
        "--headless", action="store_true", help="never open a window, even with a display"
    )
    return parser


def _summary(result: Result) -> str:
    counts = np.bincount(result.labels.ravel(), minlength=result.params.n_patterns)
    fractions = " / ".join(f"{100 * c / counts.sum():.1f} %" for c in counts)
    return (
        f"{result.params.n_patterns} patterns ({fractions}), "
        f"{len(result.operations)} {result.params.descriptor_name} features on a "
        f"{result.grid.shape[0]}x{result.grid.shape[1]} grid"
    )


def _run(image: np.ndarray, params: Params, quiet: bool) -> Result:
    steps = segment_steps(image, params)
    start = time.perf_counter()
    result = run(steps)
    if not quiet:
        print(f"segmented {image.shape[0]}x{image.shape[1]} image in "
              f"{time.perf_counter() - start:.2f} s: {_summary(result)}")
    return result


def cmd_segment(args: argparse.Namespace) -> int:
    """``napari-symseg segment``."""
    output = check_output_path(args.output)
    overlay = check_output_path(args.overlay, (".png",)) if args.overlay else None
    save_params = check_output_path(args.save_params, (".json",)) if args.save_params else None
    image = read_image(args.input)
    params = params_from_args(args, image)
    result = _run(image, params, args.quiet)
    meta = {"napari_symseg": result.model.version, "params": params.to_dict()}
    write_labels(output, result.labels, meta)
    written = [output]
    if overlay is not None:
        write_overlay(overlay, np.asarray(image, dtype=np.float64), result.labels)
        written.append(overlay)
    if save_params is not None:
        params.to_json(save_params)
        written.append(save_params)
    if not args.quiet:
        print("wrote " + ", ".join(str(p) for p in written))
    return 0


def has_display() -> bool:
    """True when a window can be opened (X11 or Wayland display)."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def open_napari_demo(run_event_loop: bool = True):
    """napari with the two-phase sample and the docked widget; returns the viewer."""
    import napari

    viewer = napari.Viewer(title="napari-symseg demo")
    viewer.open_sample("napari-symseg", "two_phase")
    viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    if run_event_loop:
        napari.run()
    return viewer


def cmd_demo(args: argparse.Namespace) -> int:
    """``napari-symseg demo``: napari + sample + widget, or the headless segmentation."""
    if not args.headless and has_display():
        print("opening napari with the sample image and the Symmetry segmentation widget")
        open_napari_demo()
        return 0
    from .core.synthetic import two_phase

    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    image = two_phase((512, 512))
    params = Params()
    result = _run(image, params, quiet=False)
    paths = {
        "image": out / "sample_two_phase.tif",
        "labels": out / "sample_two_phase_labels.tif",
        "overlay": out / "sample_two_phase_overlay.png",
        "params": out / "sample_two_phase_params.json",
    }
    import tifffile

    tifffile.imwrite(paths["image"], image)
    meta = {"napari_symseg": result.model.version, "params": params.to_dict()}
    write_labels(paths["labels"], result.labels, meta)
    write_overlay(paths["overlay"], image, result.labels)
    params.to_json(paths["params"])
    for what, path in paths.items():
        print(f"{what:>8}: {path.resolve()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (2 for bad input or parameters)."""
    try:
        args = build_parser().parse_args(argv)
        handler = {"segment": cmd_segment, "demo": cmd_demo}[args.command]
        return handler(args)
    except (UsageError, *USER_ERRORS) as err:
        print(f"napari-symseg: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("napari-symseg: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
