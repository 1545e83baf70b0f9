import pytest

from tlwidgets.data import DOMAINS, load_domain
from tlwidgets.exercises import Feedback, Solution
from tlwidgets.exercises import lesson_00 as exercises
from tlwidgets.exercises.solutions import lesson_00 as solutions

CHECKS = {1: exercises.check_1, 2: exercises.check_2, 3: exercises.check_3, 4: exercises.check_4}


@pytest.mark.parametrize("exercise", sorted(CHECKS))
def test_every_reference_solution_passes_its_check(exercise):
    feedback = CHECKS[exercise](getattr(solutions, f"exercise_{exercise}")())

    assert feedback.passed, feedback.message


@pytest.mark.parametrize("exercise", sorted(CHECKS))
def test_the_none_placeholder_asks_to_be_replaced(exercise):
    feedback = CHECKS[exercise](None)

    assert not feedback.passed
    assert "replace None" in feedback.message


@pytest.mark.parametrize("exercise", sorted(CHECKS))
@pytest.mark.parametrize("answer", [42, "inductive", [1, 2, 3], {"x": 1}, object()])
def test_wrong_types_get_a_hint_not_an_exception(exercise, answer):
    feedback = CHECKS[exercise](answer)

    assert isinstance(feedback, Feedback)
    assert not feedback.passed
    assert len(feedback.message) > 20


def test_check_1_names_the_wrong_scenario_and_the_rule():
    answer = {**solutions.exercise_1(), "b": "inductive"}

    feedback = exercises.check_1(answer)

    assert not feedback.passed
    assert "scenario b" in feedback.message
    assert "labels" in feedback.message


def test_check_1_accepts_other_spellings_and_rejects_unknown_words():
    answer = {key: value.upper() + " " for key, value in solutions.exercise_1().items()}
    assert exercises.check_1(answer).passed

    feedback = exercises.check_1({**answer, "c": "supervised"})
    assert not feedback.passed
    assert "'inductive', 'transductive'" in feedback.message


def test_check_1_lists_missing_scenarios():
    feedback = exercises.check_1({"a": "inductive"})

    assert not feedback.passed
    assert "['b', 'c', 'd']" in feedback.message


@pytest.mark.parametrize(
    ("scenario", "wrong", "explains"),
    [
        ("a", "input space", "one space"),
        ("b", "input distribution", "how many there are"),
        ("c", "label space", "labels 0-9"),
        ("d", "input distribution", "what it can output"),
    ],
)
def test_check_4_explains_why_a_wrong_difference_does_not_fit(scenario, wrong, explains):
    answer = {**solutions.exercise_4(), scenario: wrong}

    feedback = exercises.check_4(answer)

    assert not feedback.passed
    assert f"scenario {scenario} is not about the {wrong}" in feedback.message
    assert explains in feedback.message


def test_check_4_accepts_hyphens_and_underscores():
    answer = {key: value.replace(" ", "_") for key, value in solutions.exercise_4().items()}
    answer["a"] = "Input-Distribution"

    assert exercises.check_4(answer).passed


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        ((0, 239), "wrong order"),
        ((1063, 0), "size of glyphs-resnet's head"),
        ((1302, 0), "both parts"),
        ((4780, 0), "number of images"),
        ((3824, 0), "number of training images"),
        ((20, 0), "drawings of each character"),
        ((239, 239), "intersect the two sets"),
        (("many", 0), "whole numbers"),
        ((239,), "pair"),
    ],
)
def test_check_3_hints_at_the_usual_miscounts(answer, hint):
    feedback = exercises.check_3(answer)

    assert not feedback.passed
    assert hint in feedback.message


def test_check_3_explains_the_new_label_space_when_correct():
    feedback = exercises.check_3([239, 0])

    assert feedback.passed
    assert "all 239 evaluation characters are new" in feedback.message
    assert "lesson 04" in feedback.message


def test_check_2_spots_the_test_split_and_other_statistics():
    means = solutions.exercise_2()
    test_mean = load_domain("uci", "test").images.mean().item()
    assert abs(test_mean - means["uci"]) > 2 * exercises.MEAN_TOLERANCE  # the check can tell

    assert "test split" in exercises.check_2({**means, "uci": test_mean}).message
    red_only = load_domain("mnistm", "train").images[:, 0].mean().item()
    feedback = exercises.check_2({**means, "mnistm": red_only})
    assert "every image, channel and pixel" in feedback.message
    assert "not a number" in exercises.check_2({**means, "synth": "bright"}).message
    assert "no mean for ['uci']" in exercises.check_2({d: means[d] for d in DOMAINS[:3]}).message


def test_check_2_accepts_tensors_and_names_the_brightest_and_darkest():
    answer = {domain: load_domain(domain, "train").images.mean() for domain in DOMAINS}

    feedback = exercises.check_2(answer)

    assert feedback.passed, feedback.message
    assert "brightest" in feedback.message
    assert "darkest" in feedback.message


def test_show_solution_returns_the_collapsed_reference_solution():
    solution = exercises.show_solution(3)

    assert isinstance(solution, Solution)
    assert "<details" in solution._repr_html_()
    assert "load_glyphs" in solution.source
    assert "pretrained_info" in solution.source
    with pytest.raises(ValueError, match=r"its exercises are \[1, 2, 3, 4\]"):
        exercises.show_solution(9)
