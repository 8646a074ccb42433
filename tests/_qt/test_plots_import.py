"""matplotlib is imported by one thread at a time (`_qt.runner.PLOTS_IMPORT`).

A tester opened the Scribbles dock right after the main dock: the GUI thread
imported matplotlib's Qt backend while the warm-up thread imported matplotlib,
both were handed partly initialised modules, and napari crashed.
"""

import subprocess
import sys
import threading
import time

import pytest

pytest.importorskip("napari")


def test_opening_the_docks_modules_imports_no_matplotlib():
    code = ("import sys; import napari_symseg._qt.widget, napari_symseg._qt.scribbles; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_the_scatter_waits_while_another_thread_imports_matplotlib(qtbot):
    from napari_symseg._qt.runner import PLOTS_IMPORT
    from napari_symseg._qt.scribbles import FeatureScatter

    held, release = threading.Event(), threading.Event()

    def importer():  # stands for the warm-up thread in the middle of its imports
        with PLOTS_IMPORT:
            held.set()
            release.wait(10)

    thread = threading.Thread(target=importer)
    thread.start()
    held.wait(10)
    threading.Timer(0.3, release.set).start()
    start = time.perf_counter()
    scatter = FeatureScatter(lambda index: None)
    waited = time.perf_counter() - start
    thread.join()
    qtbot.addWidget(scatter)
    assert release.is_set()
    assert waited >= 0.25  # it did not import while the lock was held
