"""The results dock: area fraction, separability (Fig. 1f) and probe map (Fig. 3) tabs."""

import numpy as np
import pytest
from matplotlib.backend_bases import MouseEvent

from napari_symseg._qt.plots import HOVER_HELP, TABS, ResultsDock, time_axis
from napari_symseg._qt.shift_maps import operation_names, shift_grid
from napari_symseg._qt.stall import EventLoopWatch
from napari_symseg.core.descriptors.operations import Operations
from napari_symseg.core.descriptors.translation import grid_operations
from napari_symseg.core.params import Params

CAL = {"scale": (0.02, 0.05), "units": ("nm", "nm")}


@pytest.fixture
def dock(make_napari_viewer):
    viewer = make_napari_viewer()
    results = ResultsDock(viewer)
    viewer.window.add_dock_widget(results, area="bottom", name="results")
    return viewer, results


def hover(plot, x, y, kind="motion_notify_event", button=None):
    """Send a mouse event at data point (x, y) of the plot's main axes."""
    plot.canvas.draw()
    px, py = plot.axes.transData.transform((x, y))
    event = MouseEvent(kind, plot.canvas, px, py, button=button)
    plot.canvas.callbacks.process(kind, event)


def translations():
    """The 7 x 7 grid of shifts -9..9 step 3 (window 9, 49 points)."""
    return grid_operations(Params(window_x=9, window_y=9, max_num_points=49))


# ------------------------------------------------------------------------ layout
def test_shift_grid_places_each_vector_on_its_cell():
    cells, shape, step, low = shift_grid([[0, 0], [5, -10], [-5, 10], [10, 0]])
    assert step == 5 and shape == (4, 5)
    np.testing.assert_array_equal(low, [-5, -10])
    np.testing.assert_array_equal(cells, [[1, 2], [2, 0], [0, 4], [3, 2]])


def test_operation_names_give_angles_for_rotations_and_reflections():
    assert operation_names(Operations("rotation", np.array([90.0, 180.0]))) == ["R 90°", "R 180°"]
    assert operation_names(Operations("reflection", np.array([0.0, 30.0]))) == ["M 0°", "M 30°"]
    assert operation_names(Operations("translation", np.array([[5, -10]]))) == ["T(5,-10)"]


def test_dock_has_three_tabs_and_starts_empty(dock):
    _, results = dock
    assert [results.tabs.tabText(i) for i in range(results.tabs.count())] == list(TABS)
    assert results.area_plot.state is None
    assert results.separability_plot.operations is None
    assert results.probe_plot.cmap is None
    results.select("probe")
    assert results.current_tab == "probe"
    # fits a bottom dock of a 1366x768 window
    assert results.minimumSizeHint().height() <= 220


