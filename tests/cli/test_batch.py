"""Batch mode: many files in one ``napari-symseg segment`` (issue 16)."""

import sys

import numpy as np
import pytest

from napari_symseg import segment
from napari_symseg.cli import main
from napari_symseg.core.labelling import predict_steps
from napari_symseg.core.model import Model
from napari_symseg.core.params import Params
from napari_symseg.core.progress import run
from napari_symseg.core.samples import grain_boundary, moving_boundary_series, two_phase
from napari_symseg.core.series import segment_series

SMALL = ["--patch-x", "6", "--patch-y", "6", "--window-x", "8", "--window-y", "8",
         "--stride", "4"]
PARAMS = Params(patch_x=6, patch_y=6, window_x=8, window_y=8, stride=4)


def _names(folder):
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def images(tmp_path):
    """Two segmentable images and one that is not an image, in tmp_path/in."""
    folder = tmp_path / "in"
    folder.mkdir()
    data = {"a": two_phase((96, 120)), "b": grain_boundary((100, 100))}
    for name, image in data.items():
        np.save(folder / f"{name}.npy", image)
    np.save(folder / "c.npy", np.zeros(5))  # 1-D: fails
    return folder, data


def test_batch_writes_each_file_and_reports_the_failing_one(images, tmp_path, capsys):
    folder, data = images
    out = tmp_path / "out"
    code = main(["segment", *(str(folder / f"{n}.npy") for n in "abc"), "-o", f"{out}/",
                 "--stats", str(out / "stats.csv"), *SMALL])
    assert code == 1
    assert _names(out) == ["a_labels.npy", "a_stats.csv", "b_labels.npy", "b_stats.csv"]
    for name, image in data.items():  # each file with its own fit: as segment() alone
        np.testing.assert_array_equal(np.load(out / f"{name}_labels.npy"),
                                      segment(image, PARAMS).labels)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2, err
    assert err[0].startswith(f"napari-symseg: error: {folder / 'c.npy'}: image must be")
    assert err[1] == f"napari-symseg: 1 of 3 files failed ({folder / 'c.npy'}); 2 written to {out}"
    assert _names(folder) == ["a.npy", "b.npy", "c.npy"]  # inputs untouched


@pytest.mark.parametrize("how", ["folder", "glob"])
def test_a_folder_or_a_glob_gives_the_same_batch(images, tmp_path, how, capsys):
    folder, data = images
    (folder / "c.npy").unlink()
    np.save(folder / "old_labels.npy", np.ones((4, 4), int))  # an earlier output
    source = str(folder) if how == "folder" else str(folder / "[ab].npy")
    out = tmp_path / "out"
    assert main(["segment", source, "-o", str(out), "-q", *SMALL]) == 0
    assert _names(out) == ["a_labels.npy", "b_labels.npy"]
    np.testing.assert_array_equal(np.load(out / "b_labels.npy"),
                                  segment(data["b"], PARAMS).labels)
    assert capsys.readouterr() == ("", "")  # -q, and stderr no terminal: no bar


def test_one_saved_model_labels_every_file(images, tmp_path, capsys):
    folder, data = images
    model_file = tmp_path / "m.json"
    assert main(["segment", str(folder / "a.npy"), "-o", str(tmp_path / "a.npy"),
                 "--save-model", str(model_file), "-q", *SMALL]) == 0
    out = tmp_path / "out"
    code = main(["segment", str(folder / "a.npy"), str(folder / "b.npy"), "-o", str(out),
                 "--model", str(model_file)])
    assert code == 0
    model = Model.load(model_file)
    for name, image in data.items():
        expected = run(predict_steps(model, image)).labels
        np.testing.assert_array_equal(np.load(out / f"{name}_labels.npy"), expected)
    # b labelled with a's model is not b's own fit
    assert not np.array_equal(np.load(out / "b_labels.npy"), segment(data["b"], PARAMS).labels)
    assert "segmented 2 files" in capsys.readouterr().out
    assert main(["segment", str(folder / "a.npy"), "-o", str(out), "--model",
                 str(model_file), "--stride", "3"]) == 2  # the model fixes the parameters
    assert "--model fixes the parameters: drop --stride" in capsys.readouterr().err


