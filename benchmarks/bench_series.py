"""Image series: the paper's Fig. 7, throughput, memory and a real STM movie.

Usage::

    python benchmarks/bench_series.py [--quick] [--repeats 3] [--no-pystem] [--no-stm]
        [--markdown docs/series.md] [--figures DIR]

Four measurements, each in its own subprocess (so that timings and peak
memory are its own), with a warm numba cache:

1. **Fig. 7 of Wang et al. (2021)**: a noisy synthetic moving-boundary series
   (square lattice growing into a hexagonal one) is fitted on frame 0 with
   289 translations; for n selected operations (Fisher separability) every
   frame is labelled and compared with the all-operations labels and with
   the ground truth (labels matched by the best permutation). Plus a sweep
   over the noise level.
2. **Throughput**: frames per second of `label_frames_steps` (statistics
   included) on 1024x1024 frames with 20 selected translations, stride 5;
   the same work in pySTEM 0.0.26 when ``PYSTEM_PYTHON`` (or
   /work/pystem-venv) is available (see ``benchmarks/pystem_runner.py``,
   ``what="series"``).
3. **Memory**: peak RSS of `segment_series` on 10 vs 100 frames read from a
   ``numpy.memmap`` and written to a ``numpy.memmap`` (and, for comparison,
   through plain file reads/writes with no mapping).
4. **A real movie**: the video-rate STM movie of pyfastspm (116 frames,
   513x257, pixel aspect 2:1) in ``../shared/data/real`` (or ``--stm PATH``),
   segmented with `segment_series`; skipped when the file is missing.

With ``--markdown FILE`` the page (text, tables, exact command) is written
to FILE and the figures to ``FILE's folder/images/series_*.png`` (or to
``--figures DIR``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_PYSTEM = Path("/work/pystem-venv/bin/python")
DEFAULT_STM = HERE.parent.parent / "shared" / "data" / "real" / "pyfastspm_STM_movie_F20190424.npy"

#: Fig. 7: the series (moving_boundary_series arguments) and the parameters.
#: window 24 with max_num_points 289 gives the paper's 289 translations
#: (a 17 x 17 grid with spacing 3 px; window 21 would give 15 x 15 = 225).
FIG7_SERIES = {"shape": [512, 512], "start": 150, "step": 8, "noise": 1.0, "seed": 2}
FIG7_PARAMS = {"patch_x": 20, "patch_y": 20, "window_x": 24, "window_y": 24,
               "max_num_points": 289, "stride": 5, "n_patterns": 2}
FIG7_NS = (2, 5, 10, 20, 50, 100, 150, 200, 0)  # 0 = all operations
SWEEP_NOISE = (0.5, 1.0, 1.5, 2.0)
SWEEP_NS = (2, 10, 20, 50, 0)

#: Throughput: 1024^2 frames, defaults (patch 20, window 21, 81 translations in the
#: reference fit, 20 selected, stride 5).
THROUGHPUT_SERIES = {"shape": [1024, 1024], "start": 300, "step": 16, "noise": 0.3, "seed": 3}

#: The STM movie: rows are sampled twice as densely as columns (aspect 2:1), so the
#: patch and window are twice as many pixels high as wide (physically square).
#: The row period is about 9.5 px across the columns (17 px along the rows).
STM_PARAMS = {"patch_x": 10, "patch_y": 5, "window_x": 20, "window_y": 10, "stride": 2,
              "n_patterns": 2, "n_selected_operations": 20, "reference_frames": [0, 1]}
STM_SHOW = (0, 1, 58, 115)


# ============================================================== helpers (both sides)
def agreement(a: np.ndarray, b: np.ndarray, k: int) -> float:
    """Fraction of pixels with the same label after the best label permutation.

    The permutation maximises the trace of the k x k confusion matrix
    (`scipy.optimize.linear_sum_assignment`), so two labelings that differ
    only in label order agree 100 %.
    """
    from scipy.optimize import linear_sum_assignment

    a = np.asarray(a, dtype=np.int64).ravel()
    b = np.asarray(b, dtype=np.int64).ravel()
    confusion = np.bincount(a * k + b, minlength=k * k).reshape(k, k)
    rows, cols = linear_sum_assignment(-confusion)
    return float(confusion[rows, cols].sum() / a.size)


def proc_status() -> dict[str, float]:
    """VmHWM, VmRSS, RssAnon and RssFile of this process in MB (Linux)."""
    out = {}
    try:
        with open("/proc/self/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmHWM", "VmRSS", "RssAnon", "RssFile"):
                    out[key] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return out


def timed_frames(steps) -> tuple[list[float], object]:
    """Drive a series generator; seconds between consecutive yields and the return value."""
    times = []
    start = time.perf_counter()
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return times, stop.value
        now = time.perf_counter()
        times.append(now - start)
        start = now


def warm_up(series, params) -> None:
    """Load the numba cache and touch every code path once (small crop, not timed)."""
    from napari_symseg.core.progress import run
    from napari_symseg.core.series import fit_series_steps, label_frames_steps

    m = params.patch_x + params.window_x, params.patch_y + params.window_y
    crop = series[:2, : 2 * m[0] + 40, : 2 * m[1] + 40]
    fit = run(fit_series_steps(crop, params.replace(n_selected_operations=10)))
    run(label_frames_steps(fit.model, crop))


def make_series(n_frames: int, shape, start: int, step: int, noise: float, seed: int,
                t0: int = 0) -> np.ndarray:
    """Frames t0 .. t0 + n_frames - 1 of a moving-boundary series (own noise seed)."""
    from napari_symseg.core.samples import moving_boundary_series

    return moving_boundary_series(n_frames, tuple(shape), start + step * t0, step, noise,
                                  seed + t0)


def make_truth(n_frames: int, shape, start: int, step: int, **_) -> np.ndarray:
    from napari_symseg.core.samples import moving_boundary_truth

    return moving_boundary_truth(n_frames, tuple(shape), start, step)


# ===================================================== subprocess parts (one per run)
def part_fig7(cfg: dict) -> dict:
    """Fig. 7: fit on frame 0 with every operation, label with the n best."""
    from napari_symseg.core.params import Params
    from napari_symseg.core.progress import run
    from napari_symseg.core.series import fit_series_steps, label_frames_steps

    series_args = cfg["series"]
    n_frames = cfg["n_frames"]
    series = make_series(n_frames, **series_args)
    truth = make_truth(n_frames, **series_args)
    base = Params(**cfg["params"])
    k = base.n_patterns
    show = n_frames // 2
    rows, reference, saved = [], None, {}
    warm_up(series, base)
    for n in sorted(cfg["ns"], key=lambda n: n != 0):  # all operations first: the reference
        start = time.perf_counter()
        fit = run(fit_series_steps(series, base.replace(n_selected_operations=n)))
        fit_time = time.perf_counter() - start
        run(label_frames_steps(fit.model, series[:3]))  # warm-up at full size, not timed
        frame_times = []
        for _ in range(cfg["repeats"]):
            labels = np.zeros(series.shape, np.uint8)
            times, _ = timed_frames(label_frames_steps(fit.model, series, out=labels))
            frame_times += times
        if reference is None:
            reference = labels
        vs_all = [agreement(labels[t], reference[t], k) for t in range(n_frames)]
        vs_truth = [agreement(labels[t], truth[t], k) for t in range(n_frames)]
        row = {
            "n": len(fit.model.operations), "n_requested": n,
            "n_full": len(fit.full_model.operations),
            "frame_median_s": statistics.median(frame_times),
            "frame_times": frame_times, "fit_s": fit_time,
            "agree_all_mean": float(np.mean(vs_all)), "agree_all_min": float(np.min(vs_all)),
            "agree_truth_mean": float(np.mean(vs_truth)),
            "agree_truth_min": float(np.min(vs_truth)),
        }
        ops = fit.full_model.operations.values
        if n == cfg.get("detail_n", 20):
            chosen = ops[fit.selected]
            as_set = {tuple(v) for v in chosen.tolist()}
            row["selected"] = chosen.tolist()
            row["selected_separability"] = fit.separability[fit.selected].tolist()
            pairs = sum((-a, -b) in as_set for a, b in as_set if (a, b) != (0, 0))
            row["inverse_pairs"] = pairs // 2
            saved.update(labels_n=labels[show], selected=chosen)
        if n == 0:
            saved.update(image=series[show], labels_all=labels[show], truth=truth[show],
                         separability=fit.separability, operations=ops)
        rows.append(row)
        print(f"  n={row['n']:>3}: {1000 * row['frame_median_s']:6.1f} ms/frame, "
              f"agreement with all {100 * row['agree_all_mean']:.2f} % "
              f"(min {100 * row['agree_all_min']:.2f} %), with truth "
              f"{100 * row['agree_truth_mean']:.2f} %", file=sys.stderr, flush=True)
    if cfg.get("save"):
        np.savez_compressed(cfg["save"], show=show, **saved)
    return {"rows": rows, "n_frames": n_frames, "shape": list(series.shape[1:])}


def part_sweep(cfg: dict) -> dict:
    """Agreement vs n for several noise levels (no timing)."""
    from napari_symseg.core.params import Params
    from napari_symseg.core.progress import run
    from napari_symseg.core.series import fit_series_steps, label_frames_steps

    n_frames, base = cfg["n_frames"], Params(**cfg["params"])
    out = []
    for noise in cfg["noise"]:
        args = {**cfg["series"], "noise": noise}
        series, truth = make_series(n_frames, **args), make_truth(n_frames, **args)
        reference, row = None, {"noise": noise}
        for n in sorted(cfg["ns"], key=lambda n: n != 0):
            fit = run(fit_series_steps(series, base.replace(n_selected_operations=n)))
            labels, _ = run(label_frames_steps(fit.model, series))
            reference = labels if reference is None else reference
            row[str(n)] = {
                "agree_all": float(np.mean([agreement(labels[t], reference[t], 2)
                                            for t in range(n_frames)])),
                "agree_truth": float(np.mean([agreement(labels[t], truth[t], 2)
                                              for t in range(n_frames)])),
            }
        out.append(row)
        print(f"  noise {noise}: " + ", ".join(
            f"n={n or 'all'} {100 * row[str(n)]['agree_all']:.1f} %" for n in cfg["ns"]),
            file=sys.stderr, flush=True)
    return {"rows": out}


def part_throughput(cfg: dict) -> dict:
    """Frames per second of label_frames_steps (statistics included), 1024^2."""
    from napari_symseg.core.params import Params
    from napari_symseg.core.progress import run
    from napari_symseg.core.series import fit_series_steps, label_frames_steps

    series = np.load(cfg["path"])
    params = Params(**cfg["params"])
    warm_up(series, params)
    start = time.perf_counter()
    fit = run(fit_series_steps(series, params))
    fit_time = time.perf_counter() - start
    run(label_frames_steps(fit.model, series[:2]))  # warm-up at full size (allocations)
    fps, frame_times, cpu, labels = [], [], [], None
    for _ in range(cfg["repeats"]):
        labels = None
        start, start_cpu = time.perf_counter(), time.process_time()
        times, (labels, _) = timed_frames(label_frames_steps(fit.model, series))
        fps.append(len(series) / (time.perf_counter() - start))
        cpu.append((time.process_time() - start_cpu) / len(series))
        frame_times += times
    truth = make_truth(len(series), **cfg["truth"])
    vs_truth = [agreement(labels[t], truth[t], params.n_patterns) for t in range(len(series))]
    return {
        "fps": fps, "fps_median": statistics.median(fps),
        "frame_median_s": statistics.median(frame_times), "fit_s": fit_time,
        "cpu_per_frame_s": statistics.median(cpu),
        "n_full": len(fit.full_model.operations), "n": len(fit.model.operations),
        "n_frames": len(series), "agree_truth_mean": float(np.mean(vs_truth)),
        "selected": fit.full_model.operations.values[fit.selected].tolist(),
        "peak_rss_mb": proc_status().get("VmHWM"),
    }


def part_memory(cfg: dict) -> dict:
    """Peak memory of segment_series on a series on disk, labels written to disk."""
    from napari_symseg.core.params import Params
    from napari_symseg.core.series import segment_series_steps
    from napari_symseg.io import NpyFrames

    before = proc_status()
    if cfg["mode"] == "cli":  # the command line: plain file I/O in, labels streamed out
        from napari_symseg.cli import main

        start = time.perf_counter()
        code = main(["segment", cfg["path"], "-o", cfg["out"], "-q"])
        after = proc_status()
        return {"mode": "cli", "n_frames": int(np.load(cfg["path"], mmap_mode="r").shape[0]),
                "seconds": time.perf_counter() - start, "exit": code,
                "vm_hwm_mb": after.get("VmHWM"), "rss_anon_peak_mb": after.get("RssAnon"),
                "rss_file_end_mb": after.get("RssFile"), "rss_before_mb": before.get("VmRSS")}
    if cfg["mode"] == "memmap":
        series = np.load(cfg["path"], mmap_mode="r")
        out = np.lib.format.open_memmap(cfg["out"], mode="w+", dtype=np.uint8,
                                        shape=series.shape)
    else:
        series = NpyFrames(cfg["path"])
        np.lib.format.open_memmap(cfg["out"], mode="w+", dtype=np.uint8,
                                  shape=series.shape).flush()  # header + zeros, unmapped
        out = NpyFrames(cfg["out"], writable=True)
    anon = before.get("RssAnon", 0.0)
    start = time.perf_counter()
    for progress in segment_series_steps(series, Params(**cfg["params"]), out):
        if progress.stage == "frames":
            anon = max(anon, proc_status().get("RssAnon", 0.0))
    elapsed = time.perf_counter() - start
    after = proc_status()
    return {"mode": cfg["mode"], "n_frames": len(series), "seconds": elapsed,
            "vm_hwm_mb": after.get("VmHWM"), "rss_anon_peak_mb": anon,
            "rss_file_end_mb": after.get("RssFile"), "rss_before_mb": before.get("VmRSS")}


def part_stm(cfg: dict) -> dict:
    """segment_series on the real STM movie (memory-mapped, never copied)."""
    from scipy import ndimage

    from napari_symseg.core.params import Params
    from napari_symseg.core.series import segment_series_steps

    movie = np.load(cfg["path"], mmap_mode="r")
    params = Params(**cfg["params"])
    warm_up(movie, params.replace(reference_frames=(0,)))
    start = time.perf_counter()
    steps = segment_series_steps(movie, params)
    fit_time = None
    while True:
        try:
            progress = next(steps)
        except StopIteration as stop:
            result = stop.value
            break
        if fit_time is None and progress.stage == "frames":
            fit_time = time.perf_counter() - start
    total = time.perf_counter() - start
    labels, area = result.labels, result.stats.area_fraction
    # what the patterns are: slow intensity (apparent height) and row-corrugation amplitude
    frame = np.asarray(movie[0], np.float64)
    smooth = ndimage.gaussian_filter(frame, (10, 5))
    ripple = frame - ndimage.gaussian_filter(frame, (6, 3))
    amplitude = np.sqrt(ndimage.gaussian_filter(ripple**2, (12, 6)))
    lab0 = labels[0]
    character = {f"pattern {k}": {"height": float(smooth[lab0 == k].mean()),
                                  "corrugation": float(amplitude[lab0 == k].mean())}
                 for k in range(params.n_patterns)}
    change = [float((labels[t] != labels[t + lag]).mean())
              for lag in (1, 2) for t in range(len(labels) - lag)]
    n1 = len(labels) - 1
    np.savez_compressed(cfg["save"], show=np.array(cfg["show"]), area=area,
                        frames=np.stack([np.asarray(movie[t], np.float32) for t in cfg["show"]]),
                        labels=labels[list(cfg["show"])])
    return {
        "shape": list(movie.shape), "seconds": total, "fit_s": fit_time,
        "fps_labelling": (len(movie)) / (total - fit_time),
        "n_full": len(result.fit.full_model.operations), "n": len(result.model.operations),
        "selected": result.fit.full_model.operations.values[result.fit.selected].tolist(),
        "area0_mean": float(area[:, 0].mean()), "area0_min": float(area[:, 0].min()),
        "area0_max": float(area[:, 0].max()),
        "area0_even_minus_odd": float(area[::2, 0].mean() - area[1::2, 0].mean()),
        "area0_first10": float(area[:10, 0].mean()), "area0_last10": float(area[-10:, 0].mean()),
        "regions_mean": result.stats.regions.mean(axis=0).tolist(),
        "changed_lag1": float(np.mean(change[:n1])), "changed_lag2": float(np.mean(change[n1:])),
        "changed_first_last": float((labels[0] != labels[2 * ((len(labels) - 1) // 2)]).mean()),
        "last_same_direction": 2 * ((len(labels) - 1) // 2),
        "character": character,
    }


PARTS = {"fig7": part_fig7, "sweep": part_sweep, "throughput": part_throughput,
         "memory": part_memory, "stm": part_stm}


# ============================================================== parent: orchestration
def busy_seconds() -> float:
    """CPU seconds spent by the whole machine (all processes, all cores) since boot."""
    with open("/proc/stat") as stat:
        ticks = [int(v) for v in stat.readline().split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # minus idle, iowait


def children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class OtherLoad:
    """CPU used by other processes while a measurement runs, in cores (0 = quiet machine).

    The machine's busy time minus the measured subprocess's own CPU time,
    divided by the wall time (Linux ``/proc/stat``; None elsewhere).
    """

    def __enter__(self):
        self.value = None
        try:
            self.start = busy_seconds(), children_seconds(), time.perf_counter()
        except (OSError, ValueError):
            self.start = None
        return self

    def __exit__(self, *exc):
        if self.start is not None:
            busy, own, wall = self.start
            other = (busy_seconds() - busy) - (children_seconds() - own)
            self.value = max(other, 0.0) / max(time.perf_counter() - wall, 1e-9)
        return False


def wait_idle(max_wait: float, threshold: float = 0.15) -> float | None:
    """Wait (at most `max_wait` s) until the machine has been idle for 3 s; the load seen."""
    if max_wait <= 0:
        return None
    deadline, quiet, load = time.perf_counter() + max_wait, 0, None
    while time.perf_counter() < deadline:
        busy = busy_seconds()
        time.sleep(1.0)
        load = busy_seconds() - busy
        quiet = quiet + 1 if load < threshold else 0
        if quiet >= 3:
            return load
    print(f"    (machine still busy after {max_wait:.0f} s: {load:.1f} cores; measuring anyway)")
    return load


#: seconds to wait for an idle machine before each measurement (--wait-idle); with
#: --wait-idle, a measurement during which other processes used more than BUSY cores is
#: repeated (at most MAX_ATTEMPTS runs)
WAIT_IDLE = [0.0]
BUSY = 0.15
MAX_ATTEMPTS = 3


def run_part(name: str, cfg: dict) -> dict | None:
    """Run one part in a fresh interpreter; its JSON answer (None if it failed).

    The answer gets ``other_load``: cores used by other processes meanwhile.
    """
    for attempt in range(1, MAX_ATTEMPTS + 1):
        wait_idle(WAIT_IDLE[0])
        with OtherLoad() as load:
            proc = subprocess.run([sys.executable, __file__, "--one", name, json.dumps(cfg)],
                                  stdout=subprocess.PIPE, text=True)
        if proc.returncode:
            print(f"{name}: FAILED (exit code {proc.returncode})", file=sys.stderr)
            return None
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        out["other_load"] = load.value
        if load.value is None or load.value <= BUSY:
            break
        print(f"    WARNING: other processes used {load.value:.2f} cores during '{name}'"
              + (" -- measuring again" if WAIT_IDLE[0] and attempt < MAX_ATTEMPTS else ""))
        if not WAIT_IDLE[0]:
            break
    return out


def pystem_python() -> str | None:
    """The interpreter with pystem installed, if any."""
    env = os.environ.get("PYSTEM_PYTHON")
    if env:
        return env
    return str(DEFAULT_PYSTEM) if DEFAULT_PYSTEM.exists() else None


def run_pystem(python: str, path: Path, n_frames: int, labels_path: Path) -> dict:
    """pySTEM's own series workflow on the same frames (benchmarks/pystem_runner.py)."""
    config = {"what": "series", "descriptor_name": "local_correlation_map", "stride": 5,
              "patch_x": 20, "patch_y": 20, "window_x": 21, "window_y": 21,
              "max_num_points": 100, "n_patterns": 2, "n_selected": 20, "repeats": 1,
              "n_frames": n_frames, "random_state": 0}
    for attempt in range(1, MAX_ATTEMPTS + 1):
        wait_idle(WAIT_IDLE[0])
        try:
            with OtherLoad() as load:
                out = subprocess.run(
                    [python, str(HERE / "pystem_runner.py"), str(path), json.dumps(config),
                     "--save-labels", str(labels_path)],
                    capture_output=True, text=True, check=True, timeout=3600,
                )
            answer = json.loads(out.stdout.strip().splitlines()[-1])
        except (subprocess.SubprocessError, json.JSONDecodeError, IndexError) as err:
            return {"error": str(err)[:300]}
        answer["other_load"] = load.value
        if load.value is None or load.value <= BUSY:
            break
        print(f"    WARNING: other processes used {load.value:.2f} cores during pySTEM"
              + (" -- measuring again" if WAIT_IDLE[0] and attempt < MAX_ATTEMPTS else ""))
        if not WAIT_IDLE[0]:
            break
    return answer


