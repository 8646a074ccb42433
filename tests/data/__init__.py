"""Real microscope files for the tests (sources and licences: README.md here).

``emdb/`` (CC0) is in the repository. HyperSpy's GPL-3.0+ test files are not: they are
fetched from the HyperSpy wheel on PyPI into ``.test-data/hyperspy/`` by
``scripts/fetch_test_data.py``, which ``scripts/test.sh`` runs before the tests.
"""

import sys
from pathlib import Path

DATA = Path(__file__).parent
REPO = DATA.parent.parent


def _hyperspy() -> Path:
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        from fetch_test_data import fetch
    finally:
        sys.path.pop(0)
    return fetch()  # no-op when the files are there


HYPERSPY = _hyperspy()
