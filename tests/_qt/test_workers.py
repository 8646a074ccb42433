"""Every worker of the Qt layer is started through `runner.start_worker` (or a `JobRunner`)."""

from pathlib import Path

import napari_symseg._qt as qt


def test_no_dock_makes_napari_workers_itself():
    """`start_worker` counts every worker for the warm-up's thaw and skips its handlers
    once the dock is closed; a dock calling napari's `create_worker` / `thread_worker`
    itself gets neither (the Scribbles dock's run and Apply, the probe's map did)."""
    found = []
    for path in sorted(Path(qt.__file__).parent.glob("*.py")):
        if path.name == "runner.py":
            continue
        text = path.read_text()
        found += [f"{path.name}: {name}" for name in ("create_worker", "thread_worker")
                  if name in text]
    assert found == []