def write_series_npy(path: Path, n_frames: int, series_args: dict, chunk: int = 10) -> None:
    """A (T, Y, X) float32 .npy written chunk by chunk (the parent never holds it all)."""
    shape = (n_frames, *series_args["shape"])
    mm = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=shape)
    for t0 in range(0, n_frames, chunk):
        n = min(chunk, n_frames - t0)
        mm[t0:t0 + n] = make_series(n, t0=t0, **series_args)
    mm.flush()
    del mm


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3,
                        help="labelling passes per configuration (throughput: + 2)")
    parser.add_argument("--quick", action="store_true",
                        help="fewer frames and repeats, no noise sweep (about a minute)")
    parser.add_argument("--no-pystem", action="store_true")
    parser.add_argument("--no-stm", action="store_true")
    parser.add_argument("--stm", type=Path, default=DEFAULT_STM, help="the STM movie (.npy)")
    parser.add_argument("--wait-idle", type=float, default=0.0, metavar="SECONDS",
                        help="before each measurement wait up to SECONDS for an idle "
                        "machine, and measure again if other processes got busy meanwhile")
    parser.add_argument("--markdown", type=Path, help="write the page to this file")
    parser.add_argument("--figures", type=Path,
                        help="folder of the figures (default: images/ next to --markdown)")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.one:  # subprocess mode
        name, cfg = args.one
        print(json.dumps(PARTS[name](json.loads(cfg))))
        return 0

    WAIT_IDLE[0] = args.wait_idle
    quick = args.quick
    repeats = 1 if quick else args.repeats
    figures = args.figures or (args.markdown.parent / "images" if args.markdown else None)
    pystem = None if args.no_pystem else pystem_python()
    res: dict = {"quick": quick, "repeats": repeats}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # 1. Fig. 7 and the noise sweep
        n_fig7 = 8 if quick else 24
        print(f"[1] Fig. 7: {n_fig7} frames of {FIG7_SERIES['shape']}, noise "
              f"{FIG7_SERIES['noise']}", flush=True)
        res["fig7"] = run_part("fig7", {
            "series": FIG7_SERIES, "n_frames": n_fig7, "params": FIG7_PARAMS, "ns": FIG7_NS,
            "repeats": repeats, "save": str(tmp / "fig7.npz")})
        _print_fig7(res["fig7"])
        if not quick:
            print("[1b] noise sweep (8 frames each)", flush=True)
            res["sweep"] = run_part("sweep", {
                "series": FIG7_SERIES, "n_frames": 8, "params": FIG7_PARAMS,
                "noise": SWEEP_NOISE, "ns": SWEEP_NS})

        # 2. throughput (+ pySTEM)
        n_thr = 10 if quick else 20
        path = tmp / "throughput.npy"
        write_series_npy(path, n_thr, THROUGHPUT_SERIES)
        print(f"[2] throughput: {n_thr} frames of 1024x1024", flush=True)
        res["throughput"] = run_part("throughput", {
            "path": str(path), "params": {}, "repeats": repeats + 2,
            "truth": THROUGHPUT_SERIES})
        _print_throughput(res["throughput"])
        if pystem:
            n_ps = 3 if quick else 10
            print(f"    pySTEM 0.0.26 ({pystem}), {n_ps} frames ...", flush=True)
            ps = run_pystem(pystem, path, n_ps, tmp / "pystem_labels.npy")
            if "median" in ps:
                labels = np.load(tmp / "pystem_labels.npy")
                truth = make_truth(n_ps, **THROUGHPUT_SERIES)
                ps["agree_truth_mean"] = float(np.mean(
                    [agreement(labels[t], truth[t], 2) for t in range(n_ps)]))
            res["pystem"] = ps
            _print_pystem(ps, res["throughput"])
        path.unlink()

        # 3. memory: 10 vs 100 frames from disk, labels to disk
        counts = (10, 30) if quick else (10, 100)
        res["memory"] = []
        for n in counts:
            path = tmp / f"series{n}.npy"
            write_series_npy(path, n, THROUGHPUT_SERIES)
            for mode in ("memmap", "file", "cli"):
                print(f"[3] memory: {n} frames, {mode}", flush=True)
                row = run_part("memory", {"path": str(path), "out": str(tmp / "labels.npy"),
                                          "mode": mode, "params": {}})
                if row:
                    res["memory"].append(row)
                    _print_memory(row)
            path.unlink()

        # 4. the real STM movie
        if not args.no_stm and args.stm.exists():
            print(f"[4] STM movie {args.stm.name}", flush=True)
            res["stm"] = run_part("stm", {"path": str(args.stm), "params": STM_PARAMS,
                                          "show": STM_SHOW, "save": str(tmp / "stm.npz")})
            _print_stm(res["stm"])
        elif not args.no_stm:
            print(f"[4] STM movie not found at {args.stm}: skipped", flush=True)

        if figures:
            figures.mkdir(parents=True, exist_ok=True)
            if res.get("fig7"):
                _figure_fig7(res["fig7"], tmp / "fig7.npz", figures / "series_fig7.png")
            if res.get("stm"):
                _figure_stm(res["stm"], tmp / "stm.npz", figures / "series_stm.png")
    res["pystem_python"] = pystem
    if args.markdown:
        args.markdown.write_text(_markdown(res, argv if argv is not None else sys.argv[1:]))
        print(f"wrote {args.markdown}")
    return 0


