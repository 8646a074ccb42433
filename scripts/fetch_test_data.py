"""Fetch the real instrument files some tests read (HyperSpy 1.7.6's test data, GPL-3.0+).

They are not kept in this BSD-3-Clause repository: this script downloads the HyperSpy 1.7.6
wheel from PyPI (``pip download``, no install), copies the listed files unmodified into
``.test-data/hyperspy/`` and checks every file's sha256. ``scripts/setup.sh`` runs it; it does
nothing when the files are already there. See tests/data/README.md for what each file is.

Usage: python scripts/fetch_test_data.py [--dest DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "hyperspy==1.7.6"
ROOT = "hyperspy/tests/io/"
#: destination name -> (path in the wheel under ROOT, sha256); a "zip!" path is a member of a
#: zip file inside the wheel
FILES = {
    "test_STEM_image.dm3": ("dm3_2D_data/test_STEM_image.dm3",
                            "fcba806af75bc3c2e50e7d7b0626cba545c1464f39e99c8922b225b0b0b0224c"),
    "test-2.dm4": ("dm4_2D_data/test-2.dm4",
                   "db23e0fa74d1c50ea1ef3c4df847e952aa15cc97eb25ea96deede46ba1e0edcd"),
    "EELS_SI.dm4": ("dm4_3D_data/EELS_SI.dm4",
                    "f9b8203f384cc355437594b649d4ea3a12cddeb231ebb65508a841a379fa171a"),
    "test_stackbuilder_imagestack.dm3": (
        "dm_stackbuilder_plugin/test_stackbuilder_imagestack.dm3",
        "41070d0fd25a838a504f705e1431735192b7a97ca7dd15d9328af5e939fe74a2"),
    "64x64_TEM_images_acquire_1.ser": (
        "FEI_old/64x64_TEM_images_acquire_1.ser",
        "cfb0cb9c6ba5924a8a03db2d35c4864c5d3bb9a28ebe7c8a92710d0d8bcb9a98"),
    "64x64_TEM_images_acquire.emi": (
        "FEI_old/64x64_TEM_images_acquire.emi",
        "d820ec205f047ed1db5e3a785e8f532e99ade7b70f65657aa184c6cce59f98eb"),
    "64x64x5_TEM_preview_1.ser": (
        "FEI_old/64x64x5_TEM_preview_1.ser",
        "08f1dc9d52bfb6da3d7d9ae4db16dbd5783332186bacbd4769e9f97a14f31d70"),
    "64x64x5_TEM_preview.emi": (
        "FEI_old/64x64x5_TEM_preview.emi",
        "d2096088cda3a47abe6d18404aabdc0a2ae896b3940991aa6cf31c98959a4d49"),
    "16x16-point_spectrum-1x1024_1.ser": (
        "FEI_old/16x16-point_spectrum-1x1024_1.ser",
        "118d531cfea1ac99e49a9cbdf17e8b6c254a6555a4772a58c9e7dca70d8954f8"),
    "fei_example_tem_stack.emd": (
        "emd_files/fei_example_tem_stack.emd",
        "397d5076b0133db608abd985985fad275bf6594823393f72a069020e47c21a1e"),
    "1532 Camera Ceta.emd": (
        "emd_files/fei_emd_files.zip!1532 Camera Ceta.emd",
        "38c4e684307271adeda37e88a0ca0ca7007636ef543fefed4a652fffaf644200"),
    "test_loading_image_saved_with_imageJ.tif": (
        "tiff_files/test_loading_image_saved_with_imageJ.tif",
        "303dcaf1c33ec4112033fce92069ff7a7a93010f21414ea0620240f6266eeb9d"),
}
DEFAULT_DEST = Path(__file__).resolve().parent.parent / ".test-data" / "hyperspy"


def _member(wheel: zipfile.ZipFile, path: str) -> bytes:
    if "!" in path:
        outer, inner = path.split("!")
        return zipfile.ZipFile(io.BytesIO(wheel.read(ROOT + outer))).read(inner)
    return wheel.read(ROOT + path)


def fetch(dest: Path = DEFAULT_DEST) -> Path:
    """Make sure every file of `FILES` is in `dest` (downloading the wheel if needed)."""
    if all((dest / name).is_file() for name in FILES):
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", WHEEL, "--no-deps", "--only-binary=:all:",
             "--platform", "manylinux2014_x86_64", "--python-version", "311", "-q", "-d", tmp],
            check=True,
        )
        with zipfile.ZipFile(next(Path(tmp).glob("*.whl"))) as wheel:
            for name, (path, sha) in FILES.items():
                data = _member(wheel, path)
                if hashlib.sha256(data).hexdigest() != sha:
                    raise SystemExit(f"fetch_test_data: {name} does not match its sha256")
                (dest / name).write_bytes(data)
            licence = wheel.read("hyperspy-1.7.6.dist-info/COPYING.txt")
            (dest / "LICENSE-GPL-3.0.txt").write_bytes(licence)
    return dest


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    print(f"test data in {fetch(parser.parse_args().dest)}")
