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
    labels = segment(image).labels  # first: the kernels are in numba's cache (a fresh checkout)
    mods = _modules_after(  # as the command's own process: main() reads sys.argv
        "import gc, sys\n"
        "sys.argv = ['napari-symseg', 'segment', 'img.npy', '-o', 'out.npy', '-q']\n"
        "from napari_symseg.cli import main\n"
        "assert gc.get_freeze_count() == 0\n"
        "assert main() == 0\n"
        "assert gc.get_freeze_count() > 10000  # no collector passes at exit", tmp_path)
    # the cached kernels ran without numba's registries (numba_start.lean_cache_loads)
    assert "numba.np.arraymath" not in mods and "numba.typed.typeddict" not in mods
    assert "scipy.linalg.cython_blas" in mods
    assert not {"scipy.linalg", "numpy.f2py"} & mods
    assert np.array_equal(np.load(tmp_path / "out.npy"), labels)


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


CACHED = """
import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def total(x):
    s = 0.0
    for i in prange(len(x)):
        s += x[i] * x[i]
    return s


@njit(cache=True)
def checked(x):
    if x < 0:
        raise ValueError("negative")
    return np.sqrt(x)
"""


def test_lean_cache_loads_run_cached_kernels_and_still_compile_new_ones(tmp_path):
    """Cached kernels (a parallel one, one raising) load without the registries; a kernel
    not in the cache then compiles with them, as numba does."""
    (tmp_path / "cached_mod.py").write_text(CACHED)
    warm = "import numpy as np, cached_mod as m\nm.total(np.arange(5.0)); m.checked(4.0)\n"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, str(tmp_path)])}
    subprocess.run([sys.executable, "-c", warm], cwd=tmp_path, env=env, check=True)
    out = subprocess.run([sys.executable, "-c", (
        "import sys, numpy as np, numba\n"
        "from napari_symseg.cli.numba_start import lean_cache_loads\n"
        "assert lean_cache_loads() and not lean_cache_loads()  # once\n"
        "import cached_mod as m\n"
        "assert m.total(np.arange(5.0)) == 30.0 and m.checked(4.0) == 2.0\n"
        "assert sum(m.total.stats.cache_hits.values()) == 1  # loaded, not compiled\n"
        "assert 'numba.np.arraymath' not in sys.modules  # no registries\n"
        "try:\n    m.checked(-1.0)\nexcept ValueError as e:\n    assert str(e) == 'negative'\n"
        "else:\n    raise AssertionError('no error')\n"
        "new = numba.njit(lambda x: np.sum(np.sort(x)))  # not cached: compiled\n"
        "assert new(np.array([3.0, 1.0])) == 4.0 and 'numba.np.arraymath' in sys.modules\n"
        "assert m.total(np.arange(4, dtype=np.float32)) == 14.0  # a new signature\n"
        "print('ok')")], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr[-2000:]


def test_own_process_outputs_equal_in_process_ones(tmp_path):
    """The command's own process (lean kernel loads, no registries) writes the same labels
    as `main(argv)` in this process, for a series and for point symmetries."""
    from napari_symseg.cli import main
    from napari_symseg.core.samples import moving_boundary_series, two_phase

    np.save(tmp_path / "ser.npy", moving_boundary_series(3, (96, 96), 30, 8, 0.3, 3)
            .astype(np.float32))
    np.save(tmp_path / "img.npy", two_phase((96, 96)).astype(np.float32))
    runs = {"ser": ["ser.npy", "--stride", "3", "--n-selected-operations", "8"],
            "rot": ["img.npy", "--descriptor", "rotational_symmetry_maximum_pooling"]}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:  # first in this process: the kernels are then in numba's cache (a fresh checkout)
        for name, argv in runs.items():
            assert main(["segment", *argv, "-o", f"{name}_in.npy", "-q"]) == 0
    finally:
        os.chdir(cwd)
    script = "import sys\nfrom napari_symseg.cli import main\n"
    for name, argv in runs.items():
        script += (f"sys.argv = ['napari-symseg', 'segment', *{argv!r}, '-o', "
                   f"'{name}_own.npy', '-q']\nassert main() == 0\n")
    mods = _modules_after(script, tmp_path)
    assert "numba.np.arraymath" not in mods
    for name in runs:
        assert np.array_equal(np.load(tmp_path / f"{name}_own.npy"),
                              np.load(tmp_path / f"{name}_in.npy"))
