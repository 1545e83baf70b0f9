"""Reference solutions, one module per lesson, kept out of the notebooks until asked for.

``solutions/lesson_01.py`` defines ``exercise_1``, ``exercise_2``, ...: each is a complete,
runnable answer (the tests check every one against its lesson's check).
:func:`show_solution` displays one as a collapsed block the learner opens on purpose.
"""

from __future__ import annotations

import html
import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Solution", "load_solution", "show_solution"]


@dataclass(frozen=True)
class Solution:
    """One reference solution: the function and its source, shown collapsed in Jupyter."""

    lesson: str  # "01"
    exercise: int  # 1, 2, ...
    function: Callable[..., Any]  # runs the solution; returns the answer its check takes

    @property
    def source(self) -> str:
        """The solution's code, as written in its module."""
        return inspect.getsource(self.function)

    def __str__(self) -> str:
        return self.source

    def _repr_html_(self) -> str:
        return (
            f'<details class="tlw-solution"><summary>Show the solution to exercise '
            f"{self.exercise} (try it yourself first)</summary>"
            f"<pre>{html.escape(self.source)}</pre></details>"
        )


def load_solution(lesson: str, exercise: int) -> Solution:
    """Return the reference solution of ``exercise`` in ``lesson`` ("01", "02", ...).

    Raises
    ------
    ValueError
        If the lesson has no solutions module or no such exercise (the message lists them).
    """
    try:
        module = importlib.import_module(f"{__name__}.lesson_{lesson}")
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}.lesson_{lesson}":
            raise  # the solutions module exists but imports something missing: show that
        raise ValueError(
            f"lesson {lesson!r} has no solutions; lessons are written as '01'"
        ) from None
    function = getattr(module, f"exercise_{exercise}", None)
    if function is None:
        known = sorted(
            int(name.split("_")[1]) for name in vars(module) if name.startswith("exercise_")
        )
        raise ValueError(f"lesson {lesson} has no exercise {exercise}; its exercises are {known}")
    return Solution(lesson, exercise, function)


def show_solution(lesson: str, exercise: int) -> Solution:
    """The solution of an exercise, displayed collapsed: click "Show the solution" to read it."""
    return load_solution(lesson, exercise)
