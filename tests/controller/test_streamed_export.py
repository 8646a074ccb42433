"""Export of a lazy series: frame by frame (bounded memory), the run's statistics, same files."""

import tracemalloc
import weakref

import dask.array as da
import numpy as np
import pytest

from napari_symseg.controller import METADATA_KEY
from napari_symseg.controller.layer_io import prepare_layer_export
from napari_symseg.controller.lazy_labels import LazyLabels
from napari_symseg.core.params import Params
from napari_symseg.core.samples import moving_boundary_series
from napari_symseg.core.series import segment_series

PARAMS = Params(patch_x=4, patch_y=4, window_x=6, window_y=6, stride=4, n_patterns=2,
                reference_frames=(0,), random_state=0)
T, SHAPE = 48, (128, 128)
FILES = ("_labels.tif", "_params.json", "_stats.csv", "_overlay.png")


@pytest.fixture(scope="module")
def lazy_run(tmp_path_factory):
    """A lazy run's layers after every frame was labelled (store on disk, cache of 2)."""
    from napari.layers import Image, Labels

    frames = moving_boundary_series(4, SHAPE, start=40, step=16).astype(np.float32)
    video = da.from_array(frames, chunks=(1, *SHAPE))[np.arange(T) % 4].rechunk((1, *SHAPE))
    model = segment_series(frames, PARAMS).model
    lazy = LazyLabels(model, video, store=tmp_path_factory.mktemp("s") / "c.zarr",
                      cache_frames=2)
    for t in range(T):
        lazy.frame(t)
    meta = {METADATA_KEY: {"params": PARAMS.to_dict(), "label_offset": 1}}
    source = Image(video, name="v", scale=(2.0, 0.1, 0.1))
    return lazy, source, Labels(lazy.as_dask(), name="v patterns", metadata=meta)


def _peak(write):
    tracemalloc.start()
    try:
        written = write()
        return written, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_lazy_series_exports_the_same_files_in_bounded_memory(lazy_run, tmp_path,
                                                                 monkeypatch):
    from napari.layers import Labels

    import napari_symseg.io.export as export

    lazy, source, layer = lazy_run
    in_memory = Labels(np.asarray(layer.data), name=layer.name, metadata=layer.metadata)
    monkeypatch.setattr(export, "write_overlay",  # the figure's memory is not the labels'
                        lambda path, *a, **k: path.write_bytes(b"png"))
    _, peak_memory = _peak(prepare_layer_export(tmp_path / "mem", source, in_memory))
    held, most = [], [0]
    real_frame = lazy.frame

    def frame(t):  # count the frames the export holds at once
        values = real_frame(t).copy()
        held.append(weakref.ref(values))
        most[0] = max(most[0], sum(r() is not None for r in held))
        return values

    monkeypatch.setattr(lazy, "frame", frame)
    monkeypatch.setattr(export, "frame_pattern_statistics", None)  # the run's are reused
    written, peak_lazy = _peak(prepare_layer_export(tmp_path / "lazy", source, layer))
    assert len(written) == 4 and len(held) == T + 1  # every frame, and the overlay's
    assert most[0] <= 3
    labels_bytes = T * SHAPE[0] * SHAPE[1]
    assert peak_memory > labels_bytes  # the whole labels in memory
    # a few frames plus fixed costs (one float64 image frame for the overlay is 128 kB)
    assert peak_lazy < 0.75 * labels_bytes, (peak_lazy, peak_memory)
    for suffix in FILES:
        assert (tmp_path / f"lazy{suffix}").read_bytes() == \
            (tmp_path / f"mem{suffix}").read_bytes(), suffix
