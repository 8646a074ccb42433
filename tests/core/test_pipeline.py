import numpy as np
import pytest

from napari_symseg import Model, Params, segment, segment_steps
from napari_symseg.core.labelling import predict_steps
from napari_symseg.core.progress import Progress
from napari_symseg.core.samples import grain_boundary, two_phase, two_phase_truth

SMALL = {"patch_x": 6, "patch_y": 6, "window_x": 8, "window_y": 8, "stride": 3}

# Small-but-sensible parameters per family for a 8 px / 10 px two-lattice image.
FAMILY_PARAMS = {
    "local_correlation_map": {"patch_x": 8, "patch_y": 8, "window_x": 10, "window_y": 10},
    "preselected_translations": {
        "patch_x": 8, "patch_y": 8, "window_x": 10, "window_y": 10,
        "preselected_translations": [(0, 8), (8, 0), (0, 10), (5, 9), (10, 0), (8, 8)],
    },
    "rotational_symmetry_maximum_pooling": {"radius": 8, "window_x": 4, "window_y": 4},
    "reflection_symmetry_maximum_pooling": {
        "radius": 8, "window_x": 4, "window_y": 4, "num_reflection_plane": 6,
    },
    "power_spectrum": {"window_x": 10, "window_y": 10},
}


POOLED = ("rotational_symmetry_maximum_pooling", "reflection_symmetry_maximum_pooling")


def _first_changes(row):
    return np.nonzero(np.diff(row))[0] + 1  # first column of each new label run


@pytest.mark.parametrize("name", [n for n in FAMILY_PARAMS if n not in POOLED])
@pytest.mark.parametrize("stride", [1, 4, 5])
def test_vertical_boundary_found_at_true_column(name, stride):
    """Labels are centred: no shift by patch radius or window size (pySTEM's bug)."""
    shape, boundary = (96, 200), 117  # boundary deliberately off-centre
    image = two_phase(shape, boundary=boundary, noise=0.02)
    params = Params(descriptor_name=name, stride=stride, **FAMILY_PARAMS[name])
    labels = segment(image, params).labels
    assert labels.shape == shape
    truth = two_phase_truth(shape, boundary)
    if np.mean(labels == truth) < 0.5:
        truth = 1 - truth
    # every row: the label switches within one stride of the true column; rows where
    # translation patches are clipped by the border (closer than patch + window) hold less
    # of the image, so there within a quarter of a lattice spacing more
    clipped = params.patch_x + params.window_x if "translation" in name else 0
    for r in range(0, shape[0], 7):
        changes = _first_changes(labels[r])
        assert len(changes) >= 1, f"{name}: no boundary found"
        near_border = min(r, shape[0] - 1 - r) < clipped
        tolerance = stride + (2 if near_border else 0)
        assert np.abs(changes - boundary).min() <= tolerance, (name, r, changes)
    far = np.abs(np.arange(shape[1]) - boundary) > 12
    assert np.mean(labels[:, far] == truth[:, far]) > 0.97


@pytest.mark.parametrize("name", list(FAMILY_PARAMS))
@pytest.mark.parametrize("stride", [1, 4, 5])
def test_band_is_centred_for_every_family(name, stride):
    """A band of lattice B inside lattice A: both boundaries found, band centred.

    A systematic label shift (e.g. by the patch radius) moves both boundaries
    the same way, so the band's midpoint must stay within one stride of the
    truth. Each boundary must be within max(stride, 3) px for translations and
    the power spectrum (the single-boundary test above is the strict one);
    max-pooled point-symmetry scores have an inherent transition zone about
    `radius` wide (patches that straddle the boundary score low for both
    lattices), so there each boundary may move by up to
    that + radius, symmetrically.
    """
    from napari_symseg.core.samples import lattice

    shape, c1, c2 = (90, 240), 93, 163  # band columns [c1, c2), off-centre
    a = lattice(shape, 8.0, "square")
    b = lattice(shape, 10.0, "hexagonal", offset=(3.0, 5.0))
    cols = np.arange(shape[1])[None, :]
    image = np.where((cols >= c1) & (cols < c2), b, a)
    image = image + 0.02 * np.random.default_rng(0).standard_normal(shape)
    params = Params(descriptor_name=name, stride=stride, **FAMILY_PARAMS[name])
    labels = segment(image, params).labels
    tolerance = max(stride, 3) + (params.radius if name in POOLED else 0)
    clipped = params.patch_x + params.window_x if "translation" in name else 0
    mids = []
    for r in range(0, shape[0], 6):
        changes = _first_changes(labels[r])
        assert len(changes) == 2, (name, changes)
        slack = 2 if min(r, shape[0] - 1 - r) < clipped else 0  # clipped patches (above)
        assert abs(changes[0] - c1) <= tolerance + slack, (name, r, changes)
        assert abs(changes[1] - c2) <= tolerance + slack, (name, r, changes)
        mids.append(changes.mean())
    assert abs(np.median(mids) - (c1 + c2) / 2) <= stride, (name, np.median(mids))


