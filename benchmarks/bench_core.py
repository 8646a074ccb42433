"""Speed and memory of the core engine, side by side with pySTEM when available.

Usage::

    python benchmarks/bench_core.py [--repeats 5] [--quick] [--markdown docs/benchmarks.md]
        [--pystem-repeats 3] [--only NAME-PART] [--no-jit]

Every configuration runs in a fresh subprocess (so peak RSS is its own),
with a warm numba cache; times are medians of ``--repeats`` runs. The JIT
compile time is measured once with an empty cache directory. When the
environment variable ``PYSTEM_PYTHON`` names a Python with pystem 0.0.26
installed (see ``benchmarks/README_pystem.md``; ``/work/pystem-venv`` is
used if it exists), the same work is timed with pySTEM on the same image
and the ratio is printed.
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

HERE = Path(__file__).resolve().parent
DEFAULT_PYSTEM = Path("/work/pystem-venv/bin/python")

LCM = {"descriptor_name": "local_correlation_map"}
ROT = {"descriptor_name": "rotational_symmetry_maximum_pooling"}
REF = {"descriptor_name": "reflection_symmetry_maximum_pooling"}

# name, image size, params, what ("descriptors" | "segment"), repeats cap, compare with pystem
CONFIGS = [
    ("lcm stride 5: descriptors", 1024, {**LCM, "stride": 5}, "descriptors", None, True),
    ("lcm stride 5: segment()", 1024, {**LCM, "stride": 5}, "segment", None, True),
    ("lcm stride 1: descriptors", 1024, {**LCM, "stride": 1}, "descriptors", 3, True),
    ("lcm stride 1: segment()", 1024, {**LCM, "stride": 1}, "segment", 3, False),
    ("rotations stride 5: descriptors", 1024, {**ROT, "stride": 5}, "descriptors", None, True),
    ("reflections stride 5: descriptors", 1024, {**REF, "stride": 5}, "descriptors", None, True),
    ("rotations stride 1: descriptors", 1024, {**ROT, "stride": 1}, "descriptors", 3, False),
    ("reflections stride 1: descriptors", 1024, {**REF, "stride": 1}, "descriptors", 3, False),
    ("power spectrum stride 5: descriptors", 1024, {"descriptor_name": "power_spectrum",
                                                    "stride": 5}, "descriptors", 3, False),
    ("lcm fft stride 5: descriptors", 1024, {**LCM, "stride": 5, "method": "fft"},
     "descriptors", 1, False),
    ("lcm 4096^2 stride 4: segment()", 4096, {**LCM, "stride": 4}, "segment", 1, False),
]


def make_image(size: int):
    """The benchmark image: the two-phase synthetic lattice at `size`^2."""
    from napari_symseg.core.samples import two_phase

    return two_phase((size, size), noise=0.1, seed=0)


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB.

    Read from VmHWM: ``getrusage``'s ru_maxrss survives ``exec`` on Linux,
    so a child would report its parent's peak (e.g. from making the image).
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(image_path: str, params: dict, what: str, repeats: int) -> dict:
    """Time one configuration in this process (called in a subprocess)."""
    import numpy as np

    from napari_symseg.core.chunks import descriptor_steps
    from napari_symseg.core.params import Params
    from napari_symseg.core.pipeline import segment_steps
    from napari_symseg.core.progress import run
    from napari_symseg.core.validation import as_image

    image = np.load(image_path)
    p = Params(**params)
    img = as_image(image)

    def work():
        if what == "segment":
            return run(segment_steps(image, p))
        return run(descriptor_steps(img, p))

    times = []
    cpu_times = []
    out = None
    for _ in range(repeats + 1):  # the first run loads the JIT cache and warms up
        del out
        start = time.perf_counter()
        cpu_start = time.process_time()
        out = work()
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    n_features = len(out.operations) if what == "segment" else out[1].shape[-1]
    return {
        "times": times[1:],
        "median": statistics.median(times[1:]),
        "cpu_median": statistics.median(cpu_times[1:]),
        "n_features": int(n_features),
        "peak_rss_mb": peak_rss_mb(),
        "streamed": what == "segment" and out.descriptors is None,
    }


def compile_time() -> dict:
    """First call with an empty numba cache vs the warm call."""
    code = (
        "import time, numpy as np\n"
        "from napari_symseg.core.samples import two_phase\n"
        "from napari_symseg import segment\n"
        "img = two_phase((128, 128))\n"
        "out = {}\n"
        "for name in ['local_correlation_map', 'rotational_symmetry_maximum_pooling']:\n"
        "    t = time.perf_counter()\n"
        "    segment(img, descriptor_name=name, patch_x=5, patch_y=5, window_x=6, window_y=6,"
        " radius=6, stride=4)\n"
        "    out[name] = time.perf_counter() - t\n"
        "print(__import__('json').dumps(out))\n"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        cold = json.loads(subprocess.check_output([sys.executable, "-c", code], env=env))
        warm = json.loads(subprocess.check_output([sys.executable, "-c", code], env=env))
    return {"cold": cold, "warm": warm}


def pystem_python() -> str | None:
    """The interpreter with pystem installed, if any."""
    env = os.environ.get("PYSTEM_PYTHON")
    if env:
        return env
    return str(DEFAULT_PYSTEM) if DEFAULT_PYSTEM.exists() else None


def run_pystem(python: str, image_path: Path, params: dict, what: str, repeats: int):
    """Time pySTEM via benchmarks/pystem_runner.py in its own environment."""
    defaults = {"stride": 5, "patch_x": 20, "patch_y": 20, "window_x": 21, "window_y": 21,
                "max_num_points": 100, "radius": 20, "num_reflection_plane": 10,
                "n_patterns": 2}
    config = {**defaults, **params, "what": what, "repeats": repeats}
    try:
        out = subprocess.run(
            [python, str(HERE / "pystem_runner.py"), str(image_path), json.dumps(config)],
            capture_output=True, text=True, check=True, timeout=3600,
        )
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, json.JSONDecodeError, IndexError) as err:
        return {"error": str(err)[:200]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="skip 4096^2 and stride 1")
    parser.add_argument("--no-pystem", action="store_true")
    parser.add_argument("--pystem-stride1", action="store_true",
                        help="also time pySTEM at stride 1 (about 70 s)")
    parser.add_argument("--markdown", type=Path, help="write the table to this file")
    parser.add_argument("--pystem-repeats", type=int, default=3,
                        help="pySTEM's timed runs per configuration (stride 1: always 1)")
    parser.add_argument("--only", help="run only the configurations whose name contains this")
    parser.add_argument("--no-jit", action="store_true",
                        help="skip the empty-cache JIT compile run (not with --markdown)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.one:  # subprocess mode
        image_path, params, what, repeats = json.loads(args.one)
        print(json.dumps(run_one(image_path, params, what, repeats)))
        return 0

    pystem = None if args.no_pystem else pystem_python()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        image_paths = {}
        for name, size, params, what, cap, compare in CONFIGS:
            if args.quick and (size > 1024 or params.get("stride") == 1):
                continue
            if args.only and args.only not in name:
                continue
            repeats = min(args.repeats, cap) if cap else args.repeats
            if size not in image_paths:
                import numpy as np

                image_paths[size] = Path(tmp) / f"image{size}.npy"
                np.save(image_paths[size], make_image(size))
            one = json.dumps([str(image_paths[size]), params, what, repeats])
            proc = subprocess.run([sys.executable, __file__, "--one", one],
                                  capture_output=True, text=True)
            if proc.returncode:
                print(f"{name}: FAILED\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            ours = json.loads(proc.stdout.strip().splitlines()[-1])
            row = {"name": name, "ours": ours}
            if pystem and compare and (params.get("stride") != 1 or args.pystem_stride1):
                ps_repeats = 1 if params.get("stride") == 1 else args.pystem_repeats
                row["pystem"] = run_pystem(pystem, image_paths[size], params, what, ps_repeats)
            rows.append(row)
            print(_line(row), flush=True)
    if args.no_jit and not args.markdown:
        return 0
    jit = compile_time()
    print("JIT compile (first call, empty cache, 128^2 image): "
          + ", ".join(f"{k}: {v:.1f} s" for k, v in jit["cold"].items())
          + "; warm: " + ", ".join(f"{k}: {v:.2f} s" for k, v in jit["warm"].items()))
    if args.markdown:
        args.markdown.write_text(_markdown(rows, jit, args.repeats, pystem))
        print(f"wrote {args.markdown}")
    return 0


def _line(row) -> str:
    o = row["ours"]
    streamed = ", streamed" if o.get("streamed") else ""
    text = (f"{row['name']:<40} median {o['median']:8.3f} s, CPU {o['cpu_median']:.3f} s "
            f"({o['n_features']} features, peak RSS {o['peak_rss_mb']:.0f} MB{streamed}; "
            f"load {os.getloadavg()[0]:.1f})")
    ps = row.get("pystem")
    if ps and "median" in ps:
        text += (f"  | pySTEM {ps['median']:.2f} s, CPU {ps['cpu_median']:.2f} s -> "
                 f"{ps['median'] / o['median']:.0f}x faster (CPU "
                 f"{ps['cpu_median'] / o['cpu_median']:.0f}x)")
    elif ps:
        text += f"  | pySTEM failed: {ps.get('error')}"
    return text


def _markdown(rows, jit, repeats, pystem) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Produced by `PYSTEM_PYTHON=/work/pystem-venv/bin/python python benchmarks/bench_core.py "
        "--markdown docs/benchmarks.md` on the 2-core, 24 GB development machine (no GPU). "
        "Image: the synthetic two-phase lattice `two_phase((N, N), noise=0.1)`, "
        "loaded from .npy in each configuration's own process; parameters are pySTEM's "
        "defaults (patch 20, window 21, max_num_points 100 -> 81 translations, radius 20, "
        "10 reflection planes) at the stated stride. Peak RSS includes the interpreter and "
        "imports (numpy, scipy, scikit-learn, numba: about 210 MB).",
        "",
        "| configuration (1024x1024 unless stated) | napari-symseg median (s) | features "
        "| peak RSS (MB) | pySTEM 0.0.26 median (s) | speed-up |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        o, ps = row["ours"], row.get("pystem") or {}
        ps_t = f"{ps['median']:.2f}" if "median" in ps else "–"
        ratio = f"{ps['median'] / o['median']:.0f}x" if "median" in ps else "–"
        name = row["name"] + (" (descriptors streamed)" if o.get("streamed") else "")
        lines.append(f"| {name} | {o['median']:.3f} | {o['n_features']} | "
                     f"{o['peak_rss_mb']:.0f} | {ps_t} | {ratio} |")
    lines.append("")
    lines.append(
        "JIT compile on first call with an empty cache (128x128 image): "
        + ", ".join(f"{k} {v:.1f} s" for k, v in jit["cold"].items())
        + "; with the cache on disk: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in jit["warm"].items()) + "."
    )
    lines.append("")
    lines.append(f"Medians of {repeats} runs (fewer where stated in the script), warm cache, "
                 f"each configuration in its own process. pySTEM: {pystem or 'not installed'}.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