# ================================================================= printing (console)
def _print_fig7(fig7) -> None:
    if not fig7:
        return
    print(f"    {'n':>4} {'ms/frame':>9} {'vs all %':>9} {'min %':>7} {'vs truth %':>10}")
    for r in fig7["rows"]:
        print(f"    {r['n']:>4} {1000 * r['frame_median_s']:9.1f} "
              f"{100 * r['agree_all_mean']:9.2f} {100 * r['agree_all_min']:7.2f} "
              f"{100 * r['agree_truth_mean']:10.2f}")


def _print_throughput(t) -> None:
    if t:
        print(f"    ours: {t['fps_median']:.1f} frames/s ({1000 * t['frame_median_s']:.0f} ms per "
              f"frame; {t['n']} of {t['n_full']} translations; reference fit {t['fit_s']:.2f} s; "
              f"agreement with truth {100 * t['agree_truth_mean']:.2f} %)")


def _print_pystem(ps, ours) -> None:
    if "median" not in ps:
        print(f"    pySTEM failed: {ps.get('error')}")
        return
    ratio = f" -> {ours['fps_median'] / ps['fps']:.0f}x" if ours else ""
    print(f"    pySTEM: {ps['fps']:.2f} frames/s ({ps['median']:.2f} s per frame; reference "
          f"{ps['reference_time']:.1f} s; agreement with truth "
          f"{100 * ps.get('agree_truth_mean', float('nan')):.2f} %){ratio}")


