"""Self-check feedback (tlwidgets.exercises) and the solutions shown on demand."""

import sys
import types

import pytest

from tlwidgets.exercises import Feedback, Solution, correct, not_yet, show_solution
from tlwidgets.exercises.solutions import load_solution

FAKE_LESSON = "tlwidgets.exercises.solutions.lesson_98"


def exercise_1():
    """A stand-in solution whose source needs escaping in HTML: 1 < 2 & <b>."""
    return 42


def exercise_3():
    return "three"


@pytest.fixture
def fake_lesson(monkeypatch):
    """A solutions module for lesson "98" with exercises 1 and 3, only for these tests."""
    module = types.ModuleType(FAKE_LESSON)
    module.exercise_1 = exercise_1
    module.exercise_3 = exercise_3
    module.helper = lambda: None  # not an exercise
    monkeypatch.setitem(sys.modules, FAKE_LESSON, module)
    return module


def test_feedback_is_truthy_only_when_the_check_passed():
    assert correct("well done")
    assert not not_yet("look again")
    assert correct("x") == Feedback(True, "x") and not_yet("x") == Feedback(False, "x")


def test_feedback_str_starts_with_its_verdict():
    assert str(correct("the head trains")) == "Correct: the head trains"
    assert str(not_yet("freeze fewer stages")) == "Not yet: freeze fewer stages"


def test_feedback_html_escapes_the_message_and_shows_the_verdict():
    html = not_yet('lr < 1e-2 & "seed" <script>')._repr_html_()
    assert "<script>" not in html
    assert "lr &lt; 1e-2 &amp; &quot;seed&quot; &lt;script&gt;" in html
    assert "Not yet:" in html
    assert "Correct:" in correct("ok")._repr_html_()
    assert correct("ok")._repr_html_() != not_yet("ok")._repr_html_()  # different colours


def test_feedback_pretty_prints_as_its_str():
    printed = []
    printer = types.SimpleNamespace(text=printed.append)
    correct("fine")._repr_pretty_(printer, cycle=False)
    assert printed == ["Correct: fine"]


def test_load_solution_for_an_unknown_lesson_says_how_lessons_are_written():
    with pytest.raises(ValueError, match=r"lesson '99' has no solutions.*'01'"):
        load_solution("99", 1)


def test_load_solution_for_an_unknown_exercise_lists_the_lessons_exercises(fake_lesson):
    expected = r"lesson 98 has no exercise 2; its exercises are \[1, 3\]"
    with pytest.raises(ValueError, match=expected):
        load_solution("98", 2)


def test_lesson_01_has_solutions_and_an_unknown_exercise_lists_them():
    assert load_solution("01", 1).source.startswith("def exercise_1(")
    with pytest.raises(ValueError, match=r"lesson 01 has no exercise 99; its exercises are \[1, "):
        load_solution("01", 99)


def test_load_solution_returns_the_runnable_function_and_its_source(fake_lesson):
    solution = load_solution("98", 1)
    assert isinstance(solution, Solution)
    assert (solution.lesson, solution.exercise) == ("98", 1)
    assert solution.function() == 42
    assert solution.source.startswith("def exercise_1():")
    assert str(solution) == solution.source


def test_solution_html_is_collapsed_and_escapes_the_source(fake_lesson):
    html = show_solution("98", 1)._repr_html_()
    assert html.startswith("<details") and "<summary>" in html
    assert "exercise 1" in html
    assert "1 &lt; 2 &amp; &lt;b&gt;" in html
    assert "1 < 2" not in html and "<b>" not in html
