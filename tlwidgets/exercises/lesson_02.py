"""Self-checks for lesson 02, domain adaptation. Each takes your answer, returns Feedback.

1. ``check_1(gap_closed)``: the share of the source-only -> oracle gap a method closes.
2. ``check_2(pad)``: the proxy A-distance from a domain classifier's test error.
3. ``check_3(coral)``: the Deep CORAL loss between source and target features.
4. ``check_4(choose_weight)``: pick an alignment weight without any target label.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from ..train import coral_loss
from . import solutions
from .checking import as_number, is_close, not_a_function, raised, returned_none
from .feedback import Feedback, correct, not_yet

__all__ = ["check_1", "check_2", "check_3", "check_4", "show_solution"]

# Exercise 1: (source_only, adapted, oracle) -> the share of the gap closed.
GAP_CASES = (
    (0.52, 0.77, 0.96),  # DANN on MNIST -> MNIST-M, Ganin et al. (2016), rounded
    (0.60, 0.90, 0.90),  # reaches the oracle
    (0.60, 0.60, 0.90),  # changes nothing
    (0.60, 0.50, 0.90),  # makes things worse
    (0.30, 0.50, 0.70),
)
# Exercise 2: a domain classifier's test error -> the proxy A-distance.
PAD_CASES = ((0.5, 0.0), (0.0, 2.0), (0.1, 1.6), (0.25, 1.0), (0.4, 0.4))
# Exercise 3: (N, M, d) of the seeded source and target features.
CORAL_SHAPES = ((40, 25, 6), (13, 31, 3))
TOLERANCE = 1e-6


def show_solution(exercise: int) -> solutions.Solution:
    """The reference solution of an exercise of this lesson, shown collapsed."""
    return solutions.show_solution("02", exercise)


def check_1(gap_closed: Any) -> Feedback:
    """``gap_closed(source_only, adapted, oracle) -> float``: the share of the gap closed."""
    hint = not_a_function(gap_closed, "check_1", "gap_closed")
    if hint is not None:
        return hint
    for source_only, adapted, oracle in GAP_CASES:
        call = f"gap_closed({source_only}, {adapted}, {oracle})"
        try:
            given = gap_closed(source_only, adapted, oracle)
        except Exception as error:  # the learner's code: report, do not crash the notebook
            return raised(error, call)
        if given is None:
            return returned_none(call)
        share = as_number(given)
        if share is None:
            return not_yet(f"{call} returned {given!r}; return a number (a float)")
        expected = (adapted - source_only) / (oracle - source_only)
        if is_close(share, expected, TOLERANCE):
            continue
        if is_close(share, 100 * expected, TOLERANCE):
            return not_yet(f"{call} returned {share:g}: return a share (0.5 for half), not a %")
        if expected < 0 and is_close(share, 0.0, TOLERANCE):
            return not_yet(
                f"{call} returned 0, yet the adapted model is worse than source-only: "
                "a method that makes things worse must show a negative share (do not clip at 0)"
            )
        if is_close(share, adapted - source_only, TOLERANCE):
            return not_yet(
                f"{call} returned {share:g}, the gain in accuracy: divide it by the whole gap, "
                "from source-only up to the oracle"
            )
        if is_close(share, 1 - expected, TOLERANCE):
            return not_yet(
                f"{call} returned {share:g}: that is the share of the gap still open "
                "(oracle - adapted); measure what the method gained over source-only"
            )
        return not_yet(
            f"{call} returned {share:g}: the share is the adapted model's gain over "
            "source-only, divided by the oracle's gain over source-only"
        )
    return correct(
        "1 means the method matches a model trained on labelled target data, 0 that it did "
        "nothing, below 0 that it hurt. Ganin et al. (2016) report DANN closing about 56% of "
        "the gap on MNIST -> MNIST-M (source-only about 52%, DANN 77%, oracle 96%)"
    )


def check_2(pad: Any) -> Feedback:
    """``pad(error) -> float``: the proxy A-distance of a domain classifier's test error."""
    hint = not_a_function(pad, "check_2", "pad")
    if hint is not None:
        return hint
    for error, expected in PAD_CASES:
        call = f"pad({error})"
        try:
            given = pad(error)
        except Exception as exception:  # the learner's code: report, do not crash
            return raised(exception, call)
        if given is None:
            return returned_none(call)
        distance = as_number(given)
        if distance is None:
            return not_yet(f"{call} returned {given!r}; return a number (a float)")
        if is_close(distance, expected, TOLERANCE):
            continue
        if is_close(distance, expected / 2, TOLERANCE):
            return not_yet(
                f"{call} returned {distance:g}: that is 1 - 2 * error, the separability in "
                "[0, 1]; the proxy A-distance is twice it, in [0, 2]"
            )
        if error == 0.5:
            return not_yet(
                f"{call} returned {distance:g}: at error 0.5 the domain classifier is "
                "guessing, the domains look alike, so the distance must be 0"
            )
        if is_close(distance, -expected, TOLERANCE):
            return not_yet(
                f"{call} returned {distance:g}: a classifier that never errs (error 0) must "
                "give the largest distance, 2; did you use the accuracy in place of the error?"
            )
        return not_yet(
            f"{call} returned {distance:g}: the proxy A-distance is 0 at error 0.5 (chance) "
            "and grows linearly to 2 at error 0 (Ben-David et al.)"
        )
    return correct(
        "the better a classifier tells the domains apart, the further apart they are. "
        "tlwidgets.analysis.proxy_a_distance(source_features, target_features) fits a linear "
        "domain classifier on half of each domain and applies this to its error on the other "
        "half; domain_separability(..., method='linear') is the same number divided by 2"
    )


