"""Reference solutions of lesson 02's exercises (shown by ``show_solution(n)``)."""

from __future__ import annotations

from typing import Any


def exercise_1() -> Any:
    """The share of the source-only -> oracle gap that an adaptation method closes."""

    def gap_closed(source_only, adapted, oracle):
        # no clipping: a method that hurts shows a negative share
        return (adapted - source_only) / (oracle - source_only)

    return gap_closed


def exercise_2() -> Any:
    """The proxy A-distance of a domain classifier's test error (Ben-David et al.)."""

    def pad(error):
        return 2 * (1 - 2 * error)  # error 0.5 (chance) -> 0, error 0 -> 2

    return pad


def exercise_3() -> Any:
    """The Deep CORAL loss: squared distance between the two feature covariances."""

    def covariance(features):
        centred = features - features.mean(dim=0, keepdim=True)  # (N, d)
        return centred.T @ centred / (len(features) - 1)  # (d, d), unbiased

    def coral(features_s, features_t):
        d = features_s.shape[1]
        difference = covariance(features_s) - covariance(features_t)  # (d, d)
        return (difference**2).sum() / (4 * d * d)  # a scalar tensor, still differentiable

    return coral


def exercise_4() -> Any:
    """Pick the alignment weight by reverse validation: no target label is read."""

    def choose_weight(rows):
        return max(rows, key=lambda row: row["reverse_acc"])["weight"]

    return choose_weight
