"""A batch stopped by a signal says which files were written and where (tester newuser10).

Before: SIGTERM in the middle of ``segment in/ -o out/`` printed only ``napari-symseg:
stopped by SIGTERM``, leaving the user to guess which outputs were whole.
"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from napari_symseg.core.samples import two_phase

ARGS = ["--patch-x", "6", "--patch-y", "6", "--window-x", "8", "--window-y", "8",
        "--stride", "2"]


@pytest.mark.parametrize(("signum", "code", "said"), [
    (signal.SIGTERM, 143, "stopped by SIGTERM"), (signal.SIGINT, 130, "interrupted")])
def test_a_stopped_batch_names_the_files_written_and_where(tmp_path, signum, code, said):
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    out.mkdir()
    for i in range(12):
        np.save(inputs / f"img{i:02d}.npy", two_phase((192, 192), seed=i))
    (inputs / "a_bad.tif").write_bytes(b"II*\x00" + bytes(range(200)))  # fails: not readable
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "napari_symseg.cli", "segment", str(inputs),
                             "-o", f"{out}{os.sep}", *ARGS], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    line = proc.stdout.readline()  # the first file written
    assert " -> " in line, (line, proc.communicate())
    time.sleep(0.2)
    assert proc.poll() is None, "the batch ended before the signal: make it longer"
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    bad = f"napari-symseg: error: {inputs / 'a_bad.tif'} is not a readable TIFF: "
    assert [ln for ln in err.splitlines() if ln.startswith(bad)] != [], err  # named once
    lines = [ln for ln in err.strip().splitlines() if not ln.startswith(bad)]
    assert len(lines) == 1 and "Traceback" not in err, err
    match = re.fullmatch(rf"napari-symseg: {said}: (\d+) of 13 files written to "
                         rf"{re.escape(str(out) + os.sep)} \(([^)]*)\); 1 failed \(a_bad\.tif\); "
                         r"the other (\d+) were not written", lines[0])
    assert match, lines[0]
    named = match.group(2).split(", ")
    assert int(match.group(1)) == len(named) + ("more" in match.group(2))  # at most 5 named
    written = sorted(p.name for p in out.iterdir())
    assert len(written) == int(match.group(1)), (written, err)  # whole outputs only
    assert [Path(n).stem + "_labels.npy" for n in named[:5]] == written[:len(named[:5])]
    assert int(match.group(1)) + 1 + int(match.group(3)) == 13


def test_the_note_counts_and_names():
    from napari_symseg.cli.batch import stopped_note

    assert stopped_note([], [], 4, Path("o")) == "no file of the 4 written"
    assert stopped_note(["a/x.npy"], [], 2, Path("o")) == (
        f"1 of 2 files written to o{os.sep} (x.npy); the other 1 was not written")
    many = [f"f{i}.npy" for i in range(7)]
    assert stopped_note(many, ["b.tif"], 8, Path("o")) == (
        f"7 of 8 files written to o{os.sep} (f0.npy, f1.npy, f2.npy, f3.npy, f4.npy "
        "and 2 more); 1 failed (b.tif)")
