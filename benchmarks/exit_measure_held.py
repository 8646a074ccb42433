"""Close napari while Measure runs, the worker returning inside the exit hook (issue 11).

Tester newuser11's case on a cold numba cache (MoS2, Run, Measure, close the viewer, the
script ends: SIGSEGV in 2 of 5 runs) with a warm cache: Measure's worker is held until
the script has ended and returns LAG s later, inside `runner._stop_at_exit`'s wait, as
the cold-cache Measure did. Needs the real image (``LAG DATA``: default
``../shared/data/real``) and a display (``xvfb-run``). The exit status is the result: 139
is the crash. Loop it, e.g.::

    for i in $(seq 10); do PYTHONPATH=src QT_API=pyqt6 xvfb-run -a .venv/bin/python \\
        benchmarks/exit_measure_held.py 0.5 /work/shared/data/real >/dev/null 2>&1; echo $?; done

Before `worker_end.settle_at_exit` (runs alternated with after's, load 1-3): 5 of 10
crashed; after: 0 of 10 (the same script at load 15-22: 6 of 9 before, 0 of 8 after). A
synthetic 192x192 or 768x768 image did not crash before (0 of 6), nor a window without the
dock (0 of 3), nor this script with the viewer released when `main` returned (0 of 6).
"""

import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import gui_session as gs
from napari_symseg.controller.measure import MeasureController

DATA = Path(sys.argv[2]) if len(sys.argv) > 2 else gs.DEFAULT_DATA
IMAGE = "temul_MoS2_Se_implanted_HAADF"


def main(lag: float) -> tuple:
    ended = threading.Event()
    build = MeasureController.build

    def held_build(self, computed):
        out = build(self, computed)
        ended.wait(120)
        time.sleep(lag)
        print(f"measure worker returns at {time.time():.2f}", flush=True)
        return out

    MeasureController.build = held_build
    gs.SIZES = ((1366, 768),)
    session = gs.Session(Path(tempfile.mkdtemp()))
    viewer, widget = session.viewer, session.widget
    _, image = gs.load_real(DATA, (IMAGE,))
    widget.image.value = session.add_image(image)
    session.pump(1)
    session.run()
    widget.measure.start()
    session.pump(2)
    print("measuring at the close:", widget.measure.worker is not None, flush=True)
    viewer.close()
    print(f"script ends at {time.time():.2f}", flush=True)
    ended.set()
    return session, viewer, widget


if __name__ == "__main__":
    # kept until the interpreter's end, as a user's script keeps its viewer in a global
    KEPT = main(float(sys.argv[1]) if len(sys.argv) > 1 else 0.5)