# ------------------------------------------------------------------ separability
def test_translation_heatmap_has_shift_axes_colour_bar_and_hover(dock):
    viewer, results = dock
    source = viewer.add_image(np.zeros((64, 64)), name="img", **CAL)
    ops = translations()
    values = np.arange(len(ops), dtype=float) / 10
    values[24] = 0.0  # the zero shift
    values[3] = np.inf
    values[5] = np.nan
    results.show_separability(ops, values, source=source)
    plot = results.separability_plot
    assert results.current_tab == "separability"
    # the grid in shift order, inf drawn as the largest finite value
    assert plot.grid.shape == (7, 7)
    assert plot.grid[0, 0] == pytest.approx(0.0)  # T(-9,-9)
    assert plot.grid[0, 3] == plot.grid[6, 6] == pytest.approx(4.8)  # inf -> max finite
    assert np.isnan(plot.grid[0, 5])
    # real shift values on the axes, rows growing downward like the image
    np.testing.assert_allclose(plot.image.get_extent(), (-10.5, 10.5, 10.5, -10.5))
    # whole-pixel ticks; calibrated: the pixel size in the x label (rows 0.02, cols 0.05 nm)
    assert plot.axes.get_xlabel() == (
        "column shift (px), 1 px = 0.02 × 0.05 nm (rows × columns)")
    assert plot.axes.get_ylabel() == "row shift (px)"
    for axis in (plot.axes.xaxis, plot.axes.yaxis):
        ticks, labels = axis.get_ticklocs(), [t.get_text() for t in axis.get_ticklabels()]
        assert len(ticks) >= 3 and all(t == int(t) for t in ticks)
        assert labels == [f"{t:g}".replace("-", "−") for t in ticks]
    # three row ticks: the map is 60-100 px high at 1366x768 (five overlapped there)
    assert len(plot.axes.yaxis.get_ticklocs()) == 3
    assert plot.colorbar.ax.get_ylabel() == "S"
    # the colour bar follows the image's colours and limits (updated once, at the end)
    assert (plot.colorbar.vmin, plot.colorbar.vmax) == (0.0, pytest.approx(4.8))
    assert plot.colorbar.cmap is plot.image.get_cmap()
    assert plot.axes.get_title() == "S: how well each shift\ntells the patterns apart"
    assert "1: drawn as the largest finite S" in plot.info.get_text()
    # hovering names the operation and its value
    hover(plot, -6, 3)  # column shift -6, row shift 3
    assert plot.readout == f"T(3,-6) = (0.06, −0.3) nm: S = {values[29]:.3g}"  # cell (4, 1)
    assert plot.canvas.toolTip() == plot.readout == results.readout.text()
    hover(plot, 0, -9)
    assert plot.readout == "T(-9,0) = (−0.18, 0) nm: S = ∞"
    hover(plot, 6, -9)
    assert plot.readout == "T(-9,6) = (−0.18, 0.3) nm: S = n/a"


def test_uncalibrated_heatmap_has_pixel_axes_only(dock):
    viewer, results = dock
    source = viewer.add_image(np.zeros((64, 64)), name="img")
    results.show_separability(translations(), np.ones(49), source=source)
    plot = results.separability_plot
    assert plot.axes.get_xlabel() == "column shift (px)"
    assert [t.get_text() for t in plot.axes.get_xticklabels()] == ["−5", "0", "5"]


def test_selected_operations_are_red_squares_with_their_rank(dock):
    _, results = dock
    ops = Operations("translation", np.array([[0, 0], [5, -10], [-5, 10], [10, 0]]))
    results.show_separability(ops, np.array([0.0, 3.2, 1.0, 2.0]), selected=[1, 3])
    plot = results.separability_plot
    squares = plot.marks[0::2]
    ranks = [text.get_text() for text in plot.marks[1::2]]
    assert ranks == ["1", "2"]
    assert squares[0].get_xy() == (-12.5, 2.5)  # around column -10, row 5
    assert np.isnan(plot.grid[0, 0])  # no operation at T(-5,-10): blank
    hover(plot, -10, 5)
    assert plot.readout == "T(5,-10): S = 3.2 (selected, rank 1)"
    assert "red: the 2 selected for the series" in plot.info.get_text()


def test_rotations_and_reflections_are_bars_labelled_by_angle(dock):
    _, results = dock
    rot = Operations("rotation", np.array([60.0, 90.0, 120.0, 180.0]))
    results.show_separability(rot, np.array([1.0, 3.0, np.inf, 0.5]), selected=[2, 1])
    plot = results.separability_plot
    assert plot.grid is None and len(plot.bars) == 4
    assert [t.get_text() for t in plot.axes.get_xticklabels()] == [
        "R 60°", "R 90°", "R 120°", "R 180°"]
    assert [bar.get_height() for bar in plot.bars] == [1.0, 3.0, 3.0, 0.5]
    assert plot.bars[2].get_hatch() == "//"  # infinite: hatched at the largest finite S
    assert plot.bars[2].get_edgecolor()[:3] == (1.0, 0.0, 0.0)
    assert [t.get_text() for t in plot.marks] == ["#1", "#2"]
    hover(plot, 1, 1.0)
    assert plot.readout == "R 90°: S = 3 (selected, rank 2)"
    ref = Operations("reflection", np.arange(6) * 30.0)
    results.show_separability(ref, np.arange(6.0))
    plot = results.separability_plot
    assert plot.marks == []
    assert plot.axes.get_xticklabels()[1].get_text() == "M 30°"


