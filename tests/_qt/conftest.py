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


@pytest.fixture(autouse=True)
def _young_collections_on_layer_removal(request, monkeypatch):
    """napari 0.9.2 runs a full ``gc.collect()`` after every layer removal (a Windows
    OpenGL fix in ``napari/_vispy/canvas.py``): with the heap of a long test session each
    one takes up to a second, and viewers closed at each test's end remove every layer.
    Sampled with py-spy in a fresh-clone CI run, 61 % of the Qt tests' time was there
    (the suite took 37 min, over CI's 30). Here it collects the youngest generation only,
    except in the stall tests, which measure napari's own removal as their floor.
    """
    if "stall" in request.module.__name__:
        return
    import gc
    import types

    from napari._vispy import canvas

    if getattr(canvas, "gc", None) is gc:
        monkeypatch.setattr(canvas, "gc", types.SimpleNamespace(collect=lambda *_: gc.collect(0)))
