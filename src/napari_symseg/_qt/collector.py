"""Python's garbage collector around napari: the heap frozen between idle collections.

napari 0.9.2 runs a full ``gc.collect()`` after every layer removal, and
Python runs full collections on its own; each walks the whole heap
(napari, Qt wrappers, numba's dispatchers, matplotlib: ~450 000 objects
once the warm-up is done, 0.3 s idle). So:

- while the warm-up runs (`run_frozen`, called by `warmup.warm_up_once`)
  what existed before it is frozen, and what it made is frozen too once it
  has ended (by its chain, on the GUI thread);
- once nothing is busy and no input came for `THAW_QUIET_MS`
  (`_thaw_when_idle`: no worker, no key, click, wheel turn or mouse move,
  the time slider and the camera at rest) everything is taken back and
  collected once (`_collect`), and what is alive is frozen again while a
  dock holds it (`hold`, `KEEP_FROZEN`): napari's and Python's collections
  then walk only the objects made since (deleting a chosen 2048² image froze
  napari 365 ms, 313 of them in ``gc.collect``; now 77-81 ms);
- what was frozen and has become garbage since (a deleted layer's data in
  its reference cycles, a replaced run) is collected at the next idle
  moment (`collect_when_idle`, asked after a layer removal or a run);
- closing the last dock takes every object back (`release_frozen`).

A deleted layer's memory therefore comes back some seconds after the
deletion, not at once (docs/architecture.md).
"""

from __future__ import annotations

import gc
import threading
import time
import weakref
from collections.abc import Callable

from qtpy.QtCore import QTimer

from .worker_end import any_running

#: How often (ms) the GUI thread checks whether the frozen objects can be taken back.
THAW_POLL_MS = 500
#: ... and for how long (ms) nothing may have been busy before (not as a run's layers
#: are drawn, nor while the user starts the next action at once).
THAW_QUIET_MS = 5000


#: The newest warm-up's thaw chain (one per process in napari; a test that starts another
#: warm-up stops the older chain, which would otherwise thaw at its own time).
_THAW_CHAIN = [0]
#: After an idle collection the objects alive stay frozen (see the module).
KEEP_FROZEN = True
#: Idle collections made (`_collect`): the warm-up's thaw and each `collect_when_idle`.
COLLECTIONS = [0]
#: Docks open that keep objects frozen (`hold` adds one, `release_frozen` takes it out; a
#: holder deleted without closing drops out by itself).
_HOLDERS: weakref.WeakSet = weakref.WeakSet()
#: The warm-up thread whose objects are frozen (`run_frozen`).
_WARMING: list[threading.Thread] = []


def _collect() -> None:
    """Take every frozen object back, one full collection, then (`KEEP_FROZEN`, a dock
    open) freeze what is alive."""
    gc.unfreeze()
    gc.collect()
    COLLECTIONS[0] += 1
    if KEEP_FROZEN and len(_HOLDERS):
        gc.freeze()


def collect_when_idle(*_) -> None:
    """Collect what was frozen and has become garbage since (a removed layer), once
    nothing is busy and the mouse rests; nothing to do when nothing is frozen. (Takes
    and ignores an event: connected to the layer list's ``removed``.)"""
    if not gc.get_freeze_count() or any(thread.is_alive() for thread in _WARMING):
        return  # (while the warm-up runs, its own thaw comes after it)
    _THAW_CHAIN[0] += 1
    _thaw_when_idle(threading.Thread(), _holders_busy, chain=_THAW_CHAIN[0])


def _holders_busy() -> bool:
    """True while a dock holding frozen objects is busy (its ``collection_busy()``)."""
    return any(getattr(holder, "collection_busy", lambda: False)() for holder in list(_HOLDERS))


def release_frozen(holder) -> None:
    """A dock closed: the objects frozen are taken back (no collection here: Python's
    own come later) when no other dock holds them (`hold`)."""
    _HOLDERS.discard(holder)
    if not len(_HOLDERS):
        _THAW_CHAIN[0] += 1  # no pending idle collection freezes again
        gc.unfreeze()


def thaw_now() -> None:
    """Take the frozen objects back now (one full collection, if any are frozen or a dock
    holds them; then frozen again while a dock is open), and stop the pending thaw: for a
    measurement that must not have it land inside."""
    _THAW_CHAIN[0] += 1
    if gc.get_freeze_count() or len(_HOLDERS):  # (a dock open: frozen again after)
        _collect()


#: Where the mouse pointer was at the last poll of `_pointer_in_use`.
_POINTER: list = [None]
#: When (``time.monotonic()``) the user last did something (`note_activity`).
_ACTIVITY = [0.0]
#: The input events that count as the user doing something (`_InputWatch`).
_INPUT = None


