"""The plots' renderer process ends without a word when napari closes (tester newuser10).

Before: closing the viewer during a plot render printed a ``BrokenPipeError`` traceback
from the renderer (its answer's pipe was gone); a Ctrl-C in the terminal printed a
``KeyboardInterrupt`` traceback from it too.
"""

import pickle
import signal
import struct
import subprocess
import sys
import time

import pytest

pytest.importorskip("qtpy")


def _server():
    from napari_symseg._qt.canvas import SERVER

    return subprocess.Popen([sys.executable, "-c", SERVER], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _request(key=1):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 6), dpi=100)
    axes = figure.subplots(4, 4)
    for ax in axes.flat:
        ax.plot(range(2000))
    data = pickle.dumps((key, pickle.dumps(figure)), protocol=pickle.HIGHEST_PROTOCOL)
    return struct.pack("<Q", len(data)) + data


def test_the_renderer_answers_a_request():
    proc = _server()
    proc.stdin.write(_request(7))
    proc.stdin.flush()
    size = struct.unpack("<Q", proc.stdout.read(8))[0]
    key, rgba, positions, error = pickle.loads(proc.stdout.read(size))
    assert (key, error, rgba.shape, len(positions)) == (7, None, (600, 800, 4), 16)
    proc.stdin.close()
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read() == b""


def test_the_renderer_is_silent_when_napari_is_gone_mid_render():
    proc = _server()
    proc.stdin.write(_request())
    proc.stdin.flush()
    proc.stdout.close()  # napari's end of the answers closed (its process ended)
    proc.stdin.close()
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read().decode() == ""


def test_ctrl_c_in_the_terminal_is_not_the_renderers():
    proc = _server()
    time.sleep(2.0)  # imports done: waiting for a request
    proc.send_signal(signal.SIGINT)  # the terminal sends it to the whole process group
    time.sleep(0.5)
    assert proc.poll() is None  # still serving napari
    proc.stdin.close()
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read().decode() == ""