def test_two_inputs_with_one_output_name_are_refused_before_any_work(tmp_path, capsys):
    for sub in ("x", "y"):
        (tmp_path / sub).mkdir()
        np.save(tmp_path / sub / "img.npy", two_phase((64, 64)))
    out = tmp_path / "out"
    code = main(["segment", str(tmp_path / "x" / "img.npy"), str(tmp_path / "y" / "img.npy"),
                 "-o", str(out), *SMALL])
    assert code == 2
    assert "would both write" in capsys.readouterr().err
    assert _names(out) == []


def test_an_output_that_is_another_input_of_the_batch_fails_that_file_only(tmp_path, capsys):
    image = two_phase((64, 64))
    np.save(tmp_path / "x.npy", image)
    precious = 2 * image + 1
    np.save(tmp_path / "x_labels.npy", precious)  # x's output name, but an input here
    code = main(["segment", str(tmp_path / "x.npy"), str(tmp_path / "x_labels.npy"), "-o",
                 str(tmp_path), "-q", *SMALL])
    assert code == 1
    np.testing.assert_array_equal(np.load(tmp_path / "x_labels.npy"), precious)
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"napari-symseg: error: {tmp_path / 'x.npy'}: "), err
    assert err[1].startswith("napari-symseg: 1 of 2 files failed"), err
    assert (tmp_path / "x_labels_labels.npy").exists()  # the other file went on


def test_a_batch_with_a_series_and_an_image(tmp_path):
    series = moving_boundary_series(n_frames=4, shape=(64, 64), seed=0)
    np.save(tmp_path / "ser.npy", series)
    np.save(tmp_path / "img.npy", two_phase((64, 64)))
    out = tmp_path / "out"
    assert main(["segment", str(tmp_path / "ser.npy"), str(tmp_path / "img.npy"), "-o",
                 str(out), "-q", *SMALL]) == 0
    np.testing.assert_array_equal(np.load(out / "ser_labels.npy"),
                                  segment_series(series, PARAMS).labels)


def test_files_as_tasks_on_a_dask_cluster(images, tmp_path, capsys):
    distributed = pytest.importorskip("distributed")
    folder, data = images
    out = tmp_path / "out"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        code = main(["segment", str(folder), "-o", str(out), "-q",
                     "--dask-scheduler", cluster.scheduler_address, *SMALL])
    assert code == 1  # c.npy fails on the worker, reported here
    assert _names(out) == ["a_labels.npy", "b_labels.npy"]
    for name, image in data.items():
        np.testing.assert_array_equal(np.load(out / f"{name}_labels.npy"),
                                      segment(image, PARAMS).labels)
    assert "c.npy: image must be" in capsys.readouterr().err


def test_progress_bar_only_on_a_terminal(images, tmp_path, capsys, monkeypatch):
    folder, _ = images
    (folder / "c.npy").unlink()
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["segment", str(folder), "-o", str(tmp_path / "out"), *SMALL]) == 0
    captured = capsys.readouterr()
    assert "2/2" in captured.err and "files" in captured.err  # tqdm's bar
    assert "a.npy ->" in captured.out and "segmented 2 files" in captured.out


def test_a_saved_model_labels_a_series_as_its_own_fit_did(tmp_path, capsys):
    series = moving_boundary_series(n_frames=4, shape=(64, 64), seed=1)
    np.save(tmp_path / "ser.npy", series)
    model = tmp_path / "m.json"
    assert main(["segment", str(tmp_path / "ser.npy"), "-o", str(tmp_path / "fit.npy"),
                 "--save-model", str(model), "-q", *SMALL]) == 0
    assert main(["segment", str(tmp_path / "ser.npy"), "-o", str(tmp_path / "again.npy"),
                 "--model", str(model)]) == 0
    np.testing.assert_array_equal(np.load(tmp_path / "again.npy"), np.load(tmp_path / "fit.npy"))
    assert "after loading the model" in capsys.readouterr().out


def _single_crystal(shape=(96, 96)):
    from napari_symseg.core.samples import lattice

    return lattice(shape, 10.0) + 0.3 * np.random.default_rng(0).normal(size=shape)


def _notes(text):
    return [line[line.index("note:"):] for line in text.splitlines() if "note:" in line]


