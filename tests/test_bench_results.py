"""Reading the committed benchmark results that lessons plot (tlwidgets.bench_results)."""

import json

import pytest

from tlwidgets.bench_results import RESULTS_DIR, BenchResult, load_bench_result

RESULT = {
    "command": ".venv/bin/python bench/bench_demo.py",
    "date": "2026-11-25T10:00:00+00:00",
    "machine": {"cpu": "Test CPU", "cores": 2, "platform": "Linux", "gpu": None},
    "versions": {"python": "3.11.7"},
    "figures": [
        {"name": "probe acc", "value": 0.8, "unit": "", "target": ">= 0.5", "note": ""},
        {"name": "time", "value": 12.5, "unit": "s", "target": None, "note": ""},
    ],
    "runs": [
        {"experiment": "data_efficiency", "strategy": "scratch", "seed": 0, "acc": 0.6},
        {"experiment": "data_efficiency", "strategy": "scratch", "seed": 1, "acc": 0.62},
        {"experiment": "data_efficiency", "strategy": "finetune_all", "seed": 0, "acc": 0.9},
        {"experiment": "forgetting", "strategy": "finetune_all", "seed": 0, "acc": 0.8},
    ],
}


def _write(directory, stem, payload):
    text = payload if isinstance(payload, str) else json.dumps(payload)
    (directory / f"{stem}.json").write_text(text)


def test_load_bench_result_reads_every_field(tmp_path):
    _write(tmp_path, "bench_demo", RESULT)
    result = load_bench_result("bench_demo", tmp_path)
    assert isinstance(result, BenchResult)
    assert result.stem == "bench_demo"
    assert result.command == RESULT["command"] and result.date == RESULT["date"]
    assert result.machine == RESULT["machine"]
    assert result.figures == RESULT["figures"] and result.runs == RESULT["runs"]


def test_provenance_names_the_command_day_and_machine(tmp_path):
    _write(tmp_path, "bench_demo", RESULT)
    provenance = load_bench_result("bench_demo", tmp_path).provenance
    for part in (RESULT["command"], "2026-11-25", "Test CPU", "2 cores", "no GPU"):
        assert part in provenance
    assert "10:00" not in provenance  # the day, not the time


def test_provenance_names_the_gpu_when_there_was_one(tmp_path):
    payload = {**RESULT, "machine": {**RESULT["machine"], "gpu": "NVIDIA H100"}}
    _write(tmp_path, "bench_demo", payload)
    assert "NVIDIA H100" in load_bench_result("bench_demo", tmp_path).provenance


def test_runs_where_keeps_the_runs_matching_every_field(tmp_path):
    _write(tmp_path, "bench_demo", RESULT)
    result = load_bench_result("bench_demo", tmp_path)
    assert len(result.runs_where(experiment="data_efficiency")) == 3
    scratch = result.runs_where(experiment="data_efficiency", strategy="scratch")
    assert [run["seed"] for run in scratch] == [0, 1]
    assert result.runs_where(experiment="missing") == []
    assert result.runs_where() == RESULT["runs"]


def test_a_result_without_runs_has_an_empty_list(tmp_path):
    payload = {key: value for key, value in RESULT.items() if key != "runs"}
    _write(tmp_path, "bench_demo", payload)
    result = load_bench_result("bench_demo", tmp_path)
    assert result.runs == [] and result.runs_where(strategy="scratch") == []


def test_figure_returns_a_value_and_unknown_names_list_the_known_ones(tmp_path):
    _write(tmp_path, "bench_demo", RESULT)
    result = load_bench_result("bench_demo", tmp_path)
    assert result.figure("probe acc") == 0.8
    with pytest.raises(KeyError, match=r"no figure 'accuracy'.*'probe acc', 'time'"):
        result.figure("accuracy")


def test_a_missing_result_says_which_script_produces_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"python bench/bench_missing\.py"):
        load_bench_result("bench_missing", tmp_path)


@pytest.mark.parametrize(
    "payload",
    [
        "{not json",
        "",
        "[1, 2]",
        '"a string"',
        {key: value for key, value in RESULT.items() if key != "command"},
        {key: value for key, value in RESULT.items() if key != "figures"},
    ],
    ids=["malformed", "empty", "list", "string", "no-command", "no-figures"],
)
def test_a_file_that_is_not_a_result_is_a_value_error_saying_how_to_rebuild(tmp_path, payload):
    _write(tmp_path, "bench_demo", payload)
    with pytest.raises(ValueError, match=r"not a readable benchmark result.*bench/bench_demo\.py"):
        load_bench_result("bench_demo", tmp_path)


def test_every_committed_bench_result_loads():
    paths = sorted(RESULTS_DIR.glob("*.json"))
    assert paths, f"no results in {RESULTS_DIR}"
    for path in paths:
        result = load_bench_result(path.stem)
        assert result.command and result.figures, path.name
        for figure in result.figures:
            assert result.figure(figure["name"]) == figure["value"]
        assert all(isinstance(run, dict) for run in result.runs), path.name