def note_activity(*_) -> None:
    """The user did something (a key, the mouse, the time slider moved or played): an
    idle collection waits (`_pointer_in_use`)."""
    _ACTIVITY[0] = time.monotonic()


def watch_input() -> None:
    """Count every key, click, wheel turn and mouse move of the application as activity
    (`note_activity`; one event filter per process)."""
    global _INPUT
    if _INPUT is not None:
        return
    from qtpy.QtCore import QEvent, QObject
    from qtpy.QtWidgets import QApplication

    kinds = {QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.MouseButtonPress,
             QEvent.Type.MouseButtonRelease, QEvent.Type.MouseMove, QEvent.Type.Wheel}

    class _InputWatch(QObject):
        def eventFilter(self, watched, event) -> bool:
            if event.type() in kinds:
                _ACTIVITY[0] = time.monotonic()
            return False

    app = QApplication.instance()
    if app is not None:
        _INPUT = _InputWatch(app)
        app.installEventFilter(_INPUT)


def _pointer_in_use() -> bool:
    """True when the mouse moved since the last poll, a button is held, or the user did
    anything else since then (`note_activity`: a key, the time slider playing).

    The thaw's collection then waits: a user panning, dragging the probe,
    moving towards a button or scrubbing a video would feel its 0.3 s (idle
    machine, ``benchmarks/gap_stacks.py open``; a keyboard scrub 5 s after a
    run met it: tester newuser14); once everything rests for `THAW_QUIET_MS`
    nobody does.
    """
    from qtpy.QtCore import Qt
    from qtpy.QtGui import QCursor
    from qtpy.QtWidgets import QApplication

    pos = QCursor.pos()
    before, _POINTER[0] = _POINTER[0], (pos.x(), pos.y())
    recent = time.monotonic() - _ACTIVITY[0] < THAW_POLL_MS / 1000
    return (_POINTER[0] != before or recent
            or QApplication.mouseButtons() != Qt.MouseButton.NoButton)


def _thaw_when_idle(thread: threading.Thread, busy: Callable[[], bool],
                    quiet_ms: float = 0.0, chain: int = 0, refreeze: bool = False) -> None:
    """``gc.unfreeze()`` and one full collection once `thread` has ended and nothing
    has been ``busy()`` (nor the mouse in use, `_pointer_in_use`) for `THAW_QUIET_MS`.

    With `refreeze` (the warm-up's chain), the first poll that finds `thread`
    ended freezes what it made too (numba's dispatchers, matplotlib: ~150 000
    objects): a first run's automatic full collections walked them before
    the thaw (70-80 ms inside a series layer's insert while scrubbing). Done
    here on the GUI thread, in the chain that thaws them, not in the thread:
    a dock closed meanwhile stops the chain, and nothing stays frozen.

    The collection holds the interpreter (0.3 s idle, 1.3-1.6 s at load 7-10):
    done in the warm-up thread's last step it landed in a first run's layer
    insert; right when a run ended, in the first draw of its layers.
    """
    if chain != _THAW_CHAIN[0]:
        return  # a newer warm-up's chain thaws
    if refreeze and not thread.is_alive():
        gc.freeze()
        refreeze = False
    busy_now = thread.is_alive() or busy() or any_running() or _pointer_in_use()
    if not busy_now and quiet_ms >= THAW_QUIET_MS:
        _collect()
        return
    # quiet time counts from the first poll that finds nothing busy (a poll that found the
    # warm-up or a run going on starts again from 0, not from one interval)
    quiet = 0.0 if busy_now else quiet_ms + THAW_POLL_MS
    QTimer.singleShot(THAW_POLL_MS,
                      lambda: _thaw_when_idle(thread, busy, quiet, chain, refreeze))



def hold(holder) -> None:
    """`holder` (a dock) keeps the heap frozen after idle collections until it calls
    `release_frozen`; its ``collection_busy()`` says when a collection must wait (held
    weakly). None: nothing."""
    if holder is not None:
        _HOLDERS.add(holder)


def run_frozen(thread: threading.Thread, busy: Callable[[], bool]) -> None:
    """Start `thread` (the warm-up) with what exists now frozen; what it made is frozen
    too once it has ended; one idle collection after that (`_thaw_when_idle`)."""
    gc.freeze()
    _WARMING[:] = [thread]
    thread.start()
    _THAW_CHAIN[0] += 1
    _thaw_when_idle(thread, busy, chain=_THAW_CHAIN[0], refreeze=True)