def test_a_batch_line_says_what_a_single_image_prints(tmp_path, capsys):
    np.save(tmp_path / "one.npy", _single_crystal())
    np.save(tmp_path / "two.npy", two_phase((96, 96)))
    assert main(["segment", str(tmp_path / "one.npy"), "-o", str(tmp_path / "l.npy"),
                 *SMALL]) == 0
    single = _notes(capsys.readouterr().out)
    assert len(single) == 1 and single[0].startswith("note: suggested number of patterns: 1")
    assert main(["segment", str(tmp_path / "one.npy"), str(tmp_path / "two.npy"), "-o",
                 str(tmp_path / "out"), *SMALL]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if " -> " in line]
    assert len(lines) == 2  # one line per file, the note in the single crystal's
    assert _notes(lines[0]) == single and "note:" not in lines[1]


def test_a_batch_line_names_the_family_descriptor_auto_chose(tmp_path, capsys):
    np.save(tmp_path / "two.npy", two_phase((80, 80)))
    np.save(tmp_path / "ser.npy", moving_boundary_series(n_frames=3, shape=(64, 64), seed=0))
    assert main(["segment", str(tmp_path / "two.npy"), str(tmp_path / "ser.npy"), "-o",
                 f"{tmp_path / 'out'}/", "--save-params", str(tmp_path / "out" / "p.json"),
                 "--descriptor", "auto", "--auto", *SMALL]) == 0  # a series: with --auto
    lines = [line for line in capsys.readouterr().out.splitlines() if " -> " in line]
    assert len(lines) == 2
    for name, line in zip(("two", "ser"), lines, strict=True):
        chosen = Params.from_json(tmp_path / "out" / f"{name}_p.json").descriptor_name
        assert line.startswith(str(tmp_path / name)), lines
        assert f": --descriptor auto chose {chosen}; " in line


def test_a_series_prints_the_pattern_count_note_alone_and_in_a_batch(tmp_path, capsys):
    series = moving_boundary_series(n_frames=3, shape=(64, 64), seed=0)
    np.save(tmp_path / "ser.npy", series)
    args = [*SMALL, "--n-patterns", "4"]
    assert main(["segment", str(tmp_path / "ser.npy"), "-o", str(tmp_path / "l.npy"),
                 *args]) == 0
    single = _notes(capsys.readouterr().out)
    assert single and single[0].startswith("note: suggested number of patterns: ")
    assert "(you asked for 4; --n-patterns " in single[0]
    assert main(["segment", str(tmp_path / "ser.npy"), "-o", f"{tmp_path / 'out'}/",
                 *args]) == 0
    line, = [line for line in capsys.readouterr().out.splitlines() if " -> " in line]
    assert _notes(line) == ["; ".join(single)]


def test_each_batch_line_names_every_file_it_wrote(images, tmp_path, capsys, monkeypatch):
    """``--overlay o.png --stats s.csv`` go to the current folder as ``NAME_o.png``: the
    file's line says so, the last line names that folder."""
    folder, _ = images
    (folder / "c.npy").unlink()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert main(["segment", str(folder), "-o", "out/", "--overlay", "o.png", "--stats",
                 "s.csv", "--save-params", "out/p.json", *SMALL]) == 0
    out = capsys.readouterr().out.splitlines()
    lines = [line for line in out if " -> " in line]
    assert len(lines) == 2
    for name, line in zip("ab", lines, strict=True):
        source, rest = line.split(" -> ", 1)
        written = rest.split(": ", 1)[0].split(", ")
        assert source == str(folder / f"{name}.npy")
        assert written == [f"out/{name}_labels.npy", f"{name}_o.png", f"{name}_s.csv",
                           f"out/{name}_p.json"]
        assert all((work / w).is_file() for w in written)
    assert _names(work) == ["a_o.png", "a_s.csv", "b_o.png", "b_s.csv", "out"]
    assert out[-1].startswith("segmented 2 files in ")
    assert out[-1].endswith(" into out; --overlay, --stats into the current folder")


def test_a_batch_into_one_folder_names_no_other(images, tmp_path, capsys):
    folder, _ = images
    (folder / "c.npy").unlink()
    (folder / "b.npy").unlink()
    out = tmp_path / "out"
    assert main(["segment", str(folder), "-o", str(out), "--stats", str(out / "s.csv"),
                 *SMALL]) == 0
    text = capsys.readouterr().out.splitlines()
    assert text[0].startswith(f"{folder / 'a.npy'} -> {out / 'a_labels.npy'}, "
                              f"{out / 'a_s.csv'}: 2 patterns")
    assert text[-1].startswith("segmented 1 file in ") and text[-1].endswith(f"into {out}")
