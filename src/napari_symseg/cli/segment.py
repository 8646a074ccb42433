"""``napari-symseg segment``: an image or a (T, Y, X) series to labels and result files."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from pathlib import Path

import numpy as np

from ..core.frame_labels import labels_shape
from ..core.params import Params
from ..core.pipeline import segment_steps
from ..core.progress import relay, run
from ..core.result import Result
from ..core.series import _reference_frames, fit_series_steps, label_frames_steps
from ..core.validation import as_image, check_series, frame_image
from ..errors import ExportError
from ..io.calibration import Calibration
from ..io.export import labels_calibration, params_record, write_params
from ..io.figure import write_overlay
from ..io.files import read_calibrated
from ..io.frames import SeriesLabelsWriter, series_frames
from ..io.labels import LABEL_SUFFIXES, pattern_dtype, write_labels
from ..io.output import Outputs, check_suffix, write_text
from ..io.statistics import full_labels, pattern_statistics, write_stats_csv
from ..io.tiff import write_tiff
from . import scribbles
from .args import UsageError, params_from_args


def _summary(result: Result) -> str:
    counts = np.bincount(result.labels.ravel(), minlength=result.params.n_patterns)
    fractions = " / ".join(f"{100 * c / counts.sum():.1f} %" for c in counts)
    return (
        f"{result.params.n_patterns} patterns ({fractions}), "
        f"{len(result.operations)} {result.params.descriptor_name} features on a "
        f"{result.grid.shape[0]}x{result.grid.shape[1]} grid"
    )


def run_image(image: np.ndarray, params: Params, quiet: bool, scribbled=None) -> Result:
    steps = segment_steps(image, params, scribbles=scribbled)
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


def output_targets(args: argparse.Namespace) -> dict[str, Path]:
    """The files ``segment`` will write, by option, their suffixes checked.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``segment`` arguments.
    """
    wanted = {"labels": (args.output, LABEL_SUFFIXES), "overlay": (args.overlay, (".png",)),
              "confidence": (args.confidence, (".tif", ".tiff")),
              "stats": (args.stats, (".csv",)), "params": (args.save_params, (".json",)),
              "model": (args.save_model, (".json",))}
    return {key: check_suffix(path, suffixes) for key, (path, suffixes) in wanted.items()
            if path is not None}


def input_files(args: argparse.Namespace) -> list[str]:
    """The files ``segment`` reads (never overwritten): the image and a ``--params`` file.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``segment`` arguments.
    """
    files = [args.input, *scribbles.input_files(args)]
    if args.params and not str(args.params).lstrip().startswith("{"):
        files.append(args.params)
    return files


@contextlib.contextmanager
def _writing(target: Path):
    """An OSError while writing `target` as one clear message."""
    try:
        yield
    except OSError as err:
        raise ExportError(f"cannot write {target}: {err.strerror or err}") from None


def cmd_segment(args: argparse.Namespace) -> int:
    """``napari-symseg segment``: a 2-D image, or a (T, Y, X) series.

    Every output is checked before any work (`napari_symseg.io.output`):
    none may be an input or another output, folders must exist and be
    writable. All are written to temporary files and renamed together at the
    end, so they appear whole, or not at all on an error, Ctrl-C or signal.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``segment`` arguments.
    """
    targets = output_targets(args)
    with Outputs(targets.values(), input_files(args)) as outputs:
        image, calibration = read_calibrated(args.input)
        if np.ndim(image) == 3 and not (image.shape[-1] in (3, 4) and min(image.shape[:2]) > 4):
            if "confidence" in targets:
                raise UsageError("--confidence is for 2-D images (not series) for now")
            scribbles.read_scribbles(args, np.shape(image))  # refused for a series
            frames = series_frames(args.input, image)
            return _segment_series(args, frames, targets, outputs, calibration)
        if np.ndim(image) not in (2, 3):
            as_image(image, allow_series=True)  # raises the clear message
        params = params_from_args(args, image)
        result = scribbles.named(run_image(image, params, args.quiet,
                                           scribbles.read_scribbles(args, np.shape(image))), args)
        # the calibration goes into every file: TIFF resolution / unit, the JSON record,
        # the scale bar, the CSV's area column
        meta = {**params_record(params, calibration, result.model.version),
                **scribbles.names_record(result)}
        shape = np.shape(image)
        with _writing(targets["labels"]):
            write_labels(outputs.temp(targets["labels"]), result.labels, meta,
                         labels_calibration(calibration, shape, result.labels.shape, params))
        if "overlay" in targets:
            with _writing(targets["overlay"]):
                write_overlay(outputs.temp(targets["overlay"]),
                              np.asarray(image, dtype=np.float64),
                              full_labels(result.labels, shape, params), calibration,
                              n_patterns=params.n_patterns)
        if "confidence" in targets:
            with _writing(targets["confidence"]):
                write_tiff(outputs.temp(targets["confidence"]),
                           result.confidence_image.astype(np.float32), calibration,
                           json.dumps(meta))
        if "stats" in targets:
            table = pattern_statistics(result.labels, as_image(image), params)
            table.names = result.model.names
            with _writing(targets["stats"]):
                write_stats_csv(outputs.temp(targets["stats"]), table, calibration, shape)
        _write_params_and_model(params, result.model, targets, outputs, calibration)
        written = outputs.commit()
    if not args.quiet:
        print("wrote " + ", ".join(str(p) for p in written))
    return 0


def _write_params_and_model(params, model, targets, outputs, calibration=None) -> None:
    if "params" in targets:  # loadable by --params; the calibration is information
        with _writing(targets["params"]):
            write_params(outputs.temp(targets["params"]), params, calibration, model.version)
    if "model" in targets:
        with _writing(targets["model"]):
            write_text(outputs.temp(targets["model"]), json.dumps(model.to_dict()))


def _segment_series(args, series, targets, outputs, calibration=None) -> int:
    """Fit on the reference frame(s), label every frame, stream labels to the output."""
    shape = check_series(series)
    if getattr(args, "auto", False):
        refs = params_from_args(argparse.Namespace(**{**vars(args), "auto": False}))
        first = frame_image(series, _reference_frames(refs, shape[0])[0], False)
        params = params_from_args(args, first)
    else:
        params = params_from_args(args)
    client = _connect(args.dask_scheduler) if args.dask_scheduler else None
    try:
        start = time.perf_counter()
        fit = run(_printing(fit_series_steps(series, params), args.quiet))
        fitted = time.perf_counter() - start
        from .. import __version__

        meta = params_record(params, calibration, __version__)
        out_shape = labels_shape(fit.model, shape)
        with _writing(targets["labels"]):
            writer = SeriesLabelsWriter(
                targets["labels"], out_shape, meta,
                labels_calibration(calibration or Calibration.pixels(3), shape, out_shape,
                                   params),
                pattern_dtype(params.n_patterns - 1), outputs=outputs)
        labels, table = run(_printing(
            label_frames_steps(fit.model, series, out=writer.array), args.quiet))
        elapsed = time.perf_counter() - start
        if "overlay" in targets:
            t = fit.reference_frames[0]
            frame = frame_image(series, t)
            with _writing(targets["overlay"]):
                write_overlay(outputs.temp(targets["overlay"]), frame,
                              full_labels(labels[t], frame.shape, params), calibration,
                              n_patterns=params.n_patterns)
        with _writing(targets["labels"]):
            writer.finish()
    finally:
        if client is not None:
            client.close()
    if "stats" in targets:
        with _writing(targets["stats"]):
            write_stats_csv(outputs.temp(targets["stats"]), table, calibration, shape)
    _write_params_and_model(params, fit.model, targets, outputs, calibration)
    written = outputs.commit()
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