def _print_memory(m) -> None:
    print(f"    {m['n_frames']:>3} frames, {m['mode']:<6}: peak RSS (VmHWM) "
          f"{m['vm_hwm_mb']:.0f} MB, "
          f"peak anonymous {m['rss_anon_peak_mb']:.0f} MB, file pages at the end "
          f"{m['rss_file_end_mb']:.0f} MB, {m['seconds']:.1f} s")


def _print_stm(s) -> None:
    if s:
        print(f"    {s['shape']}: {s['seconds']:.1f} s in all (reference fit {s['fit_s']:.1f} s, "
              f"labelling {s['fps_labelling']:.0f} frames/s); pattern 0 area "
              f"{100 * s['area0_mean']:.1f} % ({100 * s['area0_min']:.1f}-"
              f"{100 * s['area0_max']:.1f} %)")


# ========================================================================== figures
def _save(fig, out: Path, dpi: int) -> None:
    """Save a figure as a 256-colour PNG (a third of the size, same look)."""
    import io

    import matplotlib.pyplot as plt
    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, dpi=dpi)
    plt.close(fig)
    buf.seek(0)
    quantise_png(Image.open(buf)).save(out, optimize=True)
    print(f"wrote {out}")


def quantise_png(image):
    """The image with at most 256 colours (median cut, no dithering)."""
    from PIL import Image

    return image.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT,
                                         dither=Image.Dither.NONE)


