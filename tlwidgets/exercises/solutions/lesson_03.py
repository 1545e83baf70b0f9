"""Reference solutions of lesson 03's exercises (shown by ``show_solution(n)``).

Exercises 1-3 return the function the learner writes; 4 and 5 take what the notebook built
(the models, the training history) and return the answer their check takes.
"""

from __future__ import annotations

from typing import Any


def exercise_1() -> Any:
    """Kendall et al.'s uncertainty-weighted loss of one task, with s = log sigma^2."""
    import torch

    def uncertainty_loss(loss, log_var, kind):
        factor = 0.5 if kind == "regression" else 1.0  # Gaussian 1/(2 sigma^2), softmax 1/sigma^2
        # exp(-log_var) = 1 / sigma^2; torch.exp keeps log_var learnable (no math.exp)
        return factor * torch.exp(-log_var) * loss + 0.5 * log_var  # + log sigma

    return uncertainty_loss


def exercise_2() -> Any:
    """The cosine of the angle between two flattened task gradients."""

    def cosine(g1, g2):
        return (g1 @ g2) / (g1.norm() * g2.norm())  # dot product over the two lengths

    return cosine


def exercise_3() -> Any:
    """PCGrad for two tasks: remove the conflicting part of each gradient (Yu et al., 2020)."""

    def pcgrad_two(g1, g2):
        dot = g1 @ g2
        if dot >= 0:  # no conflict: leave both unchanged
            return g1, g2
        g1_new = g1 - dot / (g2 @ g2) * g2  # onto the normal plane of the original g2
        g2_new = g2 - dot / (g1 @ g1) * g1  # onto the normal plane of the original g1
        return g1_new, g2_new

    return pcgrad_two


def exercise_4(shared_model: Any, single_models: Any) -> int:
    """Parameters that one two-headed shared model saves over two single-task models."""
    from tlwidgets.models import count_parameters

    return sum(count_parameters(model) for model in single_models) - count_parameters(shared_model)


def exercise_5(history: Any) -> str:
    """The task that uncertainty weighting weighs most at the end of training."""
    tasks = [key.removeprefix("sigma_") for key in history.epochs[-1] if key.startswith("sigma_")]
    return max(tasks, key=lambda task: history.last(f"weight_{task}"))
