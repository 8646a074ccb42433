"""A series labelled in-process does not import dask.distributed to look for a client."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[2] / "src")

_LABEL = """
import sys
from napari_symseg.core.samples import moving_boundary_series
from napari_symseg.core.series import segment_series
series = moving_boundary_series(n_frames=3, shape=(64, 64), start=20, step=8)
result = segment_series(series, patch_x=4, patch_y=4, window_x=6, window_y=6, stride=4,
                        n_selected_operations=5)
assert result.labels.shape == (3, 64, 64)
print("distributed" in sys.modules, "dask" in sys.modules)
"""


def test_in_process_series_does_not_import_distributed():
    env = {**os.environ, "PYTHONPATH": SRC}
    done = subprocess.run([sys.executable, "-c", _LABEL], env=env, capture_output=True,
                          text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


def test_active_client_finds_a_client_once_distributed_is_imported():
    distributed = __import__("pytest").importorskip("distributed")
    from napari_symseg.core.cluster import active_client

    assert active_client() is None
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        assert active_client() is client
    assert active_client() is None
