"""``napari-symseg segment`` on one file: an image or a (T, Y, X) series to labels and
result files (`segment_file`); many files: `napari_symseg.cli.batch`."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import time
from pathlib import Path

import numpy as np

from ..core.consistency import consistency_note, model_note, subspace_note
from ..core.frame_labels import labels_shape
from ..core.labelling import predict_steps
from ..core.model import Model
from ..core.params import Params
from ..core.pipeline import segment_steps
from ..core.progress import run
from ..core.result import Result
from ..core.series import fit_series_steps, label_frames_steps, reference_frames
from ..core.validation import as_image, check_series, frame_image
from ..errors import ExportError
from ..io.calibration import Calibration
from ..io.export import labels_calibration, params_record, write_params
from ..io.figure import frame_caption, write_overlay
from ..io.frames import SeriesLabelsWriter, series_frames
from ..io.labels import LABEL_SUFFIXES, pattern_dtype, write_labels
from ..io.lazy import open_video
from ..io.output import Outputs, check_suffix, write_text
from ..io.statistics import full_labels, pattern_statistics, write_stats_csv
from ..io.tiff import write_tiff
from ..io.zarr_labels import ZarrLabelsWriter
from . import scribbles
from .args import _FLAG_NAMES, UsageError, params_from_args
from .measure import MEASURE_OUTPUTS, write_image_measurement, write_series_measurement
from .progress import progress_bar


def _summary(result: Result) -> str:
    counts = np.bincount(result.labels.ravel(), minlength=result.params.n_patterns)
    fractions = " / ".join(f"{100 * c / counts.sum():.1f} %" for c in counts)
    return (
        f"{result.params.n_patterns} patterns ({fractions}), "
        f"{len(result.operations)} {result.params.descriptor_name} features on a "
        f"{result.grid.shape[0]}x{result.grid.shape[1]} grid"
    )


def run_image(image: np.ndarray, params: Params, quiet: bool, scribbled=None,
              used: str = "") -> Result:
    steps = segment_steps(image, params, scribbles=scribbled)
    start = time.perf_counter()
    result = run(steps)
    if not quiet:  # `used`: the strokes' line (`scribbles.strokes_text`)
        print(f"segmented {image.shape[0]}x{image.shape[1]} image in "
              f"{time.perf_counter() - start:.2f} s: {_summary(result)}"
              + (f"; {used}" if used else ""))
        note = hint_note(_hint(result), params.n_patterns)
        if note is not None:
            print(f"note: {note}")
    return result


def hint_note(hint, n_patterns: int) -> str | None:
    """The number-of-patterns note (None when the hint agrees with `n_patterns`).

    Parameters
    ----------
    hint : PatternCountHint
        Of an image's result or of a series' reference frames.
    n_patterns : int
        The number of patterns asked for.
    """
    if hint.suggested == n_patterns:
        return None
    return (f"{hint} (you asked for {n_patterns}; --n-patterns {hint.suggested} to "
            "follow it)")


def _one_line(args) -> bool:
    """A file of a batch whose line the batch prints (its own prints are off)."""
    return bool(getattr(args, "batch_line", False))


def _chosen(args, params: Params) -> str:
    """``"--descriptor auto chose X; "`` when the family was chosen, else ``""``."""
    return (f"--descriptor auto chose {params.descriptor_name}; "
            if getattr(args, "descriptor_name", None) == "auto" else "")


def _hint(result: Result):
    """`Result.pattern_count_hint` with k-means on one OpenMP thread, the scores the
    suggestion needs only (``full=False``: the note is the same, in less time).

    The hint runs ~30 k-means fits on 2000 points: scikit-learn's threads buy
    nothing there, and on a busy machine their spin-waits made the hint take
    longer than the segmentation (9 s instead of 0.9 s under a load of 7 on
    2 cores). The scores can differ from the threaded ones in the last bits
    (the order of a sum); the suggestion was the same on every image tried.
    """
    from threadpoolctl import threadpool_limits

    from ..core.pattern_count import results_hint

    with threadpool_limits(1, user_api="openmp"):
        return results_hint([result], full=False)


#: The files ``segment`` writes for one input: key -> (option's dest, allowed suffixes).
#: A new output flag adds its entry here and its writer in `segment_file`; batch mode
#: (`napari_symseg.cli.batch`) names every entry but the labels after each input.
OUTPUT_OPTIONS = {
    "labels": ("output", (*LABEL_SUFFIXES, ".zarr")),
    "overlay": ("overlay", (".png",)),
    "confidence": ("confidence", (".tif", ".tiff")),
    "stats": ("stats", (".csv",)),
    "params": ("save_params", (".json",)),
    "model": ("save_model", (".json",)),
    **{dest: (dest, suffixes) for dest, (_, suffixes, _) in MEASURE_OUTPUTS.items()},
}


def output_targets(args: argparse.Namespace) -> dict[str, Path]:
    """The files ``segment`` will write, by option, their suffixes checked.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``segment`` arguments.
    """
    wanted = {key: (getattr(args, dest, None), suffixes)
              for key, (dest, suffixes) in OUTPUT_OPTIONS.items()}
    return {key: check_suffix(path, suffixes) for key, (path, suffixes) in wanted.items()
            if path is not None}


def input_files(args: argparse.Namespace) -> list[str]:
    """The files ``segment`` reads (never overwritten): the image, ``--params``, ``--model``.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``segment`` arguments (one input).
    """
    files = [args.input, *scribbles.input_files(args)]
    if args.params and not str(args.params).lstrip().startswith("{"):
        files.append(args.params)
    if getattr(args, "model", None):
        files.append(args.model)
    return files


def load_model(args: argparse.Namespace) -> Model | None:
    """The saved model of ``--model`` (checked whole), or None; refuses fitting options.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``segment`` arguments.
    """
    if not getattr(args, "model", None):
        return None
    fitting = [flag for flag, given in (("--params", args.params), ("--auto", args.auto),
                                        ("--scribbles", getattr(args, "scribbles", None)))
               if given]
    fitting += ["--" + _FLAG_NAMES.get(f.name, f.name).replace("_", "-")
                for f in dataclasses.fields(Params) if getattr(args, f.name, None) is not None]
    if fitting:
        raise UsageError(f"--model fixes the parameters: drop {', '.join(fitting)}")
    return Model.load(args.model)


@contextlib.contextmanager
def _writing(target: Path):
    """An OSError while writing `target` as one clear message."""
    try:
        yield
    except OSError as err:
        raise ExportError(f"cannot write {target}: {err.strerror or err}") from None


def segment_file(args: argparse.Namespace, model: Model | None = None,
                 inputs: tuple = ()) -> tuple[list[Path], str]:
    """Segment the one file ``args.input`` and write its outputs (all or none).

    Parameters
    ----------
    args : argparse.Namespace
        ``segment`` arguments for this file (``args.input`` a path).
    model : Model, optional
        Label with this model (``--model``) instead of fitting one.
    inputs : tuple of path
        More files no output may overwrite (the other inputs of a batch).

    Returns
    -------
    written : list of Path
        The files written.
    summary : str
        One line: what was segmented.
    """
    targets = output_targets(args)
    with Outputs(targets.values(), [*input_files(args), *inputs]) as outputs:
        image, calibration = open_video(args.input)  # a series: frames read one at a time
        if np.ndim(image) == 3 and not (image.shape[-1] in (3, 4) and min(image.shape[:2]) > 4):
            if "confidence" in targets:
                raise UsageError("--confidence is for 2-D images (not series) for now")
            scribbles.read_scribbles(args, np.shape(image))  # checked before any work
            frames = series_frames(args.input, image)
            return _segment_series(args, frames, targets, outputs, calibration, model)
        if np.ndim(image) not in (2, 3):
            as_image(image, allow_series=True)  # raises the clear message
        if targets["labels"].suffix.lower() == ".zarr":
            raise UsageError("-o .zarr is for a series (T, Y, X); write an image's labels "
                             "as .npy or .tif")
        note, used = None, ""
        if model is None:
            params = params_from_args(args, image)
            strokes = scribbles.read_scribbles(args, np.shape(image))
            used = scribbles.strokes_text(args, strokes, params.n_patterns)
            result = scribbles.named(run_image(image, params, args.quiet, strokes, used), args)
        else:
            params = model.params
            result = run(predict_steps(model, image))
            note = (model_note(result.pca_components, model)  # far from every centre, or
                    or subspace_note(result.descriptors, model))  # off the model's PCA
            if not args.quiet:
                print(f"labelled {image.shape[0]}x{image.shape[1]} image with the model "
                      f"{args.model}: {_summary(result)}")
                if note is not None:
                    print(f"note: {note}")
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
                              n_patterns=params.n_patterns, names=result.model.names)
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
        write_image_measurement(result, targets, outputs, calibration, meta)
        _write_params_and_model(params, result.model, targets, outputs, calibration)
        written = outputs.commit()
    if not args.quiet:
        print("wrote " + ", ".join(str(p) for p in written))
    summary = _summary(result) + (f"; {used}" if used else "")
    if model is None and _one_line(args):  # a batch's line says what a single image prints
        summary = _chosen(args, params) + summary
        note = hint_note(_hint(result), params.n_patterns)
    return written, summary if note is None else f"{summary}; note: {note}"


def _write_params_and_model(params, model, targets, outputs, calibration=None) -> None:
    if "params" in targets:  # loadable by --params; the calibration is information
        with _writing(targets["params"]):
            write_params(outputs.temp(targets["params"]), params, calibration, model.version)
    if "model" in targets:
        with _writing(targets["model"]):
            write_text(outputs.temp(targets["model"]), json.dumps(model.to_dict()))


def _segment_series(args, series, targets, outputs, calibration=None, model=None):
    """Fit on the reference frame(s) (or take ``--model``), label every frame, stream
    labels to the output; returns the files written and a one-line summary."""
    shape = check_series(series)
    if model is not None:
        params = model.params
    elif getattr(args, "auto", False):
        refs = params_from_args(argparse.Namespace(  # only its reference frames are read
            **{**vars(args), "auto": False, "descriptor_name": None}))
        first = frame_image(series, reference_frames(refs, shape[0])[0], False)
        params = params_from_args(args, first)
    else:
        params = params_from_args(args)
    client = _connect(args.dask_scheduler) if args.dask_scheduler else None
    try:
        start = time.perf_counter()
        fit = None
        if model is None:
            strokes = scribbles.series_scribbles(args, shape, params.n_patterns)
            fit = run(progress_bar(fit_series_steps(series, params, strokes), args.quiet, "fit"))
            model, reference = scribbles.named_model(fit.model, args), fit.reference_frames[0]
            kept = (f"{len(fit.model.operations)} of {len(fit.full_model.operations)} "
                    f"{params.descriptor_name} operations kept")
            used = scribbles.strokes_text(args, strokes, params.n_patterns)
            kept += f"; {used}" if used else ""
            fitted_on = f"a {{:.2f}} s fit on frame(s) {list(fit.reference_frames)}"
        else:
            reference = 0
            kept = f"{len(model.operations)} {params.descriptor_name} operations of the model"
            fitted_on = "loading the model"
        fitted = time.perf_counter() - start
        from .. import __version__

        meta = {**params_record(params, calibration, __version__),
                **({"pattern_names": list(model.names)} if getattr(model, "names", ()) else {})}
        out_shape = labels_shape(model, shape)
        zarr_out = targets["labels"].suffix.lower() == ".zarr"
        with _writing(targets["labels"]):
            writer = (ZarrLabelsWriter if zarr_out else SeriesLabelsWriter)(
                targets["labels"], out_shape, meta,
                labels_calibration(calibration or Calibration.pixels(3), shape, out_shape,
                                   params),
                pattern_dtype(params.n_patterns - 1), outputs=outputs)
        labels, table = run(progress_bar(
            label_frames_steps(model, series, out=writer.array), args.quiet, "frames"))
        table.names = tuple(getattr(model, "names", ()))
        elapsed = time.perf_counter() - start
        if "overlay" in targets:
            frame = frame_image(series, reference)
            with _writing(targets["overlay"]):
                write_overlay(outputs.temp(targets["overlay"]), frame,
                              full_labels(labels[reference], frame.shape, params),
                              calibration, n_patterns=params.n_patterns,
                              names=getattr(model, "names", ()),
                              caption=frame_caption(reference, shape[0], calibration))
        # before finish, which closes the labels
        write_series_measurement(series, labels, params, targets, outputs, calibration, meta)
        with _writing(targets["labels"]):
            writer.finish()
    finally:
        if client is not None:
            client.close()
    if "stats" in targets:
        with _writing(targets["stats"]):
            write_stats_csv(outputs.temp(targets["stats"]), table, calibration, shape)
    _write_params_and_model(params, model, targets, outputs, calibration)
    written = outputs.commit()
    first, last = table.area_fraction[0], table.area_fraction[-1]
    pct = lambda f: " / ".join(f"{100 * v:.1f} %" for v in f)  # noqa: E731
    summary = (f"{shape[0]} frames of {shape[1]}x{shape[2]}: {kept}; pattern fractions "
               f"frame 0: {pct(first)}, frame {shape[0] - 1}: {pct(last)}")
    if not args.quiet:
        print(
            f"segmented {shape[0]} frames of {shape[1]}x{shape[2]} in {elapsed:.2f} s "
            f"({shape[0] / max(elapsed - fitted, 1e-9):.1f} frames/s after "
            f"{fitted_on.format(fitted)}): {kept}; "
            f"pattern fractions frame 0: {pct(first)}, frame {shape[0] - 1}: {pct(last)}"
        )
    notes = [consistency_note(table.unlike) if table.unlike is not None else None]
    if fit is not None and (not args.quiet or _one_line(args)):  # as for a single image
        from ..controller.hints import HINT_K_MAX, reference_results
        from ..core.pattern_count import results_hint

        hint = results_hint(reference_results(series, fit), HINT_K_MAX, full=False)
        notes.insert(0, hint_note(hint, params.n_patterns))  # as the widget's series_hint
    notes = [n for n in notes if n is not None]
    if not args.quiet:  # in a single image's order: the notes, then what was written
        for note in notes:  # core.consistency: frames the fit did not see
            print(f"note: {note}")
        print("wrote " + ", ".join(str(p) for p in written))
    if _one_line(args):
        summary = _chosen(args, params) + "; ".join([summary, *(f"note: {n}" for n in notes)])
    return written, summary


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
