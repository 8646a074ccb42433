"""--descriptor auto: every candidate is tried, the best separated patterns win."""

import numpy as np
import pytest

from napari_symseg import Params, segment
from napari_symseg.core import choose
from napari_symseg.core.choose import (
    CANDIDATES,
    choose_descriptor,
    family_score,
    pair_measures,
    separation,
)
from napari_symseg.core.pattern_count import score_change, split_separation
from napari_symseg.core.samples import two_phase
from napari_symseg.core.suggest import suggest_params


def _image(seed=0):
    rng = np.random.default_rng(seed)
    return rng.poisson(40 * (two_phase((160, 160), noise=0.0) + 0.1)).astype(np.float32)


def test_separation_of_a_clean_split_is_large_and_of_a_forced_split_small():
    image = _image()
    two = segment(image, suggest_params(image, Params(n_patterns=2)))
    three = segment(image, suggest_params(image, Params(n_patterns=3)))
    # two patterns: a gap and a sharp boundary; a third cluster cuts one phase in two
    assert separation(two) > 8
    assert separation(three) < separation(two) / 3
    one = segment(image, suggest_params(image, Params(n_patterns=1)))
    assert separation(one) == np.inf


def test_choose_keeps_the_best_scored_family_and_says_why(monkeypatch):
    image = _image(1)
    fixed = {CANDIDATES[0]: 2.0, CANDIDATES[1]: 9.0, CANDIDATES[2]: 5.0}
    monkeypatch.setattr(choose, "family_score", lambda r: fixed[r.params.descriptor_name])
    picked = choose_descriptor(image, Params(n_patterns=2))
    assert picked.params.descriptor_name == CANDIDATES[1]
    assert picked.result.params == picked.params
    assert picked.scores == fixed
    assert "rotations" in picked.reason and "translations 2.0" in picked.reason


def test_choose_on_two_phases_separates_them():
    image = _image(2)
    picked = choose_descriptor(image, Params(n_patterns=2))
    labels = picked.result.labels
    left, right = labels[:, 20:60], labels[:, 100:140]
    assert np.bincount(left.ravel()).argmax() != np.bincount(right.ravel()).argmax()
    assert set(picked.scores) == set(CANDIDATES)
    assert picked.scores[picked.params.descriptor_name] == pytest.approx(
        max(picked.scores.values()))


def test_cli_descriptor_auto_picks_a_family_and_explicit_flags_still_win(capsys):
    from napari_symseg.cli.args import build_parser, params_from_args

    image = _image(3)
    args = build_parser().parse_args(["segment", "in.npy", "-o", "out.npy", "--descriptor",
                                      "auto", "--stride", "7"])
    params = params_from_args(args, image)
    assert params.descriptor_name in CANDIDATES and params.stride == 7
    assert "descriptor:" in capsys.readouterr().out
    with pytest.raises(Exception, match="needs the image"):
        params_from_args(args, None)


def test_pair_measures_are_the_hints_separation_and_score_change():
    image = _image(4)
    result = segment(image, suggest_params(image, Params(n_patterns=3)))
    measures = pair_measures(result)
    assert len(measures) == 3
    m = choose._fit_points(result)
    c = result.cluster_centres
    want_sep = split_separation(m[0], c[[0, 2]], (m[1] == 0) | (m[1] == 2))
    want_change = score_change(c[[0, 2]], result.model.pca.components)
    assert measures[1] == pytest.approx((want_sep, want_change))
    sep, change = zip(*measures, strict=True)
    assert family_score(result) == pytest.approx(min(np.multiply(sep, np.sqrt(change))))
    assert separation(result) == pytest.approx(min(sep))


def test_a_sharp_split_that_barely_changes_the_scores_loses(monkeypatch):
    # the design seed where separation alone picked rotations on twin lamellae: rotations
    # cannot tell a crystal from its mirror image; they split edges from interiors
    from benchmarks.scenarios import twin

    image, truth = twin((384, 384), seed=1)
    picked = choose_descriptor(image, Params(n_patterns=2))
    rot = "rotational_symmetry_maximum_pooling"
    assert picked.params.descriptor_name != rot
    from benchmarks.bench_robustness import accuracy, boundary_band

    assert accuracy(picked.result.labels, truth, ~boundary_band(truth, 12.0)) > 0.97
    assert "score" in picked.reason


def test_only_the_family_rules_family_is_tried_where_part_of_the_image_has_no_lattice():
    # the --auto family rule (suggest step 6): contrast channels on -> rotations; neither
    # translations nor reflections are tried (they misplace the lattice-free edge while
    # separating it sharply: docs/robustness.md, issue 13 sixth session)
    rng = np.random.default_rng(0)
    clean = two_phase((160, 160), noise=0.0) + 0.1
    clean[:, :64] = 0.02  # vacuum on the left
    image = rng.poisson(40 * clean).astype(np.float32)
    chosen = choose_descriptor(image, Params(n_patterns=3))
    assert chosen.scores["local_correlation_map"] == -np.inf
    assert chosen.scores["reflection_symmetry_maximum_pooling"] == -np.inf
    assert np.isfinite(chosen.scores["rotational_symmetry_maximum_pooling"])
    assert chosen.params.descriptor_name == "rotational_symmetry_maximum_pooling"
    assert chosen.params.contrast_features
    assert "not tried: translations, reflections" in chosen.reason
    # a candidate list without rotations: the rest is tried (translations still not)
    other = choose_descriptor(image, Params(n_patterns=3),
                              candidates=(CANDIDATES[0], CANDIDATES[2]))
    assert other.params.descriptor_name == CANDIDATES[2]


