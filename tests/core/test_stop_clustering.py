"""Issue 11: a cancelled run stops inside k-means, the PCA and the labels' assignment.

They read the run's stop flag (`core.progress.stop_flag`) between iterations,
seedings' centres and chunks of rows, and raise `Stopped`; unset, the flag
changes no bit of their results.
"""

import numpy as np
import pytest

import napari_symseg.core.clustering as clustering
import napari_symseg.core.kmeans as kmeans_module
import napari_symseg.core.pca as pca_module
from napari_symseg.core.clustering import assign, assign_groups, fit_centres
from napari_symseg.core.kmeans import kmeans
from napari_symseg.core.pca import CovarianceAccumulator, fit_pca
from napari_symseg.core.progress import Stop, Stopped, stopping


def blobs(n=6000, d=6, k=4, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, (k, d))
    return (centres[rng.integers(k, size=n)] + rng.normal(0, 1.5, (n, d))).astype(np.float32)


def test_an_unset_flag_changes_no_bit():
    x = blobs()
    free = kmeans(x, 4, n_init=3, random_state=1)
    pca = fit_pca(x, 3)
    with stopping(Stop()):
        held = kmeans(x, 4, n_init=3, random_state=1)
        pca_held = fit_pca(x, 3)
        assert np.array_equal(held.labels_, free.labels_)
        assert np.array_equal(held.cluster_centers_, free.cluster_centers_)
        assert held.inertia_ == free.inertia_ and held.n_iter_ == free.n_iter_
        assert np.array_equal(pca_held.components, pca.components)
        assert np.array_equal(pca_held.transform(x), pca.transform(x))
        centres = fit_centres(x, 4, 0)
        held_labels, held_conf = assign(x, centres)
        held_groups = assign_groups(x, centres, np.array([0, 0, 1, 1]))
    assert np.array_equal(fit_centres(x, 4, 0), centres)
    labels, conf = assign(x, centres)
    assert np.array_equal(labels, held_labels) and np.array_equal(conf, held_conf)
    for got, want in zip(held_groups, assign_groups(x, centres, np.array([0, 0, 1, 1])),
                         strict=True):
        assert np.array_equal(got, want)


def counting(monkeypatch, module, name, stop, after):
    """Replace ``module.name`` by a wrapper that sets `stop` after its `after`-th call."""
    real, calls = getattr(module, name), []

    def wrapper(*args, **kwargs):
        out = real(*args, **kwargs)
        calls.append(1)
        if len(calls) == after:
            stop.set()
        return out

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_kmeans_stops_at_the_next_lloyd_iteration(monkeypatch):
    x = blobs(n=20000, k=6)
    stop = Stop()
    full = kmeans(x, 6, n_init=4, random_state=2, tol=0)
    assert full.n_iter_ > 3  # (else the test says nothing)
    calls = counting(monkeypatch, kmeans_module, "_assign_and_sum", stop, after=2)
    with stopping(stop), pytest.raises(Stopped):
        kmeans(x, 6, n_init=4, random_state=2, tol=0)
    assert len(calls) == 2  # the first seeding's run did not go on (nor the other seedings)


def test_kmeans_seeding_stops_between_centres(monkeypatch):
    x = blobs(n=5000, k=8)
    stop = Stop()
    calls = counting(monkeypatch, kmeans_module, "_squared_distances", stop, after=2)
    with stopping(stop), pytest.raises(Stopped):
        kmeans(x, 8, random_state=0)
    assert len(calls) == 2  # of 8 (one per centre)


@pytest.mark.parametrize("step", ["covariance", "transform"])
def test_the_pca_stops_between_chunks(monkeypatch, step):
    monkeypatch.setattr(pca_module, "CHUNK", 100)
    x = blobs(n=2000)
    model = fit_pca(x, 3)
    stop = Stop()
    calls = counting(monkeypatch, pca_module, "scratch_rows", stop, after=1)
    with stopping(stop), pytest.raises(Stopped):
        if step == "covariance":
            CovarianceAccumulator(x.shape[1]).add(x)
        else:
            model.transform(x)
    assert len(calls) == 1  # of 20


@pytest.mark.parametrize("how", ["assign", "groups"])
def test_the_assignment_stops_between_chunks(monkeypatch, how):
    monkeypatch.setattr(clustering, "CHUNK", 100)
    x = blobs(n=2000)
    centres = kmeans(x, 4, random_state=0).cluster_centers_
    stop = Stop()
    # the check before each chunk: the stop set after the first chunk's check
    calls = counting(monkeypatch, clustering, "raise_if_stopped", stop, after=1)
    with stopping(stop), pytest.raises(Stopped):
        if how == "assign":
            assign(x, centres)
        else:
            assign_groups(x, centres, np.array([0, 0, 1, 1]))
    assert len(calls) == 1  # of 20 chunks: the second one's check raised
