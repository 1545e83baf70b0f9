"""The multitask objective: per-task losses and metrics, combined by a weighting strategy.

objective = MultiTaskObjective(train.tasks, weighting="uncertainty")
history = fit(model, train, objective, FitConfig(epochs=10), val_data={"test": test})
history.series("test_left_acc", per="epoch")   # per-task metrics, per epoch
history.series("grad_cos_left_right")          # how much the tasks agree, per step
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from ...data.multitask import Task
from ..objectives import Batch, Objective
from .gradients import gradient_cosines, task_gradients
from .gradnorm import GradNorm
from .pcgrad import PCGrad
from .weighting import (
    DynamicWeightAverage,
    EqualWeights,
    FixedWeights,
    TaskWeighting,
    UncertaintyWeighting,
)

__all__ = ["WEIGHTINGS", "MultiTaskObjective", "make_weighting", "task_losses"]

WEIGHTINGS = ("equal", "fixed", "uncertainty", "dwa", "gradnorm", "pcgrad")


def make_weighting(
    name: str, tasks: Sequence[Task], weights: Mapping[str, float] | None = None, seed: int = 0
) -> TaskWeighting:
    """The weighting strategy called ``name`` (one of :data:`WEIGHTINGS`) for ``tasks``.

    ``weights`` is required by (and only used by) ``"fixed"``.
    """
    if name not in WEIGHTINGS:
        raise ValueError(f"unknown weighting {name!r}; choose from {', '.join(WEIGHTINGS)}")
    if (name == "fixed") != (weights is not None):
        raise ValueError('give weights={task: w} with weighting="fixed", and only then')
    return {
        "equal": lambda: EqualWeights(),
        "fixed": lambda: FixedWeights(weights or {}),
        "uncertainty": lambda: UncertaintyWeighting(tasks),
        "dwa": lambda: DynamicWeightAverage(),
        "gradnorm": lambda: GradNorm([t.name for t in tasks]),
        "pcgrad": lambda: PCGrad(seed),
    }[name]()


def task_losses(
    outputs: Mapping[str, Tensor], targets: Mapping[str, Tensor], tasks: Sequence[Task]
) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """Each predicted task's loss and its metric.

    Classification: cross-entropy and ``<task>_acc``; regression: mean squared error and
    ``<task>_mae`` (mean absolute error, in the target's unit).

    Parameters
    ----------
    outputs
        Task name -> logits (N, K) or regression output (N,); only these tasks are scored.
    targets
        Task name -> class indices (N,) or regression targets (N,).
    tasks
        Every task of the data, for their kinds.

    Returns
    -------
    losses, metrics
        Task name -> scalar loss; metric name -> detached scalar (also ``<task>_loss``).
    """
    kinds = {t.name: t.kind for t in tasks}
    losses, metrics = {}, {}
    for name, output in outputs.items():
        if name not in kinds:
            raise ValueError(f"the model predicts {name!r}, which the data has no targets for")
        output, target = output.float(), targets[name]
        if kinds[name] == "classification":
            losses[name] = F.cross_entropy(output, target)
            metrics[f"{name}_acc"] = (output.argmax(dim=1) == target).float().mean().detach()
        else:
            losses[name] = F.mse_loss(output, target.float())
            metrics[f"{name}_mae"] = (output - target).abs().mean().detach()
        metrics[f"{name}_loss"] = losses[name].detach()
    return losses, metrics


class MultiTaskObjective(nn.Module, Objective):
    """Several tasks through one model: per-task losses, combined by a weighting strategy.

    Batches are ``(images (N, 3, H, W), target_1, ..., target_T)`` in the order of
    ``tasks`` (as :class:`~tlwidgets.data.MultiTaskImages` yields them). The model returns
    ``{task: output}``; tasks it does not predict are ignored, so a one-head model is the
    single-task baseline on the same data. The objective is a module: learnable weights
    (uncertainty, GradNorm) are trained by :func:`~tlwidgets.train.fit` with the model.

    Training metrics: ``<task>_loss``, ``<task>_acc`` or ``<task>_mae``, ``weight_<task>``
    (and ``sigma_<task>`` for uncertainty), and ``grad_cos_<a>_<b>``: the cosine between
    two tasks' gradients on the shared parameters, every ``cosine_every`` steps. In
    evaluation (no gradients) the loss is the plain sum of the task losses, so it compares
    across strategies.

    Parameters
    ----------
    tasks
        The data's tasks, e.g. ``train.tasks``.
    weighting
        A name from :data:`WEIGHTINGS` or a :class:`TaskWeighting`.
    weights
        Task weights, for ``weighting="fixed"``.
    cosine_every
        Log gradient cosines every this many steps (0: never). Each costs one extra
        backward pass per task; PCGrad logs them on every step for free.
    seed
        Seeds PCGrad's projection order.
    weights_lr
        Learning rate of learnable task weights (uncertainty, GradNorm); None uses the
        model's. They are few and start far from their balance, so a faster rate than the
        network's lets them settle within a short run.
    """

    def __init__(
        self,
        tasks: Sequence[Task],
        weighting: str | TaskWeighting = "equal",
        *,
        weights: Mapping[str, float] | None = None,
        cosine_every: int = 10,
        seed: int = 0,
        weights_lr: float | None = None,
    ):
        super().__init__()
        self.tasks = tuple(tasks)
        self.weighting = (
            weighting
            if isinstance(weighting, TaskWeighting)
            else make_weighting(weighting, self.tasks, weights, seed)
        )
        self.cosine_every = cosine_every
        self.parameters_lr = weights_lr  # read by fit() for the learnable task weights
        self.steps = 0

    def forward(self, model: nn.Module, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        """Return the combined loss and the per-task metrics of one batch."""
        if len(batch) != len(self.tasks) + 1:
            raise ValueError(
                f"expected batches (images, {', '.join(t.name for t in self.tasks)}), "
                f"got {len(batch)} tensors; load the data with load_multitask()"
            )
        images, *values = batch
        targets = dict(zip((t.name for t in self.tasks), values, strict=True))
        losses, metrics = task_losses(model(images), targets, self.tasks)
        if not torch.is_grad_enabled():  # evaluation
            return sum(losses.values()), metrics  # type: ignore[return-value]
        total, logged = self.weighting.combine(losses, model)
        metrics.update({key: value.to(total.device) for key, value in logged.items()})
        regularization = getattr(model, "regularization", None)
        if regularization is not None:
            total = total + regularization()
        metrics.update(self._cosines(losses, model))
        self.steps += 1
        return total, metrics

    def _cosines(self, losses: Mapping[str, Tensor], model: nn.Module) -> dict[str, Tensor]:
        shared = getattr(model, "shared_parameters", lambda: [])()
        if len(losses) < 2 or not shared:
            return {}
        if isinstance(self.weighting, PCGrad):
            return gradient_cosines(self.weighting.last_gradients)
        if not self.cosine_every or self.steps % self.cosine_every:
            return {}
        return gradient_cosines(task_gradients(losses, shared))

    def on_epoch_end(self) -> None:
        """Pass the epoch's end on to the weighting (DWA updates its weights)."""
        self.weighting.on_epoch_end()
