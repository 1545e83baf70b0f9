"""Write the student editions of the lessons: solutions left out, self-checks kept.

In the source notebooks (``notebooks/``, the instructor edition) every cell that exists to
show a solution carries the cell tag ``solution``: the ``exercises.show_solution(n)`` cells,
and the sentences that tell where the solutions are. The student edition of a notebook is
the same notebook with each tagged cell replaced by :data:`STUDENT_NOTE` (a markdown cell
that keeps the tagged cell's id), and every output cleared; nothing else changes, so the
exercise cells and their ``check_N`` self-checks are all there::

    python -m tlwidgets.classroom.student                   # notebooks/ -> student/
    python -m tlwidgets.classroom.student --out handout/    # or any folder

The writer refuses a notebook (:class:`SolutionMarkerError`, naming the cell) when it sees a
solution marker it does not understand, rather than guess and hand a solution out: a tag
other than ``solution`` that mentions solutions (``solutions``, ``Solution``), a call to
``show_solution(`` in an untagged cell, nbgrader's ``BEGIN SOLUTION`` fences, or a metadata
key naming a solution (nbgrader's ``{"nbgrader": {"solution": true}}``).

What this does not do: the reference solutions ship inside the installed package
(``tlwidgets/exercises/solutions/``, which the tests run against every check), so a student
who calls ``exercises.show_solution(1)`` themselves, or reads the package's source, sees
them. The student edition is about not handing the solutions out with the exercises, not
about keeping them secret.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

__all__ = [
    "SOLUTION_TAG",
    "STUDENT_NOTE",
    "SolutionMarkerError",
    "make_student_edition",
    "write_student_editions",
]

SOLUTION_TAG = "solution"
STUDENT_NOTE = "*Solutions are not part of the student edition: your instructor has them.*"

# Text in a cell's source that shows a solution, or fences one, without the tag.
_UNTAGGED_SOLUTION = re.compile(r"show_solution\(|(BEGIN|END) SOLUTION")


class SolutionMarkerError(ValueError):
    """A notebook marks a solution in a way the student writer does not understand."""


def _metadata_keys(metadata: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    """Every key of a cell's metadata, nested ones as ``outer.inner``."""
    for key, value in metadata.items():
        yield f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _metadata_keys(value, f"{prefix}{key}.")


def _is_solution(cell: NotebookNode, where: str) -> bool:
    """Whether ``cell`` is tagged as a solution; raises on a marker that is not understood.

    Parameters
    ----------
    cell
        One cell of a notebook.
    where
        The cell as an error message should name it, e.g. ``"01_x.ipynb, cell 50 (id dca2f0dc)"``.
    """
    tags = cell.metadata.get("tags", [])
    unknown = [t for t in tags if t != SOLUTION_TAG and "solution" in str(t).lower()]
    if unknown:
        raise SolutionMarkerError(
            f"{where} has the tag(s) {unknown}; the student writer knows only the tag "
            f"{SOLUTION_TAG!r}: rename the tag, or remove it if the cell is no solution"
        )
    if SOLUTION_TAG in tags:
        return True
    keys = [k for k in _metadata_keys(cell.metadata) if "solution" in k.lower()]
    if keys:
        raise SolutionMarkerError(
            f"{where} marks a solution in its metadata ({', '.join(keys)}), which the student "
            f"writer does not read: tag the cell {SOLUTION_TAG!r} instead"
        )
    found = _UNTAGGED_SOLUTION.search(cell.source)
    if found:
        raise SolutionMarkerError(
            f"{where} contains {found.group(0)!r} but is not tagged {SOLUTION_TAG!r}: tag the "
            "cell so the student edition leaves it out, or move the solution into a cell of "
            "its own and tag that"
        )
    return False


def make_student_edition(notebook: NotebookNode, name: str = "notebook") -> NotebookNode:
    """The student edition of ``notebook``: solution cells replaced by a note, outputs cleared.

    Parameters
    ----------
    notebook
        An instructor notebook (nbformat 4), left unchanged.
    name
        What error messages call the notebook (its file name).

    Returns
    -------
    nbformat.NotebookNode
        A new notebook with every cell tagged :data:`SOLUTION_TAG` replaced by a markdown cell
        holding :data:`STUDENT_NOTE` (same id), and no outputs or execution counts.

    Raises
    ------
    SolutionMarkerError
        If a cell marks a solution in a way this writer does not understand.
    """
    edition = copy.deepcopy(notebook)
    for index, cell in enumerate(edition.cells):
        where = f"{name}, cell {index} (id {cell.get('id', 'none')})"
        if _is_solution(cell, where):
            note = nbformat.v4.new_markdown_cell(STUDENT_NOTE)
            if "id" in cell:
                note.id = cell.id
            edition.cells[index] = note
        elif cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nbformat.validate(edition)
    return edition


def write_student_editions(source: Path, out: Path) -> list[Path]:
    """Write the student edition of every ``*.ipynb`` in ``source`` to ``out``.

    Every notebook is checked before any file is written, so a refused notebook leaves
    ``out`` as it was.

    Parameters
    ----------
    source
        The folder of instructor notebooks (the repository's ``notebooks/``).
    out
        The folder to write to (created if missing); files of the same name are replaced.

    Returns
    -------
    list of pathlib.Path
        The written notebooks, in name order.

    Raises
    ------
    FileNotFoundError
        If ``source`` holds no notebook.
    SolutionMarkerError
        If a notebook marks a solution in a way this writer does not understand.
    """
    paths = sorted(Path(source).glob("*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"no notebooks (*.ipynb) in {source}")
    editions = [
        make_student_edition(nbformat.read(path, as_version=4), path.name) for path in paths
    ]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path, edition in zip(paths, editions, strict=True):
        nbformat.write(edition, out / path.name)
        written.append(out / path.name)
    return written


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tlwidgets.classroom.student",
        description="Write the student editions of the lessons (solutions left out).",
    )
    parser.add_argument(
        "--source", type=Path, default=Path("notebooks"), help="instructor notebooks (notebooks)"
    )
    parser.add_argument("--out", type=Path, default=Path("student"), help="output (student)")
    args = parser.parse_args(argv)
    try:
        written = write_student_editions(args.source, args.out)
    except (FileNotFoundError, SolutionMarkerError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
