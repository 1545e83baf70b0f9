"""How big a JupyterHub a class needs, from the measured cost of one student.

``bench/bench_classroom.py`` measures, per lesson, the kernel's peak memory and CPU time in
full mode, and the fixed costs of an idle student server and of the hub with its proxy. This
module turns those numbers into the sizing arithmetic of ``docs/jupyterhub.md`` (30 students
on one server, 100 on Kubernetes), between ``<!-- sizing:start -->`` and
``<!-- sizing:end -->``; everything that is a choice rather than a measurement is a field of
:class:`SizingAssumptions`, named as an assumption in the text::

    python -m tlwidgets.classroom.hub_sizing           # rewrite the block from the result
    python -m tlwidgets.classroom.hub_sizing --check   # exit 1 if the block is stale
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from ..bench_results import RESULTS_DIR, BenchResult, load_bench_result

__all__ = [
    "SizingAssumptions",
    "find_stale_sizing",
    "memory_limit_gib",
    "render_sizing",
    "update_sizing",
]

STEM = "bench_classroom"
START, END = "<!-- sizing:start -->", "<!-- sizing:end -->"
REGENERATE = "python -m tlwidgets.classroom.hub_sizing"
IDLE_SERVER, IDLE_HUB = "idle JupyterLab server", "idle JupyterHub"
GIB = 1024  # MiB


@dataclass(frozen=True)
class SizingAssumptions:
    """The choices behind the arithmetic (the measurements come from the result file)."""

    headroom: float = 1.25  # memory limit = measured peak x this, for variation between runs
    limit_step_gib: float = 0.5  # the memory limit is rounded up to a multiple of this
    os_reserve_gib: float = 2.0  # one server: the OS and services besides the hub
    staggered: float = 1 / 3  # share of the class running cells at the same moment, usually
    small_class: int = 30
    small_cores: tuple[int, ...] = (16, 32)  # one-server sizes compared for the small class
    large_class: int = 100
    node_vcpus: int = 16  # a Kubernetes worker node, e.g. a common 16 vCPU / 64 GiB instance
    node_mem_gib: float = 64.0
    node_reserved_gib: float = 4.0  # kubelet, system pods, eviction threshold
    node_reserved_vcpus: float = 1.0


def _lessons(result: BenchResult) -> list[dict]:
    return [run for run in result.runs if run["notebook"].endswith(".ipynb")]


def _idle(result: BenchResult, name: str) -> int:
    runs = result.runs_where(notebook=name)
    if not runs:
        raise KeyError(f"{STEM}.json has no {name!r} run; rerun bench/bench_classroom.py")
    return runs[0]["rss_mib"]


def _gib(mib: float) -> str:
    return f"{mib / GIB:.1f} GiB"


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def _stretched(run: dict, students: int, cores: float) -> float:
    """Wall seconds of ``run`` when ``students`` run it at once on ``cores`` (CPU-bound)."""
    return max(run["wall_s"], students * run["cpu_s"] / cores)


def memory_limit_gib(
    result: BenchResult | None = None, assume: SizingAssumptions = SizingAssumptions()
) -> float:
    """The per-student memory limit: idle server + heaviest kernel, with headroom, rounded up."""
    result = result or load_bench_result(STEM, RESULTS_DIR)
    peak = max(run["peak_rss_mib"] for run in _lessons(result))
    step = assume.limit_step_gib * GIB
    return math.ceil((_idle(result, IDLE_SERVER) + peak) * assume.headroom / step) * step / GIB


def lesson_notebooks() -> list[str]:
    """The lesson notebooks of the course checkout (``notebooks/*.ipynb``)."""
    folder = Path(__file__).resolve().parents[2] / "notebooks"
    return sorted(path.name for path in folder.glob("*.ipynb"))


def render_sizing(
    result: BenchResult | None = None, assume: SizingAssumptions = SizingAssumptions()
) -> str:
    """The markdown of the sizing block, from the classroom benchmark's result."""
    result = result or load_bench_result(STEM, RESULTS_DIR)
    lessons = _lessons(result)
    if not lessons:
        raise ValueError(f"{STEM}.json has no lesson run; rerun bench/bench_classroom.py")
    server, hub = _idle(result, IDLE_SERVER), _idle(result, IDLE_HUB)
    heaviest_mem = max(lessons, key=lambda run: run["peak_rss_mib"])
    heaviest_cpu = max(lessons, key=lambda run: run["cpu_s"])
    student = server + heaviest_mem["peak_rss_mib"]  # MiB, conservative (shared libs in full)
    student_low = server + heaviest_mem["peak_uss_mib"]  # MiB, what each extra student adds
    limit = memory_limit_gib(result, assume) * GIB
    threads = {run.get("threads") for run in lessons}
    lines = [
        f"Measured by `bench/bench_classroom.py` (`bench/results/{STEM}.json`, last run:"
        f" {result.provenance}), in full mode, threads per kernel:"
        f" {', '.join(str(t) for t in sorted(threads))}. Regenerate this block with"
        f" `{REGENERATE}` after a new run.",
        "",
        "| lesson | kernel peak RSS | kernel peak USS | CPU time | alone | cores busy | measured |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in lessons:
        lines.append(
            f"| `{run['notebook']}` | {run['peak_rss_mib']} MiB | {run['peak_uss_mib']} MiB"
            f" | {run['cpu_s']:.0f} s | {_minutes(run['wall_s'])} | {run['cores_busy']}"
            f" | {run['date'][:10]} |"
        )
    missing = sorted(set(lesson_notebooks()) - {run["notebook"] for run in lessons})
    if missing:
        lines += [
            "",
            f"**Not measured yet: {', '.join(f'`{name}`' for name in missing)}.** Every figure"
            " below covers the measured lessons only; a lesson that needs more memory or CPU"
            " raises them. Measure them (`python bench/bench_classroom.py`) before sizing a"
            " real class.",
        ]
    lines += [
        "",
        f"Fixed costs: an idle student server {server} MiB (per logged-in student); the hub and"
        f" its proxy {hub} MiB (once). RSS counts shared libraries (PyTorch) in full, as a"
        " memory limit does; USS is the memory unique to one kernel, what each extra student"
        " adds once the libraries sit in the page cache. *Alone* is the wall time on the"
        " measuring machine, which may have been busy with other work; CPU time does not"
        " depend on that.",
        "",
        "**Per student.** Memory: the idle server plus the heaviest lesson's kernel"
        f" (`{heaviest_mem['notebook']}`): {server} + {heaviest_mem['peak_rss_mib']}"
        f" = {student} MiB ({_gib(student)}); with {assume.headroom:g}x headroom, rounded up"
        f" to {assume.limit_step_gib:g} GiB: a memory limit of **{_gib(limit)}**"
        " (`TLW_HUB_MEM`, `mem_limit`). A kernel keeps most of its peak memory until it is"
        " restarted, so count every logged-in student at their peak. CPU: the heaviest lesson"
        f" (`{heaviest_cpu['notebook']}`) needs {heaviest_cpu['cpu_s']:.0f} CPU seconds."
        " When more students run cells at once than there are cores, they share them: a"
        " lesson then takes about *students running at once x CPU time / cores* instead of"
        " its time alone (the formula below; it assumes CPU-bound cells and fair sharing).",
    ]

    n = assume.small_class
    need = hub + n * student
    need_low = hub + n * student_low
    lines += [
        "",
        f"### {n} students: one server, the Littlest JupyterHub",
        "",
        f"Memory: hub + {n} x per student = {hub} + {n} x {student} MiB = {_gib(need)}"
        f" ({_gib(need_low)} counting USS), plus {assume.os_reserve_gib:g} GiB for the"
        f" system (assumption): **{_gib(need + assume.os_reserve_gib * GIB)}** of RAM."
        f" CPU: how long `{heaviest_cpu['notebook']}` takes (alone:"
        f" {_minutes(heaviest_cpu['wall_s'])}) when everyone runs it at once, and when a"
        f" {assume.staggered:.0%} share does (assumption: students rarely run heavy cells"
        " at the same moment, except right after *run all cells* is announced):",
        "",
        "| server cores | all " + str(n) + f" at once | {round(n * assume.staggered)} at once |",
        "|---|---|---|",
    ]
    for cores in assume.small_cores:
        lines.append(
            f"| {cores} | {_minutes(_stretched(heaviest_cpu, n, cores))}"
            f" | {_minutes(_stretched(heaviest_cpu, round(n * assume.staggered), cores))} |"
        )

    n = assume.large_class
    usable_gib = assume.node_mem_gib - assume.node_reserved_gib
    usable_cpus = assume.node_vcpus - assume.node_reserved_vcpus
    per_node = int(usable_gib * GIB // student)
    nodes = math.ceil(n / per_node)
    lines += [
        "",
        f"### {n} students: Kubernetes, Zero to JupyterHub",
        "",
        f"Memory alone: hub + {n} x {student} MiB = {_gib(hub + n * student)}."
        f" On worker nodes of {assume.node_vcpus} vCPU / {assume.node_mem_gib:g} GiB"
        f" (assumption), {assume.node_reserved_gib:g} GiB and"
        f" {assume.node_reserved_vcpus:g} vCPU reserved for Kubernetes: with a memory"
        f" guarantee of {student} MiB per student, {usable_gib:g} GiB / {student} MiB ="
        f" **{per_node} students per node**, so ceil({n} / {per_node}) = **{nodes} worker"
        f" nodes** (plus a small node for the hub and proxy, or room for {hub} MiB on one of"
        f" them). On a node, {per_node} students running"
        f" `{heaviest_cpu['notebook']}` at once on {usable_cpus:g} vCPUs take"
        f" {_minutes(_stretched(heaviest_cpu, per_node, usable_cpus))};"
        f" {round(per_node * assume.staggered)} at once take"
        f" {_minutes(_stretched(heaviest_cpu, round(per_node * assume.staggered), usable_cpus))}.",
    ]
    return "\n".join(lines)


def sizing_path() -> Path:
    """``docs/jupyterhub.md`` of the course checkout."""
    return Path(__file__).resolve().parents[2] / "docs" / "jupyterhub.md"


def _block(text: str) -> re.Match[str]:
    match = re.search(f"{re.escape(START)}\n(.*?)\n{re.escape(END)}", text, re.S)
    if match is None:
        raise ValueError(f"docs/jupyterhub.md has no {START} ... {END} block")
    return match


def find_stale_sizing(path: Path | None = None, block: str | None = None) -> bool:
    """True if the sizing block of ``path`` differs from what :func:`render_sizing` writes."""
    text = (path or sizing_path()).read_text(encoding="utf-8")
    return _block(text).group(1) != (render_sizing() if block is None else block)


def update_sizing(path: Path | None = None, block: str | None = None) -> bool:
    """Rewrite the sizing block of ``path``; True if it changed."""
    path = path or sizing_path()
    text = path.read_text(encoding="utf-8")
    match = _block(text)
    block = render_sizing() if block is None else block
    if match.group(1) == block:
        return False
    path.write_text(text[: match.start(1)] + block + text[match.end(1) :], encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or with ``--check`` only check) the sizing block of docs/jupyterhub.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report a stale block, exit 1")
    args = parser.parse_args(argv)
    if args.check:
        stale = find_stale_sizing()
        print(f"docs/jupyterhub.md sizing is {'stale: run ' + REGENERATE if stale else 'current'}")
        return int(stale)
    changed = update_sizing()
    print(f"docs/jupyterhub.md sizing {'rewritten' if changed else 'already current'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
