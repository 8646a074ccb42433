"""Two versions of the code timed alternately in one process: the change, not the machine.

Usage::

    python benchmarks/ab_same_process.py --base BASE_SRC [--what frame] [--repeats 31]

On a shared or virtual machine the same program's wall clock varies by
20-40 % from one process to the next (measured: a single-thread kernel at
26-44 ms in successive processes), which hides changes of that size. Here
`BASE_SRC`'s ``napari_symseg`` is copied into a temporary folder as the
package ``symseg_base`` (its imports renamed), both versions are imported
into this process, and each repetition runs the workload once with each,
alternately, on the same inputs. Printed: the minimum and median wall clock
of each, their ratio, and whether the outputs are equal.

Workloads (`--what`), on the 1024^2 benchmark image (`bench_core.make_image`)
or issue 16's series (``moving_boundary_series(31, (1024, 1024), 300, 16,
0.3, 3)`` as float32):

- ``interior``: the stride-5 interior translation kernel, 81 shifts
  (`correlations_direct` on the standardised image);
- ``descriptors``: stride-5 translation descriptors (`descriptor_steps`);
- ``segment``: stride-5 `segment_steps` with defaults;
- ``reflections``: reflection descriptors at stride 1 (pySTEM's 10 axes, radius 20);
- ``frame``: one series frame labelled by a fitted model (`label_task`,
  20 selected operations; the model fitted by each version), frames in turn.
"""

from __future__ import annotations

import argparse
import importlib
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BASE_NAME = "symseg_base"


def import_base(base_src: Path, folder: Path):
    """`base_src`/napari_symseg copied to `folder`/symseg_base, imports renamed; imported."""
    target = folder / BASE_NAME
    shutil.copytree(base_src / "napari_symseg", target,
                    ignore=shutil.ignore_patterns("__pycache__"))
    for path in target.rglob("*.py"):
        text = path.read_text()
        path.write_text(re.sub(r"\bnapari_symseg\b", BASE_NAME, text))
    sys.path.insert(0, str(folder))
    return importlib.import_module(BASE_NAME)


def workload(package: str, what: str):
    """A no-argument callable running `what` with `package`'s code; returns its output."""
    mod = lambda name: importlib.import_module(f"{package}.{name}")  # noqa: E731
    params = mod("core.params").Params
    run = mod("core.progress").run
    if what == "frame":
        series = np.load(SERIES, mmap_mode="r")
        fit = run(mod("core.series_fit").fit_series_steps(
            series, params(stride=5, n_selected_operations=20)))
        label_task = mod("core.frame_labels").label_task
        state = {"t": 0}

        def one():
            t = state["t"] = (state["t"] + 1) % len(series)
            return label_task(fit.model, series[t], t)[1]
        return one
    image = mod("core.validation").as_image(make_image())
    if what == "interior":
        translation = mod("core.descriptors.translation")
        standardised = mod("core.descriptors.pearson").standardise(image)
        shifts = translation.grid_operations(params()).values
        grid = np.arange(41, 1024 - 41, 5)
        return lambda: translation.correlations_direct(standardised, shifts, 20, 20, grid,
                                                       grid, standardised=True)
    if what == "descriptors":
        steps = mod("core.chunks").descriptor_steps
        return lambda: run(steps(image, params()))[1]
    if what == "segment":
        steps = mod("core.pipeline").segment_steps
        return lambda: run(steps(image, params())).labels
    if what == "reflections":
        steps = mod("core.chunks").descriptor_steps
        chosen = params(descriptor_name="reflection_symmetry_maximum_pooling", stride=1)
        return lambda: run(steps(image, chosen))[1]
    raise ValueError(what)


def make_image():
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_core import make_image as bench_image

    return bench_image(1024)


SERIES = Path(tempfile.gettempdir()) / "symseg_ab_series.npy"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path, required=True, help="the base tree's src folder")
    parser.add_argument("--what", default="interior",
                        choices=["interior", "descriptors", "segment", "frame",
                                 "reflections"])
    parser.add_argument("--repeats", type=int, default=31)
    args = parser.parse_args(argv)
    if args.what == "frame" and not SERIES.exists():
        from napari_symseg.core.samples import moving_boundary_series

        np.save(SERIES, moving_boundary_series(31, (1024, 1024), 300, 16, 0.3, 3)
                .astype(np.float32))
    with tempfile.TemporaryDirectory() as folder:
        import_base(args.base.resolve(), Path(folder))
        runs = {"base": workload(BASE_NAME, args.what),
                "new": workload("napari_symseg", args.what)}
        outputs = {name: [f(), f()][-1] for name, f in runs.items()}  # JIT caches loaded
        times = {name: [] for name in runs}
        for _ in range(args.repeats):
            for name, f in runs.items():
                start = time.perf_counter()
                f()
                times[name].append(time.perf_counter() - start)
    for name, values in times.items():
        print(f"{name}: min {min(values) * 1e3:.1f} ms, median "
              f"{statistics.median(values) * 1e3:.1f} ms ({args.repeats} runs, {args.what})")
    ratio = statistics.median(times["new"]) / statistics.median(times["base"])
    same = np.array_equal(np.asarray(outputs["base"]), np.asarray(outputs["new"]))
    print(f"new / base (medians): {ratio:.3f}; outputs equal: {same}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
