"""Deep CORAL: match the covariance of source and target features.

Sun, B. and Saenko, K. (2016). "Deep CORAL: Correlation Alignment for Deep Domain
Adaptation." ECCV 2016 Workshops (TASK-CV), arXiv:1607.01719.
"""

from __future__ import annotations

from torch import Tensor, nn

from .base import AdaptationObjective

__all__ = ["CoralObjective", "coral_loss"]


def _covariance(features: Tensor) -> Tensor:
    """Unbiased covariance (D, D) of features (N, D); zeros for a single example."""
    centred = features - features.mean(dim=0, keepdim=True)  # (N, D)
    return centred.T @ centred / max(len(features) - 1, 1)


def coral_loss(features_s: Tensor, features_t: Tensor) -> Tensor:
    """The CORAL loss ``||C_s - C_t||_F^2 / (4 d^2)`` of features (N, d) and (M, d).

    ``C_s`` and ``C_t`` are the feature covariances (d, d). The ``4 d^2`` keeps the loss
    about the same size whatever the feature width.
    """
    d = features_s.shape[1]
    difference = _covariance(features_s) - _covariance(features_t)  # (d, d)
    return (difference**2).sum() / (4 * d * d)


class CoralObjective(AdaptationObjective):
    """Source cross-entropy + ``weight`` * CORAL loss on the pooled features.

    Parameters
    ----------
    weight
        Multiplies the CORAL loss. It is small (covariances of pooled features are small),
        so useful weights are often well above 1.
    """

    def alignment(
        self,
        model: nn.Module,
        xs: Tensor,
        ys: Tensor,
        xt: Tensor,
        features_s: Tensor,
        features_t: Tensor,
        logits_s: Tensor,
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """The CORAL loss between source and target features; no extra metrics."""
        return coral_loss(features_s, features_t), {}
