"""The class a model predicts for every example, computed in batches without gradients."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.utils.data import Dataset

from ..data.batches import iterate_batches
from ..runtime import get_device
from .modes import eval_mode

__all__ = ["predict"]


def predict(
    model: nn.Module,
    data: Dataset,
    batch_size: int = 512,
    device: str | torch.device | None = None,
) -> Tensor:
    """The class a model predicts for every example: the argmax of its logits, in eval mode.

    Each module's train/eval mode is restored afterwards (frozen BatchNorm layers included).

    Parameters
    ----------
    model
        A classifier returning logits (B, K) for images (B, 3, H, W); moved to ``device``.
    data
        A dataset whose items start with an image (3, H, W), e.g. ``LabelledImages``.
    batch_size
        Images per forward pass.
    device
        Defaults to the model's device.

    Returns
    -------
    Tensor
        Shape (N,), int64 on the CPU, in dataset order.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if device is None:
        first = next(model.parameters(), None)
        device = first.device if first is not None else get_device()
    model.to(device)
    predictions = []
    with eval_mode(model), torch.no_grad():
        for batch in iterate_batches(data, batch_size):
            logits = model(batch[0].to(device))  # (B, K)
            predictions.append(logits.argmax(dim=1).cpu())
    return torch.cat(predictions)
