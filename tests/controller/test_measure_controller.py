"""The Measure section's controller (issue 14): layers with the source's calibration,
table rows and the links between table and canvas (no Qt)."""

import numpy as np
import pytest
from benchmarks.measure_scenarios import migrating_boundary, two_grains
from napari.components import ViewerModel

from napari_symseg.controller import LABEL_OFFSET, METADATA_KEY
from napari_symseg.controller.measure import TABLE_COLUMNS, MeasureController


def test_image_layers_table_and_links():
    viewer = ViewerModel()
    g = two_grains((160, 160), orientations=(10.0, 40.0), tilt=0.0)
    source = viewer.add_image(g.image, name="g", scale=(0.02, 0.02), units=("nm", "nm"))
    patterns = viewer.add_labels(g.truth + LABEL_OFFSET, name="g patterns",
                                 scale=(0.02, 0.02), metadata={METADATA_KEY: {"source": "g"}})
    ctl = MeasureController(viewer)
    measured = ctl.measure(source, patterns)
    for key in ("regions", "orientation", "boundaries"):
        layer = measured.layers[key]
        assert layer in viewer.layers
        np.testing.assert_allclose(layer.scale[-2:], (0.02, 0.02))
    assert measured.layers["orientation"].colormap.name == "twilight"
    assert measured.layers["orientation"].contrast_limits == [0.0, 90.0]
    # the maps: half transparent, directly above the image (under the patterns)
    spacing, orientation = measured.layers["spacing"], measured.layers["orientation"]
    names = [layer.name for layer in viewer.layers]
    assert names[:4] == ["g", "g spacing", "g orientation", "g patterns"]
    for layer in (spacing, orientation):
        assert layer.blending == "translucent" and layer.opacity == 0.5
    assert spacing.colormap.name == "viridis" and not spacing.visible
    # shown at first: only the regions and boundaries (the maps one click away)
    assert not orientation.visible
    assert measured.layers["regions"].visible and measured.layers["boundaries"].visible
    assert spacing.metadata["value_unit"] == "nm"
    np.testing.assert_allclose(spacing.scale[-2:], (0.02, 0.02))
    values = spacing.data[np.isfinite(spacing.data)]
    assert np.median(values) == pytest.approx(9.0 * 0.02, rel=0.01)
    lo, hi = spacing.contrast_limits
    assert lo == pytest.approx(np.sort(values)[int(0.02 * (len(values) - 1))], rel=1e-3)
    assert lo < hi <= values.max()
    rows = ctl.rows()
    assert len(rows) == 2 and len(rows[0]) == len(TABLE_COLUMNS)
    assert sorted(round(float(r[TABLE_COLUMNS.index("orientation_deg")])) for r in rows) == [
        10, 40]
    # a click on the right grain (world coordinates in nm) finds its region and its row
    region = ctl.region_at((80 * 0.02, 140 * 0.02))
    row = ctl.row_of(region)
    assert region == measured.layers["regions"].data[80, 140] and row is not None
    assert ctl.highlight(row) == region
    assert measured.layers["regions"].show_selected_label
    assert measured.layers["regions"].selected_label == region
    # its images are outputs, never offered as images to segment (tester newuser9 saw
    # "g orientation" and "g spacing" in both docks' choosers)
    from napari_symseg.controller.sources import source_layers

    assert source_layers(viewer.layers) == [source]
    # measuring again replaces the layers, never duplicates them
    ctl.measure(source, patterns)
    assert sum(layer.name == "g regions" for layer in viewer.layers) == 1


def test_series_tracks_and_persistent_region_image():
    viewer = ViewerModel()
    series, positions = migrating_boundary(n_frames=4, shape=(100, 140), start=50, rate=5.0)
    cols = np.arange(140)
    labels = np.stack([np.broadcast_to(cols >= p, (100, 140)) for p in positions])
    source = viewer.add_image(series, name="s")
    patterns = viewer.add_labels(labels.astype(np.uint8) + LABEL_OFFSET, name="s patterns")
    measured = MeasureController(viewer).measure(source, patterns)
    regions = measured.layers["regions"].data
    assert regions.shape == series.shape
    assert set(np.unique(regions[:, :, :40])) == {1} and set(np.unique(regions[:, :, 120:])) == {2}
    tracks = measured.layers["tracks"].data
    assert tracks.shape == (8, 4)
    assert measured.layers["boundaries"].ndim == 3


