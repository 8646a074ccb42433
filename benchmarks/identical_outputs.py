"""Are two source trees' outputs the same bit for bit? (issue 16, speed work)

Usage::

    python benchmarks/identical_outputs.py OLD_SRC NEW_SRC [--what descriptors|series]

``descriptors``: the translation descriptors (stride 5 and stride 1, 1024² two-phase image)
and the polarity descriptors (stride 5); ``series``: `segment` of the moving-boundary
series (31 frames, 512², stride 5, 20 selected operations). Each tree runs in its own
process (``PYTHONPATH=SRC``); prints, per output, whether the bytes are equal and if not
how many values differ and by how much.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

CODE = {
    "descriptors": """
import sys, numpy as np
from napari_symseg.core.chunks import descriptor_steps
from napari_symseg.core.params import Params
from napari_symseg.core.progress import run
from napari_symseg.core.samples import two_phase
from napari_symseg.core.validation import as_image
img = as_image(two_phase((1024, 1024), noise=0.1, seed=0))
out = {}
for name, p in [("lcm stride 5", Params(stride=5)), ("lcm stride 1", Params(stride=1)),
                ("polarity stride 5", Params(stride=5, descriptor_name="polarity"))]:
    out[name] = np.asarray(run(descriptor_steps(img, p))[1])
np.savez(sys.argv[1], **out)
""",
    "series": """
import sys, numpy as np
from napari_symseg.core.samples import moving_boundary_series
from napari_symseg import segment_series
ser = moving_boundary_series(31, (512, 512), 300, 16, 0.3, 3).astype(np.float32)
res = segment_series(ser, stride=5, n_selected_operations=20)
np.savez(sys.argv[1], labels=np.asarray(res.labels))
""",
}


def run_tree(src: str, what: str, path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": src}
    subprocess.run([sys.executable, "-c", CODE[what], str(path)], env=env, check=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--what", choices=sorted(CODE), default="descriptors")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / "old.npz", Path(tmp) / "new.npz"]
        run_tree(args.old, args.what, paths[0])
        run_tree(args.new, args.what, paths[1])
        old, new = np.load(paths[0]), np.load(paths[1])
        for key in old.files:
            a, b = old[key], new[key]
            same = a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
            if same:
                print(f"{key}: bit-identical ({a.size} values)")
                continue
            diff = a != b
            print(f"{key}: {int(diff.sum())} of {a.size} values differ, max |diff| "
                  f"{float(np.abs(a.astype(np.float64) - b).max()):.3g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
