"""A worker still in a step when the interpreter exits ends quietly: no abort (issue 11).

Tester newuser9: a cancelled stride-1 run was still in its step when the viewer was closed
and the script ended; PyQt's exit clean-up had deleted the worker's signals, superqt's
``finished.emit`` raised ``RuntimeError: wrapped C/C++ object ... has been deleted`` out of
``QRunnable.run`` and PyQt aborted the process (exit status 134, unsaved work lost).
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent("""
    import sys, threading, time
    from qtpy.QtWidgets import QApplication
    from napari_symseg._qt import runner, worker_end

    app = QApplication([])
    inside, stop = threading.Event(), threading.Event()

    def steps():
        yield 0
        inside.set()
        stop.wait(float(sys.argv[2]))  # a long step that does not look at any stop
        return 1

    worker = runner.start_worker(steps, finished=lambda: None)
    end = time.monotonic() + 30
    while not inside.is_set() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)
    assert inside.is_set()
    if sys.argv[1] == "cancelled":
        worker.quit()  # Cancel (superqt then skips `returned`, emits `finished`)
    worker_end.EXIT_WAIT_S = 0.5  # the step outlives the exit's wait: left to end silently
    print("leaving", flush=True)
""")


@pytest.mark.parametrize("how", ["running", "cancelled"])
def test_exit_with_a_worker_in_its_step_does_not_abort(tmp_path, how):
    script = tmp_path / "exit.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[2] / "src"))
    done = subprocess.run([sys.executable, str(script), how, "3"], capture_output=True,
                          text=True, timeout=120, env=env)
    assert "leaving" in done.stdout
    assert done.returncode == 0, done.stderr[-2000:]
    assert "has been deleted" not in done.stderr and "Traceback" not in done.stderr
