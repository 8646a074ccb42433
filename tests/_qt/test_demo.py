"""README's main command with a display: napari, the sample image and the widget."""

from napari_symseg.cli import open_napari_demo


def test_demo_opens_sample_and_docked_widget(qtbot):
    viewer = open_napari_demo(run_event_loop=False)
    try:
        assert [layer.name for layer in viewer.layers] == ["Two phases"]
        assert viewer.layers[0].data.shape == (512, 512)
        docks = list(viewer.window.dock_widgets)
        assert any("Symmetry segmentation" in name for name in docks), docks
    finally:
        viewer.close()
