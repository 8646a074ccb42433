"""Compile the numba kernels a first run needs before it needs them (no Qt).

The first run of a process used to freeze napari for seconds: the core's
kernels and napari's own label-colour kernels are compiled on first use.
`warm_up` compiles both, napari's first: those are called on the GUI thread
when a result layer is made, and numba compiles under one process-wide lock,
so a GUI thread that needs napari's kernel while the warm-up still compiles
the core's waits for all of it (seconds on a first run). The core's kernels
run in the run's worker, where waiting blocks nothing. The widget runs
`warm_up` once per process in a background thread when it opens.
"""

from __future__ import annotations

import numpy as np

from ..io.figure import label_colour_dict
from . import LABEL_OFFSET


def warm_up_napari() -> None:
    """Compile napari's kernels the widget's layers need on the GUI thread.

    A small Labels layer with the patterns layer's colormap and dtype,
    refreshed once (the label-colour kernels), and a Shapes layer with a
    rectangle (napari's triangulation kernels, which the probe's window
    layer otherwise loads on the GUI thread: seconds on a busy machine).
    Models only: nothing is drawn.
    """
    from napari.layers import Labels, Shapes

    data = np.arange(4, dtype=np.uint8).reshape(2, 2)
    layer = Labels(data, colormap=label_colour_dict(3, LABEL_OFFSET))
    layer.refresh()
    Shapes([np.array([[0.0, 0.0], [4.0, 4.0]])], shape_type="rectangle",
           face_color="transparent")


def warm_up() -> None:
    """Compile napari's label kernels, then the core's (`napari_symseg.core.warmup`)."""
    from ..core.warmup import warm_up as warm_up_core

    warm_up_napari()
    warm_up_core()
