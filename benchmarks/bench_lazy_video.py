"""A long video on disk in napari: fit, scrub to a far frame, background run, memory.

Usage::

    xvfb-run -a python benchmarks/bench_lazy_video.py [--frames 2000] [--size 1024]
        [--dir /tmp] [--jump 1500] [--keep]

1. Writes a (T, size, size) float32 ``.npy`` video to ``--dir`` frame by
   frame (a memory map, flushed as it goes): 20 frames of
   `moving_boundary_series` (a boundary sweeping through the frame) repeated
   with fresh noise, by plain file writes. The free space of ``--dir`` is checked first and T is
   lowered to what fits (said so in the output). The file is deleted at the
   end (unless ``--keep``).
2. In this process, as the widget does: the video opened lazily
   (`open_video` + `as_dask`) as an Image layer of a napari viewer (not
   shown), the model fitted on the reference frames (``auto``: 5 frames),
   the patterns layer added backed by `LazyLabels` (temporary zarr store).
   **Time to the first labelled frame after scrubbing to ``--jump``**:
   wall time of ``viewer.dims.set_point`` to that frame, which makes napari
   slice (read the video frame and label it) on the GUI thread.
3. **Background run**: a thread reads every frame of the `LazyLabels` (the
   job's `_fill`) while the main thread samples the process's RSS every
   0.1 s. Peak RSS (VmHWM, reset just before through ``/proc/self/clear_refs``)
   and the largest VmRSS / RssAnon sampled are printed,
   with the background frames/s.
4. **The CLI on the same file**: ``napari-symseg segment VIDEO -o X.zarr``
   with the same parameters in a subprocess; its frames/s (after the fit)
   from its summary line.

Every number is printed with the load average of the machine (it is
shared: these are not idle numbers).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np


def status(key: str) -> float:
    """A /proc/self/status entry in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def load() -> str:
    return "load average " + " ".join(f"{v:.1f}" for v in os.getloadavg())


def write_video(path: Path, frames: int, size: int) -> float:
    """Write the video frame by frame; returns seconds."""
    from napari_symseg.core.samples import moving_boundary_series

    start = time.perf_counter()
    base = moving_boundary_series(20, (size, size), start=size // 8, step=size // 32,
                                  noise=0.0).astype(np.float32)
    rng = np.random.default_rng(0)
    header = {"descr": "<f4", "fortran_order": False, "shape": (frames, size, size)}
    with path.open("wb") as fh:  # plain writes: no mapped pages in this process's RSS
        np.lib.format.write_array_header_2_0(fh, header)
        for t in range(frames):
            frame = base[t % 20] + rng.normal(0, 0.05, (size, size)).astype(np.float32)
            fh.write(frame.astype("<f4").tobytes())
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=2000)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--dir", default="/tmp")
    parser.add_argument("--jump", type=int, default=1500)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    folder = Path(args.dir)
    frame_bytes = args.size * args.size * 4
    free = shutil.disk_usage(folder).free
    fits = int((free - 4 * 2**30) // (frame_bytes * 1.05))  # 4 GB left for the rest
    frames = min(args.frames, fits)
    if frames < args.frames:
        print(f"only {free / 2**30:.1f} GB free in {folder}: {frames} frames instead of "
              f"{args.frames}")
    jump = min(args.jump, frames - 1)
    video = folder / f"bench_lazy_video_{os.getpid()}.npy"
    labels_out = folder / f"bench_lazy_video_{os.getpid()}_labels.zarr"
    try:
        seconds = write_video(video, frames, args.size)
        print(f"video: {frames} frames of {args.size}x{args.size} float32, "
              f"{video.stat().st_size / 2**30:.2f} GB written in {seconds:.1f} s ({load()})")
        measure(video, labels_out, frames, jump)
    finally:
        if not args.keep:
            video.unlink(missing_ok=True)
        shutil.rmtree(labels_out, ignore_errors=True)


def measure(video: Path, labels_out: Path, frames: int, jump: int) -> None:
    import napari

    from napari_symseg.controller.lazy_labels import LazyLabels
    from napari_symseg.core.params import Params
    from napari_symseg.core.progress import run
    from napari_symseg.core.series import fit_series_steps
    from napari_symseg.core.warmup import warm_up
    from napari_symseg.io.lazy import as_dask, open_video

    warm_up()  # the numba kernels compiled (cached) before anything is timed
    viewer = napari.Viewer(show=False)
    data, calibration = open_video(video)
    source = viewer.add_image(as_dask(data), name="video", **calibration.layer_kwargs())
    params = Params(random_state=0)
    rss_open = status("VmRSS")

    start = time.perf_counter()
    fit = run(fit_series_steps(data, params))
    fit_s = time.perf_counter() - start
    print(f"fit on frames {list(fit.reference_frames)}: {fit_s:.2f} s ({load()})")

    lazy = LazyLabels(fit.model, data, store=True)
    layer = viewer.add_labels(lazy.as_dask(), name="video patterns",
                              **calibration.layer_kwargs())
    world = source.data_to_world((jump, 0, 0))[0]
    jumps = []
    for t in (jump, jump + 1 if jump + 1 < frames else jump - 2, jump - 1):
        start = time.perf_counter()
        viewer.dims.set_point(0, source.data_to_world((t, 0, 0))[0])
        jumps.append(time.perf_counter() - start)
        assert lazy.done[t] and np.asarray(layer._slice.image.raw).any()
    del world
    print(f"scrub to frame {jump}: labelled frame shown after {jumps[0] * 1000:.0f} ms "
          f"(then frames {jump + 1}/{jump - 1}: "
          f"{', '.join(f'{s * 1000:.0f}' for s in jumps[1:])} ms); "
          f"GUI thread blocked that long ({load()})")

    samples, done = [], threading.Event()

    def fill():
        for t in range(frames):
            lazy.frame(t)
        done.set()

    Path("/proc/self/clear_refs").write_text("5")  # VmHWM from here on
    start = time.perf_counter()
    worker = threading.Thread(target=fill)
    worker.start()
    while not done.wait(0.1):
        samples.append((status("VmRSS"), status("RssAnon")))
    worker.join()
    bg_s = time.perf_counter() - start
    bg_fps = frames / bg_s
    print(f"background run: {frames} frames in {bg_s:.1f} s = {bg_fps:.2f} frames/s; "
          f"RSS after opening {rss_open:.0f} MB; during the run: peak RSS (VmHWM, reset "
          f"before it) {status('VmHWM'):.0f} MB, largest sampled VmRSS "
          f"{max((r for r, _ in samples), default=float('nan')):.0f} MB, RssAnon "
          f"{max((a for _, a in samples), default=float('nan')):.0f} MB ({load()})")
    viewer.close()

    cmd = [sys.executable, "-m", "napari_symseg.cli", "segment", str(video), "-o",
           str(labels_out), "--random-state", "0"]
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    cli_s = time.perf_counter() - start
    match = re.search(r"\(([\d.]+) frames/s after", out)
    cli_fps = float(match.group(1)) if match else float("nan")
    print(f"CLI ({' '.join(cmd[3:4])} ... -o .zarr): {cli_s:.1f} s in all, {cli_fps:.2f} "
          f"frames/s after its fit ({load()})")
    print(f"background / CLI frames/s: {bg_fps / cli_fps:.2f}")


if __name__ == "__main__":
    main()
