import pytest


@pytest.fixture
def errors(monkeypatch):
    """Messages passed to napari's show_error."""
    messages = []
    monkeypatch.setattr("napari.utils.notifications.show_error", messages.append)
    return messages


@pytest.fixture
def viewer_widget(make_napari_viewer):
    viewer = make_napari_viewer()
    _, widget = viewer.window.add_plugin_dock_widget("napari-symseg", "Symmetry segmentation")
    return viewer, widget
