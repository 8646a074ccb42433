"""warm_up(): every numba kernel compiled (or loaded) on tiny inputs."""

import sys
import types

import numpy as np
import pytest
from numba.core.registry import CPUDispatcher

from napari_symseg.core import segment, warmup
from napari_symseg.core.descriptors.registry import FAMILIES
from napari_symseg.core.warmup import warm_up, warm_up_image, warm_up_params


def kernel_signatures() -> dict[str, int]:
    """Compiled signatures of every numba kernel in the package's loaded modules."""
    out = {}
    for name, module in list(sys.modules.items()):
        if name.startswith("napari_symseg"):
            for attr, value in vars(module).items():
                if isinstance(value, CPUDispatcher):
                    out[f"{name}.{attr}"] = len(value.signatures)
    return out


def test_warm_up_params_cover_every_family_and_both_translation_routes():
    runs = {(p.descriptor_name, p.method if p.is_translation else None)
            for p in warm_up_params()}
    translations = {n for n in FAMILIES if "translation" in n or n == "local_correlation_map"}
    assert runs >= {(n, m) for n in translations for m in ("direct", "fft")}
    assert {name for name, _ in runs} == set(FAMILIES)


def test_warm_up_compiles_every_kernel_and_a_later_run_compiles_nothing():
    timings = warm_up()
    assert set(timings) == {
        "local_correlation_map/direct", "local_correlation_map/fft",
        "preselected_translations/direct", "preselected_translations/fft",
        "rotational_symmetry_maximum_pooling", "reflection_symmetry_maximum_pooling",
        "power_spectrum", "polarity", "point symmetry, stride 1", "probe map", "statistics"}
    assert all(seconds >= 0 for seconds in timings.values())
    compiled = kernel_signatures()
    assert compiled, "no numba kernel found"
    # kernels called from Python have been compiled (helpers called only from
    # other kernels are compiled into them and may show none)
    assert sum(n > 0 for n in compiled.values()) >= 3
    # a real (larger) segmentation of each family: no new compilation
    image = np.tile(warm_up_image(64), (3, 3))
    for params in warm_up_params():
        params = params.replace(patch_x=6, patch_y=6, window_x=8, window_y=8, radius=6,
                                stride=4, max_num_points=40)
        result = segment(image, params)
        assert result.labels.shape == image.shape
        assert set(np.unique(result.labels)) == {0, 1}
    segment(image, warm_up_params()[0].replace(  # the dense point-symmetry kernel
        descriptor_name="rotational_symmetry_maximum_pooling", radius=6, window_x=8,
        window_y=8, stride=1))
    assert kernel_signatures() == compiled


def test_warm_up_image_has_two_lattices():
    image = warm_up_image()
    assert image.shape == (48, 48) and image.dtype == np.float64
    left, right = image[:, :20], image[:, 28:]
    # the square lattice repeats after 6 px along rows, the hexagonal one does not
    assert np.corrcoef(left[:-6].ravel(), left[6:].ravel())[0, 1] > 0.9
    assert np.corrcoef(right[:-6].ravel(), right[6:].ravel())[0, 1] < 0.9


def test_a_cache_check_that_cannot_read_numba_s_index_says_cold(monkeypatch):
    warm_up()  # this process's cache is warm now
    assert warmup.cache_is_cold() is False
    monkeypatch.setattr(warmup, "WARM_KERNELS", (*warmup.WARM_KERNELS, "stats:no_such"))
    assert warmup.cache_is_cold() is True


def test_one_cache_check_reads_any_list_of_kernels(monkeypatch):
    """`kernels_cold`: the check behind `cache_is_cold` and the controller's
    `napari_cache_is_cold` (one loop over "module:function" names)."""
    warm_up()
    core = [f"napari_symseg.core.{entry}" for entry in warmup.WARM_KERNELS]
    assert warmup.kernels_cold(core) is False
    assert warmup.kernels_cold([]) is False
    assert warmup.kernels_cold([*core, "napari_symseg.core.stats:no_such"]) is True
    assert warmup.kernels_cold(["napari_symseg.no_such_module:f"]) is True
    assert warmup.kernels_cold(["napari_symseg.core.stats:frame_statistics"]) is True  # no jit
    # a kernel whose cache index is empty (a fresh install, an upgrade) is cold
    from napari_symseg.core import kmeans

    monkeypatch.setattr(kmeans._assign_and_sum._cache._cache_file, "_load_index", dict)
    assert warmup.kernels_cold(core) is True
    assert warmup.cache_is_cold() is True


def test_a_stop_ends_the_warm_up_before_its_next_family(monkeypatch):
    """napari closing: the warm-up returns between families (it kept the process alive)."""
    from napari_symseg import core
    from napari_symseg.core import warmup

    calls = []
    monkeypatch.setattr(core, "segment", lambda image, params: calls.append(params) or None)
    assert warmup.warm_up(stop=lambda: True) == {}
    assert calls == []
    asked = []
    timings = warmup.warm_up(stop=lambda: asked.append(1) or len(asked) > 2)
    assert len(calls) == 2 and len(timings) == 2  # two families, then stopped


def test_the_warm_up_reports_each_step_before_it_runs(monkeypatch):
    """The compiling process prints these reports (`controller.warmup.main`)."""
    from napari_symseg import core
    from napari_symseg.core import warmup

    result = types.SimpleNamespace(labels=None)
    monkeypatch.setattr(core, "segment", lambda image, params: result)
    monkeypatch.setattr(warmup, "correlation_map", lambda *args: None)
    monkeypatch.setattr(warmup, "_statistics", lambda *args: None)
    reports = []
    timings = warmup.warm_up(step=lambda done, keys: reports.append((done, list(keys))))
    keys = list(timings)
    assert [done for done, _ in reports] == list(range(len(keys)))
    assert all(names == keys for _, names in reports)
    assert set(keys) == set(warmup.COLD_S)  # every step has its measured weight
    assert warmup.cold_fraction(keys, 0) == 0.0 and warmup.cold_fraction(keys, len(keys)) == 1
    # weighted by the measured seconds: the slowest family counts most
    one = warmup.cold_fraction(keys, 1)
    assert one == pytest.approx(warmup.COLD_S[keys[0]] / sum(warmup.COLD_S.values()))
