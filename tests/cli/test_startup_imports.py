"""What a command imports (start-up time): no numpy for --help, no scikit-learn for segment."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _modules_after(code: str, cwd) -> set[str]:
    env = {**os.environ, "PYTHONPATH": SRC}
    code += "\nimport sys\nprint(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code],
                         cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_help_imports_no_numpy_scipy_or_sklearn(tmp_path):
    mods = _modules_after(
        "from napari_symseg.cli import main\n"
        "try:\n    main(['segment', '--help'])\nexcept SystemExit:\n    pass", tmp_path)
    assert "napari_symseg.cli.args" in mods  # the parser was built
    assert not {"numpy", "scipy", "sklearn"} & {m.split(".")[0] for m in mods}


def test_segment_imports_no_sklearn(tmp_path):
    from napari_symseg.core.samples import two_phase

    np.save(tmp_path / "img.npy", two_phase((128, 128)).astype(np.float32))
    mods = _modules_after(
        "from napari_symseg.cli import main\n"
        "try:\n    main(['segment', 'img.npy', '-o', 'out.npy'])\nexcept SystemExit as e:\n"
        "    assert not e.code, e.code", tmp_path)
    assert (tmp_path / "out.npy").exists()
    assert "napari_symseg.core.kmeans" in mods  # it did cluster
    assert not any(m.split(".")[0] == "sklearn" for m in mods)
