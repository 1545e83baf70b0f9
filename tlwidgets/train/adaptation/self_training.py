"""Self-training: learn from the model's own confident predictions on the target.

Lee, D.-H. (2013). "Pseudo-Label: The Simple and Efficient Semi-Supervised Learning Method
for Deep Neural Networks." ICML 2013 Workshop on Challenges in Representation Learning.
The confidence threshold and the loss averaged over all target examples follow Sohn, K.
et al. (2020), "FixMatch", NeurIPS 2020.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from .base import AdaptationObjective

__all__ = ["SelfTrainingObjective"]


class SelfTrainingObjective(AdaptationObjective):
    """Source cross-entropy + ``weight`` * cross-entropy on confident target pseudo-labels.

    A target image's pseudo-label is the class the current model predicts for it (no
    gradient flows through that choice); it counts only if the softmax confidence is at
    least ``threshold``. The loss is averaged over *all* target images of the batch, so it
    is 0 when none is confident and grows as more become confident. The model must have a
    ``classifier`` mapping pooled features (N, D) to logits (every backbone has one).

    Metrics, besides ``acc``, ``ce`` and ``align`` (the pseudo-label loss):
    ``pseudo_fraction``, the share of target images above the threshold.

    Parameters
    ----------
    weight
        Multiplies the pseudo-label loss.
    threshold
        Minimum softmax confidence in [0, 1]: 0 keeps every prediction, 1 in practice none
        (a float32 softmax reaches exactly 1 only for saturated logits).
    """

    def __init__(self, weight: float = 1.0, threshold: float = 0.9):
        super().__init__(weight)
        if not 0 <= threshold <= 1:
            raise ValueError(f"threshold must be in [0, 1], got {threshold}")
        self.threshold = threshold

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
        """Masked cross-entropy of the target logits against their confident argmax."""
        logits_t = model.classifier(features_t).float()  # (M, K)
        with torch.no_grad():
            confidence, pseudo = logits_t.softmax(dim=1).max(dim=1)  # (M,), (M,)
            keep = (confidence >= self.threshold).float()  # (M,)
        loss = (F.cross_entropy(logits_t, pseudo, reduction="none") * keep).mean()
        return loss, {"pseudo_fraction": keep.mean()}
