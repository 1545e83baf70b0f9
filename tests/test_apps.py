"""The demo apps (``apps/*.ipynb``, shown by ``make app LESSON=..``) are tidy and run in smoke mode.

Each app is a one-line markdown title and code that ends by displaying the lesson's main widget;
Voila hides the code. The apps run here with nbclient, in a kernel of this environment that
inherits ``tests/conftest.py``'s settings: smoke budget, Agg backend and the offline guard.
``tests/browser/test_app_browser.py`` drives one of them in a real browser.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
APPS = sorted((REPO / "apps").glob("*.ipynb"))
LESSONS = {path.name[:2] for path in (REPO / "notebooks").glob("0[1-9]_*.ipynb")}
CELL_TIMEOUT_S = 300
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def test_every_lesson_has_one_app() -> None:
    assert sorted(path.name[:2] for path in APPS) == sorted(LESSONS), [p.name for p in APPS]


@pytest.mark.parametrize("app", APPS, ids=lambda path: path.name)
def test_app_is_a_title_and_code_without_outputs(app: Path) -> None:
    notebook = nbformat.read(app, as_version=4)
    title, *code = notebook.cells
    assert title.cell_type == "markdown" and title.source.startswith("# "), title.source
    assert "\n" not in title.source.strip(), f"the title is not one line: {title.source!r}"
    assert code and all(cell.cell_type == "code" for cell in code), "code cells follow the title"
    assert all(not cell.outputs and cell.execution_count is None for cell in code), "outputs stored"


@pytest.mark.slow
@pytest.mark.parametrize("app", APPS, ids=lambda path: path.name)
def test_app_runs_in_smoke_mode_and_shows_a_widget(app: Path) -> None:
    notebook = nbformat.read(app, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",  # jupyter_client starts it with this interpreter
        resources={"metadata": {"path": str(app.parent)}},  # Voila's working folder too
    )

    client.execute()

    outputs = [
        output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    ]
    assert outputs and WIDGET_VIEW in outputs[-1].get("data", {}), f"no widget shown: {outputs}"
    shown = [output.get("output_type") for output in outputs]
    assert shown == ["display_data"], f"{app.name} shows more than its widget: {outputs}"
