"""Freezing by depth, and the BatchNorm rule that makes a frozen layer really frozen.

A "frozen" stage whose BatchNorm layers stay in training mode still changes: its running
mean and variance follow the new data. :func:`keep_frozen_batchnorm_in_eval`, which
``fit`` applies every epoch, puts every BatchNorm whose parameters are all frozen into
eval mode, so frozen stages stay bit-identical.
"""

from __future__ import annotations

from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

__all__ = ["freeze_stages", "frozen_depth", "keep_frozen_batchnorm_in_eval", "unfreeze_all"]


def stages_of(model: nn.Module) -> nn.ModuleList:
    stages = getattr(model, "stages", None)
    if not isinstance(stages, nn.ModuleList):
        raise TypeError(
            f"{type(model).__name__} has no ordered `stages`; freezing by depth needs a "
            "tlwidgets backbone (see tlwidgets.models.list_backbones())"
        )
    return stages


def freeze_stages(model: nn.Module, depth: int) -> nn.Module:
    """Freeze the first ``depth`` stages and make everything after them trainable.

    ``depth=0`` trains everything (fine-tune all); ``depth=len(model.stages)`` trains only the
    classifier (a linear probe).

    Raises
    ------
    ValueError
        If ``depth`` is outside 0..len(model.stages).
    """
    stages = stages_of(model)
    if not 0 <= depth <= len(stages):
        raise ValueError(
            f"freeze depth {depth} is impossible for {type(model).__name__} with "
            f"{len(stages)} stages; choose 0 (train all) to {len(stages)} (head only)"
        )
    for parameter in model.parameters():
        parameter.requires_grad_(True)
    for stage in stages[:depth]:
        for parameter in stage.parameters():
            parameter.requires_grad_(False)
    return model


def unfreeze_all(model: nn.Module) -> nn.Module:
    """Make every parameter trainable again."""
    for parameter in model.parameters():
        parameter.requires_grad_(True)
    return model


def frozen_depth(model: nn.Module) -> int:
    """How many leading stages are entirely frozen."""
    depth = 0
    for stage in stages_of(model):
        parameters = list(stage.parameters())
        if parameters and not any(p.requires_grad for p in parameters):
            depth += 1
        else:
            break
    return depth


def keep_frozen_batchnorm_in_eval(model: nn.Module) -> None:
    """Put every BatchNorm layer whose parameters are all frozen into eval mode.

    Call after ``model.train()``; :func:`~tlwidgets.train.fit` does.
    """
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            parameters = list(module.parameters(recurse=False))
            if parameters and not any(p.requires_grad for p in parameters):
                module.eval()
