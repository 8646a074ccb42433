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


def test_segment_imports_no_scipy_linalg_and_labels_unchanged(tmp_path):
    """numba's first dispatch finds cython_blas preloaded: no scipy.linalg package, no f2py."""
    from napari_symseg import segment
    from napari_symseg.core.samples import two_phase

    image = two_phase((128, 128)).astype(np.float32)
    np.save(tmp_path / "img.npy", image)
    mods = _modules_after(  # as the command's own process: main() reads sys.argv
        "import gc, sys\n"
        "sys.argv = ['napari-symseg', 'segment', 'img.npy', '-o', 'out.npy', '-q']\n"
        "from napari_symseg.cli import main\n"
        "assert gc.get_freeze_count() == 0\n"
        "assert main() == 0\n"
        "assert gc.get_freeze_count() > 10000  # no collector passes at exit", tmp_path)
    assert "numba.np.arraymath" in mods  # numba's registries were loaded (a kernel ran)
    assert "scipy.linalg.cython_blas" in mods
    assert not {"scipy.linalg", "numpy.f2py"} & mods
    assert np.array_equal(np.load(tmp_path / "out.npy"), segment(image).labels)


def test_preloaded_cython_blas_serves_numba_and_scipy_linalg(tmp_path):
    """After the preload numba's BLAS calls and a later scipy.linalg use the same module."""
    out = subprocess.run([sys.executable, "-c", (
        "import sys, numpy as np, numba\n"
        "from napari_symseg.cli.numba_start import preload_cython_blas\n"
        "assert preload_cython_blas()\n"
        "assert not preload_cython_blas()  # once\n"
        "blas = sys.modules['scipy.linalg.cython_blas']\n"
        "a = np.arange(9.0).reshape(3, 3) + np.eye(3) * 5\n"
        "dot = numba.njit(lambda x, y: np.dot(x, y))\n"
        "assert np.allclose(dot(a, a), a @ a)\n"
        "import scipy.linalg\n"
        "assert sys.modules['scipy.linalg.cython_blas'] is blas\n"
        "assert np.allclose(scipy.linalg.inv(a) @ a, np.eye(3))\n"
        "print('ok')")], cwd=tmp_path, env={**os.environ, "PYTHONPATH": SRC},
        capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr[-2000:]


def test_main_with_argv_leaves_the_collector_as_it_was(tmp_path):
    """Only the command's own process (`main()`) freezes the collector's objects before
    exit (`test_segment_imports_no_scipy_linalg_and_labels_unchanged`); `main(argv)`
    (tests, other programs) does not."""
    import gc

    from napari_symseg.cli import main
    from napari_symseg.core.samples import two_phase

    image = two_phase((96, 96)).astype(np.float32)
    np.save(tmp_path / "img.npy", image)
    before = gc.get_freeze_count()
    assert main(["segment", str(tmp_path / "img.npy"), "-o", str(tmp_path / "b.npy"), "-q"]) == 0
    assert gc.get_freeze_count() == before
    assert np.load(tmp_path / "b.npy").shape == image.shape
