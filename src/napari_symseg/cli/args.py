"""The command line's arguments: the parser and the `Params` they give.

Every `Params` field gets a flag (help, choices and default from the
field's metadata), so the command line follows the one source of truth for
parameters; ``--params FILE.json`` < ``--auto`` < explicit flags.
"""

from __future__ import annotations

import argparse
import dataclasses

from ..core.params import MAX_REFERENCE_FRAMES, Params
from ..errors import ParamsError, SymsegError
from . import scribbles
from .measure import add_measure_args

# CLI flag -> Params field where the contract's flag name differs from the field name
_FLAG_NAMES = {"descriptor_name": "descriptor"}
# fields that get a hand-written flag (not a plain scalar)
_SPECIAL = {"preselected_translations", "rotation_angles", "reference_frames"}


class UsageError(SymsegError):
    """A command line that cannot be run (raised instead of argparse's usage-and-exit)."""


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
            choices = f.metadata.get("choices")
            if f.name == "descriptor_name":  # the contract's --descriptor auto (core/choose.py)
                choices = (*choices, "auto")
            target.add_argument(flag, choices=choices, **kwargs)
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
    group.add_argument(
        "--reference-frames",
        dest="reference_frames",
        default=None,
        metavar="T,T-T,...",
        help="series: frames (0-based) the model is fitted on, e.g. '0' or '0-4,10', or "
        "'auto': 5 frames spread over the series, first and last included [auto]",
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


def _parse_frames(text: str) -> list[int] | str:
    """'0-4,10' -> [0, 1, 2, 3, 4, 10]; a range too long is refused before it is built."""
    if text.strip().lower() == "auto":
        return "auto"
    frames: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        lo, sep, hi = part.partition("-")
        try:
            first, last = int(lo), int(hi) if sep else int(lo)
        except ValueError:
            raise ParamsError(
                f"--reference-frames must look like '0' or '0-4,10'; got {text!r}") from None
        if last < first:
            raise ParamsError(f"--reference-frames: the range {part} is empty")
        if last - first + 1 > MAX_REFERENCE_FRAMES - len(frames):
            raise ParamsError(f"--reference-frames {text}: at most {MAX_REFERENCE_FRAMES} "
                              "frames")
        frames += range(first, last + 1)
    return frames


def params_from_args(args: argparse.Namespace, image=None) -> Params:
    """Defaults < ``--params`` file < ``--auto`` (from `image`) < explicit flags."""
    base = Params.from_json(args.params) if args.params else Params()
    if getattr(args, "auto", False):
        from ..core.suggest import suggest_with_reasons

        # (validates the image itself; the family rule of --auto too: core/suggest.py)
        base, reasons = suggest_with_reasons(
            image, base, pick_family=getattr(args, "descriptor_name", None) is None)
        if not getattr(args, "quiet", False):
            print("auto: " + "; ".join(r for r in reasons if r))
    base = base.to_dict()
    explicit = {}
    for f in dataclasses.fields(Params):
        value = getattr(args, f.name, None)
        if value is None:
            continue
        if f.name == "preselected_translations":
            value = _parse_pairs(value)
        elif f.name == "rotation_angles":
            value = _parse_ints(value)
        elif f.name == "reference_frames":
            value = _parse_frames(value)
        base[f.name] = explicit[f.name] = value
    if base["descriptor_name"] == "auto":
        base = _auto_descriptor(args, image, base, explicit)
    if args.n_pca_components is not None:
        base["pca_variance"] = None
    if (
        args.preselected_translations is not None
        and args.descriptor_name is None
        and base["descriptor_name"] == "local_correlation_map"
    ):
        base["descriptor_name"] = "preselected_translations"
    return Params.from_dict(base)


def _auto_descriptor(args, image, base: dict, explicit: dict) -> dict:
    """``--descriptor auto``: the family `core.choose` picks, its --auto sizes, then the
    explicit flags; the reason is printed (one line). ``--scribbles`` do not take part in
    the choice (held-out strokes, benchmarks/stroke_check.py: measured, not adopted)."""
    if image is None:
        raise ParamsError("--descriptor auto needs the image: for a series, add --auto")
    from ..core.choose import choose_descriptor

    # (with --scribbles too: the held-out strokes' choice, benchmarks/stroke_check.py, was measured
    # worse than this one on fresh seeds and is not used here; docs/scribbles.md)
    chosen = choose_descriptor(image, Params.from_dict(
        {**base, "descriptor_name": "local_correlation_map"}))
    if not getattr(args, "quiet", False):
        print(chosen.reason)
    explicit.pop("descriptor_name", None)
    return {**chosen.params.to_dict(), **explicit}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``napari-symseg`` command."""
    parser = _Parser(
        prog="napari-symseg",
        description="Training-free segmentation of atomic-resolution images with local "
        "symmetry descriptors (Wang et al., Microsc. Microanal. 2021).",
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"napari-symseg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    seg = sub.add_parser("segment", help="segment an image file and write its labels")
    seg.add_argument(
        "input", metavar="INPUT", nargs="+",
        help="2-D image or (T, Y, X) series: .npy, .tif/.tiff (ImageJ/OME calibration read), "
             "or a microscope file .dm3/.dm4/.emd/.ser/.mrc/.mrcs with its pixel size "
             "(pip install 'napari-symseg[em]'). Several files, a folder or a quoted glob "
             "('data/*.tif'): a batch, one fit per file (or --model), labels written to "
             "OUTPUT/NAME_labels.EXT, the other outputs prefixed with NAME_",
    )
    seg.add_argument("-o", "--output", required=True, metavar="OUTPUT",
                     help="labels .npy/.tif; a batch: a folder (made if missing)")
    seg.add_argument(
        "--model", metavar="FILE.json",
        help="label with this saved model (--save-model) instead of fitting one; its "
        "parameters are used (no parameter flags)",
    )
    seg.add_argument("--params", metavar="FILE.json", help="load parameters from JSON")
    seg.add_argument("--save-params", metavar="FILE.json", help="write the parameters used")
    seg.add_argument(
        "--overlay", metavar="FILE.png",
        help="also write a figure: image + pattern colours + boundaries + scale bar + legend, "
        "one PNG pixel per image pixel (a series: its first reference frame)",
    )
    seg.add_argument(
        "--auto",
        action="store_true",
        help="choose patch/window/radius/stride from the image's lattice period "
        "(explicit size flags still win); with no --descriptor, rotations where part of the "
        "image shows no lattice (vacuum, amorphous film)",
    )
    seg.add_argument(
        "--stats", metavar="FILE.csv",
        help="also write per-pattern statistics (area fraction, connected regions, mean "
        "intensity; one row per frame and pattern). A batch writes one CSV per input, "
        "DIR/NAME_FILE.csv for DIR/FILE.csv (DIR: the folder given here, not OUTPUT)",
    )
    seg.add_argument(
        "--confidence", metavar="FILE.tif",
        help="also write the confidence map (float32, 0..1; low at boundaries and defects)",
    )
    seg.add_argument(
        "--save-model", metavar="FILE.json",
        help="write the fitted model (operations, PCA, centres) to apply it elsewhere",
    )
    seg.add_argument(
        "--dask-scheduler", metavar="ADDRESS",
        help="series: label the frames, a batch: segment the files on this "
        "dask.distributed scheduler (e.g. tcp://10.0.0.5:8786; needs the 'distributed' "
        "package)",
    )
    seg.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    add_measure_args(seg)  # --regions, --boundaries, ... (cli/measure.py)
    scribbles.add_arguments(seg)  # --scribbles, --pattern-names (cli/scribbles.py)
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
