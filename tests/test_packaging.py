"""The built package works on its own: the wheel ships a real napari.yaml that npe2 validates.

napari.yaml lives at the top of the repository; ``src/napari_symseg/napari.yaml``
is a symbolic link to it. The wheel and the sdist must hold a real file. The
wheel is built from a copy of the sources (no network, no build isolation),
installed into a fresh virtual environment that reuses this environment's
dependencies (every package but napari-symseg itself, through a ``.pth``
file), and ``npe2 validate napari-symseg --imports`` runs there. Deselect
with ``-m "not packaging"``.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[1]
#: the version the test build gets (no git in the copy): recognisably not the editable one
VERSION = "0.0.1.dev0+packaging.test"
MANIFEST = (ROOT / "napari.yaml").read_text()


def _run(args, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> Path:
    """The files a build reads, copied with the manifest's symbolic link kept as a link."""
    here = tmp_path_factory.mktemp("sources")
    shutil.copytree(ROOT / "src", here / "src", symlinks=True, ignore=shutil.ignore_patterns(
        "__pycache__", "*.egg-info", "_version.py"))
    for name in ("pyproject.toml", "napari.yaml", "README.md"):
        shutil.copy2(ROOT / name, here / name)
    for licence in ROOT.glob("LICEN[CS]E*"):
        shutil.copy2(licence, here / licence.name)
    assert (here / "src" / "napari_symseg" / "napari.yaml").is_symlink()
    return here


def _build_env() -> dict:
    return {**os.environ, "SETUPTOOLS_SCM_PRETEND_VERSION": VERSION, "PIP_NO_INPUT": "1"}


@pytest.fixture(scope="module")
def wheel(sources, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
          "--no-index", "--disable-pip-version-check", "-q", "-w", str(out), str(sources)],
         env=_build_env())
    (found,) = out.glob("napari_symseg-*.whl")
    return found


def test_wheel_holds_the_manifest_as_a_real_file(wheel):
    with zipfile.ZipFile(wheel) as z:
        info = z.getinfo("napari_symseg/napari.yaml")
        assert (info.external_attr >> 16) & 0o170000 != 0o120000  # not a symbolic link
        assert z.read(info).decode() == MANIFEST
        entry_points = next(n for n in z.namelist() if n.endswith(".dist-info/entry_points.txt"))
        assert "napari-symseg = napari_symseg:napari.yaml" in z.read(entry_points).decode()


def test_sdist_holds_the_manifest_as_a_real_file(sources, tmp_path):
    code = "import sys; from setuptools import build_meta; build_meta.build_sdist(sys.argv[1])"
    _run([sys.executable, "-c", code, str(tmp_path)], cwd=sources, env=_build_env())
    (sdist,) = tmp_path.glob("napari_symseg-*.tar.gz")
    with tarfile.open(sdist) as tar:
        (member,) = [m for m in tar.getmembers()
                     if m.name.endswith("/src/napari_symseg/napari.yaml")]
        assert member.isfile() and not member.issym()
        assert tar.extractfile(member).read().decode() == MANIFEST


def _dependencies_without_napari_symseg(target: Path) -> Path:
    """A folder of links to this environment's installed packages, napari-symseg excepted."""
    target.mkdir()
    site_packages = Path(sysconfig.get_paths()["purelib"])
    for entry in site_packages.iterdir():
        if "napari_symseg" in entry.name.replace("-", "_"):
            continue  # the editable install: its .pth, finder and dist-info
        (target / entry.name).symlink_to(entry)
    return target


PROBE = """
import importlib.metadata as md, json, napari_symseg
from npe2 import PluginManifest
eps = [e for e in md.entry_points(group="napari.manifest") if e.name == "napari-symseg"]
manifest = PluginManifest.from_distribution("napari-symseg")
print(json.dumps({
    "module": napari_symseg.__file__,
    "version": napari_symseg.__version__,
    "entry_points": [str(e.dist.locate_file("")) for e in eps],
    "manifest_file": str(manifest._source_file),
    "manifest_version": manifest.package_metadata.version,
}))
"""


