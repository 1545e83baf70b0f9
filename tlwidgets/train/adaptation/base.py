"""The base of every domain-adaptation objective: source cross-entropy + weight * alignment.

Unsupervised domain adaptation trains on labelled source images and unlabelled target
images at once. Each method differs only in its *alignment* loss, which pulls the two
domains' features together; this class does everything else, so a method is one function.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from ..objectives import Batch, Objective

__all__ = ["AdaptationObjective"]


class AdaptationObjective(Objective):
    """Source cross-entropy plus ``weight`` times a method's alignment loss.

    Training batches are ``(xs (N, 3, H, W), ys (N,), xt (M, 3, H, W))``, as made by
    :func:`~tlwidgets.train.adaptation.pair_domains`: labelled source and unlabelled target
    images. Evaluation batches ``(x, y)`` are scored as plain classification (cross-entropy
    and ``acc``), so the same objective works in :func:`~tlwidgets.train.evaluate` and as
    ``fit(..., val_data=...)``.

    Source and target images go through the backbone in ONE forward pass (concatenated).
    BatchNorm layers therefore normalise with statistics of both domains mixed, as most
    implementations of DANN, Deep CORAL and DAN do; two separate passes would give each
    domain its own batch statistics, which already aligns first and second moments of every
    layer and would hide what the alignment loss itself does.

    The model must have the backbone interface: ``forward_features(x)`` -> maps and
    ``forward_head(maps, pre_logits=...)`` -> pooled features (N, D) or logits (N, K).

    Metrics: ``acc`` (source accuracy), ``ce`` (source cross-entropy), ``align`` (the
    unweighted alignment loss), plus whatever the method adds.

    Parameters
    ----------
    weight
        Multiplies the alignment loss: ``loss = ce + weight * align``.
    """

    def __init__(self, weight: float = 1.0):
        if weight < 0:
            raise ValueError(f"weight must be >= 0, got {weight}")
        self.weight = weight

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
        """The method's alignment loss (a scalar) and extra metrics; subclasses implement it.

        Parameters
        ----------
        model
            The model being trained.
        xs, ys, xt
            Source images (N, 3, H, W), source labels (N,), target images (M, 3, H, W).
        features_s, features_t
            Pooled features (N, D) and (M, D), in float32, with gradients.
        logits_s
            Source logits (N, K).
        """
        raise NotImplementedError

    def __call__(self, model: nn.Module, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        """Return ``ce + weight * align`` and the metrics, or plain classification for (x, y)."""
        if len(batch) == 2:
            return self._classify(model, batch[0], batch[1])
        if len(batch) != 3:
            raise ValueError(
                "an adaptation objective expects training batches (source_images, "
                "source_labels, target_images) from pair_domains(), or evaluation batches "
                f"(images, labels); got a batch of {len(batch)} tensors"
            )
        xs, ys, xt = batch
        n = len(xs)
        maps = model.forward_features(torch.cat([xs, xt]))  # (N + M, C, h, w)
        features = model.forward_head(maps, pre_logits=True).float()  # (N + M, D)
        logits_s = model.forward_head(maps[:n]).float()  # (N, K)
        ce = F.cross_entropy(logits_s, ys)
        align, extra = self.alignment(model, xs, ys, xt, features[:n], features[n:], logits_s)
        loss = ce + self.weight * align
        with torch.no_grad():
            acc = (logits_s.argmax(dim=1) == ys).float().mean()
        metrics = {"acc": acc, "ce": ce.detach(), "align": align.detach()}
        metrics.update(extra)
        return loss, metrics

    @staticmethod
    def _classify(model: nn.Module, x: Tensor, y: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        logits = model(x).float()  # (N, K)
        loss = F.cross_entropy(logits, y)
        with torch.no_grad():
            acc = (logits.argmax(dim=1) == y).float().mean()
        return loss, {"acc": acc}
