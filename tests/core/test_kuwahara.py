"""The edge-preserving smoothing used with the contrast channels (core/kuwahara.py)."""

import numpy as np
import pytest

from napari_symseg import Params, segment
from napari_symseg.core import chunks
from napari_symseg.core.kuwahara import kuwahara, window_half


def _slow_kuwahara(block, half):
    """Per point, the four windows written out; edge values repeated outside the grid."""
    n_rows, n_cols, n = block.shape
    padded = np.pad(block.astype(np.float64), ((half, half), (half, half), (0, 0)), mode="edge")
    out = np.empty(block.shape)
    for i in range(n_rows):
        for j in range(n_cols):
            best = None
            for r0 in (i - half, i):
                for c0 in (j - half, j):
                    window = padded[r0 + half : r0 + 2 * half + 1,
                                    c0 + half : c0 + 2 * half + 1].reshape(-1, n)
                    spread = window.var(axis=0).sum()
                    if best is None or spread < best[0]:
                        best = (spread, window.mean(axis=0))
            out[i, j] = best[1]
    return out


@pytest.mark.parametrize("half", [1, 2, 4])
def test_kuwahara_matches_the_slow_reference(half):
    rng = np.random.default_rng(half)
    block = rng.normal(size=(13, 11, 3)).astype(np.float32)
    block[:, 6:] += 5.0  # a step
    block[9:, :, 1] -= 3.0
    np.testing.assert_allclose(kuwahara(block, half), _slow_kuwahara(block, half), atol=1e-5)


def _three_regions(seed=0):
    """Vacuum | bright region above, a film of intermediate intensity below (white
    Poisson noise, no lattice): the film's values lie between the other two."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:128, 0:128]
    mean = np.where(rows >= 64, 3.0, np.where(cols >= 64, 60.0, 0.05))
    return rng.poisson(mean).astype(np.float32)


PARAMS = Params(n_patterns=3, patch_x=4, patch_y=4, window_x=4, window_y=4, stride=2,
                max_num_points=25, smoothing=8.0, contrast_features=True, edge_smoothing=True,
                contrast_weight=10.0)  # (the test is about the contrast channels)


def _rim(labels):
    """Pixels of the film's label in the upper half, away from the film (rows < 48)."""
    film = np.bincount(labels[100:].ravel()).argmax()
    return int(np.sum(labels[:48] == film))


def test_contrast_channels_smooth_without_a_rim_of_the_middle_region():
    result = segment(_three_regions(), PARAMS)
    assert _rim(result.labels) == 0
    # the Gaussian (edge_smoothing off, as in models saved before the field) puts a
    # film-labelled rim along the vacuum | bright step
    assert _rim(segment(_three_regions(), PARAMS.replace(edge_smoothing=False)).labels) > 200


@pytest.mark.parametrize("chunk_points", [None, 200])
def test_smoothed_descriptors_are_the_kuwahara_of_the_plain_ones(monkeypatch, chunk_points):
    image = _three_regions(1)
    plain = segment(image, PARAMS.replace(smoothing=0.0)).descriptors
    if chunk_points:
        monkeypatch.setattr(chunks, "CHUNK_POINTS", chunk_points)
        monkeypatch.setattr(chunks, "_n_chunks", lambda grid, margin: 8)
    smoothed = segment(image, PARAMS).descriptors
    expected = kuwahara(plain, window_half(PARAMS.smoothing / PARAMS.stride))
    np.testing.assert_allclose(smoothed, expected, atol=1e-5)
