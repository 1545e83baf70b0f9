"""How far apart two domains are in feature space: how well a classifier tells them apart.

If a simple classifier, shown a feature vector, can say whether it came from the source or
the target domain, the features carry domain information that a classifier trained on the
source may trip over. Domain adaptation tries to remove it. Lesson 02 turns this score into
the proxy A-distance of Ben-David et al. (2007).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from .neighbours import knn_accuracy

__all__ = ["SEPARABILITY_METHODS", "domain_separability"]

SEPARABILITY_METHODS = ("knn", "linear")
RIDGE = 1.0  # L2 penalty of the linear domain classifier, on standardised features


def _as_tensor(features: Tensor | np.ndarray, what: str) -> Tensor:
    x = torch.as_tensor(np.asarray(features)) if not torch.is_tensor(features) else features
    x = x.detach().cpu().float()
    if x.ndim != 2:
        raise ValueError(f"{what} features must have shape (N, D), got {tuple(x.shape)}")
    return x


def _linear_accuracy(
    train: Tensor, train_domain: Tensor, test: Tensor, test_domain: Tensor
) -> float:
    """Accuracy of a closed-form ridge classifier (targets -1/+1) on standardised features."""
    mean = train.mean(dim=0)
    std = train.std(dim=0, unbiased=False).clamp_min(1e-6)

    def design(x: Tensor) -> Tensor:  # (N, D + 1): standardised features and a bias column
        return torch.cat([(x - mean) / std, torch.ones(len(x), 1)], dim=1).double()

    a = design(train)
    targets = train_domain.double() * 2 - 1  # (N,) in {-1, +1}
    penalty = RIDGE * torch.eye(a.shape[1], dtype=torch.float64)
    weights = torch.linalg.solve(a.T @ a + penalty, a.T @ targets)  # (D + 1,)
    predicted = (design(test) @ weights > 0).long()
    return float((predicted == test_domain).float().mean())


def domain_separability(
    source: Tensor | np.ndarray,
    target: Tensor | np.ndarray,
    *,
    method: str = "knn",
    k: int = 5,
    seed: int = 0,
) -> float:
    """How well features tell two domains apart: 0 = indistinguishable, 1 = perfectly separable.

    Both domains are cut to the same size n (a seeded random choice), so guessing scores 1/2.
    Each domain's n points are split in two halves (seeded); a domain classifier is fitted on
    the first halves of both and scored on the second halves, giving an accuracy ``acc``.
    The score is ``max(0, 2 * acc - 1)``: chance (or worse) maps to 0, a perfect
    classifier to 1.

    Lesson 02 (domain adaptation) introduces the proxy A-distance of Ben-David et al.
    (2007), ``d_A = 2 * (1 - 2 * err)`` with ``err = 1 - acc`` the domain classifier's test
    error; this score is ``max(0, d_A / 2)``, the same quantity rescaled to [0, 1].

    Parameters
    ----------
    source, target
        Features of the two domains, shapes (N_s, D) and (N_t, D); each needs at least 2 rows.
    method
        The domain classifier: "knn" (cosine k-nearest-neighbour vote, as
        :func:`knn_accuracy`) or "linear" (a ridge-regularised least-squares linear
        classifier on standardised features, solved in closed form).
    k
        Neighbours that vote, for ``method="knn"``.
    seed
        Seeds the subsampling and the split, so the score is reproducible.

    Returns
    -------
    float
        The separability in [0, 1].

    Raises
    ------
    ValueError
        If a domain has fewer than 2 points, the feature sizes differ, or the method is unknown.
    """
    if method not in SEPARABILITY_METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {SEPARABILITY_METHODS}")
    source_x, target_x = _as_tensor(source, "source"), _as_tensor(target, "target")
    if source_x.shape[1] != target_x.shape[1]:
        raise ValueError(
            f"source and target features differ in size: {source_x.shape[1]} vs {target_x.shape[1]}"
        )
    n = min(len(source_x), len(target_x))
    if n < 2:
        raise ValueError(
            f"each domain needs at least 2 points to fit and score a domain classifier, got "
            f"{len(source_x)} source and {len(target_x)} target"
        )
    generator = torch.Generator().manual_seed(seed)
    halves = []
    for x in (source_x, target_x):
        chosen = x[torch.randperm(len(x), generator=generator)[:n]]  # (n, D), shuffled
        halves.append((chosen[: n // 2], chosen[n // 2 :]))
    (source_fit, source_score), (target_fit, target_score) = halves
    train = torch.cat([source_fit, target_fit])  # (2 * (n // 2), D)
    test = torch.cat([source_score, target_score])
    train_domain = torch.cat([torch.zeros(len(source_fit)), torch.ones(len(target_fit))]).long()
    test_domain = torch.cat([torch.zeros(len(source_score)), torch.ones(len(target_score))]).long()
    if method == "knn":
        accuracy = knn_accuracy(train, train_domain, test, test_domain, k=k)
    else:
        accuracy = _linear_accuracy(train, train_domain, test, test_domain)
    return max(0.0, 2.0 * accuracy - 1.0)