def test_a_measurement_s_layers_say_their_image_and_role_and_old_files_still_open(tmp_path):
    """The layers' record is the image and the role (``"measure": True``, read by nothing,
    is no longer written); a regions file saved with it before still opens as Labels,
    its record kept and its role keeping it out of the images to segment."""
    from napari_symseg._reader import read_labels_file
    from napari_symseg._writer import write_labels_tiff
    from napari_symseg.controller.sources import role_of

    viewer = ViewerModel()
    g = two_grains((120, 120), orientations=(10.0, 40.0), tilt=0.0)
    source = viewer.add_image(g.image, name="g")
    patterns = viewer.add_labels(g.truth + LABEL_OFFSET, name="g patterns")
    measured = MeasureController(viewer).measure(source, patterns)
    for key, layer in measured.layers.items():
        assert layer.metadata[METADATA_KEY] == {"source": "g", "role": "measurement"}, key
    regions = measured.layers["regions"]
    old = {METADATA_KEY: {"source": "g", "measure": True, "role": "measurement"}}
    path = str(tmp_path / "g regions.tif")
    write_labels_tiff(path, regions.data, {"name": regions.name, "metadata": old,
                                           "scale": (1.0, 1.0)})
    [(data, kwargs, kind)] = read_labels_file(path)
    assert kind == "labels"
    np.testing.assert_array_equal(data, regions.data)
    reopened = viewer.add_labels(data, **kwargs)
    assert reopened.metadata[METADATA_KEY]["measure"] is True
    assert role_of(reopened) == "measurement"


def test_mismatched_shapes_are_refused():
    viewer = ViewerModel()
    source = viewer.add_image(np.zeros((50, 50)))
    patterns = viewer.add_labels(np.ones((10, 10), np.uint8))
    with pytest.raises(Exception, match="differ in shape"):
        MeasureController(viewer).measure(source, patterns)


@pytest.mark.parametrize("values, expected", [
    (np.array([[np.nan, np.nan]]), (0.0, 1.0)),
    (np.full((3, 3), 9.0), (8.91, 9.09)),
    (np.concatenate([np.full(98, 9.0), np.linspace(9.0, 10.0, 100), [500.0, np.nan]]),
     None),
])
def test_robust_limits(values, expected):
    from napari_symseg.controller.measure import robust_limits

    lo, hi = robust_limits(values)
    if expected is not None:
        assert (lo, hi) == pytest.approx(expected)
    else:  # one outlier (500) does not stretch the range
        finite = values[np.isfinite(values)]
        assert (lo, hi) == pytest.approx(tuple(np.percentile(finite, (2, 98))))
        assert 9.0 <= lo < hi < 10.0


def test_collections_paused_disables_the_collector_and_restores_it():
    import gc

    from napari_symseg.controller.measure import collections_paused

    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), collections_paused():
        assert not gc.isenabled()
        raise ZeroDivisionError
    assert gc.isenabled()  # again, after an error too
    gc.disable()
    try:
        with collections_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # was off before: stays off
    finally:
        gc.enable()


def test_the_regions_layer_holds_its_ids_in_the_smallest_type():
    """napari casts every pixel of an int32 Labels layer for its texture (its insert, first
    draw, refresh): the regions go in as uint8 / uint16 when their ids fit, same values."""
    from napari_symseg.controller.measure_parts import compact_ids
    from napari_symseg.core.measure import measure_frame

    viewer = ViewerModel()
    g = two_grains((160, 160), orientations=(10.0, 40.0), tilt=0.0)
    source = viewer.add_image(g.image, name="g")
    patterns = viewer.add_labels(g.truth + LABEL_OFFSET, name="g patterns")
    regions = MeasureController(viewer).measure(source, patterns).layers["regions"]
    assert regions.data.dtype == np.uint8
    truth = measure_frame(g.image, g.truth, None, int(g.truth.max()) + 1).region_labels
    np.testing.assert_array_equal(regions.data, truth)
    ids = np.array([[0, 255], [3, 1]], np.int32)
    assert compact_ids(ids).dtype == np.uint8
    assert compact_ids(ids + 1).dtype == np.uint16
    np.testing.assert_array_equal(compact_ids(ids + 1), ids + 1)
    big = np.array([0, 70_000], np.int64)
    assert compact_ids(big) is big