def _covariance(features: Tensor, *, unbiased: bool = True, centre: bool = True) -> Tensor:
    """Covariance (d, d) of features (N, d), or one of its typical mistakes."""
    centred = features - features.mean(dim=0, keepdim=True) if centre else features
    return centred.T @ centred / (len(features) - 1 if unbiased else len(features))


def _coral_mistakes(features_s: Tensor, features_t: Tensor) -> dict[str, Tensor]:
    """What typical wrong CORAL losses return, each with the hint that explains it."""
    d = features_s.shape[1]

    def squared(difference: Tensor) -> Tensor:
        return (difference**2).sum()

    difference = _covariance(features_s) - _covariance(features_t)  # (d, d)
    biased = _covariance(features_s, unbiased=False) - _covariance(features_t, unbiased=False)
    raw = _covariance(features_s, centre=False) - _covariance(features_t, centre=False)
    return {
        f"it is 4 d^2 = {4 * d * d} times too large: divide ||C_s - C_t||_F^2 by 4 d^2, "
        "which keeps the loss the same size whatever the feature width": squared(difference),
        "the covariances are biased (divided by N): divide by N - 1, as the unbiased "
        "estimate of Sun and Saenko does": squared(biased) / (4 * d * d),
        "the features are not centred: subtract each feature's mean over the batch before "
        "X^T X (a mean shift must not change the covariance)": squared(raw) / (4 * d * d),
        "the Frobenius norm is not squared: sum the squares of C_s - C_t and take no square "
        "root": squared(difference).sqrt() / (4 * d * d),
    }


def check_3(coral: Any) -> Feedback:
    """``coral(features_s (N, d), features_t (M, d)) -> scalar tensor``: the Deep CORAL loss."""
    hint = not_a_function(coral, "check_3", "coral")
    if hint is not None:
        return hint
    generator = torch.Generator().manual_seed(0)
    for n, m, d in CORAL_SHAPES:
        features_s = torch.randn(n, d, generator=generator) + 0.5  # (N, d), off-centre
        features_t = 1.5 * torch.randn(m, d, generator=generator) - 0.3  # (M, d)
        call = f"coral(features of shape ({n}, {d}), features of shape ({m}, {d}))"
        try:
            given = coral(features_s.clone(), features_t.clone())
        except Exception as error:  # the learner's code: report, do not crash the notebook
            feedback = raised(error, call)
            if "size" not in str(error) and "shape" not in str(error):
                return feedback
            return not_yet(
                f"{feedback.message}. The two domains have different numbers of rows (N = {n}, "
                f"M = {m}): compute each covariance (d, d) on its own, then compare them"
            )
        if given is None:
            return returned_none(call)
        if not isinstance(given, Tensor):
            return not_yet(
                f"{call} returned a {type(given).__name__}; return a torch tensor, so the "
                "loss can be added to the cross-entropy and back-propagated"
            )
        if given.shape == (d, d):
            return not_yet(
                f"{call} returned a ({d}, {d}) tensor, the difference of the covariances; "
                "reduce it to one number: the sum of its squares, divided by 4 d^2"
            )
        if given.ndim != 0:
            return not_yet(
                f"{call} returned a tensor of shape {tuple(given.shape)}; a loss is a scalar, "
                "shape ()"
            )
        value = as_number(given.detach())
        if value is None:
            return not_yet(f"{call} returned {given!r}; the loss must be a finite real number")
        expected = float(coral_loss(features_s, features_t))
        if is_close(value, expected, 1e-4):
            continue
        for mistake, wrong in _coral_mistakes(features_s, features_t).items():
            if is_close(value, float(wrong), 1e-4):
                return not_yet(f"{call} returned {value:.4g}: {mistake}")
        return not_yet(
            f"{call} returned {value:.4g}, which is not ||C_s - C_t||_F^2 / (4 d^2) with C_s "
            "and C_t the unbiased covariances (d, d) of the centred features of each domain"
        )
    features_s = torch.randn(20, 4, generator=generator, requires_grad=True)  # (20, 4)
    features_t = torch.randn(12, 4, generator=generator, requires_grad=True)  # (12, 4)
    try:
        loss = coral(features_s, features_t)
        loss.backward()
    except Exception as error:  # .item(), .numpy() or .detach() break the graph
        return not_yet(
            f"with features that require a gradient your function raised "
            f"{type(error).__name__}: {error}. A loss must stay in torch (no .item(), .numpy() "
            "or .detach()) so the gradient can flow back into the features"
        )
    if features_s.grad is None or features_t.grad is None:
        return not_yet(
            "the loss has no gradient with respect to the features: it is used to train the "
            "network, so compute it with torch operations, outside torch.no_grad()"
        )
    return correct(
        "CORAL matches second-order statistics only: a loss of 0 means equal covariances, "
        "not equal distributions (a shift of the mean costs nothing). tlwidgets.train."
        "coral_loss computes the same, and CoralObjective adds it to the cross-entropy"
    )


