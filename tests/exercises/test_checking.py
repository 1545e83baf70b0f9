"""What every check that takes the learner's function promises, and its shared helpers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tlwidgets.exercises import Feedback, lesson_02, lesson_03, lesson_04, lesson_05
from tlwidgets.exercises.checking import as_number, is_close, not_a_function
from tlwidgets.exercises.solutions import load_solution

# (lesson, exercise, check) for every check whose answer is the learner's function
FUNCTION_CHECKS = [
    ("02", exercise, check) for exercise, check in sorted(lesson_02.SOLUTION_CHECKS.items())
]
FUNCTION_CHECKS += [("03", n, check) for n, check in sorted(lesson_03.FUNCTION_CHECKS.items())]
FUNCTION_CHECKS += [("04", n, check) for n, check in sorted(lesson_04.FUNCTION_CHECKS.items())]
FUNCTION_CHECKS += [("05", n, check) for n, check in sorted(lesson_05.FUNCTION_CHECKS.items())]


@pytest.fixture(params=FUNCTION_CHECKS, ids=lambda case: f"lesson_{case[0]}-check_{case[1]}")
def function_check(request):
    """One (lesson, exercise, check) of :data:`FUNCTION_CHECKS`."""
    return request.param


def raises(*args):
    raise RuntimeError("not written yet")


def test_reference_solution_passes_its_check(function_check):
    lesson, exercise, check = function_check

    feedback = check(load_solution(lesson, exercise).function())

    assert feedback.passed, feedback.message


def test_placeholder_none_asks_to_be_replaced(function_check):
    _, _, check = function_check

    feedback = check(None)

    assert not feedback.passed
    assert "replace None" in feedback.message


@pytest.mark.parametrize(
    "answer", [0.57, "cosine", [1, 2], {"weight": 1.0}, torch.ones(3), object()]
)
def test_a_result_instead_of_a_function_gets_a_hint(function_check, answer):
    _, _, check = function_check

    feedback = check(answer)

    assert not feedback.passed
    assert "pass your function itself" in feedback.message


def test_the_notebooks_unfinished_function_asks_for_code(function_check):
    _, _, check = function_check

    def unfinished(*args):
        return None  # your code

    feedback = check(unfinished)

    assert not feedback.passed
    assert "returned None: replace `return None  # your code`" in feedback.message


def test_a_function_that_raises_is_reported_not_raised(function_check):
    _, _, check = function_check

    feedback = check(raises)

    assert not feedback.passed
    assert "RuntimeError: not written yet" in feedback.message


@pytest.mark.parametrize("returned", [None, "0.5", [0.5], float("nan"), object(), (1.0, 2.0, 3.0)])
def test_a_function_returning_garbage_gets_a_hint_not_an_exception(function_check, returned):
    _, _, check = function_check

    feedback = check(lambda *args: returned)

    assert isinstance(feedback, Feedback)
    assert not feedback.passed
    assert len(feedback.message) > 20


def test_checks_leave_the_global_random_state_alone(function_check):
    lesson, exercise, check = function_check
    state = torch.get_rng_state()

    check(load_solution(lesson, exercise).function())

    assert torch.equal(torch.get_rng_state(), state)


# The helpers themselves


def test_not_a_function_names_the_check_and_what_it_got():
    assert not_a_function(print, "check_2", "cosine") is None
    assert "run check_2(cosine)" in not_a_function(None, "check_2", "cosine").message
    assert "(got float)" in not_a_function(0.5, "check_2", "cosine").message


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2, 2.0), (np.float32(0.5), 0.5), (torch.tensor(1.5), 1.5), (torch.tensor([3.0]), 3.0)],
)
def test_as_number_reads_python_numpy_and_one_element_tensors(value, expected):
    assert as_number(value) == expected


@pytest.mark.parametrize(
    "value", [True, "0.5", b"1", [0.5], torch.ones(2), float("nan"), float("inf"), None]
)
def test_as_number_refuses_what_is_not_one_finite_real_number(value):
    assert as_number(value) is None


def test_is_close_is_absolute_below_one_and_relative_above():
    assert is_close(1e-7, 0.0, 1e-6) and not is_close(2e-6, 0.0, 1e-6)
    assert is_close(1000.0005, 1000.0, 1e-6) and not is_close(1000.002, 1000.0, 1e-6)