# ------------------------------------------------------------------------- probe
def test_probe_map_on_shift_axes_updates_in_place(dock):
    viewer, results = dock
    source = viewer.add_image(np.zeros((64, 64)), name="img", **CAL)
    cmap = np.linspace(-1, 1, 7 * 9).reshape(7, 9)
    results.show_probe(cmap, (30, 40), source)
    plot = results.probe_plot
    assert results.current_tab == "probe"
    assert plot.axes.get_title() == "local correlation map at (30, 40)"
    assert plot.image.get_clim() == (-1.0, 1.0)
    np.testing.assert_allclose(plot.image.get_extent(), (-4.5, 4.5, 3.5, -3.5))
    assert plot.colorbar.ax.get_ylabel() == "ρ"
    assert "y 0.6 nm, x 2 nm" in plot.info.get_text()
    hover(plot, 4, -3)
    assert plot.readout == f"T(-3,4) = (−0.06, 0.2) nm: ρ = {cmap[0, 8]:.3g}"
    iso = viewer.add_image(np.zeros((64, 64)), name="iso", scale=(0.02, 0.02),
                           units=("nm", "nm"))
    results.show_probe(cmap, (30, 40), iso)  # one pixel size: the shift in nm too
    hover(plot, 4, -3)
    assert plot.readout == f"T(-3,4) = (−0.06, 0.08) nm: ρ = {cmap[0, 8]:.3g}"
    assert plot.axes.get_xlabel() == "column shift (px), 1 px = 0.02 nm"
    # the probe dragged: same artists, new values and title
    image = plot.image
    results.show_separability(translations(), np.ones(49))
    results.select("separability")
    results.show_probe(-cmap, (31, 40), source)
    assert plot.image is image
    np.testing.assert_allclose(plot.image.get_array(), -cmap)
    assert plot.axes.get_title() == "local correlation map at (31, 40)"
    assert results.current_tab == "separability"  # an update does not steal the tab
    results.clear()
    assert plot.cmap is None and plot.axes is None



def test_the_probe_text_wraps_inside_a_laptop_wide_figure(dock):
    """At 1366x768 the probe tab's three lines were cut at the figure's right edge: drawn at
    the width the plots dock has there (500 px), every line ends inside the figure."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    viewer, results = dock
    source = viewer.add_image(np.zeros((1024, 1024)), name="img", scale=(0.0127, 0.0127),
                              units=("nm", "nm"))
    results.show_probe(np.zeros((81, 73)), (707, 627), source)
    info, figure = results.probe_plot.info, results.probe_plot.figure
    figure.set_size_inches(500 / figure.dpi, 180 / figure.dpi)
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    wrapped = info._get_wrapped_text()
    assert wrapped.count("\n") > info.get_text().count("\n")  # more lines than written
    with info._cm_set(text=wrapped):
        right = info.get_window_extent(renderer).x1
    assert right <= figure.bbox.x1 + 1

def test_a_tall_panel_puts_the_text_above_a_map_as_wide_as_the_panel(dock, qtbot):
    """At 1920x1080 the plots dock is taller than wide: the text goes above the map, which
    then takes the width (side by side it was a third of it); wide again: side by side."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from qtpy.QtWidgets import QWidget

    from napari_symseg._qt.probe_plot import ProbePlot

    viewer, _ = dock
    source = viewer.add_image(np.zeros((256, 256)), name="img")
    plot = ProbePlot(viewer)
    qtbot.addWidget(plot)
    QWidget.show(plot)  # (ProbePlot.show shows a map)

    def arranged(width, height):
        plot.resize(width, height)
        qtbot.waitUntil(lambda: plot.tall == (height >= 0.75 * width), timeout=2000)
        plot.figure.set_size_inches(width / plot.figure.dpi, height / plot.figure.dpi)
        renderer = FigureCanvasAgg(plot.figure).get_renderer()
        plot.figure.draw(renderer)
        return plot.axes.get_window_extent(renderer), plot.info.get_window_extent(renderer)

    plot.show(np.zeros((33, 33)), (100, 100), source)
    plot.info.set_text("pixel row 100, column 100\nline two\nline three")
    axes, info = arranged(530, 480)
    assert plot.tall and info.y0 >= axes.y1  # the text above the map
    assert axes.width > 0.45 * 530
    tall_width = axes.width
    axes, info = arranged(600, 200)
    assert not plot.tall and info.x0 >= axes.x1  # beside it
    assert axes.width < tall_width


