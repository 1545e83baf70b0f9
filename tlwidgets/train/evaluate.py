"""Evaluation without gradients: the objective's metrics averaged over a whole dataset."""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import Dataset

from ..data.batches import iterate_batches
from ..models.modes import eval_mode
from ..runtime import get_device
from .objectives import ClassificationObjective, Objective

__all__ = ["evaluate"]


def evaluate(
    model: nn.Module,
    data: Dataset,
    objective: Objective | None = None,
    *,
    batch_size: int = 512,
    device: str | torch.device | None = None,
) -> dict[str, float]:
    """Average the objective's loss and metrics over ``data`` in eval mode.

    Parameters
    ----------
    model
        Any module the objective accepts; moved to ``device``.
    data
        A dataset of tuples, e.g. ``(image (3, 32, 32), label)``.
    objective
        Defaults to :class:`ClassificationObjective` (loss and ``acc``).
    device
        Defaults to the model's device.

    Returns
    -------
    dict
        ``{"loss": float, "acc": float, ...}``, each averaged per example.
    """
    objective = objective or ClassificationObjective()
    if device is None:
        first = next(model.parameters(), None)
        device = first.device if first is not None else get_device()
    model.to(device)
    totals: dict[str, float] = {}
    count = 0
    with eval_mode(model), torch.no_grad():
        for batch in iterate_batches(data, batch_size):
            batch = tuple(t.to(device, non_blocking=True) for t in batch)
            loss, metrics = objective(model, batch)
            n = len(batch[0])
            for key, value in {"loss": loss, **metrics}.items():
                totals[key] = totals.get(key, 0.0) + float(value) * n
            count += n
    return {key: total / count for key, total in totals.items()}