def _fresh_venv(tmp_path: Path, deps: Path, wheel: Path) -> tuple[Path, Path]:
    """A venv seeing the packages in `deps` (a .pth), the wheel installed without deps."""
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    purelib = Path(_run([str(python), "-c", "import sysconfig; "
                         "print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    pth = f"import site; site.addsitedir({str(deps)!r})\n"
    (purelib / "reuse_dependencies.pth").write_text(pth)
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
          "--no-index", "--disable-pip-version-check", "-q", str(wheel)])
    return python, purelib


def test_wheel_in_a_fresh_venv_passes_npe2_validate(wheel, tmp_path):
    deps = _dependencies_without_napari_symseg(tmp_path / "deps")
    python, purelib = _fresh_venv(tmp_path, deps, wheel)

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    probe = json.loads(_run([str(python), "-c", PROBE], cwd=tmp_path, env=env).stdout)
    installed = purelib / "napari_symseg"
    assert Path(probe["module"]) == installed / "__init__.py"  # the wheel's, not src/
    assert probe["version"] == probe["manifest_version"] == VERSION
    assert probe["entry_points"] == [str(purelib)]  # found once, in the fresh venv
    assert Path(probe["manifest_file"]) == installed / "napari.yaml"
    assert not (installed / "napari.yaml").is_symlink()

    done = _run([str(python), "-m", "npe2", "validate", "napari-symseg", "--imports"],
                cwd=tmp_path, env=env)
    assert "valid" in done.stdout.lower(), done.stdout


def _requirements(wheel: Path) -> list[str]:
    """The wheel's Requires-Dist lines."""
    with zipfile.ZipFile(wheel) as z:
        meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        text = z.read(meta).decode()
    return [line.split(":", 1)[1].strip() for line in text.splitlines()
            if line.startswith("Requires-Dist:")]


def _hard_dependencies(wheel: Path, target: Path) -> set[str]:
    """Links to the installed packages a plain ``pip install`` of the wheel would bring.

    The closure of the wheel's requirements without extras (with the extras the
    requirements themselves name, e.g. dask[array]), as installed here; returns
    the distributions' names.
    """
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    site_packages = Path(sysconfig.get_paths()["purelib"])
    target.mkdir()
    todo = [(Requirement(r), ("",)) for r in _requirements(wheel)]
    done: set[str] = set()
    while todo:
        req, extras = todo.pop()
        if req.marker and not any(req.marker.evaluate({"extra": e}) for e in extras):
            continue
        name = canonicalize_name(req.name)
        key = f"{name}[{','.join(sorted(req.extras))}]"
        if key in done:
            continue
        done.add(key)
        dist = metadata.distribution(req.name)
        todo += [(Requirement(r), ("", *req.extras)) for r in dist.requires or ()]
        for top in {Path(str(f)).parts[0] for f in dist.files or ()}:
            if top not in ("..", "__pycache__") and (site_packages / top).exists() \
                    and not (target / top).exists():
                (target / top).symlink_to(site_packages / top)
    return {key.split("[")[0] for key in done}


LIGHT_PROBE = """
import subprocess, sys
from importlib.util import find_spec
import numpy as np
from distributed import LocalCluster
from napari_symseg.cli import main

missing = [m for m in ("napari", "qtpy", "magicgui", "npe2", "PyQt6", "PyQt5", "PySide6")
           if find_spec(m) is not None]
assert not missing, f"installed without extras: {missing}"
from napari_symseg.core.samples import two_phase
for name in ("a", "b"):
    np.save(f"{name}.npy", two_phase((64, 64)))
small = ["--patch-x", "6", "--patch-y", "6", "--window-x", "8", "--window-y", "8",
         "--stride", "4", "-q"]
assert main(["segment", "a.npy", "-o", "a_labels.tif", "--overlay", "a.png", *small]) == 0
with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                  dashboard_address=None) as cluster:
    assert main(["segment", "a.npy", "b.npy", "-o", "out/", "--dask-scheduler",
                 cluster.scheduler_address, *small]) == 0
labels = np.load("out/b_labels.npy")
assert labels.shape == (64, 64) and set(np.unique(labels)) == {0, 1}, np.unique(labels)
assert "napari" not in sys.modules
print("ok")
"""


def test_wheel_without_extras_runs_the_command_and_a_dask_task(wheel, tmp_path):
    deps = _hard_dependencies(wheel, tmp_path / "deps")
    assert "napari" not in deps and "distributed" in deps and "tqdm" in deps
    python, _ = _fresh_venv(tmp_path, tmp_path / "deps", wheel)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    checked = _run([sys.executable, "-m", "pip", "--python", str(python), "check",
                    "--disable-pip-version-check"], env=env)
    assert "No broken requirements" in checked.stdout, checked.stdout
    helped = _run([str(python.parent / "napari-symseg"), "--help"], cwd=tmp_path, env=env)
    assert "segment" in helped.stdout
    done = _run([str(python), "-c", LIGHT_PROBE], cwd=tmp_path, env=env)
    assert done.stdout.strip().endswith("ok"), done.stdout
    assert (tmp_path / "a_labels.tif").exists() and (tmp_path / "a.png").exists()
