"""Batch mode of ``napari-symseg segment``: many files in one process.

``napari-symseg segment A B C ... -o OUTDIR/`` (inputs may also be folders or
quoted globs such as ``'data/*.tif'``) segments every file, each with its own
fit, or all with one saved model (``--model model.json``), in one process
(numpy, numba and scikit-learn are imported once). Batch mode is on with more
than one input, a folder or a glob as input, or an output ending in ``/``.

Names: the labels of ``path/NAME.EXT`` go to ``OUTDIR/NAME_labels.EXT``
(``.npy`` and ``.tif`` inputs keep their suffix, microscope files give
``.tif``). Every other output option (``--stats``, ``--overlay``...) is
written for each file, its given name prefixed with the input's name, in
the given folder: ``--stats OUTDIR/stats.csv`` writes ``OUTDIR/NAME_stats.csv``
for every input (``--stats stats.csv``: in the current folder). Two inputs
giving one output name are refused before any work. Each file's line names
every file it wrote, the last line every folder written to.

Each file's outputs are written whole or not at all, and no output may be
any input of the batch (`napari_symseg.io.output`). A file that fails is
reported on one line and skipped; the others are written; the exit code is 1
when any failed, with a summary line. With ``--dask-scheduler ADDRESS`` the
files run as tasks on a dask.distributed cluster (each task reads its file and
writes its outputs, so the cluster must see the same folders).
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import time
from pathlib import Path

from ..io.files import IMAGE_SUFFIXES
from ..io.formats import EM_SUFFIXES
from ..io.lazy import is_zarr
from .args import UsageError
from .failures import failure_text
from .progress import file_bar, say
from .segment import OUTPUT_OPTIONS, input_files, load_model, segment_file
from .signals import Terminated

#: suffixes of the files a folder given as input contributes
READABLE = IMAGE_SUFFIXES + EM_SUFFIXES
_GLOB = ("*", "?", "[")


def cmd_segment(args: argparse.Namespace) -> int:
    """``napari-symseg segment``: a 2-D image or a (T, Y, X) series, or a batch of files.

    Every output is checked before any work (`napari_symseg.io.output`):
    none may be an input or another output, folders must exist and be
    writable. All are written to temporary files and renamed together at the
    end, so they appear whole, or not at all on an error, Ctrl-C or signal.
    Several inputs, a folder or a glob (or ``-o FOLDER/``): `napari_symseg.cli.batch`.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``segment`` arguments.
    """
    model = load_model(args)
    if is_batch(args):
        return run_batch(args, model)
    args = argparse.Namespace(**{**vars(args), "input": _single(args.input)})
    segment_file(args, model)
    return 0


def _single(inputs):
    return inputs[0] if isinstance(inputs, list | tuple) else inputs


def is_batch(args: argparse.Namespace) -> bool:
    """True when ``segment`` runs in batch mode (several inputs, a folder, a glob, -o DIR/).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``segment`` arguments (``args.input`` a list of paths).
    """
    inputs = args.input if isinstance(args.input, list | tuple) else [args.input]
    return (len(inputs) > 1 or str(args.output).endswith(("/", os.sep))
            or any((Path(p).is_dir() and not is_zarr(p)) or _is_glob(p) for p in inputs))


def _is_glob(text: str) -> bool:
    return not Path(text).exists() and any(c in text for c in _GLOB)


def expand_inputs(inputs: list[str]) -> list[Path]:
    """The files of a batch: files as given, a folder's image files, a glob's matches.

    A folder contributes its files with a readable suffix (sorted), except
    ``*_labels.*`` (the outputs of an earlier batch); a glob its matches
    (sorted). A file given twice is segmented once.

    Parameters
    ----------
    inputs : list of str
        The command's INPUT arguments.

    Raises
    ------
    UsageError
        A folder or a glob without any file.
    """
    files: list[Path] = []
    for text in inputs:
        path = Path(text)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file()
                           and p.suffix.lower() in READABLE and not p.stem.endswith("_labels"))
            if not found:
                raise UsageError(f"no image files ({', '.join(READABLE)}) in the folder {text}")
        elif _is_glob(text):
            found = sorted(Path(p) for p in glob.glob(text) if Path(p).is_file())
            if not found:
                raise UsageError(f"no files match {text}")
        else:
            found = [path]  # a missing file fails alone, as its turn comes
        files += found
    unique: dict[str, Path] = {}
    for path in files:
        unique.setdefault(os.path.realpath(path), path)
    return list(unique.values())


def labels_name(path: Path) -> str:
    """``NAME_labels.EXT`` for the input `path` (``.tif`` for a microscope file).

    Parameters
    ----------
    path : Path
        An input file.
    """
    suffix = path.suffix.lower()
    return f"{path.stem}_labels{suffix if suffix in IMAGE_SUFFIXES else '.tif'}"


def file_args(args: argparse.Namespace, path: Path, outdir: Path) -> argparse.Namespace:
    """The ``segment`` arguments of one file of the batch (its own output names).

    Parameters
    ----------
    args : argparse.Namespace
        The batch's arguments.
    path : Path
        The file.
    outdir : Path
        The labels' folder.
    """
    changes = {"input": str(path), "output": str(outdir / labels_name(path)), "quiet": True,
               "batch_line": not args.quiet}  # its notes go into the batch's line
    for key, (dest, _) in OUTPUT_OPTIONS.items():
        given = getattr(args, dest, None)
        if key != "labels" and given is not None:
            given = Path(given)
            changes[dest] = str(given.parent / f"{path.stem}_{given.name}")
    return argparse.Namespace(**{**vars(args), **changes})


def output_folder(path, option: str) -> Path:
    """The folder `path` of the command's `option`, made if missing (a file is refused).

    Parameters
    ----------
    path : str or Path
        The folder.
    option : str
        The option that named it, for the message (e.g. ``"-o"``).
    """
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{option} {out} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"cannot make the folder {out}: {err.strerror}") from None
    return out


def _check_names(jobs: list[argparse.Namespace]) -> None:
    """Two files of the batch may not write one output (refused before any work)."""
    seen: dict[str, str] = {}
    for job in jobs:
        for dest, _ in OUTPUT_OPTIONS.values():
            target = getattr(job, dest, None)
            if target is None:
                continue
            key = os.path.realpath(target)
            if key in seen:
                raise UsageError(f"{seen[key]} and {job.input} would both write {target}; "
                                 "rename one or run them separately")
            seen[key] = job.input


def run_batch(args: argparse.Namespace, model=None) -> int:
    """Segment every file of the batch; 0 when all were written, 1 when any failed.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``segment`` arguments (``args.input`` the list of INPUTs).
    model : Model, optional
        The ``--model`` every file is labelled with (else each is fitted).

    Returns
    -------
    int
        The exit code.
    """
    files = expand_inputs(list(args.input))
    if getattr(args, "scribbles", None) and len(files) > 1:
        raise UsageError("--scribbles belongs to one image: segment it alone with "
                         "--save-model, then the batch with --model")
    outdir = output_folder(args.output, "-o")
    jobs = [file_args(args, path, outdir) for path in files]
    _check_names(jobs)
    inputs = tuple(p for job in jobs for p in input_files(job))
    start = time.perf_counter()
    started_ns = time.time_ns()
    failed: list[str] = []
    finished: list[str] = []
    try:
        with file_bar(len(jobs), args.quiet) as bar:
            for job, outcome in _outcomes(args, jobs, model, inputs):
                if isinstance(outcome, BaseException):
                    failed.append(job.input)
                    say(f"napari-symseg: error: {_named(job.input, failure_text(outcome))}",
                        bar, err=True)
                else:
                    finished.append(job.input)
                    if not args.quiet:  # every file written, where it went
                        say(f"{job.input} -> {', '.join(str(p) for p in outcome[0])}: "
                            f"{outcome[1]}", bar)
                if bar is not None:
                    bar.update(1)
    except (Terminated, KeyboardInterrupt) as stop:  # the command's one line says this too
        # a file whose outputs were renamed into place just before the stop came out of
        # the file's code: on disk, not yet counted (seen: the signal's handler runs at the
        # next bytecode, after the renames)
        finished += [job.input for job in jobs if job.input not in finished
                     and job.input not in failed and _written_since(job.output, started_ns)]
        stop.note = stopped_note(finished, failed, len(jobs), outdir)
        raise
    elapsed = time.perf_counter() - start
    done = len(jobs) - len(failed)
    if failed:
        print(f"napari-symseg: {len(failed)} of {len(jobs)} files failed "
              f"({', '.join(failed)}); {done} written to {outdir}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(f"segmented {len(jobs)} file{'s' if len(jobs) != 1 else ''} in {elapsed:.2f} s "
              f"({elapsed / max(len(jobs), 1):.2f} s per file) into {outdir}"
              + _elsewhere(jobs[0], outdir))
    return 0


def _written_since(path: str, since_ns: int) -> bool:
    """Whether the file `path` exists and was written at or after `since_ns` (ns since
    the epoch, the file system's clock)."""
    try:
        return os.stat(path).st_mtime_ns >= since_ns - 10_000_000  # 10 ms of clock grain
    except OSError:
        return False


def _named(path: str, text: str) -> str:
    """``"in/a.tif is not a readable TIFF: ..."`` for a message that starts with the file's
    name (``"a.tif is not ..."``), else ``"in/a.tif: message"``: the name once."""
    name = Path(path).name
    if text.startswith(name + " "):
        return path + text[len(name):]
    return f"{path}: {text}"


def _names(paths: list[str], most: int = 5) -> str:
    names = [Path(p).name for p in paths]
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def stopped_note(finished: list[str], failed: list[str], total: int, outdir) -> str:
    """What a batch stopped by a signal or Ctrl-C leaves: which files are written, where.

    Parameters
    ----------
    finished, failed : list of str
        The inputs written, and those that failed, before the stop.
    total : int
        Files in the batch.
    outdir : Path
        The ``-o`` folder.

    Returns
    -------
    str
        One line (no newline), e.g. ``"2 of 10 files written to out/ (a.npy,
        b.npy); the other 8 were not written"``.
    """
    if finished:
        text = (f"{len(finished)} of {total} files written to {outdir}{os.sep} "
                f"({_names(finished)})")
    else:
        text = f"no file of the {total} written"
    if failed:
        text += f"; {len(failed)} failed ({_names(failed)})"
    rest = total - len(finished) - len(failed)
    if rest and (finished or failed):
        text += f"; the other {rest} {'was' if rest == 1 else 'were'} not written"
    return text


def _elsewhere(job: argparse.Namespace, outdir: Path) -> str:
    """``"; --overlay, --stats into the current folder"``: the batch's other folders."""
    folders: dict[str, list[str]] = {}
    for key, (dest, _) in OUTPUT_OPTIONS.items():
        target = getattr(job, dest, None)
        if key == "labels" or target is None:
            continue
        folder = Path(target).parent
        if os.path.realpath(folder) != os.path.realpath(outdir):
            name = "the current folder" if str(folder) == "." else str(folder)
            folders.setdefault(name, []).append(_flag(dest))
    return "".join(f"; {', '.join(flags)} into {folder}" for folder, flags in folders.items())


def _flag(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def _outcomes(args, jobs, model, inputs):
    """(job, (written, summary) or the error) for every job, here or on the cluster."""
    if not args.dask_scheduler:
        for job in jobs:
            yield job, _attempt(job, model, inputs)
        return
    from .segment import _connect

    client = _connect(args.dask_scheduler)
    try:
        from distributed import as_completed

        model_future = None if model is None else client.scatter(model, broadcast=True)
        futures = {client.submit(_attempt, _on_worker(job), model_future, inputs,
                                 pure=False): job for job in jobs}
        for future in as_completed(futures):
            yield futures[future], future.result()
            future.release()
    finally:
        client.close()


def _on_worker(job: argparse.Namespace) -> argparse.Namespace:
    # a file's own series frames are not sent on to the cluster again from a worker
    return argparse.Namespace(**{**vars(job), "dask_scheduler": None})


def _attempt(job, model, inputs):
    """`segment_file` of one job: its result, or the error it raised (not raised)."""
    try:
        return segment_file(job, model, inputs)
    except Exception as err:  # reported by the batch, which goes on with the next file
        return err
