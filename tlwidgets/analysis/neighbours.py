"""How well features separate classes without training anything: k-nearest-neighbour accuracy."""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn import functional as F

__all__ = ["knn_accuracy"]


def knn_accuracy(
    train_features: Tensor,
    train_labels: Tensor,
    test_features: Tensor,
    test_labels: Tensor,
    k: int = 5,
) -> float:
    """Accuracy of a cosine-similarity k-NN vote (ties go to the nearest neighbour's class).

    Parameters
    ----------
    train_features, test_features
        Shapes (N, D) and (M, D).
    train_labels, test_labels
        Integer labels of shapes (N,) and (M,).
    k
        Neighbours that vote; capped at N.

    Returns
    -------
    float
        Fraction of the M test points whose vote is correct.
    """
    if len(train_features) == 0 or len(test_features) == 0:
        raise ValueError("knn_accuracy needs at least one training and one test example")
    k = min(k, len(train_features))
    train = F.normalize(train_features.float(), dim=1)
    test = F.normalize(test_features.float(), dim=1)
    similarity = test @ train.T  # (M, N)
    nearest = similarity.topk(k, dim=1).indices  # (M, k), closest first
    votes = train_labels[nearest]  # (M, k)
    num_classes = int(train_labels.max()) + 1
    # Each vote weighs 1, plus a small bonus decreasing with rank to break ties by distance.
    weights = 1.0 + torch.linspace(1e-3, 0.0, k).expand_as(votes)
    scores = torch.zeros(len(test), num_classes).scatter_add_(1, votes, weights)
    return float((scores.argmax(dim=1) == test_labels).float().mean())