def _figure_fig7(fig7, npz_path: Path, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = np.load(npz_path)
    rows = fig7["rows"]
    n = np.array([r["n"] for r in rows])
    ms = np.array([1000 * r["frame_median_s"] for r in rows])
    order = np.argsort(n)
    n, ms = n[order], ms[order]
    vs_all = np.array([100 * rows[i]["agree_all_mean"] for i in order])
    vs_min = np.array([100 * rows[i]["agree_all_min"] for i in order])
    vs_truth = np.array([100 * rows[i]["agree_truth_mean"] for i in order])
    n_full = rows[0]["n_full"]

    fig, axes = plt.subplots(1, 4, figsize=(17, 4.2),
                             gridspec_kw={"width_ratios": [1, 1, 1.25, 1.25]})
    ax = axes[0]
    image, show = d["image"], int(d["show"])
    edge = FIG7_SERIES["start"] + FIG7_SERIES["step"] * show
    r0, c0 = 200, max(edge - 64, 0)
    crop = np.s_[r0:r0 + 96, c0:c0 + 128]
    from scipy import ndimage

    ax.imshow(ndimage.gaussian_filter(image.astype(np.float64), 1.0)[crop], cmap="gray")
    ax.contour(d["labels_n"][crop], [0.5], colors="tab:orange", linewidths=2)
    ax.axvline(edge - c0 - 0.5, color="tab:cyan", ls="--", lw=1.2)
    ax.set_title(f"(a) frame {show} (crop, noise {FIG7_SERIES['noise']}; shown smoothed,\n"
                 "sigma 1 px); orange: n = 20 boundary, cyan: truth", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])

    ax = axes[1]
    ops, sep = d["operations"], d["separability"]
    side = round(float(np.sqrt(len(ops))))
    step = int(np.diff(np.unique(ops[:, 0]))[0])
    extent = (ops[:, 1].min() - step / 2, ops[:, 1].max() + step / 2,
              ops[:, 0].max() + step / 2, ops[:, 0].min() - step / 2)
    im = ax.imshow(sep.reshape(side, side), cmap="viridis", extent=extent)
    sel = d["selected"]
    ax.scatter(sel[:, 1], sel[:, 0], s=22, facecolors="none", edgecolors="tab:red", lw=1.2)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xlabel("shift n (columns, px)")
    ax.set_ylabel("shift m (rows, px)")
    ax.set_title(f"(b) separability of the {n_full} translations\n"
                 "(frame 0; red: the 20 selected)", fontsize=9)

    ax = axes[2]
    ax.plot(n, ms, "o-", color="tab:blue")
    slope, icept = np.polyfit(n, ms, 1)
    ax.plot(n, icept + slope * n, ":", color="gray",
            label=f"{icept:.0f} ms + {slope:.2f} ms x n")
    ax.set_xlabel("number of selected translations n")
    ax.set_ylabel("time per frame (ms)")
    ax.set_ylim(0, None)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(f"(c) time per {fig7['shape'][0]}x{fig7['shape'][1]} frame\n"
                 "(labels + statistics; median)", fontsize=9)

    ax = axes[3]
    ax.plot(n, vs_all, "o-", color="tab:green", label=f"vs all {n_full} translations (mean)")
    ax.plot(n, vs_min, "v:", color="tab:green", alpha=0.7, label="vs all (worst frame)")
    ax.plot(n, vs_truth, "s--", color="tab:purple", label="vs ground truth (mean)")
    ax.axhline(95, color="gray", lw=0.8, ls="--")
    ax.set_xscale("log")
    ax.set_xticks([2, 5, 10, 20, 50, 100, 200])
    ax.set_xticklabels(["2", "5", "10", "20", "50", "100", "200"])
    ax.set_ylim(min(90.0, float(np.min([vs_min, vs_truth])) - 1), 100.5)
    ax.set_xlabel("number of selected translations n")
    ax.set_ylabel("pixel agreement (%)")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(f"(d) agreement over {fig7['n_frames']} frames", fontsize=9)
    fig.tight_layout()
    _save(fig, out, dpi=110)


