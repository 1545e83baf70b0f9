"""The benchmark result format: write ``bench/results/<stem>.json``, read it back, judge it.

A result file records what was measured and where::

    {
      "command": "TLW_DEVICE=cpu .venv/bin/python bench/bench_data.py",
      "date": "2026-01-31T12:00:00+00:00",
      "machine": {"cpu": "...", "cores": 2, "platform": "Linux-...", "gpu": null},
      "versions": {"python": "3.11.7", "torch": "2.4.0", "numpy": "2.1.0", "tlwidgets": "0.1.0"},
      "figures": [{"name": "build mnist", "value": 3.2, "unit": "s", "target": "<= 90",
                   "note": "cold build into an empty data home"}],
      "runs": [{"strategy": "scratch", "labels_per_class": 10, "seed": 0, "acc": 0.69}]
    }

``runs`` is optional: the raw rows of a sweep that a lesson notebook plots.

A target is a comparison against a number (``">= 0.95"``, ``"<= 90"``); a figure without one
is reported as a plain measurement.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import operator
import os
import platform
import re
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "RESULTS_DIR",
    "PartialRuns",
    "machine_info",
    "meets_target",
    "read_results",
    "this_command",
    "versions",
    "write_result",
]

RESULTS_DIR = Path(__file__).resolve().parent / "results"
REPO = RESULTS_DIR.parents[1]

_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
}
_TARGET = re.compile(r"^\s*(>=|<=|>|<|==)\s*([-+0-9.eE]+)\s*$")


def _cpu_model() -> str:
    """Return the CPU model name (from /proc/cpuinfo on Linux), or the best fallback."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def machine_info() -> dict[str, Any]:
    """Describe this machine.

    Returns
    -------
    dict
        ``cpu`` (model name), ``cores`` (logical cores usable by this process),
        ``platform`` (OS and architecture) and ``gpu`` (CUDA device name, or None).
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {"cpu": _cpu_model(), "cores": cores, "platform": platform.platform(), "gpu": gpu}


def versions() -> dict[str, str]:
    """Return the versions of Python and of the packages the figures depend on."""
    found = {"python": platform.python_version()}
    for package in ("torch", "numpy", "tlwidgets"):
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def this_command() -> str:
    """Return the command line that reruns the current script, as typed from the repo root.

    The ``TLW_*`` settings in the environment are part of it, since they change what runs.
    """
    settings = [f"{key}={value}" for key, value in sorted(os.environ.items()) if key[:4] == "TLW_"]
    words = [_relative(sys.executable), _relative(sys.argv[0]), *sys.argv[1:]]
    return shlex.join([*settings, *words])


def _relative(path: str) -> str:
    """Return ``path`` relative to the repository when it lies inside it."""
    absolute = Path(os.path.abspath(path))  # normalised, but symlinks kept (venv python)
    return str(absolute.relative_to(REPO)) if absolute.is_relative_to(REPO) else path


def meets_target(value: float, target: str | None) -> bool | None:
    """Judge a value against a target such as ``">= 0.95"``.

    Returns
    -------
    bool or None
        True or False; None when there is no target.

    Raises
    ------
    ValueError
        If the target is not ``<op> <number>`` with op one of >=, <=, >, <, ==.
    """
    if target is None:
        return None
    match = _TARGET.match(target)
    if match is None:
        raise ValueError(
            f"target {target!r} is not '<op> <number>' with op one of {sorted(_COMPARISONS)}"
        )
    return _COMPARISONS[match[1]](float(value), float(match[2]))


def _check_figure(figure: dict[str, Any]) -> dict[str, Any]:
    """Validate one figure and return it with its optional fields filled in."""
    missing = {"name", "value", "unit"} - figure.keys()
    unknown = figure.keys() - {"name", "value", "unit", "target", "note"}
    if missing or unknown:
        raise ValueError(
            f"figure {figure!r}: missing {sorted(missing)}, unknown {sorted(unknown)}; "
            "a figure has name, value, unit and optionally target and note"
        )
    if not isinstance(figure["value"], int | float):
        raise ValueError(f"figure {figure['name']!r}: value {figure['value']!r} is not a number")
    meets_target(figure["value"], figure.get("target"))  # raises on a malformed target
    keys = ("name", "value", "unit", "target", "note")
    return {key: figure.get(key, "" if key == "note" else None) for key in keys}


def write_result(
    stem: str,
    figures: list[dict[str, Any]],
    command: str,
    runs: list[dict[str, Any]] | None = None,
) -> Path:
    """Write one benchmark's figures, with the machine and versions, to ``results/<stem>.json``.

    Parameters
    ----------
    stem
        The benchmark's name, the stem of its script (``"bench_data"``).
    figures
        One dict per measured figure: ``name``, ``value`` (a number), ``unit``, and
        optionally ``target`` (``">= 0.95"``) and ``note``.
    command
        The exact command that produced the figures (see :func:`this_command`).
    runs
        Optional raw measurements behind the figures (one dict per training run), for a
        lesson notebook to plot the sweep it cannot afford to rerun.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    payload = {
        "command": command,
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "versions": versions(),
        "figures": [_check_figure(figure) for figure in figures],
    }
    if runs is not None:
        payload["runs"] = runs
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{stem}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n")
    tmp.replace(path)  # a reader never sees half a file
    return path


def read_results() -> dict[str, dict[str, Any]]:
    """Read every result file, keyed by benchmark stem, in name order."""
    return {path.stem: json.loads(path.read_text()) for path in sorted(RESULTS_DIR.glob("*.json"))}


class PartialRuns:
    """The finished runs of a long sweep, one JSON line each, so an interrupted sweep resumes.

    ``runs.get(row)`` returns the stored row whose ``key_fields`` match ``row`` (or None);
    ``runs.add(row)`` appends a finished row to the file at once. Delete the file to start
    over.

    Parameters
    ----------
    path
        The JSON-lines file (git-ignored), e.g. ``results/.bench_lesson03.partial.jsonl``.
    key_fields
        The fields that identify a run; a missing field counts as None.
    """

    def __init__(self, path: Path, key_fields: tuple[str, ...]):
        self.path = path
        self.key_fields = key_fields
        lines = path.read_text().splitlines() if path.exists() else []
        self.done = {self.key(row): row for row in (json.loads(line) for line in lines if line)}

    def key(self, row: dict[str, Any]) -> str:
        """What identifies ``row``: its key fields, as a JSON list."""
        return json.dumps([row.get(field) for field in self.key_fields])

    def get(self, row: dict[str, Any]) -> dict[str, Any] | None:
        """The finished run with the same key as ``row``, or None."""
        return self.done.get(self.key(row))

    def add(self, row: dict[str, Any]) -> None:
        """Record a finished run (appended to the file before anything else happens)."""
        with self.path.open("a") as file:
            file.write(json.dumps(row) + "\n")
        self.done[self.key(row)] = row
