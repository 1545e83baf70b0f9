"""Linear probing: a linear classifier trained on frozen, cached features.

How good are a backbone's features for a new task? Extract them once
(:func:`tlwidgets.analysis.extract_features`), then fit a linear classifier on them: seconds
instead of minutes, because the backbone never runs again. The probe can then become the
backbone's head (``probe.as_linear()``), the "LP" of LP-FT (Kumar et al., ICLR 2022).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.utils.data import TensorDataset

from ..runtime import seed_everything
from .config import FitConfig
from .evaluate import evaluate
from .loop import fit

__all__ = ["LinearProbe", "fit_linear_probe"]


class LinearProbe(nn.Module):
    """Standardise features (N, D) with the training mean/std, then a linear layer -> (N, K)."""

    def __init__(self, mean: Tensor, std: Tensor, num_classes: int):
        super().__init__()
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)
        self.linear = nn.Linear(mean.numel(), num_classes)

    def forward(self, features: Tensor) -> Tensor:
        """Logits (N, K) for features (N, D)."""
        return self.linear((features - self.mean) / self.std)

    def accuracy(self, features: Tensor, labels: Tensor) -> float:
        """Fraction of ``labels`` (N,) predicted correctly from ``features`` (N, D)."""
        return evaluate(self, TensorDataset(features, labels), device="cpu")["acc"]

    def as_linear(self) -> nn.Linear:
        """An equivalent ``nn.Linear`` on raw features, with the standardisation folded in."""
        linear = nn.Linear(self.mean.numel(), self.linear.out_features)
        with torch.no_grad():
            weight = self.linear.weight / self.std  # (K, D)
            linear.weight.copy_(weight)
            linear.bias.copy_(self.linear.bias - weight @ self.mean)
        return linear


def fit_linear_probe(
    features: Tensor,
    labels: Tensor,
    *,
    num_classes: int | None = None,
    epochs: int = 200,
    lr: float = 5e-2,
    weight_decay: float = 1e-4,
    seed: int = 0,
) -> LinearProbe:
    """Train a :class:`LinearProbe` on cached features with the one training loop.

    Parameters
    ----------
    features
        Training features of shape (N, D), e.g. from ``extract_features``.
    labels
        Integer labels of shape (N,).
    num_classes
        Defaults to ``labels.max() + 1``.
    epochs, lr, weight_decay, seed
        Full-batch-ish Adam on the features; the defaults suit a few to a few thousand rows.

    Returns
    -------
    LinearProbe
        On the CPU, in eval mode; ``probe.accuracy(test_features, test_labels)`` scores it.
    """
    if features.ndim != 2 or len(features) != len(labels):
        raise ValueError(
            f"features must be (N, D) and labels (N,), got {tuple(features.shape)} and "
            f"{tuple(labels.shape)}"
        )
    if len(features) == 0:
        raise ValueError("no features to probe: the training set is empty")
    features = features.float().cpu()
    labels = labels.long().cpu()
    num_classes = num_classes or int(labels.max()) + 1
    mean = features.mean(dim=0)
    std = features.std(dim=0, unbiased=False).clamp_min(1e-6)
    seed_everything(seed)  # the head's initial weights
    probe = LinearProbe(mean, std, num_classes)
    config = FitConfig(
        epochs=epochs,
        batch_size=min(len(features), 1024),
        lr=lr,
        weight_decay=weight_decay,
        seed=seed,
        device="cpu",  # a linear layer on cached features is fastest where the features are
        channels_last=False,
    )
    fit(probe, TensorDataset(features, labels), config=config)
    return probe.eval()
