"""Lesson 03's self-checks: each typical mistake gets its own hint (see also test_checking.py)."""

from __future__ import annotations

import math

import pytest
import torch
from torch.nn import functional as F

from tlwidgets.data import Task
from tlwidgets.exercises import lesson_03
from tlwidgets.exercises.solutions import load_solution
from tlwidgets.models import MultiHeadModel, count_parameters, create_backbone
from tlwidgets.train import History, project_conflicting

DIGITS = tuple("0123456789")
TASKS = (Task("left", "classification", DIGITS), Task("right", "classification", DIGITS))


def solution(exercise):
    return load_solution("03", exercise).function


@pytest.fixture(scope="module")
def models():
    """A shared two-head model and one single-task model per task, on the small CNN."""
    shared = MultiHeadModel(create_backbone("small_cnn", num_classes=0), TASKS)
    singles = [MultiHeadModel(create_backbone("small_cnn", num_classes=0), [t]) for t in TASKS]
    return shared, singles


def uncertainty_history(**weights_and_sigmas):
    """A History whose last epoch logged ``weight_<task>`` and ``sigma_<task>``."""
    row = {"test_left_acc": 0.9}
    for task, (weight, sigma) in weights_and_sigmas.items():
        row |= {f"weight_{task}": weight, f"sigma_{task}": sigma}
    return History(epochs=[{"epoch": 0}, row | {"epoch": 1}])


HISTORY = uncertainty_history(digit=(0.8, 1.1), rotation=(2.5, 0.45), background=(1.6, 0.8))


@pytest.mark.parametrize(
    ("exercise", "name"),
    [(1, "uncertainty_loss"), (2, "cosine"), (3, "pcgrad_two"), (4, "exercise_4"), (5, "max(")],
)
def test_show_solution_displays_the_lessons_code(exercise, name):
    shown = lesson_03.show_solution(exercise)

    assert shown.lesson == "03" and shown.exercise == exercise
    assert name in shown.source and "<details" in shown._repr_html_()


def test_show_solution_of_an_unknown_exercise_lists_the_exercises():
    with pytest.raises(ValueError, match=r"lesson 03 has no exercise 9; .* \[1, 2, 3, 4, 5\]"):
        lesson_03.show_solution(9)


# Exercise 1: uncertainty weighting


def loss_with(factor, regulariser=lambda s: 0.5 * s, weight=lambda s: torch.exp(-s)):
    """An uncertainty loss with the factor c(kind), regulariser and weight given."""

    def uncertainty_loss(loss, log_var, kind):
        return factor(kind) * weight(log_var) * loss + regulariser(log_var)

    return uncertainty_loss


def kendall(kind):
    return 0.5 if kind == "regression" else 1.0


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (loss_with(lambda kind: 1.0), "a regression's factor is 0.5 * exp(-s)"),
        (loss_with(lambda kind: 0.5), "a classification's factor is exp(-s), without the 0.5"),
        (loss_with(kendall, regulariser=lambda s: 0.0), "regulariser + 0.5 * s is missing"),
        (loss_with(kendall, regulariser=lambda s: s), "log sigma = 0.5 * log sigma^2"),
        (loss_with(kendall, weight=torch.exp), "not exp(s)"),
        (
            loss_with(kendall, regulariser=torch.log, weight=lambda s: 1 / s**2),
            "log_var is s = log sigma^2, not sigma:",
        ),
    ],
)
def test_check_1_explains_typical_mistakes(wrong, hint):
    feedback = lesson_03.check_1(wrong)

    assert not feedback.passed
    assert hint in feedback.message


@pytest.mark.parametrize("log", [math.log, torch.log], ids=["raises", "nan"])
def test_check_1_explains_that_a_negative_log_variance_is_allowed(log):
    def fails_below_zero(loss, log_var, kind):  # right for log_var > 0, breaks below
        return kendall(kind) * torch.exp(-log_var) * loss + 0.5 * log_var + 0 * log(log_var)

    feedback = lesson_03.check_1(fails_below_zero)

    assert not feedback.passed
    assert "log_var = -1.2 is negative, which is allowed" in feedback.message