# -------------------------------------------------------------------- area plot
def test_area_fraction_follows_labels_colours_and_time_slider(dock):
    viewer, results = dock
    source = viewer.add_image(np.zeros((4, 32, 32)), name="s", scale=(2.0, 1, 1),
                              translate=(10.0, 0, 0), units=("s", "pixel", "pixel"))
    labels = viewer.add_labels(np.zeros((4, 32, 32), int), name="s patterns",
                               scale=(2.0, 1, 1), translate=(10.0, 0, 0),
                               units=("s", "pixel", "pixel"))
    fractions = np.array([[0.2, 0.8], [0.3, 0.7], [np.nan, np.nan], [np.nan, np.nan]])
    results.show_area_fraction(source, labels, fractions)
    plot = results.area_plot
    assert results.current_tab == "area fraction"
    np.testing.assert_allclose(plot.lines[0].get_xdata(), [10, 12, 14, 16])
    np.testing.assert_allclose(plot.lines[1].get_color(), labels.get_color(2)[:3])
    assert plot.axes.get_xlabel() == "time (s)"
    results.set_frame(2, np.array([0.4, 0.6]))
    assert plot.lines[0].get_ydata()[2] == pytest.approx(0.4)
    viewer.dims.set_current_step(0, 2)
    assert list(plot.current.get_xdata()) == [14.0, 14.0]
    hover(plot, 14.1, 0.5)
    assert plot.readout == "frame 2 (time 14): pattern 0 40 %, pattern 1 60 %"
    hover(plot, 15.8, 0.5, "button_press_event", button=1)  # a click moves the slider
    assert viewer.dims.current_step[0] == 3
    labels.new_colormap(seed=7)
    np.testing.assert_allclose(plot.lines[0].get_color(), labels.get_color(1)[:3])
    results.clear()
    assert plot.state is None and plot.lines == [] and not plot.axes.get_visible()


def test_time_axis_counts_frames_when_uncalibrated(make_napari_viewer):
    viewer = make_napari_viewer()
    layer = viewer.add_image(np.zeros((3, 8, 8)))
    times, label = time_axis(layer)
    assert label == "frame"
    np.testing.assert_allclose(times, [0, 1, 2])


def test_plots_follow_the_theme(dock):
    viewer, results = dock
    results.show_separability(translations(), np.ones(49))
    viewer.theme = "light"
    light = results.separability_plot.figure.get_facecolor()
    viewer.theme = "dark"
    dark = results.separability_plot.figure.get_facecolor()
    assert sum(light[:3]) > 2.5 and sum(dark[:3]) < 1.0
    assert sum(results.area_plot.figure.get_facecolor()[:3]) < 1.0


# --------------------------------------------------------------- off the GUI thread
def rendered(qtbot, plot, before=0):
    """Wait for the plot's background render (the canvas must be shown)."""
    qtbot.waitUntil(lambda: plot.canvas.renders > before and not plot.canvas.busy,
                    timeout=30_000)


