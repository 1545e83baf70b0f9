"""Read the committed benchmark results that lessons show next to what they ran live.

A lesson whose full sweep (many seeds x settings) does not fit its time budget runs a
representative part live and loads the rest from ``bench/results/<stem>.json``, written by
``bench/<stem>.py`` with the command, date and machine that produced it::

    sweep = load_bench_result("bench_lesson01")
    sweep.provenance          # "python bench/bench_lesson01.py, 2026-11-25, Intel ... 2 cores"
    sweep.runs_where(experiment="data_efficiency")
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["BenchResult", "load_bench_result"]

RESULTS_DIR = Path(__file__).resolve().parents[1] / "bench" / "results"


@dataclass(frozen=True)
class BenchResult:
    """One benchmark's committed result: what ran, where, and every run it recorded."""

    stem: str  # the script's name, e.g. "bench_lesson01"
    command: str  # the command that produced it, from the repository root
    date: str  # ISO 8601, UTC
    machine: dict[str, Any]  # cpu, cores, platform, gpu
    figures: list[dict[str, Any]]  # the headline numbers (name, value, unit, target, note)
    runs: list[dict[str, Any]]  # one dict per training run (may be empty)

    @property
    def provenance(self) -> str:
        """One line saying which command produced these numbers, when and on what."""
        gpu = self.machine.get("gpu") or "no GPU"
        return (
            f"`{self.command}` on {self.date[:10]}, {self.machine.get('cpu', '?')}, "
            f"{self.machine.get('cores', '?')} cores, {gpu}"
        )

    def runs_where(self, **match: Any) -> list[dict[str, Any]]:
        """The runs whose fields equal every ``match`` value, e.g. ``experiment="forgetting"``."""
        return [run for run in self.runs if all(run.get(k) == v for k, v in match.items())]

    def figure(self, name: str) -> float:
        """The value of the headline figure called ``name``."""
        for figure in self.figures:
            if figure["name"] == name:
                return figure["value"]
        known = [figure["name"] for figure in self.figures]
        raise KeyError(f"{self.stem} has no figure {name!r}; it has {known}")


def load_bench_result(stem: str, results_dir: Path = RESULTS_DIR) -> BenchResult:
    """Read ``bench/results/<stem>.json``.

    Raises
    ------
    FileNotFoundError
        If the file is missing (say how to produce it).
    ValueError
        If the file is not a benchmark result (say how to rebuild it).
    """
    path = Path(results_dir) / f"{stem}.json"
    rerun = f"rerun it from the repository root with: python bench/{stem}.py"
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: lessons read the committed results of the course repository; "
            f"{rerun}"
        )
    try:
        payload = json.loads(path.read_text())
        return BenchResult(
            stem=stem,
            command=payload["command"],
            date=payload["date"],
            machine=payload["machine"],
            figures=payload["figures"],
            runs=payload.get("runs") or [],
        )
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(f"{path} is not a readable benchmark result ({error}); {rerun}") from error
