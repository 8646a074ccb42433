#!/usr/bin/env python
# SPDX-License-Identifier: BSD-3-Clause
r"""Time the authors' reference implementation (pySTEM 0.0.26) from a separate process.

This script is part of napari-symseg's benchmarks (BSD-3-Clause). It does NOT contain or
derive from any pySTEM code: it only imports the installed ``pystem`` package (GPL-3.0) and
calls its public API (``pystem.segmentationSTEM``). It must run with the Python of a separate
virtual environment that has pystem installed (see README_pystem.md), e.g.::

    $PYSTEM_PYTHON benchmarks/pystem_runner.py IMAGE.npy \
        '{"descriptor_name": "local_correlation_map", "stride": 5, "patch_x": 20,
          "patch_y": 20, "window_x": 21, "window_y": 21, "max_num_points": 100,
          "repeats": 3, "what": "descriptors"}'

CONFIG is a JSON string or the path of a JSON file. Keys (our parameter names):

  descriptor_name   local_correlation_map | rotational_symmetry_maximum_pooling |
                    reflection_symmetry_maximum_pooling | power_spectrum |
                    preselected_translations            (default local_correlation_map)
  stride, patch_x, patch_y, window_x, window_y, max_num_points, radius,
  num_reflection_plane, n_patterns                      (pystem's defaults if absent)
  repeats           timed runs (default 3)
  what              "descriptors" (get_descriptors) or "segment" (perform_clustering:
                    descriptors + PCA + k-means + upsampling)   (default "descriptors")
                    or "series" (IMAGE is a (T, Y, X) .npy; see below)
  optional extras:  translations (list of [dx, dy], for preselected_translations),
                    method ("direct" | "fft"), n_pca_components (default 5),
                    random_state (default 0), upsampling (default true)
  series only:      n_selected (default 20), reference_frame (default 0),
                    n_frames (label only the first n_frames frames; default all)

what="series" is pySTEM's own image-series workflow, through its public constructor
options only: (1) ``perform_clustering`` of the reference frame with
``local_correlation_map`` and ``separability_analysis=True,
num_operations_with_best_sep=n_selected`` gives the selected translations; (2) a
``preselected_translations`` fit of the reference frame gives a PCA and cluster centres;
(3) every frame is labelled by ``perform_clustering`` with ``preselected_translations``,
``pca_fitted``, ``kmeans_init_centers`` and ``one_step_kmeans=True`` (descriptors, PCA
transform, one k-means step from the reference centres, upsampling; labels not re-sorted
by size, so they keep their meaning). "times" are then the per-frame times of step (3)
("repeats" passes over the frames) and "reference_time" the time of steps (1) + (2).

Prints ONE line of JSON on stdout:
  {"times": [...], "median": s, "n_features": F, "grid_shape": [gx, gy], "peak_rss_mb": MB, ...}
Timing covers only the pystem call (image loading and object construction excluded);
"cpu_times"/"cpu_median" give the process CPU time of the same calls (all threads).
pystem's C extensions use OpenMP (all cores unless OMP_NUM_THREADS is set; scikit-learn's
k-means and BLAS also use threads): set OMP_NUM_THREADS=1 for single-thread numbers.
Exit code 2 with one line on stderr on bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time

import numpy as np

# our parameter name -> pystem 0.0.26 ``descriptor_name`` (identical in 0.0.26; kept as a
# table so a different pystem release only needs this table changed).
DESCRIPTOR_NAMES = {
    "local_correlation_map": "local_correlation_map",
    "preselected_translations": "preselected_translations",
    "rotational_symmetry_maximum_pooling": "rotational_symmetry_maximum_pooling",
    "reflection_symmetry_maximum_pooling": "reflection_symmetry_maximum_pooling",
    "power_spectrum": "power_spectrum",
}

# our config key -> pystem constructor keyword
INT_KEYS = {
    "stride": "stride",
    "patch_x": "patch_x",
    "patch_y": "patch_y",
    "window_x": "window_x",
    "window_y": "window_y",
    "max_num_points": "max_num_points",
    "radius": "radius",
    "num_reflection_plane": "num_reflection_plane",
    "n_patterns": "n_patterns",
    "n_pca_components": "n_PCA_components",
}
OTHER_KEYS = {
    "descriptor_name",
    "repeats",
    "what",
    "translations",
    "method",
    "random_state",
    "upsampling",
    "n_selected",
    "reference_frame",
    "n_frames",
}


class UsageError(Exception):
    pass


def load_config(arg: str) -> dict:
    if os.path.isfile(arg):
        with open(arg, encoding="utf-8") as fh:
            text = fh.read()
    else:
        text = arg
    try:
        cfg = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"CONFIG is neither a file nor valid JSON: {exc}") from None
    if not isinstance(cfg, dict):
        raise UsageError("CONFIG must be a JSON object")
    unknown = set(cfg) - set(INT_KEYS) - OTHER_KEYS
    if unknown:
        raise UsageError(f"unknown CONFIG keys: {sorted(unknown)}")
    return cfg


def load_image(path: str) -> np.ndarray:
    try:
        img = np.load(path, allow_pickle=False)
    except Exception as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    if img.ndim != 2:
        raise UsageError(f"image must be 2-D, got shape {img.shape}")
    if not np.issubdtype(img.dtype, np.number) or np.iscomplexobj(img):
        raise UsageError(f"image must be real numeric, got {img.dtype}")
    # pystem works in float32 internally; give it a native-endian contiguous float32 array
    return np.ascontiguousarray(img, dtype=np.float32)


def load_series(path: str) -> np.ndarray:
    """A (T, Y, X) series, memory-mapped (frames are converted one at a time)."""
    try:
        series = np.load(path, mmap_mode="r", allow_pickle=False)
    except Exception as exc:
        raise UsageError(f"cannot read {path}: {exc}") from None
    if series.ndim != 3:
        raise UsageError(f"what='series' needs a 3-D (T, Y, X) array, got shape {series.shape}")
    if not np.issubdtype(series.dtype, np.number) or np.iscomplexobj(series):
        raise UsageError(f"series must be real numeric, got {series.dtype}")
    return series


def _positive_int(cfg: dict, key: str, default):
    val = cfg.get(key, default)
    if val is None:
        return None
    if isinstance(val, bool) or not isinstance(val, int) or val < 0:
        raise UsageError(f"{key} must be a non-negative integer, got {val!r}")
    return val


def run_series(pystem, series: np.ndarray, kwargs: dict, cfg: dict, repeats: int, save_labels):
    """pySTEM's series workflow (see the module docstring); returns the JSON record."""
    n_selected = _positive_int(cfg, "n_selected", 20)
    ref = _positive_int(cfg, "reference_frame", 0)
    n_frames = _positive_int(cfg, "n_frames", None) or len(series)
    if ref >= len(series):
        raise UsageError(f"reference_frame {ref} does not exist ({len(series)} frames)")
    frame = lambda t: np.ascontiguousarray(series[t], dtype=np.float32)  # noqa: E731
    base = {k: v for k, v in kwargs.items() if k != "preselected_translations"}
    image = frame(ref)

    t0 = time.perf_counter()
    full = pystem.segmentationSTEM(
        **{**base, "descriptor_name": "local_correlation_map"},
        separability_analysis=True, num_operations_with_best_sep=n_selected,
    )
    full.perform_clustering(image)
    selected = np.asarray(full._operations_with_best_sep, dtype=np.int32)
    pre = {**base, "descriptor_name": "preselected_translations",
           "preselected_translations": selected, "sort_labels_by_pattern_size": False}
    reference = pystem.segmentationSTEM(**pre)
    reference.perform_clustering(image)
    pca, centres = reference._pca, np.array(reference._kmeans.cluster_centers_)
    reference_time = time.perf_counter() - t0
    n_full = int(full._descriptors.shape[-1])
    full = reference = None

    times, cpu_times, labels_all = [], [], None
    if save_labels:
        labels_all = np.zeros((n_frames, *series.shape[1:]), dtype=np.uint8)
    seg = None
    for _ in range(repeats):
        for t in range(n_frames):
            img = frame(t)
            seg = None
            seg = pystem.segmentationSTEM(**pre, pca_fitted=pca, kmeans_init_centers=centres,
                                          one_step_kmeans=True)
            c0 = time.process_time()
            t0 = time.perf_counter()
            labels = seg.perform_clustering(img)
            times.append(time.perf_counter() - t0)
            cpu_times.append(time.process_time() - c0)
            if labels_all is not None:
                labels_all[t] = labels
    if save_labels:
        np.save(save_labels, labels_all)
    import sklearn  # only for the record

    return {
        "times": times,
        "median": statistics.median(times),
        "fps": 1.0 / statistics.median(times),
        "cpu_times": cpu_times,
        "cpu_median": statistics.median(cpu_times),
        "reference_time": reference_time,
        "n_full_features": n_full,
        "n_features": int(seg._descriptors.shape[-1]),
        "grid_shape": [int(n) for n in seg._descriptors.shape[:2]],
        "selected_translations": selected.tolist(),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "cpu_count": os.cpu_count(),
        "what": "series",
        "series_shape": list(series.shape),
        "n_frames": n_frames,
        "pystem_version": _version("pystem"),
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python": platform.python_version(),
    }