def test_figures_render_in_the_background_and_scrubbing_only_repaints(qtbot,
                                                                      make_napari_viewer,
                                                                      monkeypatch):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    drawn_here = []  # matplotlib draws in this process (the GUI thread)
    real_draw = FigureCanvasAgg.draw
    monkeypatch.setattr(FigureCanvasAgg, "draw",
                        lambda canvas: (drawn_here.append(canvas), real_draw(canvas))[1])
    viewer = make_napari_viewer(show=True)
    viewer.window._qt_window.resize(1366, 768)
    results = ResultsDock(viewer)
    viewer.window.add_dock_widget(results, area="bottom", name="results")
    source = viewer.add_image(np.zeros((8, 32, 32)), name="s")
    fractions = np.linspace(0, 1, 16).reshape(8, 2)
    with EventLoopWatch() as watch:
        results.show_area_fraction(source, None, fractions)
        plot = results.area_plot
        rendered(qtbot, plot)
        renders = plot.canvas.renders
        for t in [1, 2, 3, 4, 5, 6, 7, 6, 5, 4]:  # scrubbing: the line moves, no render
            viewer.dims.set_current_step(0, t)
            qtbot.wait(20)
        assert plot.canvas.renders == renders
        results.show_separability(translations(), np.arange(49.0))
        assert results.current_tab == "area fraction"  # a series keeps its plot in front
        assert results.separability_plot.canvas.renders == 0  # hidden: not rendered yet
        results.select("separability")
        rendered(qtbot, results.separability_plot)
        results.select("area fraction")
        qtbot.wait(100)
    assert drawn_here == []  # every figure was drawn by the renderer process
    print(f"\nplots shown, rendered, scrubbed: {watch.summary()}")
    # the line is painted by Qt at frame 4, over the rendered figure
    image = plot.canvas.grab().toImage()
    ratio = plot.canvas.device_pixel_ratio
    x = plot.axes.transData.transform((4.0, 0.5))
    column = round(x[0] / ratio)
    row = round((plot.figure.bbox.height - x[1]) / ratio)
    colours = {image.pixelColor(column + dx, row + dy).name() for dx in (-1, 0, 1)
               for dy in range(-6, 7)}
    assert plot.text_colour.lower() in colours  # the dashed line in the theme's text colour
    # the hidden tab was rendered when shown, not before
    assert results.probe_plot.canvas.renders == 0
    results.show_probe(np.zeros((5, 5)), (3, 3))
    rendered(qtbot, results.probe_plot)
    assert results.readout.text() == HOVER_HELP


def test_switching_kinds_and_clearing_leaves_no_stale_artists(dock):
    _, results = dock
    plot = results.separability_plot
    ops = translations()
    results.show_separability(ops, np.arange(49.0), selected=[48, 47, 46])
    assert len(plot.axes.patches) == 3 and len(plot.axes.texts) == 3
    rot = Operations("rotation", np.array([90.0, 180.0]))
    results.show_separability(rot, np.array([1.0, 2.0]), selected=[1])
    assert len(plot.axes.patches) == 2 and [t.get_text() for t in plot.axes.texts] == ["#1"]
    results.show_separability(ops, np.arange(49.0))
    assert len(plot.axes.patches) == 0 and len(plot.axes.texts) == 0
    results.show_separability(ops, np.arange(49.0), selected=[0])
    results.clear()
    assert plot.axes is None and plot.operations is None
    results.show_separability(ops, np.ones(49))
    assert len(plot.axes.patches) == 0 and len(plot.axes.texts) == 0
    assert plot.grid.shape == (7, 7)


def test_an_empty_tab_never_stays_in_front(dock):
    viewer, results = dock
    series = viewer.add_image(np.zeros((3, 16, 16)), name="s")
    results.show_area_fraction(series, None, np.full((3, 2), 0.5))
    results.show_separability(translations(), np.ones(49))
    assert results.current_tab == "area fraction"  # the series' plot stays in front
    results.clear("area fraction")  # another image, without a series
    assert results.current_tab == "separability"
    results.show_separability(translations(), np.ones(49) * 2)  # its own result
    assert results.current_tab == "separability"
    results.select("probe")  # nothing there: the next result is shown instead
    results.show_separability(translations(), np.ones(49) * 3)
    assert results.current_tab == "separability"
    results.clear()
    assert results.current_tab == "separability"  # nothing anywhere: left as it is