def test_reproducible_bit_for_bit_with_seed():
    image = grain_boundary((160, 160))
    a = segment(image, n_patterns=3, random_state=7, **SMALL)
    b = segment(image, n_patterns=3, random_state=7, **SMALL)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(a.cluster_centres, b.cluster_centres)
    np.testing.assert_array_equal(a.confidence, b.confidence)


def test_labels_sorted_by_pattern_size():
    image = two_phase((120, 200), boundary=150)  # phase 0 is the larger one
    r = segment(image, **SMALL)
    sizes = np.bincount(r.labels.ravel())
    assert sizes[0] < sizes[1]
    assert r.labels[60, 10] == 1 and r.labels[60, 190] == 0


def test_result_contents():
    image = two_phase((128, 128))
    r = segment(image, n_pca_components=3, **SMALL)
    n_ops = len(r.operations)
    assert r.descriptors.shape == (*r.grid.shape, n_ops) and r.descriptors.dtype == np.float32
    assert r.pca_components.shape == (*r.grid.shape, 3)
    assert r.pca_images.shape == (3, *r.grid.shape)
    assert r.explained_variance_ratio.shape == (3,)
    assert r.separability.shape == (n_ops,) and r.pca_separability.shape == (3,)
    assert r.cluster_centres.shape == (2, 3)
    assert r.confidence.shape == r.grid.shape
    assert 0 <= r.confidence.min() and r.confidence.max() <= 1
    assert r.confidence_image.shape == image.shape
    assert r.labels.dtype == np.int32
    # the first PCA component carries the phase difference
    assert r.pca_separability[0] == r.pca_separability.max()
    # low confidence at the boundary, high inside the phases
    cols = r.grid.cols
    near = np.abs(cols - 64) < 6
    assert r.confidence[:, near].mean() < r.confidence[:, ~near].mean()


def test_no_upsampling_keeps_grid_labels():
    r = segment(two_phase((100, 100)), upsampling=False, **SMALL)
    assert r.labels.shape == r.grid.shape
    np.testing.assert_array_equal(r.labels, r.grid_labels)


def test_pca_variance_selects_components():
    r = segment(grain_boundary((140, 140)), pca_variance=0.9, **SMALL)
    cum = np.cumsum(r.explained_variance_ratio)
    assert cum[-1] >= 0.9 and (len(cum) == 1 or cum[-2] < 0.9)


def test_input_is_never_modified():
    image = two_phase((100, 100)).astype(">f8")
    before = image.copy()
    segment(image, **SMALL)
    np.testing.assert_array_equal(image, before)
    assert image.dtype == np.dtype(">f8")


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int32, ">i2", ">f4", np.float16])
def test_integer_and_big_endian_dtypes_give_same_labels(dtype):
    image = two_phase((100, 100), noise=0.0)
    scaled = (image - image.min()) / (image.max() - image.min()) * 200
    ref = segment(scaled.astype(np.float64), **SMALL).labels
    got = segment(scaled.astype(dtype), **SMALL).labels
    assert np.mean(got == ref) > 0.99


def test_progress_generator_and_cancel():
    image = two_phase((400, 400))
    steps = segment_steps(image, Params(stride=1, patch_x=6, patch_y=6, window_x=8,
                                        window_y=8))
    seen = []
    for p in steps:
        assert isinstance(p, Progress)
        seen.append(p)
        if p.stage == "descriptors" and p.done == 1:
            steps.close()  # cancel between chunks
            break
    assert seen[0].fraction == 0.0
    assert seen[-1].total > 1, "a large grid is computed in several chunks"
    fractions = [p.fraction for p in segment_steps(image, Params(**SMALL))]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_model_predicts_other_frames_and_round_trips(tmp_path):
    fit = segment(two_phase((128, 160), boundary=70), **SMALL)
    other = two_phase((128, 160), boundary=90, seed=9)
    pred = fit.model.predict(other)
    truth = two_phase_truth((128, 160), 90)
    # same model, same label meaning: phase 0 (left) keeps fit's label for it
    left_label = fit.labels[64, 5]
    assert pred.labels[64, 5] == left_label
    assert np.mean((pred.labels == left_label) == (truth == 0)) > 0.95
    path = tmp_path / "model.json"
    fit.model.save(path)
    loaded = Model.load(path)
    np.testing.assert_array_equal(loaded.centres, fit.model.centres)
    np.testing.assert_array_equal(loaded.pca.components, fit.model.pca.components)
    assert loaded.params == fit.params
    again = loaded.predict(other)
    np.testing.assert_array_equal(again.labels, pred.labels)
    steps = list(predict_steps(loaded, other))
    assert steps[-1].fraction == 1.0


def test_single_pattern():
    r = segment(two_phase((100, 100), boundary=0), n_patterns=1, **SMALL)
    assert np.all(r.labels == 0)
    assert np.all(r.confidence == 1)


