"""Lesson 04's self-checks: each typical mistake gets its own hint (see also test_checking.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from tlwidgets.exercises import lesson_04
from tlwidgets.exercises.solutions import load_solution
from tlwidgets.train.fewshot import compute_prototypes, squared_distances


def solution(exercise):
    return load_solution("04", exercise).function()


@pytest.mark.parametrize(
    ("exercise", "name"),
    [(1, "confidence_interval"), (2, "prototypes"), (3, "nearest_prototype"), (4, "dap_class")],
)
def test_show_solution_displays_the_lessons_code(exercise, name):
    shown = lesson_04.show_solution(exercise)

    assert shown.lesson == "04" and shown.exercise == exercise
    assert name in shown.source and "<details" in shown._repr_html_()


@pytest.mark.parametrize("exercise", [0, 5])
def test_show_solution_of_an_unknown_exercise_lists_the_exercises(exercise):
    with pytest.raises(
        ValueError, match=rf"lesson 04 has no exercise {exercise}; .* \[1, 2, 3, 4\]"
    ):
        lesson_04.show_solution(exercise)


def test_every_check_takes_a_function_and_passes_its_solution():
    assert sorted(lesson_04.FUNCTION_CHECKS) == [1, 2, 3, 4]
    for exercise, check in lesson_04.FUNCTION_CHECKS.items():
        assert check(solution(exercise)).passed


# Exercise 1: the 95% confidence interval


def interval(std=np.std, z=1.96, divide=math.sqrt):
    def confidence_interval(accuracies):
        return z * std(accuracies) / divide(len(accuracies))

    return confidence_interval


def sample_std(x):
    return np.std(x, ddof=1)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (interval(std=sample_std), "sample standard deviation (ddof=1"),
        (interval(divide=lambda n: 1), "that is 1.96 * std, the spread of single episodes"),
        (interval(z=1.0), "the standard error of the mean"),
        (interval(divide=lambda n: n), "divide by sqrt(n), not by n"),
        (interval(std=np.var), "not the variance"),
        (interval(z=2.0), "not 2"),
        (interval(z=1.645), "90% interval"),
        (lambda a: 100 * interval()(a), "in percent"),
        (lambda a: np.mean(a) + interval()(a), "the upper end"),
        (lambda a: (np.mean(a) - interval()(a), np.mean(a) + interval()(a)), "half-width alone"),
        (lambda a: 0.0123, "1.96 * std / sqrt(n)"),
    ],
)
def test_check_1_explains_typical_mistakes(wrong, hint):
    feedback = lesson_04.check_1(wrong)

    assert not feedback.passed
    assert hint in feedback.message


def test_check_1_accepts_torch_with_either_correction_only_where_they_agree():
    def torch_interval(correction):
        def confidence_interval(accuracies):
            x = torch.tensor(accuracies)
            return 1.96 * x.std(correction=correction) / math.sqrt(len(x))

        return confidence_interval

    assert lesson_04.check_1(torch_interval(0)).passed
    assert "ddof=1" in lesson_04.check_1(torch_interval(1)).message


# Exercise 2: prototypes


def by_blocks(embeddings, labels, n_way):
    return embeddings.reshape(n_way, -1, embeddings.shape[1]).mean(dim=1)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda e, y, n: torch.stack([e[y == c].sum(0) for c in range(n)]), "SUM of embeddings"),
        (lambda e, y, n: torch.stack([e[y == c][0] for c in range(n)]), "as in 1-shot"),
        (by_blocks, "consecutive blocks of rows"),
        (lambda e, y, n: compute_prototypes(e, y, n).flip(0), "in the wrong order"),
        (lambda e, y, n: compute_prototypes(e, y, n).T, "the transpose"),
        (lambda e, y, n: e.mean(dim=1), "the mean was over the features"),
        (lambda e, y, n: e.mean(dim=0), "the mean of ALL the embeddings"),
        (lambda e, y, n: compute_prototypes(e, y, n) + 0.1, "is not the class means"),
    ],
)
def test_check_2_explains_typical_mistakes(wrong, hint):
    feedback = lesson_04.check_2(wrong)

    assert not feedback.passed
    assert hint in feedback.message


def test_check_2_accepts_the_library_and_a_list_of_rows():
    as_rows = solution(2)

    assert lesson_04.check_2(compute_prototypes).passed
    assert lesson_04.check_2(lambda e, y, n: list(as_rows(e, y, n))).passed


def test_check_2_explains_a_reshape_that_fails_on_unequal_classes():
    def reshaped(embeddings, labels, n_way):  # right while every class has K examples
        ordered = embeddings[labels.argsort(stable=True)]
        return ordered.view(n_way, len(labels) // n_way, -1).mean(dim=1)

    feedback = lesson_04.check_2(reshaped)

    assert not feedback.passed
    assert "different numbers of examples" in feedback.message


def test_check_2_catches_embeddings_changed_in_place():
    def in_place(embeddings, labels, n_way):
        embeddings -= embeddings.mean(dim=0)
        return compute_prototypes(embeddings, labels, n_way)

    feedback = lesson_04.check_2(in_place)

    assert not feedback.passed and "in place" in feedback.message


# Exercise 3: nearest prototype


def test_check_3s_hand_made_case_tells_the_metrics_apart():
    queries = torch.tensor(lesson_04.NEAREST_QUERIES)
    prototypes = torch.tensor(lesson_04.NEAREST_PROTOTYPES)
    right = squared_distances(queries, prototypes).argmin(dim=1)
    wrong = [tuple(x.tolist()) for x in lesson_04._nearest_mistakes(queries, prototypes).values()]

    assert len({tuple(right.tolist()), *wrong}) == 4


def cosine_labels(queries, prototypes):
    return (F.normalize(queries, dim=1) @ F.normalize(prototypes, dim=1).T).argmax(dim=1)


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (lambda q, p: squared_distances(q, p).argmax(dim=1), "FARTHEST prototype"),
        (cosine_labels, "highest cosine similarity"),
        (lambda q, p: (q @ p.T).argmax(dim=1), "largest dot product"),
        (lambda q, p: squared_distances(q, p).min(dim=1), "(values, indices) pair"),
        (lambda q, p: squared_distances(q, p).min(dim=1).values, "not the distance to it"),
        (lambda q, p: squared_distances(q, p), "one score per query and prototype"),
        (lambda q, p: squared_distances(q, p).argmin(dim=0), "one per prototype"),
        (lambda q, p: (q - p).pow(2).sum(1).argmin(), "do not broadcast"),
        (lambda q, p: torch.zeros(len(q), dtype=torch.long), "is nearer in squared Euclidean"),
    ],
)
def test_check_3_explains_typical_mistakes(wrong, hint):
    feedback = lesson_04.check_3(wrong)

    assert not feedback.passed
    assert hint in feedback.message


def test_check_3_accepts_cdist_and_a_list_of_ints():
    assert lesson_04.check_3(lambda q, p: torch.cdist(q, p).argmin(dim=1)).passed
    assert lesson_04.check_3(lambda q, p: solution(3)(q, p).tolist()).passed


# Exercise 4: Direct Attribute Prediction


def dap_with(kind, best="max"):
    def dap_class(attribute_probs, class_table, priors):
        scores = lesson_04._dap_scores(attribute_probs, class_table, priors, kind)
        return int(getattr(scores, f"arg{best}")())

    return dap_class


def test_check_4s_cases_tell_every_mistake_apart():
    cases = lesson_04._dap_cases()
    answers = {
        (kind, best): tuple(
            int(getattr(lesson_04._dap_scores(*case[1:], kind), f"arg{best}")()) for case in cases
        )
        for kind, best in [("log ratio", "max")] + [m[:2] for m in lesson_04.DAP_MISTAKES]
    }

    assert len(set(answers.values())) == len(answers)
    assert answers[("log ratio", "max")][0] == 0  # the giraffe wins with the priors
    assert answers[("log p", "max")][0] != 0  # and loses without them


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        (dap_with("log p"), "you ignored the priors"),
        (dap_with("log p * prior"), "DIVIDE by the prior"),
        (dap_with("log ratio", "min"), "LEAST probable candidate"),
        (dap_with("ratio"), "add the LOGS of the ratios"),
        (dap_with("p"), "adding the probabilities ignores the priors"),
        (lambda probs, table, priors: 0, "then take the argmax"),
        (lambda probs, table, priors: torch.zeros(len(table)), "a score per candidate"),
        (lambda probs, table, priors: table[0], "a row of the table"),
        (lambda probs, table, priors: len(table), "not a row of the table"),
    ],
)
def test_check_4_explains_typical_mistakes(wrong, hint):
    feedback = lesson_04.check_4(wrong)

    assert not feedback.passed
    assert hint in feedback.message


def test_check_4_accepts_a_product_of_ratios_and_a_tensor_index():
    def product(attribute_probs, class_table, priors):
        scores = torch.ones(len(class_table))
        for g, (p, prior) in enumerate(zip(attribute_probs, priors, strict=True)):
            scores *= p[class_table[:, g]] / prior[class_table[:, g]]
        return scores.argmax()

    feedback = lesson_04.check_4(product)

    assert feedback.passed and "leopard" in feedback.message
