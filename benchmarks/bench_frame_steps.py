"""A series frame's steps after the descriptors, before/after issue 16's fused kernels.

Usage::

    python benchmarks/bench_frame_steps.py [--repeats 9]

Fits a series model (``moving_boundary_series(4, (1024, 1024), 300, 16, 0.3, 3)``,
stride 5, 20 selected operations), computes frame 1's descriptors once, then
times, alternately in this process, what `frame_labels.label_task` does after
them: the PCA projection, the nearest centres with the confidence and nearest
distances, the labels upsampled to the pixels and the frame's statistics.
``before``: numpy's distance matrix, argsort and gathers (the code of
`clustering._assign_chunks` before the change, copied here), `Grid.upsample`
then `FrameStats.of`; ``after``: `clustering.assign` (one numba pass,
`clustering_fused`) and `stats.upsampled_statistics`. Checks that labels,
confidence and statistics are equal byte for byte and prints the medians
(wall clock and CPU time of this process) with the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from napari_symseg.core.chunks import DescriptorChunks, project
from napari_symseg.core.clustering import assign
from napari_symseg.core.params import Params
from napari_symseg.core.progress import run
from napari_symseg.core.samples import moving_boundary_series
from napari_symseg.core.series import fit_series_steps
from napari_symseg.core.stats import FrameStats, upsampled_statistics
from napari_symseg.core.validation import as_frame


def numpy_assign(features, centres, nearest):
    """The numpy nearest-centre code before the change (one chunk: the whole frame)."""
    x = features.reshape(-1, features.shape[-1]).astype(np.float64)
    c = np.asarray(centres, dtype=np.float64)
    d2 = (x * x).sum(1)[:, None] - 2 * x @ c.T + (c * c).sum(1)[None, :]
    d = np.sqrt(np.clip(d2, 0.0, None))
    order = np.argsort(d, axis=1, kind="stable")
    labels = order[:, 0].astype(np.int32)
    d1 = np.take_along_axis(d, order[:, :1], 1)[:, 0]
    nearest.reshape(-1)[:] = d1
    d2nd = np.take_along_axis(d, order[:, 1:2], 1)[:, 0]
    total = d1 + d2nd
    conf = np.where(total > 0, (d2nd - d1) / np.where(total > 0, total, 1), 0)
    shape = features.shape[:-1]
    return labels.reshape(shape), conf.astype(np.float32).reshape(shape)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=9)
    args = ap.parse_args()
    series = moving_boundary_series(4, (1024, 1024), 300, 16, 0.3, 3).astype(np.float32)
    model = run(fit_series_steps(series, Params(stride=5, n_selected_operations=20))).model
    image = as_frame(series[1], 1)
    chunks = DescriptorChunks(image, model.params, model.operations, passes=1)
    run(chunks.keep_all())
    n = model.n_patterns

    def before():
        features = run(project(chunks, model.pca))
        nearest = np.empty(features.shape[:-1])
        grid_labels, conf = numpy_assign(features, model.centres, nearest)
        grid_labels = grid_labels.astype(np.uint8)
        labels = chunks.grid.upsample(grid_labels)
        return labels, conf, FrameStats.of(labels, image, n, grid_labels)

    def after():
        features = run(project(chunks, model.pca))
        nearest = np.empty(features.shape[:-1])
        grid_labels, conf = assign(features, model.centres, nearest)
        grid_labels = grid_labels.astype(np.uint8)
        labels, stats = upsampled_statistics(grid_labels, *chunks.grid.nearest_index(), image, n)
        return labels, conf, FrameStats(*stats)

    old, new = before(), after()
    assert old[0].tobytes() == new[0].tobytes() and old[1].tobytes() == new[1].tobytes()
    assert all(a.tobytes() == b.tobytes() for a, b in zip(old[2][:3], new[2][:3], strict=True))
    wall = {"before": [], "after": []}
    cpu = {"before": [], "after": []}
    for _ in range(args.repeats):
        for name, work in (("before", before), ("after", after)):
            start, cpu_start = time.perf_counter(), time.process_time()
            work()
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - cpu_start)
    med = {k: (statistics.median(wall[k]) * 1e3, statistics.median(cpu[k]) * 1e3) for k in wall}
    print(f"one 1024^2 frame ({chunks.grid.shape[0]}x{chunks.grid.shape[1]} grid, "
          f"{len(model.operations)} ops, k={n}), steps after the descriptors, median of "
          f"{args.repeats} alternating: before {med['before'][0]:.2f} ms (CPU "
          f"{med['before'][1]:.2f}), after {med['after'][0]:.2f} ms (CPU {med['after'][1]:.2f}); "
          f"outputs byte-identical; load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
