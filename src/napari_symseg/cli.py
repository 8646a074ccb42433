"""The ``napari-symseg`` command.

``napari-symseg segment INPUT -o OUTPUT [options]`` segments a 2-D image
or a (T, Y, X) series (``.npy``/``.tif``) and writes integer labels of the
same shape; a series is fitted on its reference frame(s) and every frame is
labelled with the same model.
``napari-symseg demo`` segments the embedded synthetic sample and writes
labels, an overlay PNG and the parameters to a folder.

Bad input or parameters: exit code 2, one line on stderr, nothing written.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from .core.clustering import ClusteringError
from .core.grid import ImageTooSmallError
from .core.params import Params, ParamsError
from .core.pipeline import segment_steps
from .core.progress import relay, run
from .core.result import Result
from .core.validation import InputError, as_image
from .io.calibration import Calibration
from .io.export import (
    full_labels,
    labels_calibration,
    params_record,
    pattern_statistics,
    write_params,
    write_stats_csv,
)
from .io.figure import write_overlay
from .io.files import (
    FileFormatError,
    SeriesLabelsWriter,
    check_output_path,
    read_calibrated,
    series_frames,
    write_labels,
)

USER_ERRORS = (ParamsError, InputError, ImageTooSmallError, ClusteringError, FileFormatError)

# CLI flag -> Params field where the contract's flag name differs from the field name
_FLAG_NAMES = {"descriptor_name": "descriptor"}
# fields that get a hand-written flag (not a plain scalar)
_SPECIAL = {"preselected_translations", "rotation_angles", "reference_frames"}


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
    group.add_argument(
        "--reference-frames",
        dest="reference_frames",
        default=None,
        metavar="T,T-T,...",
        help="series: frames (0-based) the model is fitted on, e.g. '0' or '0-4,10' [0]",
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


def _parse_frames(text: str) -> list[int]:
    """'0-4,10' -> [0, 1, 2, 3, 4, 10]."""
    frames: list[int] = []
    try:
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            lo, sep, hi = part.partition("-")
            frames += list(range(int(lo), int(hi) + 1)) if sep else [int(lo)]
    except ValueError:
        raise ParamsError(f"--reference-frames must look like '0' or '0-4,10'; got {text!r}") \
            from None
    return frames


def params_from_args(args: argparse.Namespace, image=None) -> Params:
    """Defaults < ``--params`` file < ``--auto`` (from `image`) < explicit flags."""
    base = Params.from_json(args.params) if args.params else Params()
    if getattr(args, "auto", False):
        from .core.suggest import suggest_params

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
        elif f.name == "reference_frames":
            value = _parse_frames(value)
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
    seg.add_argument(
        "input", metavar="INPUT",
        help="2-D image or (T, Y, X) series: .npy, .tif/.tiff (ImageJ/OME calibration read), "
             "or a microscope file .dm3/.dm4/.emd/.ser/.mrc/.mrcs with its pixel size "
             "(pip install 'napari-symseg[em]')",
    )
    seg.add_argument("-o", "--output", required=True, metavar="OUTPUT", help="labels .npy/.tif")
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
        "(explicit size flags still win)",
    )
    seg.add_argument(
        "--stats", metavar="FILE.csv",
        help="also write per-pattern statistics (area fraction, connected regions, mean "
        "intensity; one row per frame and pattern)",
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
        help="series: label the frames on this dask.distributed scheduler "
        "(e.g. tcp://10.0.0.5:8786; needs the 'distributed' package)",
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
        hint = result.pattern_count_hint()
        if hint.suggested != params.n_patterns:
            print(f"note: {hint} (you asked for {params.n_patterns}; --n-patterns "
                  f"{hint.suggested} to follow it)")
    return result


def cmd_segment(args: argparse.Namespace) -> int:
    """``napari-symseg segment``: a 2-D image, or a (T, Y, X) series."""
    output = check_output_path(args.output)
    overlay = check_output_path(args.overlay, (".png",)) if args.overlay else None
    save_params = check_output_path(args.save_params, (".json",)) if args.save_params else None
    stats = check_output_path(args.stats, (".csv",)) if args.stats else None
    save_model = check_output_path(args.save_model, (".json",)) if args.save_model else None
    confidence = check_output_path(args.confidence, (".tif", ".tiff")) if args.confidence \
        else None
    image, calibration = read_calibrated(args.input)
    if np.ndim(image) == 3 and not (image.shape[-1] in (3, 4) and min(image.shape[:2]) > 4):
        if confidence is not None:
            raise UsageError("--confidence is for 2-D images (not series) for now")
        frames = series_frames(args.input, image)
        return _segment_series(args, frames, output, overlay, save_params, stats, save_model,
                               calibration)
    if np.ndim(image) not in (2, 3):
        as_image(image, allow_series=True)  # raises the clear message
    params = params_from_args(args, image)
    result = _run(image, params, args.quiet)
    # the calibration goes into every file: TIFF resolution / unit, the JSON record,
    # the scale bar, the CSV's area column
    meta = params_record(params, calibration, result.model.version)
    write_labels(output, result.labels, meta,
                 labels_calibration(calibration, np.shape(image), result.labels.shape, params))
    written = [output]
    if overlay is not None:
        write_overlay(overlay, np.asarray(image, dtype=np.float64),
                      full_labels(result.labels, np.shape(image), params), calibration,
                      n_patterns=params.n_patterns)
        written.append(overlay)
    if confidence is not None:
        from .io.tiff import write_tiff

        write_tiff(confidence, result.confidence_image.astype(np.float32), calibration,
                   json.dumps(meta))
        written.append(confidence)
    if stats is not None:
        table = pattern_statistics(result.labels, as_image(image), params)
        write_stats_csv(stats, table, calibration, np.shape(image))
        written.append(stats)
    _write_params_and_model(params, result.model, save_params, save_model, written, calibration)
    if not args.quiet:
        print("wrote " + ", ".join(str(p) for p in written))
    return 0


def _write_params_and_model(params, model, save_params, save_model, written,
                            calibration=None) -> None:
    if save_params is not None:  # loadable by --params; the calibration is information
        write_params(save_params, params, calibration, model.version)
        written.append(save_params)
    if save_model is not None:
        model.save(save_model)
        written.append(save_model)


def _segment_series(args, series, output, overlay, save_params, stats, save_model,
                    calibration=None) -> int:
    """Fit on the reference frame(s), label every frame, stream labels to `output`."""
    from .core import series as stack

    shape = stack.check_series(series)
    if getattr(args, "auto", False):
        refs = params_from_args(argparse.Namespace(**{**vars(args), "auto": False}))
        first = stack.frame_image(series, stack._reference_frames(refs, shape[0])[0], False)
        params = params_from_args(args, first)
    else:
        params = params_from_args(args)
    client = _connect(args.dask_scheduler) if args.dask_scheduler else None
    try:
        start = time.perf_counter()
        fit = run(_printing(stack.fit_series_steps(series, params), args.quiet))
        fitted = time.perf_counter() - start
        from . import __version__

        meta = params_record(params, calibration, __version__)
        out_shape = stack.labels_shape(fit.model, shape)
        writer = SeriesLabelsWriter(output, out_shape, meta, labels_calibration(
            calibration or Calibration.pixels(3), shape, out_shape, params))
        try:
            labels, table = run(_printing(
                stack.label_frames_steps(fit.model, series, out=writer.array), args.quiet))
            elapsed = time.perf_counter() - start
            if overlay is not None:
                t = fit.reference_frames[0]
                frame = stack.frame_image(series, t)
                write_overlay(overlay, frame, full_labels(labels[t], frame.shape, params),
                              calibration, n_patterns=params.n_patterns)
            writer.finish()
        except BaseException:
            writer.discard()
            raise
    finally:
        if client is not None:
            client.close()
    written = [output]
    if overlay is not None:
        written.append(overlay)
    if stats is not None:
        write_stats_csv(stats, table, calibration, shape)
        written.append(stats)
    _write_params_and_model(params, fit.model, save_params, save_model, written, calibration)
    if not args.quiet:
        _clear_progress()
        first, last = table.area_fraction[0], table.area_fraction[-1]
        pct = lambda f: " / ".join(f"{100 * v:.1f} %" for v in f)  # noqa: E731
        print(
            f"segmented {shape[0]} frames of {shape[1]}x{shape[2]} in {elapsed:.2f} s "
            f"({shape[0] / max(elapsed - fitted, 1e-9):.1f} frames/s after a {fitted:.2f} s fit "
            f"on frame(s) {list(fit.reference_frames)}): {len(fit.model.operations)} of "
            f"{len(fit.full_model.operations)} {params.descriptor_name} operations kept; "
            f"pattern fractions frame 0: {pct(first)}, frame {shape[0] - 1}: {pct(last)}"
        )
        print("wrote " + ", ".join(str(p) for p in written))
    return 0


def _connect(address: str):
    try:
        from distributed import Client
    except ImportError:
        raise UsageError(
            "--dask-scheduler needs the 'distributed' package: pip install distributed"
        ) from None
    try:
        return Client(address, timeout="10s")
    except OSError as err:
        raise UsageError(f"cannot reach the dask scheduler at {address}: {err}") from None


def _printing(steps, quiet: bool):
    """Re-yield progress, showing it on one refreshed line of a terminal's stderr."""
    if quiet or not sys.stderr.isatty():
        return steps

    def show(p):
        print(f"\r{p}".ljust(60), end="", file=sys.stderr, flush=True)
        return p

    return relay(steps, show)


def _clear_progress() -> None:
    if sys.stderr.isatty():
        print("\r" + " " * 60 + "\r", end="", file=sys.stderr, flush=True)


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
    from ._sample_data import make_two_phase_sample
    from .io.calibration import Calibration
    from .io.export import export_result
    from .io.tiff import write_tiff

    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    image, kwargs, _ = make_two_phase_sample()[0]  # the widget's sample, calibrated in nm
    calibration = Calibration(kwargs["scale"], kwargs["units"], ("y", "x"), source="sample")
    params = Params()
    result = _run(image, params, quiet=False)
    base = out / "sample_two_phase"
    image_path = base.with_suffix(".tif")
    write_tiff(image_path, image.astype(np.float32), calibration)
    written = export_result(base, image, result.labels, params, calibration)
    for path in (image_path, *written):
        what = "image" if path == image_path else path.stem.rsplit("_", 1)[-1]
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
