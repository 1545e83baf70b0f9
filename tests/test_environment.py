import json
import shutil

import pytest
import torch

from tlwidgets.data.home import cache_dir
from tlwidgets.environment import check_environment, find_network_code, lesson_map
from tlwidgets.models.zoo import WEIGHTS_DIR


def rows_of(report):
    return {item: (value, ok) for item, value, ok in report.rows}


def test_this_machine_passes_every_check():
    report = check_environment()

    assert report.ok, str(report)
    rows = rows_of(report)
    assert {"Python", "torch", "torchvision", "tlwidgets", "device", "offline"} <= rows.keys()
    assert {"dataset mnist", "zoo glyphs-resnet", "zoo synth-resnet"} <= rows.keys()
    assert rows["zoo glyphs-resnet"][0].startswith("verified, sha256 ")


def test_report_shows_as_text_and_as_an_html_table():
    report = check_environment()

    assert "ok  device" in str(report)
    page = report._repr_html_()
    assert page.startswith("<table>")
    assert "Environment check: all good" in page


def test_a_corrupted_zoo_file_is_reported_not_ok(tmp_path):
    weights = tmp_path / "weights"
    shutil.copytree(WEIGHTS_DIR, weights)
    with open(weights / "synth-resnet.safetensors", "r+b") as file:
        file.seek(100)
        file.write(b"\x00\x01\x02\x03")
    (weights / "glyphs-resnet.safetensors").unlink()

    report = check_environment(weights_dir=weights)

    assert not report.ok
    rows = rows_of(report)
    assert rows["zoo synth-resnet"] == (
        f"{weights / 'synth-resnet.safetensors'} fails its sha256 check: corrupted",
        False,
    )
    assert rows["zoo glyphs-resnet"][0].endswith("is missing")
    assert rows["zoo shuffled-glyphs-resnet"][1]
    assert "❌" in report._repr_html_()
    assert "NO  zoo synth-resnet" in str(report)


def test_datasets_not_built_yet_are_fine_but_a_corrupted_one_is_not(tmp_path):
    assert check_environment(data_dir=tmp_path).ok  # empty cache: built on first use
    shutil.copy(cache_dir() / "manifest.json", tmp_path)
    shutil.copy(cache_dir() / "uci.npz", tmp_path)
    with open(tmp_path / "uci.npz", "ab") as file:
        file.write(b"tampered")

    rows = rows_of(check_environment(data_dir=tmp_path))

    assert rows["dataset mnist"] == ("not built yet: it builds on first use", True)
    value, ok = rows["dataset uci"]
    assert not ok
    assert "corrupted or modified" in value
    assert "rebuilt on first use" in value


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_a_device_this_machine_lacks_is_reported(monkeypatch):
    monkeypatch.setenv("TLW_DEVICE", "cuda")

    value, ok = rows_of(check_environment())["device"]

    assert not ok
    assert "not available" in value


def test_tlwidgets_has_no_code_that_could_reach_the_network():
    assert find_network_code() == []


def test_network_code_is_found_by_reading_the_source(tmp_path):
    (tmp_path / "fetch.py").write_text(
        "import urllib.request\n"
        "from http.client import HTTPSConnection\n"
        "import torch\n"
        "model = torch.hub.load('repo', 'model')\n"
        "data = MNIST('.', download=True)\n"
        "safe = MNIST('.', download=False)\n"
        "torch.hub.get_dir()\n"
    )

    found = find_network_code(tmp_path)

    assert found == [
        "fetch.py:1 urllib.request",
        "fetch.py:2 http.client.HTTPSConnection",
        "fetch.py:4 calls load",
        "fetch.py:5 passes download=...",
    ]
    rows = rows_of(check_environment())
    assert rows["offline"][0].startswith("no code that could reach the network")


def write_bench(folder, runs):
    result = {
        "command": ".venv/bin/python bench/bench_notebooks.py",
        "date": "2026-11-25T12:00:00+00:00",
        "machine": {"cpu": "Test CPU", "cores": 2, "platform": "Linux", "gpu": None},
        "figures": [],
        "runs": runs,
    }
    (folder / "bench_notebooks.json").write_text(json.dumps(result))


def run(seconds, device="cpu", mode="full", machine="Test CPU, 2 cores"):
    notebook = "00_start_here.ipynb"
    return {
        "notebook": notebook,
        "mode": mode,
        "seconds": seconds,
        "device": device,
        "machine": machine,
    }


def test_lesson_map_reads_times_and_marks_missing_lessons_coming(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ("00_start_here.ipynb", "01_inductive_transfer.ipynb"):
        (notebooks / name).write_text("{}")
    write_bench(tmp_path, [run(42.4), run(9.0, mode="smoke")])

    lessons = lesson_map(notebooks, tmp_path)

    assert [row[0] for row in lessons.rows] == ["00", "01", "02", "03", "04", "05"]
    assert lessons.rows[0][2:] == ("00_start_here.ipynb", "42 s", "not measured yet")
    unmeasured = ("01_inductive_transfer.ipynb", "not measured yet", "not measured yet")
    assert lessons.rows[1][2:] == unmeasured
    assert lessons.rows[2][2:] == ("coming", "-", "-")
    assert "Test CPU, 2 cores" in lessons.caption
    assert "<table>" in lessons._repr_html_()
    assert "00 | Start here" in str(lessons)


def test_lesson_map_shows_minutes_and_gpu_times(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "00_start_here.ipynb").write_text("{}")
    write_bench(tmp_path, [run(150.0), run(20.0, device="cuda", machine="Test GPU")])

    assert lesson_map(notebooks, tmp_path).rows[0][3:] == ("2.5 min", "20 s")


def test_lesson_map_of_the_course_covers_its_notebooks():
    lessons = lesson_map()

    assert lessons.rows[0][2] == "00_start_here.ipynb"
    assert lessons.rows[0][3] != "not measured yet"


def test_time_of_a_lesson_reads_one_row(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "00_start_here.ipynb").write_text("{}")
    write_bench(tmp_path, [run(42.4)])
    lessons = lesson_map(notebooks, tmp_path)

    assert lessons.time_of("00") == (
        "00_start_here.ipynb, every cell: 42 s on a CPU, not measured yet on a GPU"
    )
    with pytest.raises(ValueError, match="no lesson '07'"):
        lessons.time_of("07")


def test_lesson_map_before_the_first_benchmark_run_measures_nothing(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "00_start_here.ipynb").write_text("{}")

    lessons = lesson_map(notebooks, tmp_path / "no-results")

    assert lessons.rows[0][3:] == ("not measured yet", "not measured yet")
    assert lessons.caption.endswith("nothing measured yet")
