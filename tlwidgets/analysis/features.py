"""Features at any depth of a backbone, for probing, projecting and comparing."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.utils.data import Dataset

from ..data.batches import iterate_batches
from ..models.modes import eval_mode

__all__ = ["backbone_stages", "extract_features"]


def backbone_stages(model: nn.Module) -> nn.ModuleList:
    """The ``stages`` of a tlwidgets backbone; TypeError for anything else."""
    stages = getattr(model, "stages", None)
    if stages is None or not hasattr(model, "forward_stages"):
        raise TypeError(f"{type(model).__name__} is not a tlwidgets backbone (no stages)")
    return stages


def extract_features(
    model: nn.Module,
    data: Dataset,
    stage: int | None = None,
    *,
    pool: bool = True,
    batch_size: int = 512,
    device: str | torch.device | None = None,
) -> Tensor:
    """Run ``data`` through the backbone up to ``stage`` and return its output for every example.

    Parameters
    ----------
    model
        A tlwidgets backbone (anything with ``forward_stages`` and ``stages``).
    data
        A dataset whose first item element is an image (3, H, W).
    stage
        Index of the stage whose output to return, 0..len(model.stages) - 1; None for the
        last stage (the features the classifier sees).
    pool
        Average over space: (N, C) instead of the maps (N, C, h, w).
    batch_size
        Images per forward pass.
    device
        Defaults to the model's device.

    Returns
    -------
    Tensor
        float32 on the CPU, (N, C) when pooled, else (N, C, h, w); in dataset order.
    """
    last = len(backbone_stages(model)) - 1
    stage = last if stage is None else stage
    if not 0 <= stage <= last:
        raise ValueError(f"stage must be in 0..{last} for this backbone, got {stage}")
    if device is None:
        device = next(model.parameters()).device
    model.to(device)
    outputs = []
    with eval_mode(model), torch.no_grad():
        for batch in iterate_batches(data, batch_size):
            maps = model.forward_stages(batch[0].to(device), depth=stage + 1)  # (B, C, h, w)
            outputs.append((maps.mean(dim=(2, 3)) if pool else maps).float().cpu())
    return torch.cat(outputs)
