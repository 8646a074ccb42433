"""Progress bars of the command line (tqdm), on stderr, only when it is a terminal.

Nothing is drawn with ``--quiet`` or when stderr is a file or a pipe (logs and
batch jobs stay clean); tqdm is imported only when a bar is drawn.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Generator, Iterator


def showing(quiet: bool) -> bool:
    """True when bars are drawn: not `quiet` and stderr is a terminal."""
    return not quiet and sys.stderr.isatty()


def progress_bar(steps: Generator, quiet: bool, unit: str) -> Generator:
    """Re-yield the `Progress` / `SeriesProgress` steps, drawing them as a bar.

    One bar per stage (``p.stage``), ``p.done`` of ``p.total`` in `unit`;
    the generator's return value is passed on.

    Parameters
    ----------
    steps : generator
        A ``*_steps`` generator of the core.
    quiet : bool
        Draw nothing.
    unit : str
        What ``done`` counts (e.g. ``"frames"``).
    """
    if not showing(quiet):
        return (yield from steps)
    from tqdm import tqdm

    from ..core.progress import relay

    bars = []

    def draw(p):
        if not bars or bars[-1].desc != p.stage or bars[-1].total != p.total:
            if bars:
                bars.pop().close()
            bars.append(tqdm(total=p.total, desc=p.stage, unit=f" {unit}", leave=False,
                             dynamic_ncols=True))
        bars[-1].update(p.done - bars[-1].n)
        return p

    try:
        return (yield from relay(steps, draw))
    finally:
        for bar in bars:
            bar.close()


@contextlib.contextmanager
def file_bar(total: int, quiet: bool) -> Iterator:
    """A bar over the `total` files of a batch (None when nothing is drawn).

    Parameters
    ----------
    total : int
        Number of files.
    quiet : bool
        Draw nothing.
    """
    if not showing(quiet):
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=total, unit=" files", dynamic_ncols=True) as bar:
        yield bar


def say(line: str, bar=None, err: bool = False) -> None:
    """Print `line` (stdout, or stderr with `err`) without breaking the bar."""
    stream = sys.stderr if err else sys.stdout
    if bar is not None:
        bar.write(line, file=stream)
    else:
        print(line, file=stream, flush=True)
