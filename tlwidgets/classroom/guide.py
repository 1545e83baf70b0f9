"""Regenerate the measured parts of the instructor guide, ``docs/instructor.md``.

The guide is hand-written prose around named generated blocks, each between
``<!-- guide:<name>:start -->`` and ``<!-- guide:<name>:end -->``. Every minute in those blocks
that a machine measured (a notebook's run time, a plan's compute time) is read from
``bench/results/bench_notebooks.json``, never typed; the minutes of talking, reading and
discussing are the plans' own pacing choices, written in :data:`PLANS` and labelled as such::

    python -m tlwidgets.classroom guide           # rewrite the blocks
    python -m tlwidgets.classroom guide --check   # exit 1 if the guide is stale

The blocks are:

- ``times``: one row per lesson notebook: full-mode run time on a CPU (and a GPU once
  measured) and smoke-mode time;
- ``lesson-NN``: one line in lesson NN's section with that notebook's measured run time;
- ``plan-3h`` and ``plan-day``: the two workshop plans, step by step, with their totals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..bench_results import RESULTS_DIR, load_bench_result

__all__ = [
    "PLANS",
    "NotebookTime",
    "Plan",
    "Step",
    "find_stale_blocks",
    "guide_blocks",
    "guide_path",
    "measure_notebooks",
    "minutes",
    "plan_totals",
    "update_guide",
]

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS_DIR = ROOT / "notebooks"
BENCH = "bench_notebooks"
REGENERATE = "python -m tlwidgets.classroom guide"
BLOCK_NAME = re.compile(r"<!-- guide:([a-z0-9-]+):start -->")  # any generated block


def guide_path() -> Path:
    """Return the path of the instructor guide in the source checkout."""
    return ROOT / "docs" / "instructor.md"


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- guide:{name}:start -->", f"<!-- guide:{name}:end -->"


@dataclass(frozen=True)
class NotebookTime:
    """What ``bench/bench_notebooks.py`` measured for one notebook (the latest run of each)."""

    notebook: str  # file name, e.g. "01_inductive_transfer.ipynb"
    full_cpu: float | None  # seconds, every cell in full mode on a CPU; None if not measured
    full_gpu: float | None  # seconds, the same on a GPU; None if not measured
    smoke: float | None  # seconds, every cell in smoke mode (TLW_SMOKE=1)
    machine: str  # the machine of the full CPU run, e.g. "AMD EPYC, 2 cores"
    date: str  # day of the full CPU run, YYYY-MM-DD

    @property
    def lesson(self) -> str:
        """The lesson number, "00" ... "05"."""
        return self.notebook[:2]

    @property
    def source(self) -> str:
        """Where the CPU figure comes from, for the tables' source column."""
        return f"measured, {BENCH}, {self.machine}, {self.date}"


