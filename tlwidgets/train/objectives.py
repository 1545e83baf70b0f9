"""Objectives turn a batch into a loss and metrics; they are what differs between methods.

Fine-tuning, domain adaptation, multitask and few-shot learning all use the same loop,
:func:`tlwidgets.train.fit`, with a different objective and data.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

__all__ = ["ClassificationObjective", "Objective"]

Batch = tuple[Tensor, ...]


class Objective:
    """Base class: ``objective(model, batch) -> (loss, metrics)``.

    ``loss`` is a scalar tensor to minimise; ``metrics`` maps names (e.g. ``"acc"``) to
    detached scalar tensors. The same call, under ``torch.no_grad()``, gives validation
    metrics.
    """

    def __call__(self, model: nn.Module, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        """Compute the loss and metrics of one batch."""
        raise NotImplementedError

    def on_step_start(self, progress: float) -> None:
        """Called before every training step with the fraction of the run done, in [0, 1].

        Objectives whose weights follow a schedule (e.g. DANN's lambda) override this.
        """

    def on_epoch_end(self) -> None:
        """Called after every training epoch, before validation.

        Objectives that adapt per epoch (e.g. dynamic weight average) override this. An
        objective that is also an ``nn.Module`` may hold learnable parameters (e.g. task
        weights); :func:`~tlwidgets.train.fit` moves it to the device and trains them, at
        the objective's ``parameters_lr`` if it sets one, else at the model's rate.
        """


class ClassificationObjective(Objective):
    """Cross-entropy on labelled images, with accuracy as the metric.

    The batch is ``(images (N, C, H, W), labels (N,))``; the model returns logits (N, K).

    Parameters
    ----------
    label_smoothing
        Mass moved from the true class to the others, in [0, 1).
    """

    def __init__(self, label_smoothing: float = 0.0):
        self.label_smoothing = label_smoothing

    def __call__(self, model: nn.Module, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        """Return the mean cross-entropy and ``{"acc": fraction correct}``."""
        inputs, labels = batch[0], batch[1]
        logits = model(inputs)  # (N, K)
        loss = F.cross_entropy(logits.float(), labels, label_smoothing=self.label_smoothing)
        with torch.no_grad():
            acc = (logits.argmax(dim=1) == labels).float().mean()
        return loss, {"acc": acc}
