"""Multitask networks: one head per task on shared features (hard sharing) or tied backbones.

Every model here maps images (N, 3, 32, 32) to a dict ``{task name: output}``, with
logits (N, K) for a classification task and a prediction (N,) for a regression, so the
multitask objective (:class:`tlwidgets.train.MultiTaskObjective`) works with all of them::

    model = MultiHeadModel(create_backbone("resnet", num_classes=0), train.tasks)
    outputs = model(images)  # {"left": (N, 10), "right": (N, 10)}

- :class:`MultiHeadModel` - hard parameter sharing: one backbone, one linear head per task.
  With a single task it is the single-task baseline.
- :class:`SoftSharingModel` - soft parameter sharing: one backbone per task, kept close by an
  L2 penalty between their weights (Duong et al., 2015).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn

from ..data.multitask import Task
from .backbone import Backbone

__all__ = ["MultiHeadModel", "SoftSharingModel", "count_parameters"]


def count_parameters(model: nn.Module) -> int:
    """Number of parameters of ``model`` (trainable or not)."""
    return sum(p.numel() for p in model.parameters())


def _head(num_features: int, task: Task) -> nn.Linear:
    return nn.Linear(num_features, task.num_outputs)


def _apply_head(head: nn.Module, task: Task, features: Tensor) -> Tensor:
    out = head(features)  # (N, K) or (N, 1)
    return out.squeeze(1) if task.kind == "regression" else out


class MultiHeadModel(nn.Module):
    """A shared backbone with one linear head per task (hard parameter sharing).

    Parameters
    ----------
    backbone
        A :class:`~tlwidgets.models.Backbone`; its own classifier is removed.
    tasks
        The tasks to predict, e.g. ``train.tasks`` of a :class:`MultiTaskImages`.
    """

    def __init__(self, backbone: Backbone, tasks: Sequence[Task]):
        super().__init__()
        if not tasks:
            raise ValueError("a multitask model needs at least one task")
        backbone.reset_classifier(0)
        self.backbone = backbone
        self.tasks = tuple(tasks)
        self.heads = nn.ModuleDict({t.name: _head(backbone.num_features, t) for t in self.tasks})

    def features(self, x: Tensor) -> Tensor:
        """Shared pooled features (N, D) of images (N, 3, H, W)."""
        return self.backbone(x)

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        """``{task: logits (N, K) or regression output (N,)}`` for images (N, 3, H, W)."""
        features = self.features(x)
        return {t.name: _apply_head(self.heads[t.name], t, features) for t in self.tasks}

    def shared_parameters(self) -> list[nn.Parameter]:
        """Parameters every task's loss flows through (the backbone's)."""
        return [p for p in self.backbone.parameters() if p.requires_grad]

    def last_shared_parameters(self) -> list[nn.Parameter]:
        """Parameters of the last shared stage (GradNorm measures gradients there)."""
        return [p for p in self.backbone.stages[-1].parameters() if p.requires_grad]

    def regularization(self) -> Tensor:
        """Extra loss the model adds to the objective: none for hard sharing."""
        return torch.zeros((), device=next(self.parameters()).device)


class SoftSharingModel(nn.Module):
    """One backbone and head per task; an L2 penalty pulls the backbones' weights together.

    ``regularization()`` returns ``tie * sum_k ||w_k - mean_j w_j||^2`` over every
    backbone parameter: 0 lets the tasks learn separately (single-task models), a large
    ``tie`` makes the backbones nearly identical (close to hard sharing).

    Parameters
    ----------
    make_backbone
        Called once per task, e.g. ``lambda: create_backbone("resnet", num_classes=0)``.
    tasks
        The tasks to predict.
    tie
        Strength of the L2 penalty between the task backbones.
    """

    def __init__(
        self, make_backbone: Callable[[], Backbone], tasks: Sequence[Task], tie: float = 1e-2
    ):
        super().__init__()
        if tie < 0:
            raise ValueError(f"tie must be >= 0, got {tie}")
        self.tasks = tuple(tasks)
        self.tie = tie
        self.towers = nn.ModuleDict(
            {t.name: MultiHeadModel(make_backbone(), [t]) for t in self.tasks}
        )

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        """``{task: output}`` as :meth:`MultiHeadModel.forward`, each from its own backbone."""
        return {name: tower(x)[name] for name, tower in self.towers.items()}

    def shared_parameters(self) -> list[nn.Parameter]:
        """No parameter is shared: each task has its own backbone."""
        return []

    def last_shared_parameters(self) -> list[nn.Parameter]:
        """No parameter is shared: each task has its own backbone."""
        return []

    def regularization(self) -> Tensor:
        """``tie`` times the squared distance of every backbone to their mean."""
        backbones = [tower.backbone for tower in self.towers.values()]
        penalty = torch.zeros((), device=next(self.parameters()).device)
        for weights in zip(*(b.parameters() for b in backbones), strict=True):
            stacked = torch.stack(weights)  # (T, *shape)
            penalty = penalty + (stacked - stacked.mean(dim=0)).pow(2).sum()
        return self.tie * penalty
