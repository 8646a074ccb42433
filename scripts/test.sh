#!/usr/bin/env bash
# Install (if needed) and run the whole test suite headless under Xvfb. The layering
# (import-linter contracts, import cycles) and packaging (wheel in a fresh venv, npe2
# validate) tests are part of it; -k "not packaging" skips the ~30 s packaging test.
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
# Two phases (tests/conftest.py): the tests that measure no time on two xdist workers,
# then those that do (marked serial) alone, so that nothing runs beside them. The
# arguments go to both (a -m of yours replaces the phases' own selection).
pytest_xvfb() {
  xvfb-run -a -s "-screen 0 1280x1024x24" .venv/bin/python -m pytest "$@"
}
parallel=0
pytest_xvfb -n "${SYMSEG_TEST_WORKERS:-2}" -m "not serial" "$@" || parallel=$?
serial=0
pytest_xvfb -m serial "$@" || serial=$?
# 5 = no test selected: fine for one phase (e.g. -k matching only serial tests)
[ "$parallel" = 5 ] && [ "$serial" != 5 ] && parallel=0
[ "$serial" = 5 ] && [ "$parallel" != 5 ] && serial=0
echo "== tests: parallel phase exit $parallel, serial phase exit $serial"
[ "$parallel" = 0 ] || exit "$parallel"
exit "$serial"
