"""Every notebook runs top to bottom in smoke mode (``TLW_SMOKE=1``) under nbval.

Each notebook runs in its own ``pytest --nbval-lax`` process, with a kernel from this
environment (``--nbval-current-env``). Lax mode fails a cell on an error, not on output
that differs, since notebooks are stored without outputs. The environment comes from
``tests/conftest.py``: smoke budget, Agg backend and the offline guard (the kernel inherits it).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT_S = 600
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")  # IPython colours its tracebacks


def test_notebooks_folder_has_the_start_page() -> None:
    assert REPO / "notebooks" / "00_start_here.ipynb" in NOTEBOOKS


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_runs_in_smoke_mode(notebook: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--nbval-lax",
        "--nbval-current-env",
        f"--nbval-cell-timeout={CELL_TIMEOUT_S}",
        "-p",
        "no:cacheprovider",
        "-q",
        str(notebook.relative_to(REPO)),
    ]

    run = subprocess.run(command, cwd=REPO, capture_output=True, text=True)

    if run.returncode != 0:
        # nbval's report names the failing cell and shows its source and traceback.
        report = ANSI_ESCAPE.sub("", run.stdout + run.stderr)
        pytest.fail(f"{notebook.name} failed in smoke mode:\n{report}", pytrace=False)
