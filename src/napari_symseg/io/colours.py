"""The one colour table of the patterns: figures, napari's layers and the legend.

Pattern ``k`` has colour ``pattern_colours(n)[k]`` everywhere: the Okabe-Ito
palette (safe for colour-blind readers) for patterns 0..7, then hues spaced
by the golden ratio. The overlay figure (`napari_symseg.io.figure`) and the
widget's Labels layers (`label_colour_dict`, through
`napari_symseg.controller.label_colormap`) take it from here, so a figure
written by the CLI or the widget shows each pattern in the colour it has in
napari.
"""

from __future__ import annotations

import colorsys

import numpy as np

#: Okabe-Ito colours (orange, sky blue, bluish green, yellow, blue, vermillion,
#: reddish purple, grey): patterns 0..7; further patterns get spread hues.
OKABE_ITO = (
    (230, 159, 0),
    (86, 180, 233),
    (0, 158, 115),
    (240, 228, 66),
    (0, 114, 178),
    (213, 94, 0),
    (204, 121, 167),
    (153, 153, 153),
)
_GOLDEN = 0.618033988749895


def pattern_colours(n: int) -> np.ndarray:
    """RGB colours (uint8, (n, 3)) of patterns ``0 .. n - 1``.

    Parameters
    ----------
    n : int
        Number of patterns.

    Returns
    -------
    ndarray of uint8, (n, 3)
        Okabe-Ito for the first eight, then hues spaced by the golden ratio.
    """
    extra = [
        tuple(round(255 * c) for c in colorsys.hsv_to_rgb((0.1 + k * _GOLDEN) % 1, 0.7, 0.9))
        for k in range(max(0, n - len(OKABE_ITO)))
    ]
    return np.array([*OKABE_ITO, *extra][:n], dtype=np.uint8).reshape(n, 3)


def label_colour_dict(n: int, offset: int = 1) -> dict:
    """Colours for a napari Labels layer showing pattern ``k`` as label ``k + offset``.

    Parameters
    ----------
    n : int
        Number of patterns.
    offset : int
        Label value of pattern 0 (napari keeps 0 as transparent background).

    Returns
    -------
    dict
        ``{None: transparent, k + offset: (r, g, b, 1.0)}``, the ``colormap``
        argument of `napari.layers.Labels` (a direct label colormap).
    """
    colours = pattern_colours(n) / 255.0
    return {None: (0.0, 0.0, 0.0, 0.0)} | {
        k + offset: (*(float(c) for c in colours[k]), 1.0) for k in range(n)
    }
