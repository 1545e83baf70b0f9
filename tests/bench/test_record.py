"""bench/record.py writes a result file, with the optional raw runs of a sweep."""

import json

import pytest

from bench import record
from tlwidgets.bench_results import load_bench_result

FIGURES = [{"name": "probe acc", "value": 0.8, "unit": "", "target": ">= 0.5"}]
RUNS = [
    {"strategy": "scratch", "labels_per_class": 10, "seed": 0, "acc": 0.69},
    {"strategy": "finetune_all", "labels_per_class": 10, "seed": 0, "acc": 0.91},
]


@pytest.fixture
def results_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(record, "RESULTS_DIR", tmp_path)
    return tmp_path


def test_write_result_stores_runs_and_they_read_back(results_dir):
    path = record.write_result("bench_demo", FIGURES, "python bench/bench_demo.py", runs=RUNS)
    assert path == results_dir / "bench_demo.json"
    payload = json.loads(path.read_text())
    assert payload["runs"] == RUNS
    assert record.read_results()["bench_demo"]["runs"] == RUNS
    result = load_bench_result("bench_demo", results_dir)
    assert result.runs == RUNS and result.figure("probe acc") == 0.8


def test_write_result_omits_runs_when_none(results_dir):
    path = record.write_result("bench_demo", FIGURES, "python bench/bench_demo.py")
    payload = json.loads(path.read_text())
    assert "runs" not in payload
    assert payload["figures"] == [{**FIGURES[0], "note": ""}]
    assert load_bench_result("bench_demo", results_dir).runs == []


def test_write_result_keeps_an_empty_runs_list(results_dir):
    path = record.write_result("bench_demo", FIGURES, "python bench/bench_demo.py", runs=[])
    assert json.loads(path.read_text())["runs"] == []


def test_write_result_leaves_no_temporary_file(results_dir):
    record.write_result("bench_demo", FIGURES, "python bench/bench_demo.py", runs=RUNS)
    assert [p.name for p in results_dir.iterdir()] == ["bench_demo.json"]


def test_partial_runs_resume_from_the_file_they_append_to(tmp_path):
    path = tmp_path / ".sweep.partial.jsonl"
    runs = record.PartialRuns(path, ("method", "seed"))
    assert runs.get({"method": "mmd", "seed": 0}) is None
    runs.add({"method": "mmd", "seed": 0, "acc": 0.9})
    runs.add({"method": "mmd", "seed": 1, "acc": 0.8})
    resumed = record.PartialRuns(path, ("method", "seed"))  # a new process after a crash
    assert resumed.get({"method": "mmd", "seed": 1, "acc": None})["acc"] == 0.8
    assert resumed.get({"method": "dann", "seed": 0}) is None
    assert resumed.get({"method": "mmd"}) is None  # a missing key field counts as None
