"""The JupyterHub sizing arithmetic: from the classroom benchmark to docs/jupyterhub.md."""

import json
import re
from pathlib import Path

import pytest

from tlwidgets.bench_results import load_bench_result
from tlwidgets.classroom.hub_sizing import (
    END,
    REGENERATE,
    START,
    SizingAssumptions,
    find_stale_sizing,
    memory_limit_gib,
    render_sizing,
    update_sizing,
)

DATE = "2026-12-07T04:00:00+00:00"
RESULT = {
    "command": ".venv/bin/python bench/bench_classroom.py",
    "date": DATE,
    "machine": {"cpu": "Test CPU", "cores": 2, "platform": "Linux", "gpu": None},
    "versions": {},
    "figures": [],
    "runs": [
        {"notebook": "idle JupyterLab server", "rss_mib": 100, "date": DATE},
        {"notebook": "idle JupyterHub", "rss_mib": 200, "date": DATE},
        {
            "notebook": "00_a.ipynb",
            "threads": 2,
            "peak_rss_mib": 1948,
            "peak_uss_mib": 1000,
            "cpu_s": 60.0,
            "wall_s": 60.0,
            "cores_busy": 1.0,
            "date": DATE,
        },
        {
            "notebook": "01_b.ipynb",
            "threads": 2,
            "peak_rss_mib": 1000,
            "peak_uss_mib": 600,
            "cpu_s": 240.0,
            "wall_s": 150.0,
            "cores_busy": 1.6,
            "date": DATE,
        },
    ],
}


@pytest.fixture
def result(tmp_path):
    (tmp_path / "bench_classroom.json").write_text(json.dumps(RESULT))
    return load_bench_result("bench_classroom", tmp_path)


def test_per_student_memory_is_the_idle_server_plus_the_heaviest_kernel(result):
    text = render_sizing(result)
    assert "100 + 1948 = 2048 MiB (2.0 GiB)" in text  # 00_a holds the most memory
    assert "a memory limit of **2.5 GiB**" in text  # 2048 x 1.25 = 2560 MiB, a 0.5 GiB step


def test_thirty_students_add_up_on_one_server(result):
    text = render_sizing(result)
    # 200 + 30 x 2048 MiB = 61640 MiB = 60.2 GiB, plus the 2 GiB system reserve
    assert "= 200 + 30 x 2048 MiB = 60.2 GiB" in text
    assert "**62.2 GiB** of RAM" in text
    # the CPU-heaviest lesson (01_b, 240 CPU s): 30 at once on 16 cores take 30 x 240 / 16 s
    assert "| 16 | 7.5 min | 2.5 min |" in text
    assert "| 32 | 3.8 min | 2.5 min |" in text  # 10 at once: 10 x 240 / 32 = 75 s < 150 s alone


def test_a_hundred_students_are_counted_in_worker_nodes(result):
    text = render_sizing(result, SizingAssumptions(node_mem_gib=64, node_reserved_gib=4))
    # (64 - 4) GiB = 61440 MiB / 2048 MiB = 30 students per node; ceil(100 / 30) = 4 nodes
    assert "**30 students per node**" in text
    assert "ceil(100 / 30) = **4 worker nodes**" in text


def test_the_block_names_where_its_numbers_come_from(result):
    text = render_sizing(result)
    assert "bench/bench_classroom.py" in text and "2026-12-07" in text and "Test CPU" in text
    assert REGENERATE in text


def test_update_rewrites_only_the_block(tmp_path, result):
    doc = tmp_path / "hub.md"
    doc.write_text(f"# Title\n\n{START}\nold\n{END}\n\nafter\n")
    block = render_sizing(result)
    assert find_stale_sizing(doc, block)
    assert update_sizing(doc, block)
    assert doc.read_text() == f"# Title\n\n{START}\n{block}\n{END}\n\nafter\n"
    assert not find_stale_sizing(doc, block)
    assert not update_sizing(doc, block)


def test_committed_doc_is_what_the_generator_writes():
    assert not find_stale_sizing(), f"docs/jupyterhub.md sizing is stale: run {REGENERATE}"


def test_the_hub_config_defaults_to_the_measured_memory_limit():
    config = (
        Path(__file__).resolve().parents[2] / "classroom" / "jupyterhub" / "jupyterhub_config.py"
    )
    default = re.search(r'"TLW_HUB_MEM", "([\d.]+)G"', config.read_text())
    assert default, "jupyterhub_config.py sets no TLW_HUB_MEM default in G"
    assert float(default.group(1)) == memory_limit_gib(), (
        f"jupyterhub_config.py's TLW_HUB_MEM default {default.group(1)}G is not the limit that "
        f"docs/jupyterhub.md derives from the measurements ({memory_limit_gib():g}G)"
    )
