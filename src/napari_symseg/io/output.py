"""The output policy of every file the package writes: whole or not at all, inputs never.

Every writer -- labels, confidence map, overlay, statistics, parameters,
model, a series' streamed labels, the widget's export, napari's *File >
Save* through the plugin -- goes through `Outputs`:

1. **Pre-flight, before any work** (`check_outputs`): an output is never one
   of the inputs (resolved paths compared, and `os.path.samefile` for
   existing files: symbolic and hard links too); the outputs of one run are
   distinct; each output's folder exists and is writable (a file is created
   and removed there to be sure); an output is not a folder. Existing
   outputs may be overwritten -- the common command-line habit -- inputs
   never.
2. **Each file is written to a unique temporary file in its target folder**
   (`tempfile.mkstemp`: a hidden ``.NAME.partial-XXXXXXXX.SUFFIX``, never
   shared by two runs), then **renamed** over the target with `os.replace`,
   which is atomic on one file system: a reader sees the old file or the new
   one, never a part, and two runs writing the same output leave one of
   them complete.
3. **The files of one run are renamed together at the end** (`commit`),
   after every one of them was written, with Ctrl-C, SIGTERM and SIGHUP held
   back during the renames. On any failure, Ctrl-C or signal before that,
   the temporaries are removed (`discard`) and no target is touched.

The command line turns SIGTERM and SIGHUP into an exception
(`napari_symseg.cli.signals`) so that step 3's clean-up runs; SIGKILL or
a power cut can leave a hidden ``.partial-`` file behind (never a
half-written target).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from .._atomic import file_mode
from ..errors import ExportError, FileFormatError

#: Marker in the names of temporary files.
PARTIAL = ".partial-"
_HELD = tuple(s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None),
                          getattr(signal, "SIGHUP", None)) if s is not None)


def _paths(paths: Iterable) -> list[Path]:
    return [Path(p) for p in paths if p is not None]


def _same(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist: not the same file
        return False


def check_outputs(outputs: Iterable, inputs: Iterable = ()) -> list[Path]:
    """Refuse outputs that would replace an input, collide, or cannot be written.

    Parameters
    ----------
    outputs : iterable of str or Path (None entries are skipped)
        The files a run will write.
    inputs : iterable of str or Path (None entries are skipped)
        The files it reads (never replaced).

    Returns
    -------
    list of Path
        The outputs.

    Raises
    ------
    ExportError
        With one clear message, before any work is done.
    """
    outs, ins = _paths(outputs), _paths(inputs)
    for i, out in enumerate(outs):
        for source in ins:
            if _same(out, source):
                raise ExportError(f"output {out} is the input {source}: choose another name "
                                  "(an input is never overwritten)")
        for other in outs[:i]:
            if _same(out, other):
                raise ExportError(f"two outputs are the same file: {other} and {out}")
        if out.is_dir() and not _store(out):
            raise ExportError(f"output {out} is a folder; give a file name")
        _check_folder(out)
    return outs


def check_suffix(path: str | Path, suffixes: Iterable[str]) -> Path:
    """`path` if its suffix is one of `suffixes` (any case), else a clear error.

    Parameters
    ----------
    path : str or Path
        An output file.
    suffixes : iterable of str
        Accepted suffixes, e.g. ``(".npy", ".tif", ".tiff")``.

    Raises
    ------
    FileFormatError
        Naming the accepted suffixes.
    """
    path, suffixes = Path(path), tuple(suffixes)
    if path.suffix.lower() not in suffixes:
        raise FileFormatError(
            f"cannot write {path.name}: supported outputs are {', '.join(suffixes)}"
        )
    return path


def _store(path: Path) -> bool:
    """A zarr store written as one output (a folder named ``*.zarr`` with zarr's metadata)."""
    return path.suffix.lower() == ".zarr" and any(
        (path / name).is_file() for name in ("zarr.json", ".zarray", ".zgroup"))


def _replace_folder(tmp: Path, target: Path) -> None:
    """Put the folder `tmp` in place of `target`: the old one is moved aside, then removed."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.stem}{PARTIAL}old-", dir=target.parent))
        os.replace(target, old / target.name)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _check_folder(path: Path) -> None:
    folder = path.parent
    if not folder.exists():
        raise ExportError(f"output folder does not exist: {folder}")
    if not folder.is_dir():
        raise ExportError(f"output folder is not a folder: {folder}")
    with _signals_held():  # a Ctrl-C between making and removing it would leave it
        try:  # os.access is not enough (root, read-only mounts, ACLs): try it
            fd, probe = tempfile.mkstemp(prefix=f".{path.name}{PARTIAL}", dir=folder)
        except OSError as err:
            raise ExportError(f"cannot write in {folder}: {err.strerror}") from None
        os.close(fd)
        os.unlink(probe)


class Outputs:
    """The output files of one run, written to temporaries and renamed together.

    Parameters
    ----------
    outputs : iterable of str or Path (None entries are skipped)
        The target files (checked at once with `check_outputs`).
    inputs : iterable of str or Path, optional
        Files the run reads: never an output.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with Outputs([folder / "a.npy"]) as out:
    ...     np.save(out.temp(folder / "a.npy"), np.arange(3))
    ...     written = out.commit()
    >>> [p.name for p in folder.iterdir()]
    ['a.npy']
    """

    def __init__(self, outputs: Iterable, inputs: Iterable = ()) -> None:
        self.targets = check_outputs(outputs, inputs)
        self._temps: dict[Path, Path] = {}
        self._scratch: list[Path] = []
        self.committed = False

    def _new(self, target: Path, suffix: str) -> Path:
        fd, name = tempfile.mkstemp(prefix=f".{target.stem}{PARTIAL}", suffix=suffix,
                                    dir=target.parent)
        os.close(fd)
        os.chmod(name, file_mode())  # mkstemp's 0o600 would make outputs private
        return Path(name)

    def temp(self, target: str | Path) -> Path:
        """The temporary file to write `target`'s content to (created empty, same suffix).

        Parameters
        ----------
        target : str or Path
            One of the outputs.
        """
        target = Path(target)
        if target not in self.targets:
            raise ValueError(f"{target} is not one of the outputs {self.targets}")
        if target not in self._temps:
            # made and recorded with the signals held: a Ctrl-C or SIGTERM in between
            # left a temporary that `discard` did not know (tests/cli/test_stopped_batch.py)
            with _signals_held():
                self._temps[target] = self._new(target, target.suffix)
        return self._temps[target]

    def temp_folder(self, target: str | Path) -> Path:
        """The temporary folder to write `target`'s store to (a zarr store is a folder).

        Renamed over `target` by `commit` (an earlier store of that name is
        moved aside first and removed after), removed by `discard`.

        Parameters
        ----------
        target : str or Path
            One of the outputs (``*.zarr``).
        """
        target = Path(target)
        if target not in self.targets:
            raise ValueError(f"{target} is not one of the outputs {self.targets}")
        if target not in self._temps:
            with _signals_held():  # made and recorded together (`temp`)
                path = Path(tempfile.mkdtemp(prefix=f".{target.stem}{PARTIAL}",
                                             suffix=target.suffix, dir=target.parent))
                self._temps[target] = path
                os.chmod(path, file_mode() | 0o111)  # a folder: searchable where readable
        return self._temps[target]

    def scratch(self, target: str | Path, suffix: str) -> Path:
        """A temporary file beside `target` that is removed at the end (never renamed).

        Parameters
        ----------
        target : str or Path
            One of the outputs (its folder holds the file).
        suffix : str
            Of the scratch file, e.g. ``".npy"``.
        """
        with _signals_held():  # made and recorded together (`temp`)
            path = self._new(Path(target), suffix)
            self._scratch.append(path)
        return path

    def commit(self) -> list[Path]:
        """Rename every written temporary over its target; remove the scratch files.

        Returns
        -------
        list of Path
            The targets written, in the order of `outputs`.
        """
        written = [t for t in self.targets if t in self._temps]
        with _signals_held():
            for target in written:
                tmp = self._temps.pop(target)
                if tmp.is_dir():
                    _replace_folder(tmp, target)
                else:
                    os.replace(tmp, target)
            self.committed = True
        self.discard()
        return written

    def discard(self) -> None:
        """Remove the temporaries (targets are left as they were)."""
        for path in [*self._temps.values(), *self._scratch]:
            with contextlib.suppress(OSError):
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink()
        self._temps.clear()
        self._scratch.clear()

    def __enter__(self) -> Outputs:
        return self

    def __exit__(self, *exc) -> None:
        self.discard()


def write_text(path: str | Path, text: str, inputs: Iterable = ()) -> None:
    """Write UTF-8 text by the policy (a JSON or CSV file appears whole or not at all).

    Parameters
    ----------
    path : str or Path
        The file.
    text : str
        Its content.
    inputs : iterable of str or Path, optional
        Files that must not be `path`.
    """
    with replacing(path, inputs) as tmp:
        tmp.write_text(text, encoding="utf-8")


@contextlib.contextmanager
def replacing(target: str | Path, inputs: Iterable = ()) -> Iterator[Path]:
    """Write one file by the policy: yields the temporary path, renames it at the end.

    Parameters
    ----------
    target : str or Path
        The file to write.
    inputs : iterable of str or Path, optional
        Files that must not be `target`.
    """
    with Outputs([target], inputs) as out:
        yield out.temp(target)
        out.commit()


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP back (main thread, POSIX) while files are renamed."""
    if not hasattr(signal, "pthread_sigmask") or \
            threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