def test_streamed_descriptors_give_the_same_segmentation(monkeypatch):
    """Above the memory budget descriptors are streamed (never all in memory)."""
    from napari_symseg.core import chunks

    image = grain_boundary((200, 200))
    params = Params(n_patterns=3, stride=2, patch_x=6, patch_y=6, window_x=8, window_y=8)
    kept = segment(image, params)
    monkeypatch.setattr(chunks, "DESCRIPTOR_BUDGET", 1000)
    monkeypatch.setattr(chunks, "CHUNK_POINTS", 2000)
    steps = segment_steps(image, params)
    progress = []
    while True:
        try:
            progress.append(next(steps))
        except StopIteration as stop:
            streamed = stop.value
            break
    assert streamed.descriptors is None and kept.descriptors is not None
    assert sum(p.stage == "descriptors" for p in progress) > 4, "several chunks, two passes"
    fractions = [p.fraction for p in progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    np.testing.assert_array_equal(streamed.labels, kept.labels)
    np.testing.assert_allclose(streamed.pca_components, kept.pca_components, atol=1e-4)
    np.testing.assert_allclose(streamed.separability, kept.separability, rtol=1e-6)
    np.testing.assert_allclose(streamed.pca_separability, kept.pca_separability, rtol=1e-4)
    again = kept.model.predict(image)  # the predict path streams too
    np.testing.assert_array_equal(again.labels, kept.labels)
    assert again.descriptors is None


def _gaussian_reference(values: np.ndarray, sigma: float, truncate: float) -> np.ndarray:
    """Whole-grid Gaussian smoothing of every channel, written out: normalised weights
    exp(-d^2 / 2 sigma^2) for |d| <= radius, edge values repeated (``mode="nearest"``)."""
    radius = int(truncate * sigma + 0.5)
    d = np.arange(-radius, radius + 1)
    w = np.exp(-0.5 * (d / sigma) ** 2)
    w /= w.sum()
    out = values.astype(np.float64)
    for axis in (0, 1):
        n = out.shape[axis]
        acc = np.zeros_like(out)
        for k, wk in zip(d, w, strict=True):
            idx = np.clip(np.arange(n) + k, 0, n - 1)
            acc += wk * np.take(out, idx, axis=axis)
        out = acc
    return out


@pytest.mark.parametrize("chunk_points", [None, 300])
def test_smoothing_averages_every_descriptor_over_sigma(monkeypatch, chunk_points):
    """`smoothing` = the plain descriptors Gaussian-filtered on the grid (sigma/stride grid
    points), also when the grid is cut into chunks shorter than the filter's reach."""
    from napari_symseg.core import chunks

    image = grain_boundary((150, 140))
    params = Params(stride=3, **{k: v for k, v in SMALL.items() if k != "stride"})
    plain = segment(image, params).descriptors
    if chunk_points:
        monkeypatch.setattr(chunks, "CHUNK_POINTS", chunk_points)
        monkeypatch.setattr(chunks, "_n_chunks", lambda grid, margin: 8)
    smoothed = segment(image, params.replace(smoothing=7.5))
    expected = _gaussian_reference(plain, 7.5 / 3, chunks.SMOOTHING_TRUNCATE)
    np.testing.assert_allclose(smoothed.descriptors, expected, atol=2e-6)
    assert np.abs(smoothed.descriptors - plain).max() > 0.1  # it did smooth


def test_smoothed_streamed_run_equals_kept_run(monkeypatch):
    from napari_symseg.core import chunks

    image = grain_boundary((200, 200))
    params = Params(n_patterns=2, stride=2, smoothing=6.0, **{k: v for k, v in SMALL.items()
                                                             if k != "stride"})
    kept = segment(image, params)
    monkeypatch.setattr(chunks, "DESCRIPTOR_BUDGET", 1000)
    monkeypatch.setattr(chunks, "CHUNK_POINTS", 2000)
    streamed = segment(image, params)
    assert streamed.descriptors is None
    np.testing.assert_array_equal(streamed.labels, kept.labels)
    np.testing.assert_allclose(streamed.pca_components, kept.pca_components, atol=1e-4)


def test_smoothing_separates_weak_chemical_order():
    """An ordered precipitate of contrast 0.1 in a disordered matrix of the same lattice:
    the plain descriptors split by the position in the cell, one cell of smoothing by order
    (the robustness study's failure, seed 0)."""
    from benchmarks.scenarios import superlattice_precipitate

    from napari_symseg.core.suggest import dominant_period, suggest_params

    image, truth = superlattice_precipitate((256, 256), contrast=0.1, seed=1)
    params = suggest_params(image, Params(n_patterns=2))
    assert params.smoothing == pytest.approx(dominant_period(image), abs=0.06)

    def agreement(labels):
        same = np.mean(labels == truth)
        return max(same, 1 - same)

    assert agreement(segment(image, params).labels) > 0.95
    assert agreement(segment(image, params.replace(smoothing=0)).labels) < 0.8
