"""Self-check exercises: checks that explain what is wrong, and solutions shown on demand.

Each lesson has a module of checks (``tlwidgets.exercises.lesson_01``) whose functions take
the learner's answer and return :class:`Feedback`, never raise; the reference solutions live
in ``tlwidgets/exercises/solutions/`` and appear only when asked for::

    from tlwidgets.exercises import lesson_01 as exercises
    exercises.check_1(my_answer)        # green "Correct ..." or orange "Not yet: ..."
    exercises.show_solution(1)          # a collapsed "Show the solution" block
"""

from .feedback import Feedback, correct, not_yet
from .solutions import Solution, show_solution

__all__ = ["Feedback", "Solution", "correct", "not_yet", "show_solution"]
