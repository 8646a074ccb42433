#!/usr/bin/env bash
# Install (if needed) and run the whole test suite headless under Xvfb. The layering
# (import-linter contracts, import cycles) and packaging (wheel in a fresh venv, npe2
# validate) tests are part of it; -m "not packaging" skips the ~30 s packaging test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python scripts/fetch_test_data.py  # real EM files (GPL, not in the repo)
# numba's on-disk cache filled once, before the tests: on a fresh clone the first widget
# test's run would otherwise wait for a minute or more of compiling (its 60 s limit)
# (the core's kernels and napari's Shapes kernels the probe uses: the widget's program)
.venv/bin/python -m napari_symseg.controller.warmup
export QT_API=pyqt6 PYTEST_QT_API=pyqt6
unset QT_QPA_PLATFORM
exec xvfb-run -a -s "-screen 0 1280x1024x24" .venv/bin/python -m pytest "$@"