def build_kwargs(cfg: dict, pystem_names) -> dict:
    ours = cfg.get("descriptor_name", "local_correlation_map")
    if ours not in DESCRIPTOR_NAMES:
        raise UsageError(f"descriptor_name must be one of {sorted(DESCRIPTOR_NAMES)}")
    theirs = DESCRIPTOR_NAMES[ours]
    if theirs not in pystem_names:
        raise UsageError(
            f"installed pystem does not know descriptor {theirs!r} (it knows {list(pystem_names)})"
        )
    kw = {"descriptor_name": theirs}
    for key, pkey in INT_KEYS.items():
        if key in cfg:
            val = cfg[key]
            if isinstance(val, bool) or not isinstance(val, int) or val <= 0:
                raise UsageError(f"{key} must be a positive integer, got {val!r}")
            kw[pkey] = val
    kw["random_state"] = cfg.get("random_state", 0)
    kw["upsampling"] = bool(cfg.get("upsampling", True))
    if "method" in cfg:
        if cfg["method"] not in ("direct", "fft"):
            raise UsageError("method must be 'direct' or 'fft'")
        kw["method"] = cfg["method"]
    if theirs == "preselected_translations":
        tr = np.asarray(cfg.get("translations", []), dtype=np.int32)
        if tr.ndim != 2 or tr.shape[1] != 2 or len(tr) == 0:
            raise UsageError("preselected_translations needs 'translations': [[dx, dy], ...]")
        kw["preselected_translations"] = tr
    return kw


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("image", help="2-D image, .npy")
    ap.add_argument("config", help="JSON string or JSON file")
    ap.add_argument(
        "--save-descriptors",
        metavar="OUT.npy",
        help="save pystem's descriptor array (grid_x, grid_y, n_features)",
    )
    ap.add_argument(
        "--save-labels", metavar="OUT.npy", help="save pystem's labels (what=segment only)"
    )
    ap.add_argument(
        "--save-translations",
        metavar="OUT.npy",
        help="save the translation vectors pystem used (local_correlation_map)",
    )
    args = ap.parse_args(argv)

    try:
        import pystem
        from pystem import stemsegmentation
    except ImportError as exc:
        print(
            f"pystem_runner: cannot import pystem ({exc}); run with $PYSTEM_PYTHON",
            file=sys.stderr,
        )
        return 3

    try:
        cfg = load_config(args.config)
        what = cfg.get("what", "descriptors")
        if what not in ("descriptors", "segment", "series"):
            raise UsageError("what must be 'descriptors', 'segment' or 'series'")
        image = load_series(args.image) if what == "series" else load_image(args.image)
        kwargs = build_kwargs(
            cfg, getattr(stemsegmentation, "descriptors_implemented", DESCRIPTOR_NAMES.values())
        )
        repeats = cfg.get("repeats", 3)
        if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
            raise UsageError("repeats must be a positive integer")
        if args.save_labels and what not in ("segment", "series"):
            raise UsageError("--save-labels needs what='segment' or 'series'")
        if what == "series":
            print(json.dumps(run_series(pystem, image, kwargs, cfg, repeats, args.save_labels)))
            return 0
    except UsageError as exc:
        print(f"pystem_runner: {exc}", file=sys.stderr)
        return 2

    times = []
    cpu_times = []  # process CPU time: less sensitive to other load on a shared machine
    descriptors = labels = translations = None
    for _ in range(repeats):
        # drop the previous run's outputs first so peak_rss_mb reflects one run, not two
        seg = descriptors = labels = None
        seg = pystem.segmentationSTEM(**kwargs)
        c0 = time.process_time()
        t0 = time.perf_counter()
        if what == "descriptors":
            descriptors = seg.get_descriptors(image)
        else:
            labels = seg.perform_clustering(image)
        times.append(time.perf_counter() - t0)
        cpu_times.append(time.process_time() - c0)
        if what == "segment":
            descriptors = seg._descriptors  # kept by pystem after perform_clustering
        translations = getattr(seg, "_translation_vectors", None)

    import sklearn  # only for the record

    out = {
        "times": times,
        "median": statistics.median(times),
        "n_features": int(descriptors.shape[-1]),
        "grid_shape": [int(n) for n in descriptors.shape[:2]],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "cpu_times": cpu_times,
        "cpu_median": statistics.median(cpu_times),
        "n_nan_descriptors": int(np.isnan(descriptors).sum()),
        # pystem's C extensions are OpenMP-parallel: record the thread setting
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "cpu_count": os.cpu_count(),
        "what": what,
        "descriptor_name": kwargs["descriptor_name"],
        "image_shape": list(image.shape),
        "n_translations": None if translations is None else len(translations),
        "labels_shape": None if labels is None else list(np.shape(labels)),
        "pystem_version": _version("pystem"),
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python": platform.python_version(),
    }
    if args.save_descriptors:
        np.save(args.save_descriptors, descriptors)
    if args.save_labels:
        np.save(args.save_labels, np.asarray(labels))
    if args.save_translations and translations is not None:
        np.save(args.save_translations, np.asarray(translations))
    print(json.dumps(out))
    return 0


def _version(dist: str):
    try:
        from importlib.metadata import version

        return version(dist)
    except Exception:
        return None


if __name__ == "__main__":
    sys.exit(main())
