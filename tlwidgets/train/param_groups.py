"""Layer-wise learning rates: smaller steps for the general early stages, larger for the head."""

from __future__ import annotations

from typing import Any

from torch import nn

from .freeze import stages_of

__all__ = ["layerwise_param_groups"]


def layerwise_param_groups(
    model: nn.Module, lr: float, *, backbone_lr_ratio: float = 1.0, layer_decay: float = 1.0
) -> list[dict[str, Any]]:
    """Optimizer parameter groups with one learning rate per stage.

    The classifier (everything outside ``stages``) gets ``lr``; the last stage gets
    ``lr * backbone_lr_ratio``; each stage before it another factor ``layer_decay`` less.
    Frozen parameters are left out; empty groups are dropped.

    Parameters
    ----------
    model
        A tlwidgets backbone.
    lr
        The head's learning rate.
    backbone_lr_ratio
        Backbone rate / head rate, e.g. 0.1 for "fine-tune the body ten times slower".
    layer_decay
        Factor between consecutive stages, in (0, 1]; 1 means one rate for the whole body.

    Returns
    -------
    list of dict
        ``[{"params": [...], "lr": float, "name": "stage0"}, ..., {"name": "head", ...}]``.
    """
    if not 0 < layer_decay <= 1:
        raise ValueError(f"layer_decay must be in (0, 1], got {layer_decay}")
    if backbone_lr_ratio <= 0:
        raise ValueError(
            f"backbone_lr_ratio must be > 0, got {backbone_lr_ratio}; "
            "to keep the backbone fixed, freeze it with freeze_stages(model, depth)"
        )
    stages = stages_of(model)
    in_stages: set[int] = set()
    groups = []
    for index, stage in enumerate(stages):
        parameters = list(stage.parameters())
        in_stages.update(id(p) for p in parameters)
        stage_lr = lr * backbone_lr_ratio * layer_decay ** (len(stages) - 1 - index)
        trainable = [p for p in parameters if p.requires_grad]
        if trainable:
            groups.append({"params": trainable, "lr": stage_lr, "name": f"stage{index}"})
    head = [p for p in model.parameters() if id(p) not in in_stages and p.requires_grad]
    if head:
        groups.append({"params": head, "lr": lr, "name": "head"})
    return groups
