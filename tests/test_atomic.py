"""The API's own writers (Params.to_json, Model.save, PatternStats.to_csv): whole or nothing."""

import numpy as np
import pytest

from napari_symseg import Params, segment
from napari_symseg._atomic import write_text_atomic
from napari_symseg.core.samples import two_phase

SMALL = {"patch_x": 5, "patch_y": 5, "window_x": 6, "window_y": 6, "stride": 4,
         "max_num_points": 16}


def test_a_failed_write_leaves_the_earlier_file_and_no_temporary(tmp_path):
    target = tmp_path / "p.json"
    target.write_text("earlier")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomic(target, "half " * 1000 + "\ud800")  # cannot be encoded
    assert target.read_text() == "earlier"
    assert [p.name for p in tmp_path.iterdir()] == ["p.json"]


def test_a_folder_is_refused_and_a_missing_folder_is_an_oserror(tmp_path):
    with pytest.raises(IsADirectoryError):
        write_text_atomic(tmp_path, "x")
    with pytest.raises(OSError):
        write_text_atomic(tmp_path / "missing" / "p.json", "x")
    assert list(tmp_path.iterdir()) == []


def test_params_model_and_stats_files_read_back(tmp_path):
    params = Params(**SMALL, n_patterns=2)
    params.to_json(tmp_path / "p.json")
    assert Params.from_json(tmp_path / "p.json") == params
    result = segment(two_phase((96, 96)), params)
    result.model.save(tmp_path / "m.json")
    from napari_symseg import Model

    loaded = Model.load(tmp_path / "m.json")
    np.testing.assert_array_equal(loaded.centres, result.model.centres)
    from napari_symseg.core.stats import PatternStats, frame_statistics

    area, regions, mean = frame_statistics(result.labels, two_phase((96, 96)), 2)
    stats = PatternStats(area[None], regions[None], mean[None], np.array([True]))
    stats.to_csv(tmp_path / "s.csv")
    lines = (tmp_path / "s.csv").read_text().splitlines()
    assert lines[0] == "frame,pattern,area_fraction,regions,mean_intensity"
    assert len(lines) == 3 and sorted(p.name for p in tmp_path.iterdir()) == [
        "m.json", "p.json", "s.csv"]