class _Row(dict):
    """One candidate's results; reading "acc" (the target test accuracy) is recorded."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read_acc = False

    def __getitem__(self, key: Any) -> Any:
        if key == "acc":
            self.read_acc = True
            raise KeyError(
                "'acc' is the accuracy on the labelled target test set, which a real "
                "target task does not have"
            )
        return super().__getitem__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        """As ``dict.get``, but reading "acc" is recorded and refused."""
        if key == "acc":
            return self["acc"]
        return super().get(key, default)


# Exercise 4: (weight, source_val_acc, reverse_acc, acc) per candidate; in every set the
# three criteria pick three different weights.
WEIGHT_SETS = (
    (
        (0.0, 0.981, 0.55, 0.52),
        (0.1, 0.978, 0.70, 0.66),
        (0.3, 0.972, 0.82, 0.74),
        (1.0, 0.960, 0.78, 0.79),
        (3.0, 0.905, 0.40, 0.31),
    ),
    (
        (3.0, 0.930, 0.84, 0.71),
        (1.0, 0.955, 0.79, 0.76),
        (0.3, 0.968, 0.66, 0.69),
        (0.1, 0.975, 0.61, 0.63),
    ),
    (
        (0.0, 0.990, 0.48, 0.45),
        (0.5, 0.984, 0.61, 0.67),
        (2.0, 0.950, 0.72, 0.58),
    ),
)


def _rows(candidates: tuple[tuple[float, float, float, float], ...]) -> list[_Row]:
    return [
        _Row(weight=weight, source_val_acc=source, reverse_acc=reverse, acc=acc)
        for weight, source, reverse, acc in candidates
    ]


def check_4(choose_weight: Any) -> Feedback:
    """``choose_weight(rows) -> float``: the alignment weight, chosen without target labels."""
    hint = not_a_function(choose_weight, "check_4", "choose_weight")
    if hint is not None:
        return hint
    for candidates in WEIGHT_SETS:
        rows = _rows(candidates)
        weights = [row["weight"] for row in rows]
        best = {  # the weight each criterion would pick
            key: max(candidates, key=lambda candidate, column=column: candidate[column])[0]
            for column, key in enumerate(("source_val_acc", "reverse_acc", "acc"), start=1)
        }
        failure: Exception | None = None
        try:
            given = choose_weight(rows)
        except Exception as error:  # the learner's code: report, do not crash the notebook
            failure = error
        if any(row.read_acc for row in rows):  # caught or not, reading it is the mistake
            return not_yet(
                "your function read the target labels' accuracy ('acc'): a real target has no "
                "labels, so there is no such column to choose by; use reverse_acc"
            )
        if failure is not None:
            return raised(failure, f"choose_weight(rows with weights {weights})")
        if given is None:
            return returned_none(f"choose_weight(rows with weights {weights})")
        if isinstance(given, dict):
            return not_yet("you returned a whole row; return its 'weight'")
        weight = as_number(given)
        if weight is None:
            return not_yet(
                f"choose_weight(rows with weights {weights}) returned {given!r}; return one "
                "of the weights, a number"
            )
        if weight not in weights and weight == int(weight) and 0 <= weight < len(rows):
            return not_yet(
                f"you returned {weight:g}, which looks like a position in the list; return "
                "the row's 'weight' itself"
            )
        if is_close(weight, best["reverse_acc"], TOLERANCE):
            continue
        if is_close(weight, best["source_val_acc"], TOLERANCE):
            return not_yet(
                "you picked the best source_val_acc: source accuracy rewards not adapting "
                "(no alignment leaves the source features intact), so it says little about "
                "the target; choose by reverse_acc"
            )
        if is_close(weight, best["acc"], TOLERANCE):
            return not_yet(
                "you picked the weight with the best target accuracy ('acc'): a real target "
                "has no labels to measure it; choose by reverse_acc"
            )
        return not_yet(
            f"among the weights {weights} you returned {weight:g}: pick the row with the "
            "highest reverse_acc and return its weight"
        )
    return correct(
        "reverse validation never touches a target label, yet unlike source accuracy it "
        "notices when alignment scrambles the classes. It is a proxy: here it does not pick "
        "the weight that the target labels would, but Ganin et al. (2016) tuned DANN this way"
    )


SOLUTION_CHECKS: dict[int, Callable[[Any], Feedback]] = {
    1: check_1,
    2: check_2,
    3: check_3,
    4: check_4,
}