def test_spectrum_correlations_are_the_windows_autocorrelation():
    # Wiener-Khinchin against a full 2-D FFT of each tapered, mean-free window (frequency 0
    # dropped like the features), slow and obviously right
    from napari_symseg.core.choose import spectrum_correlations
    from napari_symseg.core.descriptors.power_spectrum import (
        frequencies,
        power_spectrum_features,
        taper,
    )

    rng = np.random.default_rng(3)
    image = rng.normal(size=(40, 44))
    image += np.cos(2 * np.pi * np.arange(44) / 5.0)[None, :]  # a lattice-like stripe
    wx, wy = 6, 7
    freqs = frequencies(wx, wy)
    points = [(10, 12), (25, 30)]
    feats = np.stack([power_spectrum_features(image, freqs, wx, wy, [r], [c])[0, 0]
                      for r, c in points])
    got = spectrum_correlations(feats, freqs, (wx, wy))
    h = np.outer(taper(2 * wx + 1), taper(2 * wy + 1))
    for row, (r, c) in zip(got, points, strict=True):
        win = image[r - wx: r + wx + 1, c - wy: c + wy + 1]
        spec = np.abs(np.fft.fft2(h * (win - win.mean()))) ** 2
        spec[0, 0] = 0.0
        auto = np.real(np.fft.ifft2(spec))
        auto /= auto[0, 0]
        ref = [auto[a % (2 * wx + 1), b] for a in range(-wx, wx + 1) for b in range(wy + 1)
               if (a, b) != (0, 0)]
        np.testing.assert_allclose(row, ref, atol=1e-4)
    assert np.max(np.abs(got[0] - got[1])) < 2  # correlations


def test_power_spectrum_score_change_is_a_correlation_change_not_one():
    # a fair power-spectrum score (issue 13): the two phases' autocorrelations differ by
    # tenths; the same image's one phase cut in two by force changes them by hundredths
    image = _image()
    two = segment(image, suggest_params(image, Params(n_patterns=2,
                                                      descriptor_name="power_spectrum")))
    (_, change), = pair_measures(two)
    assert 0.2 < change < 1.0
    one = image[:, :60]
    forced = segment(one, suggest_params(one, Params(n_patterns=2,
                                                     descriptor_name="power_spectrum")))
    (_, noise), = pair_measures(forced)
    assert noise < 0.5 * change


def test_the_reason_says_what_was_tried_and_how_long_it_took(monkeypatch):
    import re

    clock = iter(range(100))  # every perf_counter call one second later
    monkeypatch.setattr(choose.time, "perf_counter", lambda: float(next(clock)))
    picked = choose_descriptor(_image(1), Params(n_patterns=2))
    found = re.search(r"tried (\d) families in ([\d.]+) s, the chosen one alone ([\d.]+) s",
                      picked.reason)
    assert found and int(found[1]) == len(CANDIDATES)
    assert float(found[2]) == pytest.approx(len(CANDIDATES)) and float(found[3]) == 1.0


def test_where_no_family_tells_its_patterns_apart_reflections_are_kept(monkeypatch):
    # the old L1_2 cuboids' seed 6202: every split unseparated (< MIN_SEPARATION) with a score
    # change of hundredths, the best score a split of the matrix: the criterion ranks noise
    from napari_symseg.core.pattern_count import MIN_SCORE_CHANGE, MIN_SEPARATION

    image = _image(1)
    measures = {CANDIDATES[0]: (3.3, 0.017), CANDIDATES[1]: (1.4, 0.035),
                CANDIDATES[2]: (1.1, 0.016)}
    monkeypatch.setattr(choose, "pair_measures",
                        lambda r: [measures[r.params.descriptor_name]])
    picked = choose_descriptor(image, Params(n_patterns=2))
    assert picked.scores[CANDIDATES[0]] == max(picked.scores.values())
    assert picked.params.descriptor_name == choose.UNSEPARATED == CANDIDATES[2]
    assert "no family tells its patterns apart" in picked.reason
    # one family separated, or one whose scores change like a twin's: the criterion decides
    for told in ((MIN_SEPARATION, 0.017), (1.4, MIN_SCORE_CHANGE)):
        measures[CANDIDATES[1]] = told
        picked = choose_descriptor(image, Params(n_patterns=2))
        best = max(picked.scores, key=picked.scores.get)
        assert picked.params.descriptor_name == best != CANDIDATES[2]
        assert "no family tells" not in picked.reason