@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad=True")  # math.exp
def test_check_1_needs_a_loss_that_trains_log_var():
    with_math = loss_with(kendall, weight=lambda s: math.exp(-s))
    as_float = solution(1)()

    feedback = lesson_03.check_1(with_math)
    float_feedback = lesson_03.check_1(lambda loss, s, kind: float(as_float(loss, s, kind)))

    assert not feedback.passed and "gradient with respect to log_var" in feedback.message
    assert not float_feedback.passed and "returned a float" in float_feedback.message
    assert "torch.exp, not math.exp" in float_feedback.message


def test_check_1_correct_message_gives_the_balance_point():
    assert "1 / (2 L)" in lesson_03.check_1(solution(1)()).message


# Exercise 2: the cosine between two gradients


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda a, b: a @ b, "that is the dot product"),
        (lambda a, b: a @ b / a.norm(), "not by one of them"),
        (lambda a, b: a @ b / (a.norm() * b.norm()) ** 2, "not by their squares"),
        (lambda a, b: a @ b / (a.abs().sum() * b.abs().sum()), "Euclidean"),
        (lambda a, b: torch.acos(F.cosine_similarity(a, b, dim=0)), "the angle in radians"),
        (lambda a, b: 1 - F.cosine_similarity(a, b, dim=0), "cosine distance"),
        (lambda a, b: a * b / (a.norm() * b.norm()), "sum of the elementwise products"),
        (lambda a, b: F.cosine_similarity(a, b), "give it dim=0"),
    ],
)
def test_check_2_explains_typical_mistakes(wrong, hint):
    feedback = lesson_03.check_2(wrong)

    assert not feedback.passed
    assert hint in feedback.message


def test_check_2_accepts_torchs_cosine_and_a_python_float():
    assert lesson_03.check_2(lambda a, b: F.cosine_similarity(a, b, dim=0)).passed
    assert lesson_03.check_2(lambda a, b: float(a @ b) / float(a.norm() * b.norm())).passed


# Exercise 3: PCGrad for two tasks


def projected(g, other):
    return g - (g @ other) / (other @ other) * other


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda g1, g2: (projected(g1, g2), projected(g2, g1)), "do not conflict"),  # always
        (lambda g1, g2: (g1, g2), "yet you returned them unchanged"),
        (
            lambda g1, g2: (g2, g1) if g1 @ g2 >= 0 else (projected(g2, g1), projected(g1, g2)),
            "wrong order",
        ),
        (
            lambda g1, g2: (g1, g2) if g1 @ g2 >= 0 else (projected(g1, g2), g2),
            "ORIGINAL g1",
        ),
        (
            lambda g1, g2: (g1, g2) if g1 @ g2 >= 0 else (g1 - (g1 @ g2) / (g1 @ g1) * g2, g2),
            "g1_new . g2",
        ),
        (
            lambda g1, g2: (
                (g1, g2)
                if g1 @ g2 >= 0
                else (g1 - (g1 @ g2) / (g1 @ g1) * g2, g2 - (g1 @ g2) / (g2 @ g2) * g1)
            ),
            "divide by the squared length of the gradient you project away from",
        ),
        (
            lambda g1, g2: (
                (g1, g2)
                if g1 @ g2 >= 0
                else (g1 + (g1 @ g2) / (g2 @ g2) * g2, g2 + (g1 @ g2) / (g1 @ g1) * g1)
            ),
            "do not add it",
        ),
        (lambda g1, g2: projected(g1, g2) + projected(g2, g1), "one tensor"),
    ],
)
def test_check_3_explains_typical_mistakes(wrong, hint):
    feedback = lesson_03.check_3(wrong)

    assert not feedback.passed
    assert hint in feedback.message


def test_check_3_projects_g2_against_the_original_g1_not_g1_new():
    def sequential(g1, g2):
        if g1 @ g2 >= 0:
            return g1, g2
        g1_new = projected(g1, g2)
        return g1_new, projected(g2, g1_new) if g2 @ g1_new < 0 else g2

    feedback = lesson_03.check_3(sequential)

    assert not feedback.passed
    assert "ORIGINAL g1" in feedback.message


def test_check_3_catches_gradients_changed_in_place():
    def in_place(g1, g2):
        dot = g1 @ g2
        if dot < 0:
            g1 -= dot / (g2 @ g2) * g2
            g2 -= dot / (g1 @ g1) * g1
        return g1, g2

    feedback = lesson_03.check_3(in_place)

    assert not feedback.passed
    assert "in place" in feedback.message


