"""The instructor guide: generated blocks match the committed benchmark; no downloads."""

import json
import re

import pytest

from tlwidgets.bench_results import RESULTS_DIR
from tlwidgets.classroom.__main__ import main
from tlwidgets.classroom.guide import (
    NOTEBOOKS_DIR,
    PLANS,
    REGENERATE,
    find_stale_blocks,
    guide_blocks,
    guide_path,
    measure_notebooks,
    plan_totals,
    update_guide,
)

DOWNLOADS = (  # what code that downloads looks like, in a shell or in Python
    r"pip\s+(install|download)",
    r"\bwget\b",
    r"\bcurl\b",
    r"git\s+clone",
    r"https?://",
    r"urlopen|urlretrieve",
    r"hub\.load",
    r"download\s*=\s*True",
)
NOTEBOOKS = sorted(path.name for path in NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def guide() -> str:
    return guide_path().read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def blocks() -> dict[str, str]:
    return guide_blocks()


@pytest.fixture(scope="module")
def bench_minutes() -> dict[tuple[str, str], float]:
    """(notebook, mode) -> minutes, from the latest CPU run in bench_notebooks.json."""
    runs = json.loads((RESULTS_DIR / "bench_notebooks.json").read_text())["runs"]
    return {(r["notebook"], r["mode"]): r["seconds"] / 60 for r in runs if r["device"] == "cpu"}


def _block(text: str, name: str) -> str:
    match = re.search(f"<!-- guide:{name}:start -->\n(.*?)\n<!-- guide:{name}:end -->", text, re.S)
    assert match, f"the guide has no {name} block"
    return match.group(1)


def test_committed_guide_is_what_the_generator_writes(guide, blocks):
    stale = find_stale_blocks(blocks=blocks)
    assert not stale, f"docs/instructor.md is stale in {stale}: run {REGENERATE}"
    for name, block in blocks.items():
        assert _block(guide, name) == block


def test_every_lesson_notebook_has_a_section_with_its_times(guide):
    assert NOTEBOOKS, "no lesson notebooks found"
    for notebook in NOTEBOOKS:
        heading = re.search(rf"^## Lesson {notebook[:2]} .*`{re.escape(notebook)}`", guide, re.M)
        assert heading, f"docs/instructor.md has no '## Lesson {notebook[:2]}' section"
        section = guide[heading.end() :].split("\n## ", 1)[0]
        for part in ("**Goals.**", "**Demo live.**", "**Discussion questions.**", "mistakes"):
            assert part in section, f"lesson {notebook[:2]}'s section lacks {part}"
        assert f"<!-- guide:lesson-{notebook[:2]}:start -->" in section


def test_times_table_minutes_match_the_bench_file(guide, bench_minutes):
    rows = [line for line in _block(guide, "times").splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == NOTEBOOKS
    for row in rows:
        notebook, cpu, _, smoke = (cell.strip() for cell in row.strip("|").split("|")[:4])
        notebook = notebook.strip("`")
        assert cpu == f"{bench_minutes[notebook, 'full']:.1f} min"
        assert smoke == f"{bench_minutes[notebook, 'smoke']:.1f} min"


def test_lesson_blocks_quote_the_measured_full_mode_time(guide, bench_minutes):
    for notebook in NOTEBOOKS:
        line = _block(guide, f"lesson-{notebook[:2]}")
        assert f"**{bench_minutes[notebook, 'full']:.1f} min**" in line


@pytest.mark.parametrize("plan", PLANS, ids=lambda plan: plan.name)
def test_plan_minutes_come_from_the_bench_file_and_add_up(guide, bench_minutes, plan):
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in _block(guide, plan.name).splitlines()[2:]
        if line.startswith("| ") and not line.startswith("| lesson")
    ]
    *steps, total = rows
    planned, measured = 0, 0.0
    for lesson, _, _, plan_min, measured_min, source, _ in steps:
        if measured_min != "-":
            notebook = next(n for n in NOTEBOOKS if n.startswith(lesson))
            assert float(measured_min) == round(bench_minutes[notebook, "full"], 1)
            assert source.startswith("measured, bench_notebooks, ")
            measured += bench_minutes[notebook, "full"]
        else:
            assert source == "plan (pacing choice)"
            planned += int(plan_min)
    assert total[3] == f"**{planned}**"
    assert total[4] == f"**{measured:.1f}**"
    assert total[6] == f"**{planned + measured:.1f}**"
    assert planned + measured <= plan.budget_minutes, f"{plan.name} overruns its budget"
    assert (planned, round(measured, 1)) == plan_totals(plan, measure_notebooks())[:2]


def test_guide_has_no_code_that_downloads(guide):
    code = "\n".join(re.findall(r"```.*?```", guide, re.S) + re.findall(r"`[^`\n]+`", guide))
    for pattern in DOWNLOADS:
        assert not re.search(pattern, code), f"the guide's code matches {pattern!r}"


def test_update_guide_fills_blocks_and_names_a_missing_one(tmp_path, blocks):
    start, end = "<!-- guide:times:start -->", "<!-- guide:times:end -->"
    path = tmp_path / "guide.md"
    path.write_text(f"prose\n{start}\nold\n{end}\nmore prose\n")
    assert update_guide(path, {"times": blocks["times"]}) == ["times"]
    assert path.read_text() == f"prose\n{start}\n{blocks['times']}\n{end}\nmore prose\n"
    assert update_guide(path, {"times": blocks["times"]}) == []
    with pytest.raises(ValueError, match="lesson-09"):
        update_guide(path, {"lesson-09": "x"})


def test_cli_check_reports_a_current_guide(capsys):
    assert main(["guide", "--check"]) == 0
    assert "up to date" in capsys.readouterr().out