def measure_notebooks(
    notebooks_dir: Path = NOTEBOOKS_DIR, results_dir: Path = RESULTS_DIR
) -> list[NotebookTime]:
    """Read the measured run times of every lesson notebook ``NN_*.ipynb``, in lesson order.

    Raises
    ------
    ValueError
        If a notebook has no full-mode CPU run in the benchmark (say how to measure it).
    """
    runs = load_bench_result(BENCH, results_dir).runs
    times = []
    for path in sorted(Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb")):
        mine = [run for run in runs if run["notebook"] == path.name]
        cpu = [r for r in mine if r["mode"] == "full" and r["device"] == "cpu"]
        gpu = [r for r in mine if r["mode"] == "full" and r["device"] != "cpu"]
        smoke = [r for r in mine if r["mode"] == "smoke"]
        if not cpu:
            raise ValueError(
                f"{BENCH}.json has no full-mode CPU run of {path.name}; measure it with: "
                f"python bench/{BENCH}.py {path.name}"
            )
        times.append(
            NotebookTime(
                notebook=path.name,
                full_cpu=cpu[-1]["seconds"],
                full_gpu=gpu[-1]["seconds"] if gpu else None,
                smoke=smoke[-1]["seconds"] if smoke else None,
                machine=cpu[-1]["machine"],
                date=cpu[-1]["date"][:10],
            )
        )
    return times


def minutes(seconds: float) -> float:
    """Seconds as minutes, rounded to 0.1: the unit of every generated figure."""
    return round(seconds / 60, 1)


def _min(seconds: float | None) -> str:
    return "not measured" if seconds is None else f"{minutes(seconds):.1f} min"


@dataclass(frozen=True)
class Step:
    """One step of a workshop plan: either a pacing choice or a measured notebook run."""

    lesson: str  # "00" ... "05", or "" for a break or a wrap-up
    activity: str  # what happens, e.g. "talk: what transfer learning is"
    who: str  # "instructor", "students" or "everyone"
    minutes: int = 0  # the plan's choice, in minutes; 0 for a measured step
    run: bool = False  # True: the step lasts lesson's full-mode CPU run time (measured)


@dataclass(frozen=True)
class Plan:
    """A workshop plan: its steps and the time it must fit in."""

    name: str  # the generated block's name, e.g. "plan-3h"
    title: str  # e.g. "3-hour workshop"
    budget_minutes: int  # the teaching time the plan must fit in (lunch not counted)
    steps: tuple[Step, ...]


def _lesson(number: str, talk: int, read: int, discuss: int, demo: str) -> tuple[Step, ...]:
    """The four steps of one lesson: talk and demo, run every cell, read and do, discuss."""
    return (
        Step(number, f"talk and live demo: {demo}", "instructor", talk),
        Step(
            number,
            "run all cells, full mode (time the cells keep students waiting)",
            "students",
            run=True,
        ),
        Step(number, "read, try the widgets, do the exercises", "students", read),
        Step(number, "discussion questions of this guide", "everyone", discuss),
    )


PLANS = (
    Plan(
        name="plan-3h",
        title="3-hour workshop: lessons 00, 01, 02 and 04",
        budget_minutes=180,
        steps=(
            Step("", "welcome; everyone opens the course (`make lab`)", "everyone", 5),
            *_lesson("00", 5, 10, 5, "the environment check and the 100-label probe"),
            *_lesson("01", 10, 25, 10, "FeatureExplorer, then FineTuneLab"),
            Step("", "break", "everyone", 10),
            *_lesson("02", 10, 20, 10, "see the shift, then the DomainShiftExplorer"),
            *_lesson("04", 10, 15, 5, "one episode by eye, then the EpisodePlayground"),
            Step("", "wrap-up: what to read next, lessons 03 and 05 as homework", "everyone", 5),
        ),
    ),
    Plan(
        name="plan-day",
        title="full-day workshop: all six lessons",
        budget_minutes=390,
        steps=(
            Step("", "welcome; everyone opens the course (`make lab`)", "everyone", 10),
            *_lesson("00", 10, 15, 5, "the environment check and the 100-label probe"),
            *_lesson("01", 15, 35, 10, "FeatureExplorer, then FineTuneLab"),
            Step("", "break", "everyone", 15),
            *_lesson("02", 15, 35, 15, "see the shift, then the DomainShiftExplorer"),
            Step("", "lunch (not counted); restart the kernels after it", "everyone", 0),
            *_lesson("03", 15, 30, 10, "the scale problem, then the TaskBalancer"),
            Step("", "break", "everyone", 15),
            *_lesson("04", 15, 30, 10, "one episode by eye, then the EpisodePlayground"),
            *_lesson("05", 10, 25, 10, "sentence similarity, then the TextPlayground"),
            Step("", "wrap-up and questions", "everyone", 10),
        ),
    ),
)


def plan_totals(plan: Plan, times: list[NotebookTime]) -> tuple[int, float, float]:
    """The plan's total minutes: ``(planned, measured, planned + measured)``.

    The measured total is the sum of the run times' exact seconds, rounded once, so it may
    differ by 0.1 from the sum of the rounded rows.
    """
    by_lesson = {t.lesson: t for t in times}
    planned = sum(step.minutes for step in plan.steps)
    seconds = sum(by_lesson[s.lesson].full_cpu for s in plan.steps if s.run)
    return planned, minutes(seconds), round(planned + seconds / 60, 1)


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def _times_block(times: list[NotebookTime]) -> str:
    rows = [
        [f"`{t.notebook}`", _min(t.full_cpu), _min(t.full_gpu), _min(t.smoke), t.source]
        for t in times
    ]
    return _table(
        ["notebook", "run all cells, CPU", "run all cells, GPU", "smoke mode", "source"], rows
    )


def _lesson_block(t: NotebookTime) -> str:
    gpu = "" if t.full_gpu is None else f", {_min(t.full_gpu)} on a GPU"
    return (
        f"Run all cells (full mode): **{_min(t.full_cpu)}** on a 2-core CPU{gpu} "
        f"({t.source}); smoke mode {_min(t.smoke)}."
    )


def _plan_block(plan: Plan, times: list[NotebookTime]) -> str:
    by_lesson = {t.lesson: t for t in times}
    rows, clock = [], 0.0
    for step in plan.steps:
        if step.lesson and step.lesson not in by_lesson:
            raise ValueError(f"{plan.name} uses lesson {step.lesson}, which has no notebook")
        if step.run:
            t = by_lesson[step.lesson]
            planned, measured, source = "-", f"{minutes(t.full_cpu):.1f}", t.source
            clock += t.full_cpu / 60
        else:
            planned, measured, source = str(step.minutes), "-", "plan (pacing choice)"
            clock += step.minutes
        row = [step.lesson or "-", step.activity, step.who, planned, measured, source]
        rows.append([*row, f"{clock:.0f}"])
    planned, measured, total = plan_totals(plan, times)
    rows.append(
        ["", "**total**", "", f"**{planned}**", f"**{measured:.1f}**", "", f"**{total:.1f}**"]
    )
    header = ["lesson", "activity", "who", "plan min", "measured min", "source", "elapsed min"]
    return "\n".join(
        [
            f"**{plan.title}**: {planned} min planned + {measured:.1f} min measured compute "
            f"= {total:.1f} min, of {plan.budget_minutes} min available.",
            "",
            _table(header, rows),
        ]
    )


def guide_blocks(
    notebooks_dir: Path = NOTEBOOKS_DIR, results_dir: Path = RESULTS_DIR
) -> dict[str, str]:
    """Return every generated block of the guide, by name, from the committed bench results."""
    times = measure_notebooks(notebooks_dir, results_dir)
    blocks = {"times": _times_block(times)}
    blocks |= {f"lesson-{t.lesson}": _lesson_block(t) for t in times}
    blocks |= {plan.name: _plan_block(plan, times) for plan in PLANS}
    return blocks


def _fill(text: str, name: str, block: str) -> str:
    start, end = _markers(name)
    if start not in text or end not in text:
        raise ValueError(
            f"the guide has no {start} ... {end} block; add it where {name} belongs "
            f"(every lesson notebook needs a section with a lesson-NN block)"
        )
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{block}\n{end}{tail}"


def find_stale_blocks(path: Path | None = None, blocks: dict[str, str] | None = None) -> list[str]:
    """Return the names of the guide's blocks that differ from what the generator writes."""
    text = Path(path or guide_path()).read_text(encoding="utf-8")
    blocks = guide_blocks() if blocks is None else blocks
    stale = [name for name, block in blocks.items() if _fill(text, name, block) != text]
    return stale + [name for name in BLOCK_NAME.findall(text) if name not in blocks]


def update_guide(path: Path | None = None, blocks: dict[str, str] | None = None) -> list[str]:
    """Rewrite the generated blocks of the guide; return the names of those that changed.

    Raises
    ------
    ValueError
        If the guide lacks a block's markers (for instance a new lesson without a section).
    """
    path = Path(path or guide_path())
    text = path.read_text(encoding="utf-8")
    blocks = guide_blocks() if blocks is None else blocks
    changed = []
    for name, block in blocks.items():
        filled = _fill(text, name, block)
        if filled != text:
            changed.append(name)
        text = filled
    if changed:
        path.write_text(text, encoding="utf-8")
    return changed