def _figure_stm(stm, npz_path: Path, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    d = np.load(npz_path)
    shown = [int(t) for t in d["show"]]
    n = len(shown) + 1
    fig = plt.figure(figsize=(3.3 * n, 7.6))
    grid = fig.add_gridspec(2, n, height_ratios=[1.35, 1])
    overlay = ListedColormap(["tab:orange"])
    frames = [d["frames"][0], *d["frames"]]
    labels_shown = [None, *d["labels"]]
    titles = [f"frame {shown[0]}, raw"] + [
        f"frame {t} ({'up' if t % 2 == 0 else 'down'} scan)" for t in shown]
    for i, (frame, labels, title) in enumerate(zip(frames, labels_shown, titles, strict=True)):
        ax = fig.add_subplot(grid[0, i])
        lo, hi = np.percentile(frame, [1, 99])
        # rows are sampled twice as densely as columns: aspect 0.5 shows the frame square
        ax.imshow(frame, cmap="gray", vmin=lo, vmax=hi, aspect=0.5)
        if labels is not None:
            ax.imshow(np.ma.masked_not_equal(labels, 0), cmap=overlay, alpha=0.3, aspect=0.5,
                      interpolation="nearest")
            ax.contour(labels, [0.5], colors="tab:orange", linewidths=0.8)
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    ax = fig.add_subplot(grid[1, :])
    area = 100 * d["area"][:, 0]
    t = np.arange(len(area))
    ax.plot(t[::2], area[::2], ".-", color="tab:blue", lw=0.8, label="even frames (up scans)")
    ax.plot(t[1::2], area[1::2], ".-", color="tab:purple", lw=0.8,
            label="odd frames (down scans)")
    for s in shown:
        ax.axvline(s, color="gray", lw=0.5, ls=":")
    ax.set_xlabel("frame")
    ax.set_ylabel("area fraction of pattern 0 (%)")
    ax.set_xlim(-1, len(area))
    ax.legend(fontsize=9, loc="upper right")
    fig.suptitle(f"pyfastspm video-rate STM movie F20190424 ({stm['shape'][0]} frames, "
                 f"{stm['shape'][1]} x {stm['shape'][2]} px, pixel aspect 2:1, shown square): "
                 "orange = pattern 0", fontsize=11)
    fig.tight_layout()
    _save(fig, out, dpi=100)


# ========================================================================= markdown
def _markdown(res: dict, argv) -> str:
    command = "python benchmarks/bench_series.py " + " ".join(argv)
    if res.get("pystem_python"):
        command = f"PYSTEM_PYTHON={res['pystem_python']} " + command
    lines = [PAGE_HEAD.rstrip(), ""]
    lines += [
        "## Benchmarks",
        "",
        f"Produced by `{command}` on the 2-core (no GPU), 24 GB development machine; both "
        "napari-symseg (numba) and pySTEM (OpenMP) use both cores. Every measurement runs in "
        "its own Python process with a warm numba cache; times are medians.",
        "",
    ]
    parts = [("Fig. 7", res.get("fig7")), ("noise sweep", res.get("sweep")),
             ("throughput", res.get("throughput")), ("pySTEM", res.get("pystem")),
             ("STM", res.get("stm"))] + [
        (f"memory {m['n_frames']} {m['mode']}", m) for m in res.get("memory") or []]
    loads = [f"{name} {part['other_load']:.2f}" for name, part in parts
             if part and part.get("other_load") is not None]
    if loads:
        lines += ["CPU used by other processes during each measurement (cores; 0 = the "
                  "machine was otherwise idle): " + ", ".join(loads) + ".", ""]
    fig7 = res.get("fig7")
    if fig7:
        rows = sorted(fig7["rows"], key=lambda r: r["n"])
        full = rows[-1]
        detail = next((r for r in rows if "selected" in r), None)
        slope, icept = np.polyfit([r["n"] for r in rows],
                                  [1000 * r["frame_median_s"] for r in rows], 1)
        lines += [
            "### Fig. 7 of the paper: fewer operations, same labels",
            "",
            f"Series: `moving_boundary_series({fig7['n_frames']}, "
            f"{tuple(FIG7_SERIES['shape'])}, start={FIG7_SERIES['start']}, "
            f"step={FIG7_SERIES['step']}, noise={FIG7_SERIES['noise']})`: a square lattice "
            f"(8 px) growing into a hexagonal one (10 px) by {FIG7_SERIES['step']} px per frame, "
            f"with Gaussian noise of standard deviation {FIG7_SERIES['noise']} (the atoms' peak "
            "height is 1, so single atoms are barely visible; panel (a) of the figure). "
            "Parameters: patch 20, window 24, `max_num_points=289` (the paper's 289 "
            "translations: a 17 x 17 grid of spacing 3 px), stride 5, 2 patterns, 5 PCA "
            "components. The model is fitted on frame 0 with all "
            f"{full['n_full']} translations; for each n the n of best Fisher separability are "
            "kept, the model is refitted on frame 0 with them, and every frame is labelled. "
            "Agreement: share of pixels with the same label as with all operations (mean "
            "over frames, and the worst frame), and with the ground truth; labels are matched "
            "by the best permutation first (`scipy.optimize.linear_sum_assignment`). "
            f"Time per frame: median over {fig7['n_frames']} frames x {res['repeats']} passes "
            "of `label_frames_steps` (read, descriptors, PCA, nearest centre, upsampling and "
            "per-frame statistics).",
            "",
            "| n translations | time per frame (ms) | speed-up vs all | agreement with all "
            "(mean / worst frame) | agreement with truth | reference fit (s) |",
            "|---|---|---|---|---|---|",
        ]
        for r in rows:
            lines.append(
                f"| {r['n']}{' (all)' if r['n'] == r['n_full'] else ''} | "
                f"{1000 * r['frame_median_s']:.1f} | "
                f"{full['frame_median_s'] / r['frame_median_s']:.1f}x | "
                f"{100 * r['agree_all_mean']:.2f} % / {100 * r['agree_all_min']:.2f} % | "
                f"{100 * r['agree_truth_mean']:.2f} % | {r['fit_s']:.2f} |")
        n20 = next((r for r in rows if r["n"] == 20), None)
        if n20:
            ok = "met" if n20["agree_all_min"] >= 0.95 else "NOT met"
            lines += ["", f"With n = 20 every frame agrees to at least "
                      f"{100 * n20['agree_all_min']:.2f} % with the all-operations labels "
                      f"(target: at least 95 %, {ok}), at "
                      f"{full['frame_median_s'] / n20['frame_median_s']:.1f}x the speed."]
        lines += [
            "",
            f"Time per frame is linear in n, about {icept:.0f} ms + {slope:.2f} ms x n on "
            f"{fig7['shape'][0]}² frames (the constant: reading, standardising and the box "
            "moments of the frame, upsampling, statistics). The reference fit (all operations, "
            "separability, refit with n) is paid once per series.",
            "",
            "![Fig. 7 reproduction](images/series_fig7.png)",
            "",
        ]
        if detail:
            shown = ", ".join(f"({a}, {b})" for a, b in detail["selected"][:10])
            lines += [
                f"The 20 translations selected on frame 0 (best first): {shown}, ... "
                f"({2 * detail['inverse_pairs']} of the 20 form {detail['inverse_pairs']} pairs "
                "t, -t). Panel (b) maps the "
                "separability over the shift window: the best shifts are those that match one "
                "lattice and not the other.",
                "",
            ]
    sweep = res.get("sweep")
    if sweep:
        head = " | ".join(f"n = {n or 'all'}" for n in SWEEP_NS)
        lines += [
            "#### How much noise the selection tolerates",
            "",
            "Same series and parameters, 8 frames, agreement with the all-operations labels "
            "(and, in brackets, with the ground truth):",
            "",
            f"| noise | {head} |",
            "|---|" + "---|" * len(SWEEP_NS),
        ]
        for row in sweep["rows"]:
            cells = " | ".join(f"{100 * row[str(n)]['agree_all']:.1f} % "
                               f"({100 * row[str(n)]['agree_truth']:.1f} %)" for n in SWEEP_NS)
            lines.append(f"| {row['noise']} | {cells} |")
        lines += ["", SWEEP_NOTE, ""]

    thr, ps = res.get("throughput"), res.get("pystem")
    if thr:
        lines += [
            "### Throughput on 1024 x 1024 frames",
            "",
            f"`moving_boundary_series` frames of 1024 x 1024 (noise "
            f"{THROUGHPUT_SERIES['noise']}), default parameters: the reference fit uses "
            f"{thr['n_full']} translations (patch 20, window 21, `max_num_points=100`), "
            f"{thr['n']} are kept, stride 5. Frames per second of `label_frames_steps` "
            f"(statistics included) over {thr['n_frames']} frames in memory, median of "
            f"{len(thr['fps'])} passes after a warm-up.",
            "",
            "| implementation | frames/s | s per frame | CPU s per frame | reference fit (s) "
            "| agreement with truth |",
            "|---|---|---|---|---|---|",
            f"| napari-symseg | {thr['fps_median']:.1f} | {thr['frame_median_s']:.3f} | "
            f"{thr['cpu_per_frame_s']:.3f} | {thr['fit_s']:.2f} | "
            f"{100 * thr['agree_truth_mean']:.2f} % |",
        ]
        if ps and "median" in ps:
            lines.append(
                f"| pySTEM 0.0.26 | {ps['fps']:.2f} | {ps['median']:.2f} | "
                f"{ps['cpu_median']:.2f} | {ps['reference_time']:.1f} | "
                f"{100 * ps.get('agree_truth_mean', np.nan):.2f} % |")
        lines += ["", "Target: at least 10 frames/s on 1024² frames: "
                  + ("met." if thr["fps_median"] >= 10 else "NOT met.")]
        if ps and "median" in ps:
            lines += ["", f"Ratio: {thr['fps_median'] / ps['fps']:.0f}x. " + PYSTEM_NOTE.format(
                n=ps["n_frames"])]
        elif ps:
            lines += ["", f"pySTEM failed: `{ps.get('error')}`"]
        lines.append("")
    mem = res.get("memory")
    if mem:
        lines += [
            "### Memory: a series on disk",
            "",
            "`segment_series(series, Params(), out=labels)` on 1024 x 1024 float32 frames "
            "(defaults as above; reference fit included), each run in its own process. "
            "*memmap*: the series is `np.load(path, mmap_mode='r')` and `out` an "
            "`np.lib.format.open_memmap` (uint8). *file*: the same files read and written "
            "frame by frame with plain file I/O (`napari_symseg.io.NpyFrames`), no mapping. "
            "*cli*: `napari-symseg segment series.npy -o labels.npy` (which reads and writes "
            "frames that way). Peak RSS is VmHWM; *anonymous* is the largest RssAnon seen "
            "after each frame (the process's own memory, without mapped file pages); "
            "*file pages* is RssFile at the end (mapped file pages and shared libraries).",
            "",
            "| frames | input / output | peak RSS, VmHWM (MB) | peak anonymous (MB) "
            "| file pages at the end (MB) | time (s) |",
            "|---|---|---|---|---|---|",
        ]
        for m in mem:
            lines.append(f"| {m['n_frames']} | {m['mode']} | {m['vm_hwm_mb']:.0f} | "
                         f"{m['rss_anon_peak_mb']:.0f} | {m['rss_file_end_mb']:.0f} | "
                         f"{m['seconds']:.1f} |")
        lines += ["", MEMORY_NOTE, ""]
    stm = res.get("stm")
    if stm:
        p = STM_PARAMS
        char = stm["character"]
        lines += [
            "## A real movie: video-rate STM",
            "",
            STM_SOURCE,
            "",
            f"Parameters: patch {p['patch_x']} x {p['patch_y']} (rows x columns, half sizes), "
            f"window {p['window_x']} x {p['window_y']}, stride {p['stride']}, "
            f"{p['n_patterns']} patterns, reference frames {p['reference_frames']} (one up and "
            "one down scan), "
            f"{stm['n']} of {stm['n_full']} translations kept. " + STM_PARAMS_NOTE,
            "",
            "```python",
            "import numpy as np",
            "from napari_symseg.core.series import segment_series",
            "movie = np.load('pyfastspm_STM_movie_F20190424.npy', mmap_mode='r')",
            "result = segment_series(movie, patch_x=10, patch_y=5, window_x=20, window_y=10,",
            "                        stride=2, reference_frames=(0, 1))",
            "```",
            "",
            f"All {stm['shape'][0]} frames take {stm['seconds']:.1f} s: reference fit "
            f"{stm['fit_s']:.1f} s, then {stm['fps_labelling']:.0f} frames/s.",
            "",
            "![STM movie](images/series_stm.png)",
            "",
            STM_VERDICT.format(
                area=100 * stm["area0_mean"], lo=100 * stm["area0_min"],
                hi=100 * stm["area0_max"], first=100 * stm["area0_first10"],
                last=100 * stm["area0_last10"], eo=100 * stm["area0_even_minus_odd"],
                lag1=100 * stm["changed_lag1"], lag2=100 * stm["changed_lag2"],
                far=100 * stm["changed_first_last"], t_last=stm["last_same_direction"],
                h0=char["pattern 0"]["height"], h1=char["pattern 1"]["height"],
                c0=char["pattern 0"]["corrugation"], c1=char["pattern 1"]["corrugation"],
                regions=stm["regions_mean"][0]),
            "",
        ]
    if res["quick"]:
        lines += ["*(--quick run: fewer frames and passes, no noise sweep.)*", ""]
    return "\n".join(lines)


PAGE_HEAD = """\
# Image series and in-situ videos

A series (T, Y, X) -- an in-situ STEM/TEM video, an STM movie, a tilt or focal series -- is
segmented with **one model for every frame**, after the paper's "Speedup for image series"
(Wang et al. 2021, Fig. 7):

1. **Reference fit.** The reference frame(s) (`reference_frames`; default `"auto"`: 5 frames
   spread evenly over the series, first and last included, so that a pattern absent from
   frame 0 -- a phase that nucleates, a boundary that sweeps in -- is still in the fit) are
   segmented
   with the full set of symmetry operations of the descriptor (e.g. every translation of the
   local correlation map).
2. **Separability selection.** With the reference labels, Fisher's separability
   S = sum_k N_k (mu_k - mu)^2 / sum_k N_k sigma_k^2 of every operation says how well it alone
   tells the patterns apart. The `n_selected_operations` best (default 20; 0 keeps all) are
   kept and the model (PCA + cluster centres) is refitted on the reference frame(s) with them.
3. **Consistent labels.** Every frame is labelled with that one model: its descriptors with
   the selected operations only, projected with the reference PCA, each point given the
   nearest reference centre. No clustering per frame, so a pattern keeps its label in every
   frame (labels are sorted by pattern size on the reference), and a frame costs only n
   operations instead of all of them.
4. **Consistency check.** The fit records how far the reference points lie from their nearest
   centre (the 99th percentile, the model's `reach`). Every frame's share of points beyond it
   is recorded (`result.unlike`; ~1 % on frames like the reference). Frames above 5 % are
   named in a note (`result.consistency_note()`, printed by the CLI): "frames 12-20 look
   unlike the reference frames ... add reference frames there or raise --n-patterns". A
   phase that nucleates after frame 0 of a frame-0 fit is caught this way
   (`napari_symseg.core.consistency`).

Frames are read and labelled one at a time: memory is bounded by one frame whatever the length
of the series, which may be a numpy array, a `numpy.memmap`, a dask or a zarr array; `out=`
takes a memory map or zarr array for the labels. Per frame and pattern the area fraction,
number of connected regions and mean intensity are recorded (`result.stats`, CSV with
`--stats`). Under an active `dask.distributed` client frames are labelled on the cluster.

## Usage

Python:

```python
import numpy as np
from napari_symseg.core.series import segment_series

series = np.load("series.npy", mmap_mode="r")          # (T, Y, X), never loaded at once
result = segment_series(series, reference_frames=(0,), n_selected_operations=20)
result.labels              # (T, Y, X) uint8, the same pattern has the same label in every frame
result.fit.selected        # indices of the kept operations in result.fit.full_model.operations
result.stats.to_csv("stats.csv")   # area fraction / regions / mean intensity per frame and pattern
```

`fit_series_steps` and `label_frames_steps` are the same work as generators (one yield per
frame, for progress bars and cancelling); `lazy_labels(result.model, series)` gives a lazy dask
array that labels a frame when it is looked at.

Command line (same parameters; frames `0-4,10` style):

```bash
napari-symseg segment series.npy -o labels.npy --reference-frames 0 \\
    --n-selected-operations 20 --stats stats.csv
```
"""

SWEEP_NOTE = """\
At low noise any few operations will do (two translations already agree to 99 % or more). As
the noise grows, a few well-separated translations no longer carry enough signal on their own
and small n falls behind; with very strong noise even the all-operations reference is far from
the truth, and the reduced models drift further from that uncertain reference. Note that the
selected translations come largely in pairs t and -t: inside a crystal the score of -t at p is
the score of t at the nearby point p - t, so such a pair carries little more information than
one of its members."""

PYSTEM_NOTE = """\
pySTEM has no "apply a fitted model to a frame" call, so its own series
workflow is timed (`benchmarks/pystem_runner.py`, `what="series"`; only pySTEM's public
constructor options): the reference frame is segmented with `local_correlation_map` and
`separability_analysis=True, num_operations_with_best_sep=20` (81 translations), the 20
selected are refitted as `preselected_translations`, and every frame is then
`perform_clustering` with `pca_fitted`, `kmeans_init_centers` and `one_step_kmeans=True`
(descriptors, PCA transform, one k-means step from the reference centres, nearest-neighbour
upsampling). That is the same work per frame as ours plus one k-means step, minus our
per-frame statistics; pySTEM timed over the first {n} frames, one pass. Both select their 20
translations by Fisher separability on frame 0, but from slightly different 81-shift grids
(pySTEM's is -21..19, ours -20..20), so the selected sets differ."""

MEMORY_NOTE = """\
The engine's own memory (anonymous) is the same for 10 and 100 frames: frames are streamed.
VmHWM grows with the number of frames only when the series and the labels are memory maps,
because every page of a mapped file that has been read or written counts in the process's
resident set until the kernel reclaims it (clean input pages at any time, written label pages
after write-back): about 4 MB of input and 1 MB of labels per 1024² frame. Those pages are page
cache, not memory the process holds; read through plain file I/O (*file* rows) the same series
peaks at the same RSS whatever its length, and so does the command line (*cli* rows), which
reads `.npy` series and writes labels that way. On a machine short of memory the kernel reclaims
them (after writing the labels back to disk)."""

STM_SOURCE = """\
Data: the example measurement `F20190424_1.h5` shipped with **pyfastspm** 1.0.6 (MIT licence;
FAST video-rate STM, raw sinusoidal scan converted with pyfastspm: phase correction, FFT
filters, creep, interpolation, drift and row alignment), 116 frames of 513 x 257 px that
alternate up and down scans; the sample is a row-resolved surface with adsorbates (1.5 V,
0.95 nA, 296 K; material not recorded in the file). Rows are sampled twice as densely as
columns (pixel aspect 2:1). Not part of this repository; the benchmark reads it from
`../shared/data/real/` (or `--stm PATH`) through a memory map."""

STM_PARAMS_NOTE = """\
The surface shows bright atomic rows running from upper left to lower
right with a period of about 9.5 px along a frame row (the strongest peak of the power
spectrum is at (0.027, 0.105) cycles/px in (row, column)), plus bright, lumpy patches a few
rows wide. The patch (21 x 11 px) is physically square because rows are twice as dense as
columns and spans about one row period; the window reaches a full period in every direction.
Two frames, one of each scan direction, form the reference so that the model is not biased to
one scan direction."""

STM_VERDICT = """\
**What the segmentation shows.** The movie has one crystalline domain, so there is no phase
boundary to find. The two patterns separate the bright, lumpy patches, where the row
corrugation is somewhat weaker (pattern 0, orange: mean low-passed height {h0:.0f} vs {h1:.0f},
mean corrugation amplitude {c0:.0f} vs {c1:.0f}, raw units of frame 0), from the clean, regularly
corrugated rows (pattern 1). The orange regions follow the bright features closely in every
frame (about {regions:.0f} separate regions per frame, counting small specks): a sensible map of
where the adsorbate-like disturbances sit, but a segmentation by local order and contrast
within one phase, not into phases. Over the movie the orange area stays between {lo:.1f} and
{hi:.1f} % (mean {area:.1f} %; first ten frames {first:.1f} %, last ten {last:.1f} %): the
patches barely move at this scale. Between consecutive frames {lag1:.1f} % of the pixels change
label, between neighbouring frames of the same scan direction {lag2:.1f} %, and between frame 0
and frame {t_last} {far:.1f} %; up and down scans differ systematically by {eo:+.1f} points of
area, so part of the frame-to-frame flicker comes from the scan direction (the two directions
are distorted differently), not from the surface. Because one model labels every frame, a patch
keeps its label through the movie and the area curve can be read directly; a quantitative
study of the adsorbates would need more patterns or a descriptor tuned to them."""

if __name__ == "__main__":
    sys.exit(main())
