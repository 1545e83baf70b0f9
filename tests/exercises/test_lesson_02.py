"""Lesson 02's self-checks: each typical mistake gets its own hint (see also test_checking.py)."""

from __future__ import annotations

import numpy as np
import torch

from tlwidgets.exercises import lesson_02
from tlwidgets.exercises.solutions import load_solution


def solution(exercise):
    return load_solution("02", exercise).function()


def test_show_solution_displays_the_lessons_code():
    shown = lesson_02.show_solution(3)

    assert shown.lesson == "02" and shown.exercise == 3
    assert "def coral(" in shown.source


# Exercise 1: the share of the gap closed


def test_check_1_accepts_numpy_numbers():
    def gap_closed(source_only, adapted, oracle):
        return np.float32(adapted - source_only) / np.float32(oracle - source_only)

    assert lesson_02.check_1(gap_closed).passed


def test_check_1_refuses_a_share_clipped_at_zero():
    def clipped(source_only, adapted, oracle):
        return max(0.0, (adapted - source_only) / (oracle - source_only))

    feedback = lesson_02.check_1(clipped)

    assert not feedback.passed
    assert "a method that makes things worse must show a negative share" in feedback.message


def test_check_1_explains_the_gain_is_not_divided_by_the_gap():
    feedback = lesson_02.check_1(lambda source_only, adapted, oracle: adapted - source_only)

    assert not feedback.passed
    assert "gain in accuracy" in feedback.message and "whole gap" in feedback.message


def test_check_1_explains_a_percentage():
    feedback = lesson_02.check_1(lambda s, a, o: 100 * (a - s) / (o - s))

    assert not feedback.passed
    assert "not a %" in feedback.message


def test_check_1_explains_the_share_still_open():
    feedback = lesson_02.check_1(lambda s, a, o: (o - a) / (o - s))

    assert not feedback.passed
    assert "still open" in feedback.message


def test_check_1_correct_message_quotes_dann():
    assert "56%" in lesson_02.check_1(solution(1)).message


# Exercise 2: the proxy A-distance


def test_check_2_explains_the_missing_factor_two():
    feedback = lesson_02.check_2(lambda error: 1 - 2 * error)

    assert not feedback.passed
    assert "twice" in feedback.message and "[0, 2]" in feedback.message


def test_check_2_explains_that_chance_error_means_distance_zero():
    feedback = lesson_02.check_2(lambda error: 2 * (1 - error))

    assert not feedback.passed
    assert "must be 0" in feedback.message


def test_check_2_catches_the_accuracy_used_as_the_error():
    feedback = lesson_02.check_2(lambda error: 2 * (1 - 2 * (1 - error)))

    assert not feedback.passed
    assert "accuracy in place of the error" in feedback.message


def test_check_2_points_to_the_library_function():
    message = lesson_02.check_2(solution(2)).message

    assert "proxy_a_distance" in message and "domain_separability" in message


# Exercise 3: the Deep CORAL loss


def covariance(features, *, unbiased=True, centre=True):
    centred = features - features.mean(dim=0, keepdim=True) if centre else features
    return centred.T @ centred / (len(features) - 1 if unbiased else len(features))


def test_check_3_explains_the_missing_normalisation():
    def unnormalised(features_s, features_t):
        return ((covariance(features_s) - covariance(features_t)) ** 2).sum()

    feedback = lesson_02.check_3(unnormalised)

    assert not feedback.passed
    assert "4 d^2" in feedback.message and "too large" in feedback.message


def test_check_3_explains_the_biased_covariance():
    def biased(features_s, features_t):
        d = features_s.shape[1]
        difference = covariance(features_s, unbiased=False) - covariance(features_t, unbiased=False)
        return (difference**2).sum() / (4 * d * d)

    feedback = lesson_02.check_3(biased)

    assert not feedback.passed
    assert "biased" in feedback.message and "N - 1" in feedback.message


def test_check_3_explains_the_missing_centring():
    def uncentred(features_s, features_t):
        d = features_s.shape[1]
        difference = covariance(features_s, centre=False) - covariance(features_t, centre=False)
        return (difference**2).sum() / (4 * d * d)

    feedback = lesson_02.check_3(uncentred)

    assert not feedback.passed
    assert "not centred" in feedback.message