def test_check_3_accepts_a_stacked_pair_and_the_library_projection():
    solved = solution(3)()

    assert lesson_03.check_3(lambda g1, g2: torch.stack(solved(g1, g2))).passed
    assert lesson_03.check_3(lambda g1, g2: project_conflicting([g1, g2])).passed


# Exercise 4: what hard sharing saves


def test_check_4_reference_solution_passes_and_names_the_backbone(models):
    shared, singles = models

    feedback = lesson_03.check_4(solution(4)(shared, singles), shared, singles)

    assert feedback.passed, feedback.message
    backbone = count_parameters(shared.backbone)
    assert f"{backbone:,}" in feedback.message and "1 of the 2 backbones" in feedback.message


@pytest.mark.parametrize(
    ("answer_of", "hint"),
    [
        (lambda shared, singles: None, "replace None"),
        (lambda shared, singles: "a lot", "an int"),
        (lambda shared, singles: sum(singles), "subtract what the one shared model holds"),
        (lambda shared, singles: shared, "the shared model's size"),
        (lambda shared, singles: shared - sum(singles), "wrong sign"),
        (lambda shared, singles: singles[0], "one single-task model"),
        (lambda shared, singles: 1 - shared / sum(singles), "not a share"),
        (lambda shared, singles: sum(singles) - shared + 1, "is not it"),
    ],
)
def test_check_4_explains_typical_mistakes(models, answer_of, hint):
    shared, singles = models
    answer = answer_of(count_parameters(shared), [count_parameters(m) for m in singles])

    feedback = lesson_03.check_4(answer, shared, singles)

    assert not feedback.passed
    assert hint in feedback.message


def test_check_4_needs_comparable_models_and_says_which_argument_is_wrong(models):
    shared, singles = models
    saved = solution(4)(shared, singles)
    resnet = MultiHeadModel(create_backbone("resnet", num_classes=0), TASKS[:1])
    cases = {
        "counts them itself": (count_parameters(shared), [count_parameters(m) for m in singles]),
        "must be the shared model": (singles, shared),
        "LIST of single-task models": (shared, singles[0]),
        "only 1 head": (singles[0], singles[:1]),
        "compare it with 2 single-task models": (shared, singles[:1]),
        "a single-task model predicts one task": (shared, [shared, singles[1]]),
        "same backbone": (shared, [resnet, singles[1]]),
    }
    for hint, (shared_model, single_models) in cases.items():
        feedback = lesson_03.check_4(saved, shared_model, single_models)

        assert not feedback.passed and hint in feedback.message, (hint, feedback.message)


# Exercise 5: what uncertainty weighting learned


def test_check_5_reference_solution_passes_and_shows_the_weights():
    feedback = lesson_03.check_5(solution(5)(HISTORY), HISTORY)

    assert feedback.passed, feedback.message
    assert "rotation: weight 2.5 (sigma 0.45)" in feedback.message


def test_check_5_accepts_the_key_and_either_of_two_tied_tasks():
    tied = uncertainty_history(left=(1.000, 1.0), right=(1.004, 1.0))

    assert lesson_03.check_5("weight_rotation", HISTORY).passed
    assert lesson_03.check_5("left", tied).passed and lesson_03.check_5("right", tied).passed


@pytest.mark.parametrize(
    ("answer", "history", "hint"),
    [
        (None, HISTORY, "replace None with the name of a task"),
        ("digit", HISTORY, "largest sigma"),
        ("background", HISTORY, "pick the largest"),
        ("shape", HISTORY, "'shape' is not a task of this run; its tasks are 'digit'"),
        (2.5, HISTORY, "that is a weight"),
        ("rotation", (torch.nn.Linear(1, 1), HISTORY), "returns (model, history)"),
        ("rotation", History(), "no finished epoch"),
        ("rotation", History(epochs=[{"weight_rotation": 1.0}]), "weighting='uncertainty'"),
        ("rotation", {"weight_rotation": 1.0}, "must be the History"),
    ],
)
def test_check_5_explains_typical_mistakes(answer, history, hint):
    feedback = lesson_03.check_5(answer, history)

    assert not feedback.passed
    assert hint in feedback.message
