"""How long each lesson notebook takes to run, top to bottom, in full and in smoke mode.

Every ``notebooks/*.ipynb`` is executed with nbclient (a ``python3`` kernel of this
environment, working directory ``notebooks/``) twice: in full mode (``TLW_SMOKE`` removed),
what a learner runs, and in smoke mode (``TLW_SMOKE=1``), what the tests run. Each time is
measured end to end, kernel start included. Targets: full mode <= 300 s and smoke mode
<= 90 s on a 2-core CPU. Lesson 00's map of the lessons shows the full-mode times.

    python bench/bench_notebooks.py                        # every notebook
    python bench/bench_notebooks.py 00_start_here.ipynb    # only these; the others' runs stay

Runs are keyed by (notebook, mode, device): timing some notebooks, or timing on a GPU
machine, replaces only those runs, so the result always covers every notebook.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

from record import REPO, RESULTS_DIR, machine_info, this_command, write_result
from tlwidgets.runtime import get_device

STEM = "bench_notebooks"
NOTEBOOKS_DIR = REPO / "notebooks"
MODES = {"full": None, "smoke": "1"}  # mode -> value of TLW_SMOKE (None: unset)
TARGETS = {"full": "<= 300", "smoke": "<= 90"}  # seconds, on a 2-core CPU
CELL_TIMEOUT_S = 900


def find_notebooks(names: list[str]) -> list[Path]:
    """The notebooks to time: all of ``notebooks/``, or those named (with or without .ipynb).

    Raises
    ------
    SystemExit
        If a name matches no notebook (the message lists them).
    """
    notebooks = {path.stem: path for path in sorted(NOTEBOOKS_DIR.glob("*.ipynb"))}
    unknown = [name for name in names if Path(name).stem not in notebooks]
    if unknown:
        raise SystemExit(f"unknown notebook(s) {unknown}; choose from {sorted(notebooks)}")
    return [notebooks[Path(name).stem] for name in names] if names else list(notebooks.values())


def time_notebook(path: Path, smoke: str | None) -> float:
    """Execute the notebook at ``path`` in a fresh kernel; return the wall-clock seconds."""
    notebook = nbformat.read(path, as_version=4)
    saved = os.environ.get("TLW_SMOKE")
    os.environ.pop("TLW_SMOKE", None)  # the kernel inherits this process's environment
    if smoke is not None:
        os.environ["TLW_SMOKE"] = smoke
    try:
        client = NotebookClient(
            notebook,
            kernel_name="python3",
            timeout=CELL_TIMEOUT_S,
            resources={"metadata": {"path": str(path.parent)}},
        )
        start = time.perf_counter()
        client.execute()  # raises CellExecutionError, naming the cell, if one fails
        return time.perf_counter() - start
    finally:
        os.environ.pop("TLW_SMOKE", None)
        if saved is not None:
            os.environ["TLW_SMOKE"] = saved


def previous_runs() -> list[dict[str, Any]]:
    """The runs of the last result file, or none."""
    path = RESULTS_DIR / f"{STEM}.json"
    return json.loads(path.read_text()).get("runs", []) if path.exists() else []


def to_figure(run: dict[str, Any]) -> dict[str, Any]:
    """One run as a headline figure; the targets hold for the CPU only."""
    on_cpu = run["device"] == "cpu"
    return {
        "name": f"{run['notebook']} {run['mode']} mode"
        + ("" if on_cpu else f" on {run['device']}"),
        "value": run["seconds"],
        "unit": "s",
        "target": TARGETS[run["mode"]] if on_cpu else None,
        "note": f"every cell, kernel start included; {run['machine']}, {run['date'][:10]}",
    }


def main(names: list[str]) -> None:
    """Time the notebooks named in ``names`` (all if none) and merge them into the result."""
    device = get_device().type
    machine = machine_info()
    where = machine["gpu"] if device != "cpu" else f"{machine['cpu']}, {machine['cores']} cores"
    measured = []
    for path in find_notebooks(names):
        for mode, smoke in MODES.items():
            seconds = time_notebook(path, smoke)
            print(f"{path.name:32} {mode:5} {seconds:7.1f} s on {device}", flush=True)
            measured.append(
                {
                    "notebook": path.name,
                    "mode": mode,
                    "seconds": round(seconds, 1),
                    "device": device,
                    "machine": where,
                    "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                }
            )
    fresh = {(run["notebook"], run["mode"], run["device"]) for run in measured}
    existing = {path.name for path in NOTEBOOKS_DIR.glob("*.ipynb")}
    kept = [
        run
        for run in previous_runs()
        if (run["notebook"], run["mode"], run["device"]) not in fresh
        and run["notebook"] in existing
    ]
    runs = sorted(kept + measured, key=lambda run: (run["notebook"], run["device"], run["mode"]))
    write_result(STEM, [to_figure(run) for run in runs], command=this_command(), runs=runs)


if __name__ == "__main__":
    main(sys.argv[1:])