def test_check_3_explains_a_python_float_is_not_a_loss():
    coral = solution(3)

    feedback = lesson_02.check_3(lambda s, t: coral(s, t).item())

    assert not feedback.passed
    assert "returned a float" in feedback.message and "torch tensor" in feedback.message


def test_check_3_explains_the_unreduced_difference_matrix():
    feedback = lesson_02.check_3(lambda s, t: covariance(s) - covariance(t))

    assert not feedback.passed
    assert "difference of the covariances" in feedback.message


def test_check_3_explains_a_tensor_of_the_wrong_shape():
    coral = solution(3)

    feedback = lesson_02.check_3(lambda s, t: coral(s, t).reshape(1))

    assert not feedback.passed
    assert "shape (1,)" in feedback.message and "scalar" in feedback.message


def test_check_3_explains_a_loss_without_a_gradient():
    coral = solution(3)

    def detached(features_s, features_t):
        return coral(features_s, features_t).detach()

    feedback = lesson_02.check_3(detached)

    assert not feedback.passed
    assert "gradient" in feedback.message


def test_check_3_explains_a_numpy_loss_breaks_the_graph():
    def through_numpy(features_s, features_t):
        s, t = features_s.numpy(), features_t.numpy()
        d = s.shape[1]
        difference = np.cov(s, rowvar=False) - np.cov(t, rowvar=False)
        return torch.tensor((difference**2).sum() / (4 * d * d))

    feedback = lesson_02.check_3(through_numpy)

    assert not feedback.passed
    assert "numpy" in feedback.message and "gradient can flow back" in feedback.message


def test_check_3_hints_at_different_row_counts_when_shapes_clash():
    def stacked(features_s, features_t):
        return ((features_s - features_t) ** 2).mean()  # (N, d) - (M, d): N != M

    feedback = lesson_02.check_3(stacked)

    assert not feedback.passed
    assert "different numbers of rows" in feedback.message


# Exercise 4: an alignment weight chosen without target labels


def test_check_4_catches_reading_the_target_accuracy():
    feedback = lesson_02.check_4(lambda rows: max(rows, key=lambda row: row["acc"])["weight"])

    assert not feedback.passed
    assert "your function read the target labels' accuracy ('acc')" in feedback.message
    assert "use reverse_acc" in feedback.message


def test_check_4_catches_reading_the_target_accuracy_even_when_the_error_is_caught():
    def careful(rows):
        try:
            return max(rows, key=lambda row: row.get("acc"))["weight"]
        except KeyError:
            return rows[0]["weight"]

    feedback = lesson_02.check_4(careful)

    assert not feedback.passed
    assert "('acc')" in feedback.message


def test_check_4_catches_the_target_accuracy_read_past_the_guard():
    def copied(rows):
        plain = [dict(row.items()) for row in rows]  # items() does not go through [] or get
        return max(plain, key=lambda row: row["acc"])["weight"]

    feedback = lesson_02.check_4(copied)

    assert not feedback.passed
    assert "best target accuracy ('acc')" in feedback.message


def test_check_4_explains_why_source_accuracy_is_not_enough():
    feedback = lesson_02.check_4(
        lambda rows: max(rows, key=lambda row: row["source_val_acc"])["weight"]
    )

    assert not feedback.passed
    assert "source accuracy rewards not adapting" in feedback.message


def test_check_4_asks_for_the_weight_not_the_row():
    feedback = lesson_02.check_4(lambda rows: max(rows, key=lambda row: row["reverse_acc"]))

    assert not feedback.passed
    assert "return its 'weight'" in feedback.message


def test_check_4_asks_for_the_weight_not_its_position():
    def position(rows):
        return max(range(len(rows)), key=lambda i: rows[i]["reverse_acc"])

    feedback = lesson_02.check_4(position)

    assert not feedback.passed
    assert "position in the list" in feedback.message


def test_check_4_candidate_sets_make_the_three_criteria_disagree():
    for candidates in lesson_02.WEIGHT_SETS:
        picks = {
            column: max(candidates, key=lambda candidate, c=column: candidate[c])[0]
            for column in (1, 2, 3)
        }
        assert len(set(picks.values())) == 3, candidates
