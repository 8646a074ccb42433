"""The Scribbles dock's feature-space view: the scatter of the grid points, painting
them back into the strokes, the grid point under the cursor (`ScribbleScatter`, a part
of `controller.scribbles.ScribbleSession`).
"""

from __future__ import annotations

import numpy as np

#: at most this many grid points in the scatter plot (a fixed random subset)
MAX_SCATTER = 4000


class ScribbleScatter:
    """The feature-space part of `controller.scribbles.ScribbleSession` (a mixin).

    Uses the session's ``result``, ``source``, ``frame`` and ``add_layer``;
    see `ScribbleSession`.
    """

    def scatter(self, max_points: int = MAX_SCATTER):
        """The first two PCA features of (a fixed random subset of) the grid points.

        Parameters
        ----------
        max_points : int
            At most this many points.

        Returns
        -------
        xy : ndarray, (n, 2)
        labels : ndarray of int, (n,)
            Pattern of each point.
        index : ndarray of int, (n,)
            Flat grid index of each point.
        """
        result = self.result
        if result is None:
            return np.zeros((0, 2)), np.zeros(0, int), np.zeros(0, int)
        feats = result.pca_components.reshape(-1, result.pca_components.shape[-1])
        index = np.arange(len(feats))
        if len(index) > max_points:
            index = np.sort(np.random.default_rng(0).choice(len(index), max_points, False))
        xy = feats[index][:, :2]
        if xy.shape[1] == 1:
            xy = np.column_stack([xy[:, 0], np.zeros(len(xy))])
        return xy, result.grid_labels.ravel()[index], index

    def paint_points(self, index, value: int) -> int:
        """Paint the cells of grid points `index` into the scribbles layer with `value`.

        Parameters
        ----------
        index : array of int
            Flat grid indices (as `scatter` returns).
        value : int
            Scribble class (0 erases).

        Returns
        -------
        int
            Number of pixels painted.
        """
        result = self.result
        layer = self.add_layer(self.source)
        chosen = np.zeros(result.grid.size, bool)
        chosen[np.asarray(index, dtype=np.int64)] = True
        mask = result.grid.upsample(chosen.reshape(result.grid.shape))
        data = np.array(layer.data)
        (data if self.frame is None else data[self.frame])[mask] = value
        layer.data = data
        return int(mask.sum())

    def grid_points(self, index) -> np.ndarray:
        """World coordinates (row, col) of grid points `index` (for highlighting).

        Parameters
        ----------
        index : array of int
            Flat grid indices.
        """
        grid = self.result.grid
        r, c = np.unravel_index(np.asarray(index, dtype=np.int64), grid.shape)
        data = np.column_stack([grid.rows[r], grid.cols[c]]).astype(float)
        if self.frame is not None:  # a series: the painted frame
            data = np.column_stack([np.full(len(data), float(self.frame)), data])
        return np.array([self.source.data_to_world(p) for p in data]).reshape(-1, data.shape[1])

    def point_at(self, world) -> int | None:
        """Flat index of the grid point nearest to a canvas position (None: outside).

        Parameters
        ----------
        world : sequence of float
            World coordinates (row, col) of the cursor.
        """
        if self.result is None:
            return None
        row, col = np.asarray(self.source.world_to_data(world))[-2:]
        grid = self.result.grid
        h, w = grid.image_shape
        if not (0 <= row < h and 0 <= col < w):
            return None
        ri, ci = grid.nearest_index()
        return int(ri[int(row)] * grid.shape[1] + ci[int(col)])
