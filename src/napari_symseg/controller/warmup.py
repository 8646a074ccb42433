"""Compile the numba kernels a first run needs before it needs them (no Qt).

The first run of a process used to freeze napari for seconds: the core's
kernels and napari's own label-colour kernels are compiled on first use.
`warm_up` compiles both. numba compiles under one process-wide lock, so
napari's kernels must not be needed on the GUI thread while anything
compiles: the widget makes result layers only once they are done
(`napari_symseg._qt.runner.napari_ready`). The widget's warm-up thread
(`napari_symseg._qt.warmup.warm_up_once`) runs the plots' imports, the
core's kernels (from numba's cache: quick), `warm_up_labels` (napari's typed
dict, compiled in every process) and `warm_up_shapes` (the probe's), and
tells the GUI thread when each is done.
"""

from __future__ import annotations

import atexit
import math
import subprocess
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from ..core.params import Params
from ..io.colours import label_colour_dict
from . import LABEL_OFFSET
from .label_colormap import pattern_colormap

#: How much the compiling process lowers its priority (POSIX ``nice``).
NICE = 10


def start_compiling() -> subprocess.Popen | None:
    """Start compiling the core's kernels into numba's on-disk cache in another process.

    On a fresh install (or after an upgrade) numba compiles every kernel,
    a minute or more, holding the interpreter for seconds at a time: done
    in napari's process it froze the window (benchmarks/gui_cold_cache.py).
    When `napari_symseg.core.warmup.cache_is_cold` or `napari_cache_is_cold`
    says so, this starts ``python -m napari_symseg.controller.warmup`` (`main`:
    the core's kernels and napari's Shapes kernels, which numba caches too)
    at a lower priority; the caller
    (a background thread) waits for it with `finish_compiling`, then its own
    warm-up loads every kernel from the cache. A process still compiling
    when napari exits is stopped (numba writes each cache entry whole).

    Returns
    -------
    subprocess.Popen or None
        The process, or None when the cache is warm or the process could not
        start (the caller's warm-up then compiles in-process, as before).
    """
    from ..core.warmup import cache_is_cold

    if not cache_is_cold() and not napari_cache_is_cold():
        return None
    try:
        process = subprocess.Popen(  # its stdout: the steps (`main`, read by `follow`)
            [sys.executable, "-m", "napari_symseg.controller.warmup", "--nice", str(NICE)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True)
    except OSError:
        return None
    atexit.register(_stop_process, process)
    return process


def _stop_process(process: subprocess.Popen) -> None:
    """At exit: stop the compiling process and collect it (no "still running" warning)."""
    process.kill()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


#: napari's numba kernels that numba caches and the probe's layers use
#: (`warm_up_shapes`), "module:function".
NAPARI_KERNELS = tuple(
    f"napari.layers.shapes._accelerated_triangulate_numba:{name}"
    for name in ("remove_path_duplicates", "create_box_from_bounding",
                 "generate_2D_edge_meshes"))


def napari_cache_is_cold() -> bool:
    """Whether one of `NAPARI_KERNELS` has nothing in numba's on-disk cache for its source.

    As `napari_symseg.core.warmup.cache_is_cold`, with the same check
    (`napari_symseg.core.warmup.kernels_cold`: numba's private API; a failure,
    e.g. a napari that renamed them, reads as cold).
    """
    from ..core.warmup import kernels_cold

    return kernels_cold(NAPARI_KERNELS)


def main() -> None:
    """``python -m napari_symseg.controller.warmup [--nice N]``: fill numba's cache, exit.

    The core's kernels (`napari_symseg.core.warmup.warm_up`) and napari's
    Shapes kernels as the probe uses them (`warm_up_shapes`); with ``--nice
    N`` the process first lowers its priority by N (POSIX).
    """
    import os

    from ..core.warmup import warm_up as warm_up_core

    args = sys.argv[1:]
    if args[:1] == ["--nice"] and hasattr(os, "nice"):
        os.nice(int(args[1]))
    steps: list[str] = []

    def report(done: int, keys: list[str]) -> None:
        steps[:] = [*keys, SHAPES_STEP]
        print(progress_line(done, steps), flush=True)

    warm_up_core(step=report)
    report(len(steps) - 1, steps[:-1])
    warm_up_shapes()
    print(progress_line(len(steps), steps), flush=True)


#: The step of `main` after the core's (`napari_symseg.core.warmup.warm_up`) steps.
SHAPES_STEP = "napari's Shapes kernels"
#: Seconds a cold compile takes in all before anything is measured (`WarmUpProgress`):
#: the CPU time of `main` on a cold cache (124 s user + 7 s system; 286 s of wall time
#: with the other core's load at 1-6).
COLD_TOTAL_S = 130.0


def progress_line(done: int, keys: list[str]) -> str:
    """What `main` prints before each step: ``"step <done> <total> <fraction> <fraction
    after it> <its name>"`` (tabs between).

    Parameters
    ----------
    done : int
        Steps done.
    keys : list of str
        Every step's name, in order.
    """
    from ..core.warmup import cold_fraction

    following = keys[done] if done < len(keys) else "done"
    after = cold_fraction(keys, min(done + 1, len(keys)))
    return (f"step\t{done}\t{len(keys)}\t{cold_fraction(keys, done):.4f}\t{after:.4f}"
            f"\t{following}")


@dataclass
class WarmUpProgress:
    """How far the compiling process (`start_compiling`) is: its steps, as it prints them.

    Written by the warm-up's threads (`follow`), read by the GUI's notice.

    Attributes
    ----------
    compiling : bool
        The compiling process runs (set by the warm-up that started it).
    done, total : int
        Steps done, of all (0 of 0 until the process's first line).
    fraction : float
        The share of the compile done, each step weighted by its measured time
        (`napari_symseg.core.warmup.COLD_S`).
    after : float
        The share done once the step going on is.
    step : str
        The step going on.
    started, step_started : float
        When the compile and that step started (`time.monotonic`).
    """

    compiling: bool = False
    done: int = 0
    total: int = 0
    fraction: float = 0.0
    after: float = 0.0
    step: str = ""
    started: float = field(default_factory=time.monotonic)
    step_started: float = field(default_factory=time.monotonic)

    def begin(self) -> None:
        """The compiling process has started."""
        self.done, self.total, self.fraction, self.after, self.step = 0, 0, 0.0, 0.0, ""
        self.started = self.step_started = time.monotonic()
        self.compiling = True

    def read(self, line: str) -> None:
        """Take one line of the process's output (`progress_line`; others are ignored).

        Parameters
        ----------
        line : str
            As printed.
        """
        parts = line.rstrip("\n").split("\t")
        if len(parts) == 6 and parts[0] == "step":
            try:
                done, total = int(parts[1]), int(parts[2])
                fraction, after = float(parts[3]), float(parts[4])
            except ValueError:
                return
            self.done, self.total, self.step = done, total, parts[5]
            self.fraction, self.after = fraction, after
            self.step_started = time.monotonic()

    def estimate_s(self, now: float | None = None) -> float:
        """The whole compile's expected seconds: from the time and share done so far
        (once 5 % is done, else `COLD_TOTAL_S`), and at least what the step going on
        already says (a busy machine: its share takes longer than its weight).

        Parameters
        ----------
        now : float, optional
            `time.monotonic` (now).
        """
        elapsed = (time.monotonic() if now is None else now) - self.started
        slow = elapsed / self.after if self.after > 0 else 0.0
        return max(self._rate_s(elapsed), slow, elapsed)

    def _rate_s(self, elapsed: float) -> float:
        """The whole compile's seconds at the pace of the steps done (`COLD_TOTAL_S` until
        5 % is done)."""
        return elapsed / self.fraction if self.fraction >= 0.05 else COLD_TOTAL_S

    def shown(self, now: float | None = None) -> float:
        """The progress bar's share: the steps done, and the step going on by its
        expected time (nearing, never reaching, its end: the bar always moves).

        Parameters
        ----------
        now : float, optional
            `time.monotonic` (now).
        """
        now = time.monotonic() if now is None else now
        share = max(0.0, self.after - self.fraction)
        # the steps done's pace (not `estimate_s`, which grows with the step's own time:
        # the bar then stopped at 63 % of a long step)
        expected = share * self._rate_s(now - self.started)
        if share == 0.0 or expected <= 0.0:
            return self.fraction
        return self.fraction + share * (1.0 - math.exp(-(now - self.step_started) / expected))

    def text(self, now: float | None = None) -> str:
        """The status line: what is going on, how long it takes, the step.

        Parameters
        ----------
        now : float, optional
            `time.monotonic` (now).
        """
        seconds = self.estimate_s(now)
        about = f"{10 * round(seconds / 10):.0f} s" if seconds < 120 \
            else f"{seconds / 60:.0f} min"
        text = f"Compiling the fast kernels (first use only, about {about})…"
        if self.total:
            shown = min(self.done + 1, self.total)
            text += f" step {shown} of {self.total}: {self.step.replace('_', ' ')}"
        return text

    def bar(self) -> str:
        """The progress bar's text (Qt's format: ``%p`` is the percentage)."""
        return "compiling the fast kernels: %p%"


def follow(process: subprocess.Popen, progress: WarmUpProgress) -> None:
    """Read `process`'s lines into `progress` until it ends (a daemon thread's target).

    Parameters
    ----------
    process : subprocess.Popen
        From `start_compiling` (its stdout a text pipe).
    progress : WarmUpProgress
        Updated line by line.
    """
    if process.stdout is None:
        return
    try:
        for line in process.stdout:
            progress.read(line)
    except (OSError, ValueError):  # the pipe closed under us (the process stopped at exit)
        pass


def finish_compiling(process: subprocess.Popen | None, timeout: float | None = None) -> bool:
    """Wait for `start_compiling`'s process; True when it ran and ended without error.

    Parameters
    ----------
    process : subprocess.Popen or None
        What `start_compiling` returned (None: nothing to wait for, False).
    timeout : float, optional
        Seconds to wait before giving up (the process is then stopped).
    """
    if process is None:
        return False
    try:
        return process.wait(timeout=timeout) == 0
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return False
    finally:
        atexit.unregister(_stop_process)


def warm_up_labels() -> None:
    """Compile napari's kernels that map uint8 labels through a direct colormap.

    Small Labels layers with the plugin's colormap (`pattern_colormap`) in both
    data types the plugin gives napari: uint8 (patterns) and int32 (scribbled
    patterns, regions), each refreshed once (model only: nothing is drawn).
    The uint8 one with the dict napari's numba path takes (its table not filled).
    """
    from napari.layers import Labels

    data = np.arange(4, dtype=np.uint8).reshape(2, 2)
    Labels(data, colormap=label_colour_dict(3, LABEL_OFFSET)).refresh()
    data = data.astype(np.int32)
    Labels(data, colormap=pattern_colormap(3, np.int32)).refresh()


def warm_up_shapes() -> None:
    """Compile (or load) napari's Shapes kernels and make the probe's layer, model only.

    napari triangulates a Shapes layer's edges with numba
    (``remove_path_duplicates``, ``create_box_from_bounding``,
    ``generate_2D_edge_meshes``: 4 s on a cold cache at load 3, measured),
    one signature per way of setting the data. The Measure step's
    boundaries are a Shapes layer of paths; rectangles and ellipses (the
    probe's window until session 32) are what is made here (whether a
    path's edges need other signatures was not checked). The probe is a
    Vectors layer (no numba): making one here imports its modules off the
    GUI thread. Done here, the layers load them; otherwise they compiled on
    the GUI thread.
    """
    from napari.layers import Shapes, Vectors

    from .probe import MARK, probe_marker, probe_outline, probe_shapes

    Shapes([np.array([[0.0, 0.0], [4.0, 4.0]])], shape_type="rectangle",
           face_color="transparent")
    for family in ("local_correlation_map", "rotational_symmetry_maximum_pooling"):
        params = Params(descriptor_name=family, patch_x=3, patch_y=3, window_x=4,
                        window_y=4, radius=4)
        window = Shapes(face_color="transparent", edge_width=1.5)
        data, kinds = probe_shapes(0, 0, params)
        window.data = list(zip(data, kinds, strict=True))
        window.edge_width = 1.5
        window.edge_color = ["yellow", "cyan"][: len(kinds)]
        window.face_color = "transparent"
        window.translate = (1.0, 1.0)
        outline, shape = probe_outline(0, 0, params)
        mark = probe_marker(6.0)
        probe = Vectors(np.concatenate([outline, mark]), edge_width=1.5, vector_style="line",
                        features={"shape": [*shape, *[MARK] * len(mark)]})
        probe.translate = (1.0, 1.0)


def warm_up_napari() -> None:
    """Compile napari's kernels the widget's layers need on the GUI thread (labels, shapes)."""
    warm_up_labels()
    warm_up_shapes()


def warm_up() -> None:
    """Compile napari's label kernels, then the core's (`napari_symseg.core.warmup`)."""
    from ..core.warmup import warm_up as warm_up_core

    warm_up_napari()
    warm_up_core()


if __name__ == "__main__":
    main()
