"""Reference solutions of lesson 04's exercises (shown by ``show_solution(n)``).

Each returns the function the learner writes; its check calls it on cases of its own.
"""

from __future__ import annotations

from typing import Any


def exercise_1() -> Any:
    """The 95% interval of a mean accuracy over episodes, as few-shot papers report it."""
    import math

    import numpy as np

    def confidence_interval(accuracies):
        std = np.std(accuracies)  # population std (ddof 0), as in the papers' code
        return 1.96 * std / math.sqrt(len(accuracies))  # the mean's spread shrinks with sqrt(n)

    return confidence_interval


def exercise_2() -> Any:
    """Prototypes: the mean support embedding of each class (Snell et al., 2017)."""
    import torch

    def prototypes(embeddings, labels, n_way):
        # row c is the mean of the rows labelled c; the support set need not be sorted
        return torch.stack([embeddings[labels == c].mean(dim=0) for c in range(n_way)])

    return prototypes


def exercise_3() -> Any:
    """Label each query by its nearest prototype in squared Euclidean distance."""

    def nearest_prototype(queries, prototypes):
        differences = queries[:, None, :] - prototypes[None, :, :]  # (M, N, D)
        distances = differences.pow(2).sum(dim=2)  # (M, N)
        return distances.argmin(dim=1)  # the closest prototype, not the farthest

    return nearest_prototype


def exercise_4() -> Any:
    """Direct Attribute Prediction: the candidate class whose description fits best."""
    import torch

    def dap_class(attribute_probs, class_table, priors):
        scores = torch.zeros(len(class_table))  # (C,) log p(class | image), up to a constant
        for g, (probs, prior) in enumerate(zip(attribute_probs, priors, strict=True)):
            values = class_table[:, g]  # (C,) each candidate's value of attribute g
            scores += torch.log(probs[values] / prior[values])  # evidence beyond the prior
        return int(scores.argmax())

    return dap_class
