"""Suite-wide set-up: one napari settings file per xdist worker, and the serial tests.

``scripts/test.sh`` runs the suite in two phases: every test not marked ``serial`` on
two pytest-xdist workers, then the ``serial`` ones alone. Serial are the tests that
measure time on the GUI thread or the wall clock (event-loop gaps against napari's own
floor, cancel latency, exit time): a second worker beside them would measure the machine,
not the plugin.
"""

import os
import tempfile

import pytest

#: Test modules (file names without ``.py``, prefixes) whose tests measure time.
SERIAL_MODULES = ("test_stall", "test_widget", "test_stop", "test_cancel", "test_exit")

# napari saves its settings (reader preferences among them, which the widget records) to
# one file on every change: two workers would write it at once. Each worker gets its own,
# set before napari.settings is first imported (it reads NAPARI_CONFIG then).
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if _WORKER and "NAPARI_CONFIG" not in os.environ:
    os.environ["NAPARI_CONFIG"] = os.path.join(
        tempfile.mkdtemp(prefix=f"napari-settings-{_WORKER}-"), "settings.yaml")


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = getattr(item, "module", None)
        name = module.__name__.rsplit(".", 1)[-1] if module is not None else ""
        if name.startswith(SERIAL_MODULES):
            item.add_marker(pytest.mark.serial)
