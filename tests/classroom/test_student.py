"""Student editions: solutions left out, self-checks kept, and they run and say "Not yet".

The instructor editions (``notebooks/``) running top to bottom is ``tests/test_notebooks.py``;
here we check that they still carry their tagged solution cells, that the writer strips every
one, and that each student edition, executed in smoke mode with every exercise unsolved, runs
without an error and answers every self-check with a helpful "Not yet".
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tlwidgets.classroom import student
from tlwidgets.classroom.student import (
    SOLUTION_TAG,
    STUDENT_NOTE,
    SolutionMarkerError,
    make_student_edition,
    write_student_editions,
)

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
CHECK_CALL = re.compile(r"exercises\.check_(\d+)\(")
SOLUTION_CALL = re.compile(r"exercises\.show_solution\((\d+)\)")
CELL_TIMEOUT_S = 600


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _tagged(cell: nbformat.NotebookNode) -> bool:
    return SOLUTION_TAG in cell.metadata.get("tags", [])


def _checks(notebook: nbformat.NotebookNode) -> list[str]:
    """The exercise numbers of the cells that run a self-check, in order."""
    return [n for cell in notebook.cells for n in CHECK_CALL.findall(cell.source)]


def _tiny_notebook(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    notebook = new_notebook(cells=list(cells))
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index}"
    return notebook


def _solution_cell(source: str = "exercises.show_solution(1)") -> nbformat.NotebookNode:
    return new_code_cell(source, metadata={"tags": [SOLUTION_TAG]})


def test_notebooks_folder_has_the_lessons() -> None:
    assert len(NOTEBOOKS) >= 6


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_instructor_notebook_tags_a_solution_for_every_check(path: Path) -> None:
    notebook = _read(path)
    tagged_solutions = [
        n for cell in notebook.cells if _tagged(cell) for n in SOLUTION_CALL.findall(cell.source)
    ]

    assert _checks(notebook), "a lesson without self-checks"
    assert sorted(tagged_solutions) == sorted(set(_checks(notebook)))
    assert all(not cell.get("outputs") for cell in notebook.cells), "stored with outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_student_edition_strips_every_solution_marker(path: Path) -> None:
    instructor = _read(path)

    edition = make_student_edition(instructor, path.name)

    assert not any(_tagged(cell) for cell in edition.cells)
    assert not any("show_solution(" in cell.source for cell in edition.cells)
    assert _checks(edition) == _checks(instructor)
    assert [cell.id for cell in edition.cells] == [cell.id for cell in instructor.cells]
    for before, after in zip(instructor.cells, edition.cells, strict=True):
        if _tagged(before):
            assert (after.cell_type, after.source) == ("markdown", STUDENT_NOTE)
        else:
            assert after == before  # the notebooks are stored without outputs
    assert edition.metadata == instructor.metadata


def test_student_edition_clears_outputs_and_leaves_the_source_alone() -> None:
    code = new_code_cell("1 + 1", execution_count=3)
    code.outputs = [new_output("execute_result", {"text/plain": "2"}, execution_count=3)]
    instructor = _tiny_notebook(code, _solution_cell())

    edition = make_student_edition(instructor)

    assert edition.cells[0].outputs == [] and edition.cells[0].execution_count is None
    assert edition.cells[1].cell_type == "markdown" and edition.cells[1].id == "cell-1"
    assert instructor.cells[0].outputs and _tagged(instructor.cells[1])


@pytest.mark.parametrize(
    ("cell", "named"),
    [
        (new_code_cell("exercises.show_solution(1)", metadata={"tags": ["solutions"]}), "tag"),
        (new_code_cell("exercises.show_solution(2)"), "show_solution("),
        (new_markdown_cell("Call `show_solution(n)` to see it."), "show_solution("),
        (new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION"), "SOLUTION"),
        (new_code_cell("x = 1", metadata={"nbgrader": {"solution": True}}), "nbgrader.solution"),
    ],
    ids=["other-tag", "untagged-call", "untagged-mention", "nbgrader-fence", "nbgrader-metadata"],
)
def test_student_edition_refuses_a_marker_it_does_not_understand(
    cell: nbformat.NotebookNode, named: str
) -> None:
    notebook = _tiny_notebook(new_markdown_cell("# Lesson"), cell)

    with pytest.raises(SolutionMarkerError, match=r"lesson\.ipynb, cell 1 \(id cell-1\)") as error:
        make_student_edition(notebook, "lesson.ipynb")

    assert named in str(error.value)


def test_writer_refuses_before_writing_anything(tmp_path: Path) -> None:
    source, out = tmp_path / "notebooks", tmp_path / "student"
    source.mkdir()
    nbformat.write(_tiny_notebook(_solution_cell()), source / "00_good.ipynb")
    nbformat.write(_tiny_notebook(new_code_cell("show_solution(1)")), source / "01_bad.ipynb")

    with pytest.raises(SolutionMarkerError, match=r"01_bad\.ipynb"):
        write_student_editions(source, out)

    assert not out.exists()


def test_command_line_writes_the_editions_and_reports_refusals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, out = tmp_path / "notebooks", tmp_path / "student"
    source.mkdir()
    nbformat.write(_tiny_notebook(_solution_cell()), source / "00_lesson.ipynb")

    assert student.main(["--source", str(source), "--out", str(out)]) == 0
    assert not _tagged(_read(out / "00_lesson.ipynb").cells[0])

    assert student.main(["--source", str(tmp_path / "empty"), "--out", str(out)]) == 1
    assert "error: no notebooks" in capsys.readouterr().err


def test_student_folder_is_git_ignored() -> None:
    lines = (REPO / ".gitignore").read_text().splitlines()
    assert "student/" in lines


@pytest.fixture(scope="module")
def student_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("student")
    write_student_editions(REPO / "notebooks", out)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", [path.name for path in NOTEBOOKS])
def test_student_edition_runs_and_every_check_says_not_yet(name: str, student_folder: Path) -> None:
    notebook = _read(student_folder / name)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(student_folder)}},
    )

    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error

    checked = 0
    for cell in notebook.cells:
        if cell.cell_type != "code" or not CHECK_CALL.search(cell.source):
            continue
        results = [o for o in cell.outputs if o.output_type == "execute_result"]
        assert len(results) == 1, f"no feedback shown by:\n{cell.source}"
        text = results[0].data["text/plain"]
        assert text.startswith("Not yet: "), f"{cell.source}\nshowed {text}"
        assert len(text) > len("Not yet: ") + 20 and "Traceback" not in text, text
        assert 'class="tlw-feedback"' in results[0].data["text/html"]
        checked += 1
    assert checked == len(_checks(notebook))
